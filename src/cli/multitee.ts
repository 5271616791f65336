// multitee's command line: argv to a MultiteeConfig, help and version.
import type { ArgsDef } from "citty";
import { getopt, renderOptions } from "./getopt";
import { inheritedFds } from "../startup/early";
import { VERSION } from "../version";
import { writeText } from "../sys/write-all";
import { DEFAULT_BUFFER_SIZE, EXIT, MAX_BUFFER_SIZE, type MultiteeConfig, type Spec, type Verbosity } from "../multitee/config";
import { parseSpec } from "../multitee/spec";

export const multiteeArgs = {
  "buffer-size": { type: "string", alias: ["b"], valueHint: "SIZE", description: `input buffer size in bytes for the read/write path (default ${DEFAULT_BUFFER_SIZE})` },
  verbose: { type: "boolean", alias: ["v"], description: "also say how each input is served and when it ends" },
  quiet: { type: "boolean", alias: ["q"], description: "never write to standard error (unless a spec names descriptor 2)" },
  normal: { type: "boolean", alias: ["Q"], description: "warnings and errors only (the default)" },
  help: { type: "boolean", alias: ["h"], description: "show this help and exit" },
  version: { type: "boolean", description: "show the version and exit" },
} satisfies ArgsDef;

export type MultiteeCli =
  | { kind: "run"; config: MultiteeConfig }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "usage-error"; message: string; hint: string; quiet: boolean };

export function multiteeHelp(argv0: string): string {
  return (
    `Usage: ${argv0} [-bSIZE] [-vqQ] SPEC...\n\n` +
    "Copy everything read from some descriptors to others, all at once. Each SPEC\n" +
    "is an input descriptor followed by what to do with its data:\n\n" +
    "  FDIN-FDOUT   copy FDIN to FDOUT; ',FDOUT' is the same, and adds another\n" +
    "  FDIN:FDOUT   the same, but exit (by SIGPIPE) if FDOUT's reader goes away\n" +
    "  FDIN...eFD   when FDIN reaches end of file, input FD does too\n\n" +
    "Several SPECs may name the same FDIN, or the same FDOUT (their data merges).\n" +
    "A write error on an output prints a warning and drops that output; the\n" +
    "others go on. An input that cannot be read ends as at end of file. Every\n" +
    "descriptor keeps being served while another is blocked; an input is not read\n" +
    "while one of its outputs is behind. multitee ends when every input has ended.\n\n" +
    `Options:\n${renderOptions(multiteeArgs, Object.keys(multiteeArgs))}\n\n` +
    "Examples:\n" +
    `  ${argv0} 0-1,4,5 4>foo 5>bar     like 'tee foo bar'\n` +
    `  ${argv0} 0:1 3:1 4:1,2 6:7       merge 0, 3 and 4 into 1; copy 4 to 2, 6 to 7\n` +
    `  ${argv0} 0:7 6:1e0               a network client: stop when 6 closes\n\n` +
    "On Linux, a pipe whose outputs are all pipes is fanned out with tee(2) and\n" +
    "splice(2): the data never enters this process.\n\n" +
    "Exit status: 0 normally, 1 usage (bad option or SPEC, a descriptor not open),\n" +
    "3 out of memory, 4 an impossible situation.\n"
  );
}

export function multiteeVersion(): string {
  return `multitee ${VERSION} (dtee for Bun; after multitee 3.0 by D. J. Bernstein)\n`;
}

function parseBufferSize(text: string): number | string {
  if (!/^[0-9]+$/.test(text)) return `invalid buffer size '${text}': expected a number of bytes`;
  const n = Number(text);
  if (n < 1 || n > MAX_BUFFER_SIZE) return `invalid buffer size '${text}': expected 1 to ${MAX_BUFFER_SIZE} bytes`;
  return n;
}

/** Parses multitee's arguments (after the program name). */
export function parseMultitee(argv0: string, args: readonly string[]): MultiteeCli {
  const hint = `Try '${argv0} -h' for more information.`;
  const parsed = getopt(args, { defs: multiteeArgs, stopAtFirstOperand: false });
  if (!parsed.ok) return { kind: "usage-error", message: parsed.message, hint, quiet: false };
  let verbosity: Verbosity = 1;
  let bufferSize = DEFAULT_BUFFER_SIZE;
  let sizeError: string | undefined;
  for (const o of parsed.options) {
    switch (o.name) {
      case "help":
        return { kind: "help", text: multiteeHelp(argv0) };
      case "version":
        return { kind: "version", text: multiteeVersion() };
      case "verbose":
        verbosity = 2;
        break;
      case "quiet":
        verbosity = 0;
        break;
      case "normal":
        verbosity = 1;
        break;
      case "buffer-size": {
        const size = parseBufferSize(o.value ?? "");
        if (typeof size === "string") sizeError ??= size;
        else bufferSize = size;
        break;
      }
    }
  }
  const quiet = verbosity === 0;
  if (sizeError) return { kind: "usage-error", message: sizeError, hint, quiet };
  const specs: Spec[] = [];
  for (const text of parsed.rest) {
    const r = parseSpec(text);
    if (!r.ok) return { kind: "usage-error", message: r.message, hint, quiet };
    specs.push(r.spec);
  }
  return { kind: "run", config: { bufferSize, verbosity, specs } };
}


/** multitee names itself in its messages whatever it was invoked as, as Debian's does. */
const MESSAGE_PREFIX = "multitee";

export async function runMultiteeCli(argv0: string, args: string[]): Promise<void> {
  const cli = parseMultitee(argv0, args);
  switch (cli.kind) {
    case "help":
    case "version":
      writeText(1, cli.text);
      process.exit(EXIT.OK);
    case "usage-error":
      if (!cli.quiet) writeText(2, `${MESSAGE_PREFIX}: ${cli.message}\n${cli.hint}\n`);
      process.exit(EXIT.USAGE);
    case "run": {
      const { runMultitee } = await import("../multitee/run");
      process.exit(runMultitee(cli.config, { argv0: MESSAGE_PREFIX, inheritedFds }));
    }
  }
}
