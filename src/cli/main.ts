// Entry dispatch: which tool runs, under which name. A compiled binary picks
// its tool from the name it was invoked by; the package bins name theirs.
import { inheritedFds } from "../startup/early";
import { parseDtee } from "./dtee";
import { runDtee } from "../dtee/run";
import { ffiUnavailable } from "../sys/libc";
import { printError } from "../dtee/messages";
import { EX } from "../dtee/config";

import { writeStdout } from "./output";
import { invocation, byteStringArguments, type Tool } from "../startup/invocation";
import { writeText } from "../sys/write-all";

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
  const { name, words } = byteStringArguments(argv0, args);
  const cli = parseDtee(name, words, cronty);
  switch (cli.kind) {
    case "help":
    case "version":
      writeStdout(cli.text, "latin1");
      process.exit(EX.OK);
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
