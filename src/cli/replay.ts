// dtee-replay's command line: argv to a ReplayConfig.
import { SYSEXITS } from "../exit-status";
import type { ArgsDef } from "citty";
import { getopt, renderOptions } from "./getopt";
import { replay, ReplayError, type ReplayConfig } from "../replay/replay";
import { parseTimeBound } from "../replay/records";
import { printError } from "../dtee/messages";
import { writeStdout } from "./output";
import { writeText } from "../sys/write-all";
import { VERSION } from "../version";

const replayArgs = {
  speed: { type: "string", valueHint: "N", description: "replay with the original timing, N times as fast (default: no delays)" },
  stdout: { type: "boolean", description: "replay only what went to stdout" },
  stderr: { type: "boolean", description: "replay only what went to stderr" },
  since: { type: "string", valueHint: "TIME", description: "skip writes before TIME (ISO-8601, nanoseconds since the epoch, or +SECONDS from the first write)" },
  until: { type: "string", valueHint: "TIME", description: "stop after TIME (same forms)" },
  help: { type: "boolean", alias: ["h"], description: "show this help and exit" },
  version: { type: "boolean", alias: ["V"], description: "show the version and exit" },
} satisfies ArgsDef;

function help(argv0: string): string {
  return (
    `Usage: ${argv0} [OPTION]... LOG\n\n` +
    "Write the output captured in a dtee capture log (dtee --log) again: stdout to\n" +
    "stdout and stderr to stderr, in the order the command wrote it.\n\n" +
    `${renderOptions(replayArgs, Object.keys(replayArgs))}\n\n` +
    "Exit status: 0; 64 usage; 65 the log is malformed; 66 it cannot be read; 74 a write failed.\n"
  );
}

export async function runReplayCli(argv0: string, args: string[]): Promise<void> {
  const usage = (message: string): never => {
    printError(argv0, message, "utf8");
    writeStderrLine(`Try '${argv0} -h' for more information.`);
    process.exit(SYSEXITS.USAGE);
  };
  const parsed = getopt(args, { defs: replayArgs, stopAtFirstOperand: false });
  if (!parsed.ok) return usage(parsed.message);
  const get = (name: string) => parsed.options.filter((o) => o.name === name).at(-1)?.value;
  const has = (name: string) => parsed.options.some((o) => o.name === name);
  if (has("help")) {
    writeStdout(help(argv0));
    process.exit(SYSEXITS.OK);
  }
  if (has("version")) {
    writeStdout(`dtee-replay ${VERSION} (dtee for Bun)\n`);
    process.exit(SYSEXITS.OK);
  }
  if (parsed.rest.length !== 1) return usage(parsed.rest.length === 0 ? "no log file given" : "only one log file may be given");
  const speedText = get("speed");
  const speed = speedText === undefined ? 0 : Number(speedText);
  if (speedText !== undefined && (!Number.isFinite(speed) || speed <= 0)) return usage(`invalid speed '${speedText}': give a number greater than 0`);
  const bound = (name: string) => {
    const text = get(name);
    if (text === undefined) return undefined;
    return parseTimeBound(text) ?? usage(`invalid time '${text}' for --${name}`);
  };
  const onlyOut = has("stdout");
  const onlyErr = has("stderr");
  const cfg: ReplayConfig = {
    argv0,
    path: parsed.rest[0]!,
    speed,
    streams: { stdout: onlyOut || !onlyErr, stderr: onlyErr || !onlyOut },
    since: bound("since"),
    until: bound("until"),
  };
  try {
    await replay(cfg);
  } catch (e) {
    if (e instanceof ReplayError) {
      printError(argv0, e.message, "utf8");
      process.exit(e.status);
    }
    throw e;
  }
  process.exit(SYSEXITS.OK);
}

function writeStderrLine(text: string): void {
  writeText(2, text + "\n");
}
