// The spec grammar: FD followed by any number of SEP FD, where SEP is
//   '-' or ','  an output (the two are the same),
//   ':'         an output whose broken pipe ends multitee,
//   'e'         a descriptor that reaches end of file when FD does.
// multitee 3.0 read a missing number as 0 and skipped unknown characters;
// here every mistake is reported with the character it was found at.
import type { RouteSpec, Spec } from "./config";

/** The largest descriptor number a spec may name (an int). */
export const MAX_FD = 0x7fff_ffff;

export type SpecResult = { ok: true; spec: Spec } | { ok: false; message: string };

const SEPARATORS = "-,:e";

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** Reads the decimal number starting at `at`; end is where the digits stop. */
function number(text: string, at: number): { value: number; end: number } {
  let end = at;
  let value = 0;
  while (isDigit(text[end])) {
    value = value * 10 + (text.charCodeAt(end) - 48);
    end++;
  }
  return { value, end };
}

function fail(text: string, message: string): SpecResult {
  return { ok: false, message: `bad spec '${text}': ${message}` };
}

/** Where a character is, counting from 1, for messages. */
function where(at: number): string {
  return `character ${at + 1}`;
}

export function parseSpec(text: string): SpecResult {
  if (text.length === 0) return fail(text, "empty; expected FDIN-FDOUT[,FDOUT]...");
  if (!isDigit(text[0])) {
    return fail(text, `expected the input descriptor number at ${where(0)}, found '${text[0]}'`);
  }
  const first = number(text, 0);
  if (first.value > MAX_FD) return fail(text, `descriptor number ${text.slice(0, first.end)} is too large`);
  const routes: RouteSpec[] = [];
  const endsWith: number[] = [];
  let at = first.end;
  while (at < text.length) {
    const sep = text[at]!;
    if (!SEPARATORS.includes(sep)) {
      return fail(text, `unexpected '${sep}' at ${where(at)}; expected '-', ',', ':' or 'e' before a descriptor number`);
    }
    if (!isDigit(text[at + 1])) {
      const found = text[at + 1] === undefined ? "the end" : `'${text[at + 1]}'`;
      return fail(text, `expected a descriptor number after '${sep}' at ${where(at + 1)}, found ${found}`);
    }
    const n = number(text, at + 1);
    if (n.value > MAX_FD) return fail(text, `descriptor number ${text.slice(at + 1, n.end)} is too large`);
    if (sep === "e") endsWith.push(n.value);
    else routes.push({ fd: n.value, exitOnBrokenPipe: sep === ":" });
    at = n.end;
  }
  return { ok: true, spec: { text, input: first.value, routes, endsWith } };
}
