// The fuzz suite's models, apart from its tests: dtee's command-line grammar
// and multitee's spec grammar written from their documentation (not from
// src/cli), and the seeded generators of argument vectors and specs. The
// tests in test/all-tools/fuzz.test.ts compare the real parsers and the real
// tools against these predictions.
import type { DteeCli } from "../../src/cli/dtee";
import type { Rng } from "./reliability-common";

// The reference model: dtee's grammar as documented (README, native report),
// written independently of src/cli/getopt.ts. dtee 1.1.3 reads its command
// line with boost::program_options, and so do we, quirks included (checked
// against native dtee's --debug-options): "--=W", "---=W" and "--- W" give W as
// a command word and options go on; so does a lone "-"; "--NAME=" is refused
// before NAME is looked up; a value option does not take "-L" (one of our
// letters) or "--X=" as its next word.

type Name =
  | "out-append"
  | "out-overwrite"
  | "err-append"
  | "err-overwrite"
  | "combined-append"
  | "combined-overwrite"
  | "ignore-interrupts"
  | "line-buffered"
  | "cron"
  | "help"
  | "version";

const SHORT: Record<string, Name> = {
  o: "out-append",
  O: "out-overwrite",
  e: "err-append",
  E: "err-overwrite",
  c: "combined-append",
  C: "combined-overwrite",
  i: "ignore-interrupts",
  l: "line-buffered",
  q: "cron",
  h: "help",
  V: "version",
};
const FILES: Record<string, { stream: "stdout" | "stderr" | "combined"; append: boolean }> = {
  "out-append": { stream: "stdout", append: true },
  "out-overwrite": { stream: "stdout", append: false },
  "err-append": { stream: "stderr", append: true },
  "err-overwrite": { stream: "stderr", append: false },
  "combined-append": { stream: "combined", append: true },
  "combined-overwrite": { stream: "combined", append: false },
};
const LONG = new Set<string>([...Object.values(SHORT)]);
// dtee opens every -O, then -E, -C, -o, -e, -c, each in command-line order.
const OPEN_ORDER: Name[] = ["out-overwrite", "err-overwrite", "combined-overwrite", "out-append", "err-append", "combined-append"];

export type Model =
  | { kind: "usage-error"; message: string }
  | { kind: "help" | "version" | "no-command" }
  | {
      kind: "run";
      outputs: { stream: string; path: string; append: boolean }[];
      ignoreInterrupts: boolean;
      lineBuffered: boolean;
      cron: boolean;
      command: string[];
    };

export function model(args: readonly string[], cronty: boolean): Model {
  return modelParse(args, cronty).model;
}

/** The model, and whether a word ended the options (so later words are the command's). */
export function modelParse(args: readonly string[], cronty: boolean): { model: Model; captured: boolean } {
  const given: { name: Name; value?: string }[] = [];
  const err = (message: string) => ({ model: { kind: "usage-error", message } as Model, captured: false });
  const command: string[] = [];
  let captured = false;
  const emptyValue = (w: string) => w.startsWith("--") && w.length >= 3 && w.indexOf("=") === w.length - 1;
  /** The word after args[i] as the value of --name, or the error. */
  const valueAfter = (i: number, name: string): string | { model: Model; captured: boolean } => {
    const w = args[i + 1];
    if (w === undefined || (w.length === 2 && w[0] === "-" && w[1]! in SHORT)) return err(`the required argument for option '--${name}' is missing`);
    if (emptyValue(w)) return err(`the argument for option '--${name}' should follow immediately after the equal sign`);
    return w;
  };
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === "--") {
      command.push(...args.slice(i + 1));
      captured = true;
      break;
    }
    if (a === "-") {
      command.push(a);
      i++;
      continue;
    }
    if (a === "" || a[0] !== "-") {
      command.push(...args.slice(i));
      captured = true;
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = (eq < 0 ? a.slice(2) : a.slice(2, eq)) as Name;
      if (eq === a.length - 1) return err(`the argument for option ${(name as string) === "" ? "" : `'--${name}' `}should follow immediately after the equal sign`);
      if ((name as string) === "" || (name as string) === "-") {
        if (eq >= 0) command.push(a.slice(eq + 1));
        else {
          const v = valueAfter(i++, name);
          if (typeof v !== "string") return v;
          command.push(v);
        }
        i++;
        continue;
      }
      if (!LONG.has(name)) return err(`unrecognised option '${a}'`);
      if (name in FILES) {
        if (eq >= 0) given.push({ name, value: a.slice(eq + 1) });
        else {
          const v = valueAfter(i++, name);
          if (typeof v !== "string") return v;
          given.push({ name, value: v });
        }
      } else {
        if (eq >= 0) return err(`option '--${name}' does not take any arguments`);
        given.push({ name });
      }
      i++;
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const name = SHORT[a[j]!];
      if (!name) return err(`unrecognised option '${a}'`);
      if (name in FILES) {
        if (j + 1 < a.length) given.push({ name, value: a.slice(j + 1) });
        else {
          const v = valueAfter(i++, name);
          if (typeof v !== "string") return v;
          given.push({ name, value: v });
        }
        break;
      }
      given.push({ name });
    }
    i++;
  }
  return { model: decide(given, command, cronty), captured };
}

