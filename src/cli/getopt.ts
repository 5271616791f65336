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
  /**
   * Read the command line as boost::program_options reads dtee 1.1.3's, quirks
   * included (measured against native dtee): "--=WORD", "---=WORD" and
   * "--- WORD" give WORD as an operand and option parsing goes on (boost files
   * operands under the option name "-"); a lone "-" is an operand that does
   * not stop option parsing; "--NAME=" with nothing after the equal sign is
   * refused before the name is looked up, and as the next word for a value
   * ("-o --x="); a next word that is one of the short options ("-o -i") is
   * not taken as the value. One boost quirk is left out on purpose: boost
   * also refuses a next word that is a long name without its dashes
   * ("-o cron", "-o help"), though that is a good file name.
   */
  boost?: boolean;
}

/** The long name boost files dtee's command words under, so "---=WORD" and "--- WORD" are operands. */
const OPERAND_OPTION = "-";

export function getopt(argv: readonly string[], spec: GetoptSpec): GetoptResult {
  const short = new Map<string, string>();
  for (const [name, def] of Object.entries(spec.defs)) {
    for (const a of aliasesOf(def)) if (a.length === 1) short.set(a, name);
  }
  const takesValue = (name: string) => spec.defs[name]?.type === "string";
  const missing = (name: string): GetoptResult => ({ ok: false, message: `the required argument for option '--${name}' is missing` });
  const emptyAfterEquals = (name: string): GetoptResult => ({
    ok: false,
    message: `the argument for option ${name ? `'--${name}' ` : ""}should follow immediately after the equal sign`,
  });
  // "--NAME=" with nothing after its first "=".
  const endsAtEquals = (word: string) => word.length >= 3 && word.startsWith("--") && word.indexOf("=") === word.length - 1;
  const options: ParsedOption[] = [];
  const rest: string[] = [];
  let i = 0;
  /**
   * The next word as the value of option NAME. boost refuses a word that is
   * one of our short options ("-o -i") as a missing argument and a word
   * ending at its "=" ("-o --x=") as an empty one.
   */
  const nextWord = (name: string): string | GetoptResult => {
    if (i + 1 >= argv.length) return missing(name);
    const word = argv[i + 1]!;
    if (spec.boost) {
      if (word.length === 2 && word[0] === "-" && short.has(word[1]!)) return missing(name);
      if (endsAtEquals(word)) return emptyAfterEquals(name);
    }
    i++;
    return word;
  };
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (spec.boost && tok === "-") {
      rest.push(tok);
      i++;
      continue;
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
      // boost checks the "=" before it looks the name up.
      if (spec.boost && endsAtEquals(tok)) return emptyAfterEquals(name);
      if (spec.boost && (name === "" || name === OPERAND_OPTION)) {
        // "--=WORD" (without "=" the name "" is "--"), "---=WORD", "--- WORD".
        if (eq >= 0) rest.push(tok.slice(eq + 1));
        else {
          const word = nextWord(name);
          if (typeof word !== "string") return word;
          rest.push(word);
        }
        i++;
        continue;
      }
      const def = spec.defs[name];
      if (!def || def.type === "positional") return { ok: false, message: `unrecognised option '${tok}'` };
      if (takesValue(name)) {
        if (eq >= 0 && eq === tok.length - 1) return emptyAfterEquals(name);
        if (eq >= 0) options.push({ name, value: tok.slice(eq + 1) });
        else {
          const word = nextWord(name);
          if (typeof word !== "string") return word;
          options.push({ name, value: word });
        }
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
        else {
          const word = nextWord(name);
          if (typeof word !== "string") return word;
          options.push({ name, value: word });
        }
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
