// One dtee-bench invocation: a private working directory, the scenario
// matrix (each scenario a warm-up and `repeats` measured runs, which mitata
// drives and times), the optional whole-command comparison, then the report
// (table or JSON) and the chart.
import { writeText } from "../sys/write-all";
import { accessSync, closeSync, constants as fsConstants, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { libc, cstring, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { SYSEXITS } from "../exit-status";
import { aggregate, checkBooks, type BenchResult } from "./accounting";
import { findContenders, runComparisons } from "./compare";
import { buildDocument, renderJson } from "./document";
import { planScenarios, type MatrixOptions, type PlannedScenario, type WriteBudget } from "./matrix";
import { TerminalProgress, silentProgress, type ProgressSink } from "./progress";
import { runOnce, type RunContext, type RunRecord } from "./relay-run";
import { repeat } from "./repeat";
import { renderReport } from "./report-table";
import { renderSvg } from "./report-svg";
import { benchCommand, dteeCommand } from "./self";
import { formatBytes } from "./units";

/** What src/cli/bench.ts makes of the command line. */
export interface BenchConfig {
  /** The invoked name: the prefix of every message. */
  argv0: string;
  quick: boolean;
  matrix: MatrixOptions;
  /** Print the JSON document instead of the table. */
  json: boolean;
  /** Write the chart here. */
  svg?: string;
  /** Other dtee binaries to run side by side (whole commands). */
  compare: string[];
  /** Add coreutils tee and multitee to the comparison when installed. */
  tools: boolean;
  /** Show the progress line (stderr is a terminal). */
  progress: boolean;
  /** Where the private working directory goes. */
  tmpdir: string;
  /** How many writes each whole-command run makes. */
  compareLimits: WriteBudget;
}

function complain(argv0: string, message: string): void {
  writeText(2, `${argv0}: ${message}\n`);
}

/** "FILE: strerror" for a failed node:fs call. */
function fsMessage(path: string, e: unknown): string {
  const code = (e as { code?: string }).code;
  const n = code ? (constants.errno as Record<string, number>)[code] : undefined;
  return `${path}: ${n !== undefined ? strerror(n) : e instanceof Error ? e.message : String(e)}`;
}

function scenarioLabel(p: PlannedScenario): string {
  const s = p.scenario;
  const parts = [s.profile.name, `${formatBytes(s.writeSize)} writes`];
  if (p.bufferSetting !== "profile") parts.push(`buffers ${formatBytes(p.bufferSetting)}`);
  if (s.byteRate) parts.push(`${formatBytes(s.byteRate)}/s`);
  else if (s.rate > 0) parts.push(`${s.rate}/s`);
  return parts.join(", ");
}

/** Runs the planned scenarios one after another, then does their books. */
async function runMatrix(
  planned: readonly PlannedScenario[],
  ctx: RunContext,
  repeats: number,
  progress: ProgressSink,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let sequence = 0;
  for (const p of planned) {
    const label = scenarioLabel(p);
    const runs: RunRecord[] = [];
    try {
      const seconds = await repeat(repeats, (warmup) => {
        progress.step(warmup ? `${label}: warm-up` : `${label}: run ${runs.length + 1}/${repeats}`);
        const r = runOnce(p.scenario, ctx, sequence++);
        if (!warmup) runs.push(r);
        return r.elapsedNs;
      });
      results.push(aggregate(p.scenario, p.bufferSetting, runs, seconds));
    } catch (e) {
      throw new Error(`${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return results;
}

/** Runs the benchmark; returns the exit status. */
export async function runBench(cfg: BenchConfig): Promise<number> {
  const started = new Date();
  for (const path of cfg.compare) {
    try {
      accessSync(path, fsConstants.X_OK);
    } catch (e) {
      complain(cfg.argv0, fsMessage(path, e));
      return SYSEXITS.NOINPUT;
    }
  }
  if (cfg.svg !== undefined) {
    // Created now, so a bad path fails before minutes of runs.
    try {
      closeSync(openSync(cfg.svg, "a"));
    } catch (e) {
      complain(cfg.argv0, fsMessage(cfg.svg, e));
      return SYSEXITS.CANTCREAT;
    }
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(cfg.tmpdir, "dtee-bench."));
  } catch (e) {
    complain(cfg.argv0, fsMessage(cfg.tmpdir, e));
    return SYSEXITS.CANTCREAT;
  }
  const nullFd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
  if (nullFd < 0) {
    complain(cfg.argv0, `/dev/null: ${strerror(errno())}`);
    rmSync(dir, { recursive: true, force: true });
    return SYSEXITS.UNAVAILABLE;
  }
  let progress: ProgressSink = silentProgress;
  try {
    const planned = planScenarios(cfg.matrix);
    const repeats = cfg.matrix.repeats;
    const compareOptions = { sizes: cfg.matrix.sizes, repeats, dir, ...cfg.compareLimits };
    const contenders = cfg.compare.length || cfg.tools ? findContenders(dteeCommand(dir), cfg.compare, cfg.tools) : [];
    // A warm-up and the measured runs, for each scenario and each command at each size.
    if (cfg.progress) progress = new TerminalProgress((planned.length + cfg.matrix.sizes.length * contenders.length) * (repeats + 1));
    const results = await runMatrix(planned, { dir, nullFd, benchCommand: benchCommand(dir) }, repeats, progress);
    const comparisons = contenders.length ? await runComparisons(contenders, compareOptions, progress) : [];
    progress.done();
    const doc = buildDocument(started, cfg, results, comparisons);
    for (const r of results) {
      for (const problem of checkBooks(r)) complain(cfg.argv0, `${r.profile}, ${r.writeSize}-byte writes: ${problem}`);
    }
    if (cfg.svg !== undefined) {
      try {
        writeFileSync(cfg.svg, renderSvg(doc));
      } catch (e) {
        complain(cfg.argv0, fsMessage(cfg.svg, e));
        return SYSEXITS.CANTCREAT;
      }
    }
    writeText(1, cfg.json ? renderJson(doc) : renderReport(doc));
    return SYSEXITS.OK;
  } catch (e) {
    progress.done();
    complain(cfg.argv0, e instanceof Error ? e.message : String(e));
    return SYSEXITS.SOFTWARE;
  } finally {
    libc.close(nullFd);
    rmSync(dir, { recursive: true, force: true });
  }
}
