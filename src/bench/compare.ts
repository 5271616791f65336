// Whole commands side by side: `X -O FILE dd if=/dev/zero bs=S count=N
// status=none >/dev/null` for this package's dtee and each --compare binary,
// and `dd ... | tee FILE` / `dd ... | multitee 0-1,3 3>FILE` when those are
// installed. Timed from outside (start-up included), so every contender
// pays the same costs; reported as rates and as ratios to this dtee.
import { existsSync, rmSync, statSync } from "node:fs";
import { SYSEXITS } from "../exit-status";
import { summarize, type Stat } from "./accounting";
import { monotonicNs } from "./clock";
import { messagesFor, type WriteBudget } from "./matrix";
import { repeat, type TimeStat } from "./repeat";
import type { ProgressSink } from "./progress";
import { formatBytes } from "./units";

export interface Contender {
  name: string;
  /** "ceiling": bench/throughput.ts's receiver that only discards, writing no file (never in dtee-bench's own runs). */
  kind: "self" | "dtee" | "tee" | "multitee" | "ceiling";
  /** The program that runs (for the record). */
  program: string;
  /** The shell command for one run. */
  command(dd: string, file: string): string;
}

export interface CommandResult {
  name: string;
  kind: Contender["kind"];
  program: string;
  messagesPerSecond: Stat;
  bytesPerSecond: Stat;
  /** Whole-command run time, as mitata summarises it. */
  seconds: TimeStat;
  bytesWritten: number;
  bytesDelivered: number;
  bytesLost: number;
  /** Runs that exited non-zero (dd stops at its first failed write). */
  failedRuns: number;
  /** This dtee's median bytes/s over this command's (null where it delivered nothing). */
  ratio: number | null;
}

export interface Comparison {
  writeSize: number;
  messages: number;
  repeats: number;
  commands: CommandResult[];
}

/** Quotes a word for /bin/sh. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A dtee run as `ARGV -O FILE dd ... >/dev/null`. */
export function dteeContender(name: string, kind: Contender["kind"], argv: readonly string[]): Contender {
  const words = argv.map(shellQuote).join(" ");
  return { name, kind, program: argv.join(" "), command: (dd, file) => `${words} -O ${shellQuote(file)} ${dd} >/dev/null` };
}

/** This dtee, the --compare ones, then tee and multitee where installed (`tools`). */
export function findContenders(self: readonly string[], others: readonly string[], tools: boolean): Contender[] {
  return [
    dteeContender("dtee (this)", "self", self),
    ...others.map((path) => dteeContender(path, "dtee", [path])),
    ...(tools ? toolContenders() : []),
  ];
}

/** `dd ... | tee FILE` and `dd ... | multitee 0-1,3 3>FILE`, for those installed. */
export function toolContenders(): Contender[] {
  const list: Contender[] = [];
  const tee = Bun.which("tee");
  if (tee) {
    list.push({ name: "tee", kind: "tee", program: tee, command: (dd, file) => `${dd} | ${shellQuote(tee)} ${shellQuote(file)} >/dev/null` });
  }
  const multitee = Bun.which("multitee");
  if (multitee) {
    list.push({
      name: "multitee",
      kind: "multitee",
      program: multitee,
      command: (dd, file) => `${dd} | ${shellQuote(multitee)} 0-1,3 3>${shellQuote(file)} >/dev/null`,
    });
  }
  return list;
}

export interface CompareOptions extends WriteBudget {
  sizes: readonly number[];
  repeats: number;
  /** Directory for the output file. */
  dir: string;
}

interface CommandRun {
  ns: number;
  delivered: number;
  ok: boolean;
}

/** One run of `c`; `written` is what dd writes, all of which a ceiling that writes no file is credited with when it succeeds. */
function runCommand(c: Contender, command: string, file: string, written: number): CommandRun {
  // Gone before the run, so a command that never creates it is not credited with the last one's output.
  rmSync(file, { force: true });
  const t0 = monotonicNs();
  const r = Bun.spawnSync(["/bin/sh", "-c", command], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const ns = monotonicNs() - t0;
  const ok = r.exitCode === SYSEXITS.OK;
  if (c.kind === "ceiling") return { ns, delivered: ok ? written : 0, ok };
  return { ns, delivered: existsSync(file) ? statSync(file).size : 0, ok };
}

export async function runComparisons(
  contenders: readonly Contender[],
  o: CompareOptions,
  progress: ProgressSink,
): Promise<Comparison[]> {
  const out: Comparison[] = [];
  const file = `${o.dir}/compare-output`;
  for (const size of o.sizes) {
    const n = messagesFor(size, 0, o);
    const dd = `dd if=/dev/zero bs=${size} count=${n} status=none`;
    const commands: CommandResult[] = [];
    for (const c of contenders) {
      const command = c.command(dd, file);
      const runs: CommandRun[] = [];
      const label = `${c.name}, ${formatBytes(size)} writes`;
      const seconds = await repeat(o.repeats, (warmup) => {
        progress.step(warmup ? `${label}: warm-up` : `${label}: run ${runs.length + 1}/${o.repeats}`);
        const r = runCommand(c, command, file, n * size);
        if (!warmup) runs.push(r);
        return r.ns;
      });
      const written = n * size * runs.length;
      const delivered = runs.reduce((a, r) => a + r.delivered, 0);
      commands.push({
        name: c.name,
        kind: c.kind,
        program: c.program,
        messagesPerSecond: summarize(runs.map((r) => (r.delivered / size) * (1e9 / r.ns))),
        bytesPerSecond: summarize(runs.map((r) => r.delivered * (1e9 / r.ns))),
        seconds,
        bytesWritten: written,
        bytesDelivered: delivered,
        bytesLost: written - delivered,
        failedRuns: runs.filter((r) => !r.ok).length,
        ratio: null,
      });
    }
    const self = commands.find((c) => c.kind === "self");
    for (const c of commands) {
      const theirs = c.bytesPerSecond.median;
      c.ratio = self && theirs > 0 ? self.bytesPerSecond.median / theirs : null;
    }
    out.push({ writeSize: size, messages: n, repeats: o.repeats, commands });
  }
  return out;
}
