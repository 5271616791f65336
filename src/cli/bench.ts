// dtee-bench's command line: argv to a BenchConfig, help and version. The
// hidden `--producer JSON` mode is the process the benchmark measures; it
// lives behind the same entry so a compiled binary can start it too.
import { writeText } from "../sys/write-all";
import type { ArgsDef } from "citty";
import { getopt, renderOptions } from "./getopt";
import { VERSION } from "../version";
import { SYSEXITS } from "../exit-status";
import { libc } from "../sys/libc";
import { PROFILE_NAMES, isProfileName } from "../bench/profiles";
import { compareBudget, defaultMatrix, type BufferChoice } from "../bench/matrix";
import type { BenchConfig } from "../bench/run";
import { parseCount, parseSize } from "../bench/units";

/** The largest write size accepted (the producer holds one write in memory). */
const MAX_WRITE = 16 << 20;

const benchArgs = {
  quick: { type: "boolean", alias: ["q"], description: "a short run: all profiles, writes of 1 B to 1 MiB" },
  json: { type: "boolean", alias: ["j"], description: "print the results as JSON instead of a table" },
  svg: { type: "string", valueHint: "FILE", description: "also chart throughput and loss into FILE (SVG)" },
  compare: { type: "string", valueHint: "PATH", description: "also time the dtee at PATH, whole command (repeatable)" },
  tools: { type: "boolean", alias: ["t"], description: "also time tee and multitee (implied by --compare)" },
  profiles: {
    type: "string",
    alias: ["p"],
    valueHint: "LIST",
    description: "profiles to run, comma-separated (default: all)",
  },
  sizes: {
    type: "string",
    alias: ["s"],
    valueHint: "LIST",
    description: "write sizes in bytes, k and M suffixes (e.g. 1,4k,1M)",
  },
  buffers: {
    type: "string",
    alias: ["b"],
    valueHint: "LIST",
    description: "socket buffer sizes ('profile', the default: its own)",
  },
  rates: { type: "string", valueHint: "LIST", description: "writes per second to pace at; 0: flat out (default)" },
  "byte-rates": {
    type: "string",
    valueHint: "LIST",
    description: "bytes per second to pace at (k, M suffixes)",
  },
  batch: {
    type: "string",
    valueHint: "N",
    description: "datagrams per receive call (1: as dtee 1.1.3)",
  },
  streams: { type: "string", valueHint: "WHICH", description: "'out': stdout only (default); 'both': and stderr" },
  repeats: {
    type: "string",
    alias: ["r"],
    valueHint: "N",
    description: "timed runs per row after a warm-up (5; quick 3)",
  },
  messages: {
    type: "string",
    alias: ["n"],
    valueHint: "N",
    description: "at most N writes per run (default 200k; quick 10k)",
  },
  help: { type: "boolean", alias: ["h"], description: "show this help and exit" },
  version: { type: "boolean", alias: ["V"], description: "show the version and exit" },
} satisfies ArgsDef;

function benchHelp(argv0: string): string {
  return (
    `Usage: ${argv0} [OPTION]...\n\n` +
    "Measure dtee's datagram relay on this machine: a producer process writes\n" +
    "fixed-size messages to the relay, which delivers them to an output file the\n" +
    "way `dtee -O FILE` does. Each OS profile sets the socket buffers dtee uses on\n" +
    "that system; on the BSDs the relay's receive buffer is that kernel's (its byte\n" +
    "and mbuf accounting), the writer never waits and what does not fit is lost\n" +
    "(NetBSD reports it on receive); GNU Hurd gives no sender addresses and cuts\n" +
    "large writes. Bytes written, delivered and lost are counted for real.\n\n" +
    `Profiles: ${PROFILE_NAMES.slice(0, 5).join(", ")},\n  ${PROFILE_NAMES.slice(5).join(", ")}\n` +
    "(native: this machine exactly as dtee runs here, without emulation).\n\n" +
    `What to run:\n${renderOptions(benchArgs, ["quick", "profiles", "sizes", "buffers", "rates", "byte-rates", "batch", "streams", "repeats", "messages"])}\n\n` +
    `Output:\n${renderOptions(benchArgs, ["json", "svg"])}\n\n` +
    `Side by side:\n${renderOptions(benchArgs, ["compare", "tools"])}\n\n` +
    `Miscellaneous:\n${renderOptions(benchArgs, ["help", "version"])}\n\n` +
    "A progress line is shown while stderr is a terminal. TMPDIR says where the\n" +
    `working files go. Exit status: ${SYSEXITS.OK} when done, ${SYSEXITS.USAGE} usage, ${SYSEXITS.NOINPUT} a --compare PATH\n` +
    `cannot be run, ${SYSEXITS.SOFTWARE} a run failed, ${SYSEXITS.CANTCREAT} a file could not be created.\n`
  );
}

function benchVersion(): string {
  return `dtee-bench ${VERSION} (dtee for Bun)\nLicence GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n`;
}

export type BenchCli =
  | { kind: "run"; config: BenchConfig }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "usage-error"; message: string };

/** A usage error ends the parse wherever it is found; parseBench makes it its result. */
class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

/** `n` if it is from `min` to `max`, else undefined. */
function within(n: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return n !== undefined && n >= min && n <= max ? n : undefined;
}

