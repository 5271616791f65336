// dtee's and cronty's command line: argv to a DteeConfig, help and version.
import { defineCommand, type ArgsDef } from "citty";
import { getopt, renderOptions } from "./getopt";
import { debugOptionsText } from "./debug-options";
import { VERSION } from "../version";
import type { DteeConfig, OutputFile, OutputStream } from "../dtee/config";

const FILE = "FILE";

export const dteeArgs = {
  "out-append": { type: "string", alias: ["o"], valueHint: FILE, description: "append standard output to FILE" },
  "out-overwrite": { type: "string", alias: ["O"], valueHint: FILE, description: "write standard output to FILE, truncating it first" },
  "err-append": { type: "string", alias: ["e"], valueHint: FILE, description: "append standard error to FILE" },
  "err-overwrite": { type: "string", alias: ["E"], valueHint: FILE, description: "write standard error to FILE, truncating it first" },
  "combined-append": { type: "string", alias: ["c"], valueHint: FILE, description: "append standard output and error, in order, to FILE" },
  "combined-overwrite": { type: "string", alias: ["C"], valueHint: FILE, description: "write standard output and error, in order, to FILE, truncating it first" },
  log: { type: "string", valueHint: FILE, description: "write a JSON Lines capture log to FILE: every write, its stream and receive time, then the exit status" },
  "log-append": { type: "string", valueHint: FILE, description: "append the capture log to FILE" },
  tag: { type: "boolean", description: "prefix each line of the combined files with O (stdout) or E (stderr)" },
  timestamps: { type: "boolean", description: "prefix each line of the combined files with its receive time" },
  "ignore-interrupts": { type: "boolean", alias: ["i"], description: "ignore SIGINT (the command still receives it)" },
  "line-buffered": {
    type: "boolean",
    alias: ["l"],
    description: "make the command's stdout line-buffered where its runtime allows (C stdio, Python)",
  },
  cron: { type: "boolean", alias: ["q"], description: "operate in cron mode: print nothing unless the command writes to standard error or fails" },
  help: { type: "boolean", alias: ["h"], description: "show this help and exit" },
  version: { type: "boolean", alias: ["V"], description: "show the version and exit" },
  // Hidden (not in the help or the manual): dtee 1.1.3's test hook, see debug-options.ts.
  "debug-options": { type: "boolean", description: "print the parsed options and exit" },
} satisfies ArgsDef;

export const dteeCommand = defineCommand({
  meta: { name: "dtee", version: VERSION, description: "run a command with its stdout and stderr copied to files, in order" },
  args: dteeArgs,
});

// Files are opened in this order (the overwrite lists first), as dtee does.
const FILE_OPTIONS: readonly [string, OutputStream, boolean][] = [
  ["out-overwrite", "stdout", false],
  ["err-overwrite", "stderr", false],
  ["combined-overwrite", "combined", false],
  ["out-append", "stdout", true],
  ["err-append", "stderr", true],
  ["combined-append", "combined", true],
];

export type DteeCli =
  | { kind: "run"; config: DteeConfig }
  | { kind: "help"; text: string }
  // Also the --debug-options listing: like the version, a text for stdout and status 0.
  | { kind: "version"; text: string }
  | { kind: "usage-error"; message: string; hint: string }
  | { kind: "no-command"; text: string };

export function helpText(argv0: string, cronty: boolean): string {
  const modeNames = cronty ? ["ignore-interrupts", "line-buffered"] : ["ignore-interrupts", "line-buffered", "cron"];
  const about = cronty
    ? "Run COMMAND with its standard output and standard error copied to each FILE,\n" +
      "printing nothing unless the command writes to standard error or exits with a\n" +
      "non-zero status; then print all its output in order, and its exit status.\n"
    : "Run COMMAND with its standard output and standard error copied to each FILE,\n" +
      "while its standard output and standard error still reach their usual places,\n" +
      "in the order the command wrote them.\n";
  return (
    `Usage: ${argv0} [OPTION]... COMMAND [ARG]...\n\n${about}\n` +
    `Output files (each may be given more than once):\n${renderOptions(dteeArgs, FILE_OPTIONS.map(([n]) => n).sort(byDefinitionOrder))}\n\n` +
    `Capture log and annotated combined files:\n${renderOptions(dteeArgs, ["log", "log-append", "tag", "timestamps"])}\n\n` +
    `Options:\n${renderOptions(dteeArgs, modeNames)}\n\n` +
    `Miscellaneous:\n${renderOptions(dteeArgs, ["help", "version"])}\n\n` +
    "Exit status: the command's, or 128+N if it was killed by signal N;\n" +
    "64 usage, 66 command not executable, 69 sockets unavailable, 71 spawn failed,\n" +
    "73 an output file could not be opened, 74 a write failed.\n"
  );
}

const definitionOrder = Object.keys(dteeArgs);
function byDefinitionOrder(a: string, b: string): number {
  return definitionOrder.indexOf(a) - definitionOrder.indexOf(b);
}

export function versionText(): string {
  const meta = dteeCommand.meta as { name: string; version: string };
  return (
    `${meta.name} ${meta.version} (for Bun)\n` +
    "Copyright 2026  the dtee for Bun authors\n" +
    "Licence GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n" +
    "This is free software: you are free to change and redistribute it.\n" +
    "There is NO WARRANTY, to the extent permitted by law.\n"
  );
}

/** Parses dtee's arguments (after the program name). */
export function parseDtee(argv0: string, args: readonly string[], cronty: boolean): DteeCli {
  // The command's declaration is the one source of its options.
  const defs: ArgsDef = { ...(dteeCommand.args as ArgsDef) };
  const parsed = getopt(args, { defs, stopAtFirstOperand: true, boost: true });
  const hint = `Try '${argv0} -h' for more information.`;
  if (!parsed.ok) return { kind: "usage-error", message: parsed.message, hint };
  const has = (name: string) => parsed.options.some((o) => o.name === name);
  if (has("help")) return { kind: "help", text: helpText(argv0, cronty) };
  if (has("version")) return { kind: "version", text: versionText() };
  if (has("debug-options")) return { kind: "version", text: debugOptionsText(parsed.options, parsed.rest) };
  if (parsed.rest.length === 0) return { kind: "no-command", text: helpText(argv0, cronty) };
  const outputs: OutputFile[] = [];
  for (const [name, stream, append] of FILE_OPTIONS) {
    for (const o of parsed.options) if (o.name === name) outputs.push({ stream, path: o.value!, append });
  }
  // The last log option wins: there is one capture log.
  let log: { path: string; append: boolean } | undefined;
  for (const o of parsed.options) {
    if (o.name === "log" || o.name === "log-append") log = { path: o.value!, append: o.name === "log-append" };
  }
  return {
    kind: "run",
    config: {
      argv0,
      outputs,
      ignoreInterrupts: has("ignore-interrupts"),
      lineBuffered: has("line-buffered"),
      cron: cronty || has("cron"),
      command: parsed.rest,
      log,
      tag: has("tag"),
      timestamps: has("timestamps"),
    },
  };
}