function decide(given: { name: Name; value?: string }[], command: string[], cronty: boolean): Model {
  const err = (message: string): Model => ({ kind: "usage-error", message });
  const switches = given.filter((g) => !(g.name in FILES)).map((g) => g.name);
  const repeated = switches.find((s, k) => switches.indexOf(s) !== k);
  if (repeated) return err(`option '--${repeated}' cannot be specified more than once`);
  if (switches.includes("help")) return { kind: "help" };
  if (switches.includes("version")) return { kind: "version" };
  if (command.length === 0) return { kind: "no-command" };
  return {
    kind: "run",
    outputs: OPEN_ORDER.flatMap((n) => given.filter((g) => g.name === n).map((g) => ({ ...FILES[n]!, path: g.value! }))),
    ignoreInterrupts: switches.includes("ignore-interrupts"),
    lineBuffered: switches.includes("line-buffered"),
    cron: cronty || switches.includes("cron"),
    command,
  };
}

export function comparable(cli: DteeCli): Model {
  switch (cli.kind) {
    case "usage-error":
      return { kind: "usage-error", message: cli.message };
    case "run":
      return {
        kind: "run",
        outputs: cli.config.outputs.map((o) => ({ stream: o.stream, path: o.path, append: o.append })),
        ignoreInterrupts: cli.config.ignoreInterrupts,
        lineBuffered: cli.config.lineBuffered,
        cron: cli.config.cron,
        command: [...cli.config.command],
      };
    default:
      return { kind: cli.kind };
  }
}

// ---------------------------------------------------------------------------
// Generators.

const LETTERS = "oOeEcCilqhVxQz=-ä1 ";
const LONG_WORDS = [...LONG, "out", "cron ", "CRON", "out-append-", "ignore", "", "-", "=", "help=", "combined", "err_append", "vers"];
const VALUES = ["f1", "f2", "", "-x", "--", "=", "-q", "dir/f", "a b", "é", "🙂"];
const SPECIAL = ["--", "-", "", "=", "--=", "---", "-=", " ", "true", "-\n", "--\t", "x".repeat(300), "-" + "q".repeat(40), "--" + "o".repeat(200)];

/** A rich argument vector for the in-process fuzz. */
export function wildArgs(rng: Rng): string[] {
  const n = rng.int(9);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const roll = rng.int(10);
    if (roll < 3) out.push("-" + rng.pick(Object.keys(SHORT)));
    else if (roll < 5) {
      let s = "-";
      const len = 1 + rng.int(4);
      for (let j = 0; j < len; j++) s += rng.pick([...LETTERS]);
      out.push(s);
    } else if (roll < 7) {
      let s = "--" + rng.pick(LONG_WORDS);
      if (rng.chance(0.4)) s += "=" + rng.pick(VALUES);
      out.push(s);
    } else if (roll < 8) out.push(rng.pick(VALUES));
    else if (roll < 9) out.push(rng.pick(SPECIAL));
    else out.push(rng.pick(["true", "echo", "sh"]));
  }
  return out;
}

