// Which tool runs, under which name, with which arguments. A compiled
// binary picks its tool from the name it was invoked by (dist/cronty is a
// link to dist/dtee); the package's bin scripts name theirs. dtee works on
// byte strings (see dtee/config.ts): its name and words are taken from the
// raw argv when /proc has it, so arguments that are not UTF-8 reach the
// command unchanged.
import { isCompiled } from "./runtime";
import { rawArgv } from "./raw-process";

export type Tool = "dtee" | "cronty" | "multitee" | "dtee-bench" | "dtee-replay";

const TOOLS: readonly Tool[] = ["dtee", "cronty", "multitee", "dtee-bench", "dtee-replay"];

/** The invoked name and arguments, for a compiled binary or a script. */
export function invocation(fallback: Tool): { tool: Tool; argv0: string; args: string[] } {
  const args = process.argv.slice(2);
  if (!isCompiled()) return { tool: fallback, argv0: fallback, args };
  const argv0 = process.argv0;
  // The last path component (not node:path: loading it costs start-up time).
  const name = argv0.slice(argv0.lastIndexOf("/") + 1) as Tool;
  return { tool: TOOLS.includes(name) ? name : fallback, argv0, args };
}

/** The program name and arguments as byte strings (latin1: one char per byte). */
export function byteStringArguments(argv0: string, args: readonly string[]): { name: string; words: string[] } {
  const raw = rawArgv();
  const bytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
  const name = isCompiled() && raw ? raw.argv0.toString("latin1") : bytes(argv0);
  const words = raw && raw.args.length >= args.length ? raw.args.map((b) => b.toString("latin1")) : args.map(bytes);
  return { name, words };
}
