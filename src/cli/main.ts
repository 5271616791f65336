// Entry dispatch: which tool runs, under which name. A compiled binary picks
// its tool from the name it was invoked by; the package bins name theirs.
import { inheritedFds } from "./early";
import { parseDtee } from "./dtee";
import { runDtee } from "../dtee/run";
import { ffiUnavailable } from "../sys/libc";
import { printError } from "../dtee/messages";
import { EX } from "../dtee/config";

import { writeStdout } from "./output";
import { isCompiled } from "../runtime";
import { rawArgv } from "../raw-process";
import { writeText } from "../sys/write-all";

export type Tool = "dtee" | "cronty" | "multitee" | "dtee-bench" | "dtee-replay";

const TOOLS: readonly Tool[] = ["dtee", "cronty", "multitee", "dtee-bench", "dtee-replay"];

/** The invoked name and arguments, for a compiled binary or a script. */
export function invocation(fallback: Tool): { tool: Tool; argv0: string; args: string[] } {
  if (isCompiled()) {
    const argv0 = process.argv0;
    // The last path component (no node:path: it costs start-up time).
    const name = argv0.slice(argv0.lastIndexOf("/") + 1) as Tool;
    return { tool: TOOLS.includes(name) ? name : fallback, argv0, args: process.argv.slice(2) };
  }
  return { tool: fallback, argv0: fallback, args: process.argv.slice(2) };
}

export async function main(fallback: Tool): Promise<void> {
  const { tool, argv0, args } = invocation(fallback);
  try {
    await runTool(tool, argv0, args);
  } catch (e) {
    // A bug of ours: one line in the tools' format and EX_SOFTWARE, never a stack trace.
    writeText(2, `${argv0}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(EX.SOFTWARE);
  }
}

async function runTool(tool: Tool, argv0: string, args: string[]): Promise<void> {
  switch (tool) {
    case "dtee":
    case "cronty":
      return runDteeCli(argv0, args, tool === "cronty");
    case "multitee": {
      const { runMultiteeCli } = await import("./multitee");
      return runMultiteeCli(argv0, args);
    }
    case "dtee-replay": {
      const { runReplayCli } = await import("./replay");
      return runReplayCli(argv0, args);
    }
    case "dtee-bench": {
      const { runBenchCli } = await import("./bench");
      return runBenchCli(argv0, args);
    }
  }
}

async function runDteeCli(argv0: string, args: string[], cronty: boolean): Promise<void> {
  // dtee works on byte strings (see dtee/config.ts): the raw argv when /proc
  // has it, so arguments that are not UTF-8 reach the command unchanged.
  const raw = rawArgv();
  const bytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
  const name = isCompiled() && raw ? raw.argv0.toString("latin1") : bytes(argv0);
  const words = raw && raw.args.length >= args.length ? raw.args.map((b) => b.toString("latin1")) : args.map(bytes);
  const cli = parseDtee(name, words, cronty);
  switch (cli.kind) {
    case "help":
    case "version":
      writeStdout(cli.text, "latin1");
      process.exit(0);
    case "no-command":
      writeStdout(cli.text, "latin1");
      process.exit(EX.USAGE);
    case "usage-error": {
      printError(name, cli.message);
      writeText(2, cli.hint + "\n", "latin1");
      process.exit(EX.USAGE);
    }
    case "run":
      if (ffiUnavailable) (await import("../dtee/without-ffi")).runWithoutFfi(cli.config, ffiUnavailable);
      await runDtee(cli.config, inheritedFds);
  }
}