/**
 * An argument vector safe to run for real: options, values that are plain
 * names (some in a directory that does not exist), and the command `true`.
 * Never a lone "-" or "" where an option could be, so the command is `true`.
 */
export function runnableArgs(rng: Rng): string[] {
  const out: string[] = [];
  const values = ["f1", "f2", "nodir/f3", "", "-x", "--", "=", "-q"];
  // Does this short cluster end with a file option that takes the next word?
  const needsValue = (s: string) => {
    for (let j = 1; j < s.length; j++) {
      const name = SHORT[s[j]!];
      if (!name) return false; // an error anyway
      if (name in FILES) return j === s.length - 1;
    }
    return false;
  };
  const n = rng.int(6);
  for (let k = 0; k < n; k++) {
    const roll = rng.int(10);
    if (roll < 4) {
      const letter = rng.pick(Object.keys(SHORT));
      const name = SHORT[letter]!;
      if (name in FILES) {
        if (rng.chance(0.5)) out.push(`-${letter}`, rng.pick(values));
        else out.push(`-${letter}${rng.pick(["f4", "f5", "nodir/f6"])}`);
      } else out.push(`-${letter}`);
    } else if (roll < 7) {
      let s = "-";
      const len = 1 + rng.int(3);
      for (let j = 0; j < len; j++) s += rng.pick([..."oOeEcCiqhVxQ="]);
      out.push(s);
      if (needsValue(s)) out.push(rng.pick(values));
    } else if (roll < 9) {
      const name = rng.pick([...LONG, "out", "bogus", "cron"]);
      if (name in FILES) out.push(...(rng.chance(0.5) ? [`--${name}=${rng.pick(values)}`] : [`--${name}`, rng.pick(values)]));
      else out.push(rng.chance(0.2) ? `--${name}=1` : `--${name}`);
    } else out.push(rng.pick(["-x", "--=", "---=", "-=x", "--=true", "---=true", "--out-append="]));
  }
  // The command is always `true` (maybe after "--"), unless left out on purpose.
  if (rng.chance(0.9)) out.push(...(rng.chance(0.2) ? ["--"] : []), "true", ...(rng.chance(0.3) ? ["-o", "extra"] : []));
  return out;
}


/** The spec grammar from the manual: FD, then any number of SEP FD; SEP is -, ',', ':' or e. */
export function specModel(text: string, maxFd: number) {
  const m = /^([0-9]+)((?:[-,:e][0-9]+)*)$/.exec(text);
  if (!m) return { ok: false as const };
  const input = Number(m[1]);
  const routes: { fd: number; exitOnBrokenPipe: boolean }[] = [];
  const endsWith: number[] = [];
  for (const [, sep, fd] of m[2]!.matchAll(/([-,:e])([0-9]+)/g)) {
    const n = Number(fd);
    if (n > maxFd) return { ok: false as const };
    if (sep === "e") endsWith.push(n);
    else routes.push({ fd: n, exitOnBrokenPipe: sep === ":" });
  }
  if (input > maxFd) return { ok: false as const };
  return { ok: true as const, spec: { text, input, routes, endsWith } };
}

export function wildSpec(rng: Rng): string {
  const roll = rng.int(10);
  if (roll < 2) {
    // Structured and valid-looking, sometimes with a huge number.
    let s = String(rng.int(12));
    const n = rng.int(5);
    for (let k = 0; k < n; k++) s += rng.pick(["-", ",", ":", "e"]) + (rng.chance(0.05) ? "9".repeat(1 + rng.int(14)) : String(rng.int(12)));
    return s;
  }
  const alphabet = "0123456789-,:eE x;.+٣１\n";
  let s = "";
  const len = rng.int(10);
  for (let k = 0; k < len; k++) s += rng.pick([...alphabet]);
  return s;
}