/** The words of a LIST option (repeatable, comma-separated), each parsed; `invalid` words the first bad one. */
function listOf<T>(words: readonly string[], parse: (word: string) => T | undefined, invalid: string, what: string): T[] {
  const values = words
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
    .map((word) => parse(word) ?? usage(invalid.replace("WORD", () => word)));
  if (!values.length) usage(`no ${what} given`);
  return values;
}

/** Parses dtee-bench's arguments; `isTerminal` says whether stderr is a terminal. */
export function parseBench(
  argv0: string,
  args: readonly string[],
  isTerminal: boolean,
  env: Record<string, string | undefined> = process.env,
): BenchCli {
  const parsed = getopt(args, { defs: benchArgs, stopAtFirstOperand: false });
  if (!parsed.ok) return { kind: "usage-error", message: parsed.message };
  if (parsed.rest.length) return { kind: "usage-error", message: `unexpected argument '${parsed.rest[0]}'` };
  const values = (name: string) => parsed.options.filter((o) => o.name === name).map((o) => o.value!);
  const has = (name: string) => parsed.options.some((o) => o.name === name);
  const last = (name: string) => values(name).at(-1);
  if (has("help")) return { kind: "help", text: benchHelp(argv0) };
  if (has("version")) return { kind: "version", text: benchVersion() };
  const quick = has("quick");
  const matrix = defaultMatrix(quick);
  const compareLimits = compareBudget(quick);
  try {
    if (has("profiles")) {
      const names = listOf(
        values("profiles"),
        (name) => (name === "all" ? PROFILE_NAMES : isProfileName(name) ? [name] : undefined),
        `unknown profile 'WORD' (one of: ${PROFILE_NAMES.join(", ")}, all)`,
        "profiles",
      );
      matrix.profiles = [...new Set(names.flat())];
    }
    if (has("sizes")) {
      const sizes = listOf(values("sizes"), (w) => within(parseSize(w), 1, MAX_WRITE), "invalid write size 'WORD' (1 to 16M)", "write sizes");
      matrix.sizes = [...new Set(sizes)].sort((a, b) => a - b);
    }
    if (has("buffers")) {
      const buffer = (w: string) => (w === "profile" ? w : within(parseSize(w), 1, 0x7fffffff));
      matrix.buffers = listOf<BufferChoice>(values("buffers"), buffer, "invalid buffer size 'WORD'", "buffer sizes");
    }
    if (has("rates")) matrix.rates = [...new Set(listOf(values("rates"), parseCount, "invalid rate 'WORD'", "rates"))];
    if (has("byte-rates")) {
      const rates = listOf(values("byte-rates"), (w) => within(parseSize(w), 1), "invalid byte rate 'WORD'", "byte rates");
      matrix.byteRates = [...new Set(rates)];
      // Paced by bytes only, unless writes-per-second paces were asked for too.
      if (!has("rates")) matrix.rates = [];
    }
    const batch = last("batch");
    if (batch !== undefined) matrix.batch = within(parseCount(batch), 1, 1024) ?? usage(`invalid batch '${batch}' (1 to 1024)`);
    const streams = last("streams");
    if (streams !== undefined) {
      if (streams !== "out" && streams !== "both") usage(`invalid --streams '${streams}' (out or both)`);
      matrix.streams = streams;
    }
    const repeats = last("repeats");
    if (repeats !== undefined) {
      matrix.repeats = within(parseCount(repeats), 1, 1000) ?? usage(`invalid number of repeats '${repeats}' (1 to 1000)`);
    }
    const messages = last("messages");
    if (messages !== undefined) {
      const n = within(parseCount(messages), 1) ?? usage(`invalid number of messages '${messages}'`);
      matrix.maxMessages = compareLimits.maxMessages = n;
      matrix.minMessages = compareLimits.minMessages = Math.min(matrix.minMessages, n);
    }
    if (last("svg") === "") usage("--svg needs a file name");
    if (values("compare").includes("")) usage("--compare needs a path");
  } catch (e) {
    if (e instanceof UsageError) return { kind: "usage-error", message: e.message };
    throw e;
  }
  const compare = values("compare");
  return {
    kind: "run",
    config: {
      argv0,
      quick,
      matrix,
      json: has("json"),
      svg: last("svg"),
      compare,
      tools: has("tools") || compare.length > 0,
      progress: isTerminal,
      tmpdir: env.TMPDIR && env.TMPDIR.length > 0 ? env.TMPDIR : "/tmp",
      compareLimits,
    },
  };
}

export async function runBenchCli(argv0: string, args: string[]): Promise<void> {
  if (args[0] === "--producer") {
    const { producerMain } = await import("../bench/producer");
    producerMain(args[1]);
  }
  const cli = parseBench(argv0, args, libc.isatty(2) === 1);
  switch (cli.kind) {
    case "help":
    case "version":
      writeText(1, cli.text);
      process.exit(SYSEXITS.OK);
    case "usage-error":
      writeText(2, `${argv0}: ${cli.message}\nTry '${argv0} -h' for more information.\n`);
      process.exit(SYSEXITS.USAGE);
    case "run": {
      const { runBench } = await import("../bench/run");
      process.exit(await runBench(cli.config));
    }
  }
}
