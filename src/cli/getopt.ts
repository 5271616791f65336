// A getopt-style tokenizer over citty argument definitions: short clusters
// (-iq), attached values (-oFILE, --out-append=FILE), repeated options kept in
// order, and options that stop at the first non-option word or at "--" (the
// rest belongs to the command). citty's own parser cannot stop early or keep
// repeats, so citty supplies the definitions and this walks argv.
import type { ArgsDef } from "citty";

export interface ParsedOption {
  /** The long name of the option (the key in the definitions). */
  name: string;
  /** The value, for string options. */
  value?: string;
}

export type GetoptResult =
  | { ok: true; options: ParsedOption[]; rest: string[] }
  | { ok: false; message: string };

function aliasesOf(def: ArgsDef[string]): string[] {
  const a = (def as { alias?: string | string[] }).alias;
  return a === undefined ? [] : Array.isArray(a) ? a : [a];
}

export interface GetoptSpec {
  defs: ArgsDef;
  /** Stop at the first word that is not an option (dtee); else keep scanning. */
  stopAtFirstOperand: boolean;
}

export function getopt(argv: readonly string[], spec: GetoptSpec): GetoptResult {
  const short = new Map<string, string>();
  for (const [name, def] of Object.entries(spec.defs)) {
    for (const a of aliasesOf(def)) if (a.length === 1) short.set(a, name);
  }
  const takesValue = (name: string) => spec.defs[name]?.type === "string";
  const options: ParsedOption[] = [];
  const rest: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (tok.length < 2 || tok[0] !== "-") {
      if (spec.stopAtFirstOperand) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(tok);
      i++;
      continue;
    }
    if (tok.startsWith("--")) {
      const eq = tok.indexOf("=");
      const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      const def = spec.defs[name];
      if (!def || def.type === "positional") return { ok: false, message: `unrecognised option '${tok}'` };
      if (takesValue(name)) {
        if (eq >= 0 && eq === tok.length - 1)
          return { ok: false, message: `the argument for option '--${name}' should follow immediately after the equal sign` };
        if (eq >= 0) options.push({ name, value: tok.slice(eq + 1) });
        else if (i + 1 < argv.length) options.push({ name, value: argv[++i]! });
        else return { ok: false, message: `the required argument for option '--${name}' is missing` };
      } else {
        if (eq >= 0) return { ok: false, message: `option '--${name}' does not take any arguments` };
        options.push({ name });
      }
      i++;
      continue;
    }
    // A cluster of short options; a value option takes the rest of the word
    // or, if that is empty, the next word.
    for (let j = 1; j < tok.length; j++) {
      const letter = tok[j]!;
      const name = short.get(letter);
      if (!name) return { ok: false, message: `unrecognised option '${tok}'` };
      if (takesValue(name)) {
        if (j + 1 < tok.length) options.push({ name, value: tok.slice(j + 1) });
        else if (i + 1 < argv.length) options.push({ name, value: argv[++i]! });
        else return { ok: false, message: `the required argument for option '--${name}' is missing` };
        break;
      }
      options.push({ name });
    }
    i++;
  }
  // A switch means the same however often it is given; saying it twice is
  // more likely a mistake than intent (dtee rejects it too).
  const seen = new Set<string>();
  for (const o of options) {
    if (takesValue(o.name)) continue;
    if (seen.has(o.name)) return { ok: false, message: `option '--${o.name}' cannot be specified more than once` };
    seen.add(o.name);
  }
  return { ok: true, options, rest };
}

/** Plain-text help from the same definitions: "  -o, --out-append=FILE  text". */
export function renderOptions(defs: ArgsDef, names: readonly string[]): string {
  const rows = names.map((name) => {
    const def = defs[name]!;
    const letters = aliasesOf(def).filter((a) => a.length === 1);
    const hint = def.type === "string" ? `=${(def as { valueHint?: string }).valueHint ?? "VALUE"}` : "";
    const left = `${letters.length ? `-${letters[0]}, ` : "    "}--${name}${hint}`;
    return [left, def.description ?? ""] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`).join("\n");
}
