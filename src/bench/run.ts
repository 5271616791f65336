// One dtee-bench invocation: a private working directory, the scenario
// matrix, the optional whole-command comparison, then the report (table or
// JSON) and the chart.
import { writeText } from "../sys/write-all";
import { accessSync, closeSync, constants as fsConstants, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { libc, cstring, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { checkBooks } from "./accounting";
import type { BenchConfig } from "./config";
import { comparisonSteps, findContenders, runComparisons, type Comparison } from "./compare";
import { buildDocument, renderJson } from "./document";
import { machineInfo } from "./machine";
import { planScenarios } from "./matrix";
import { TerminalProgress, silentProgress, type ProgressSink } from "./progress";
import { renderReport } from "./report-table";
import { renderSvg } from "./report-svg";
import { matrixSteps, runMatrix } from "./runner";
import { benchCommand, dteeCommand } from "./self";

function writeOut(fd: number, text: string): void {
  writeText(fd, text);
}

export function complain(argv0: string, message: string): void {
  writeOut(2, `${argv0}: ${message}\n`);
}

/** "FILE: strerror" for a failed node:fs call. */
function fsMessage(path: string, e: unknown): string {
  const code = (e as { code?: string }).code;
  const n = code ? (constants.errno as Record<string, number>)[code] : undefined;
  return `${path}: ${n !== undefined ? strerror(n) : e instanceof Error ? e.message : String(e)}`;
}

/** Opens (creating) FILE now, so a bad path fails before minutes of runs. */
function checkWritable(path: string): string | undefined {
  try {
    closeSync(openSync(path, "a"));
    return undefined;
  } catch (e) {
    return fsMessage(path, e);
  }
}

/** Runs the benchmark; returns the exit status. */
export async function runBench(cfg: BenchConfig): Promise<number> {
  const started = new Date();
  for (const path of cfg.compare) {
    try {
      accessSync(path, fsConstants.X_OK);
    } catch (e) {
      complain(cfg.argv0, fsMessage(path, e));
      return 66;
    }
  }
  if (cfg.svg !== undefined) {
    const problem = checkWritable(cfg.svg);
    if (problem) {
      complain(cfg.argv0, problem);
      return 73;
    }
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(cfg.tmpdir, "dtee-bench."));
  } catch (e) {
    complain(cfg.argv0, fsMessage(cfg.tmpdir, e));
    return 73;
  }
  const nullFd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
  if (nullFd < 0) {
    complain(cfg.argv0, `/dev/null: ${strerror(errno())}`);
    rmSync(dir, { recursive: true, force: true });
    return 69;
  }
  let progress: ProgressSink = silentProgress;
  try {
    const planned = planScenarios(cfg.matrix);
    const repeats = cfg.matrix.repeats;
    const compareOptions = { sizes: cfg.matrix.sizes, repeats, dir, ...cfg.compareLimits };
    const contenders = cfg.compare.length || cfg.tools ? findContenders(dteeCommand(dir), cfg.compare, cfg.tools) : [];
    if (cfg.progress) {
      progress = new TerminalProgress(
        matrixSteps(planned, repeats) + (contenders.length ? comparisonSteps(contenders, compareOptions) : 0),
      );
    }
    const results = await runMatrix(planned, { dir, nullFd, benchCommand: benchCommand(dir) }, repeats, progress);
    const comparisons: Comparison[] = contenders.length
      ? await runComparisons(contenders, compareOptions, progress)
      : [];
    progress.done();
    const doc = buildDocument({
      machine: machineInfo(),
      started,
      finished: new Date(),
      quick: cfg.quick,
      matrix: cfg.matrix,
      mitata: true,
      results,
      comparisons,
    });
    for (const r of results) {
      for (const problem of checkBooks(r)) complain(cfg.argv0, `${r.profile}, ${r.writeSize}-byte writes: ${problem}`);
    }
    if (cfg.svg !== undefined) {
      try {
        writeFileSync(cfg.svg, renderSvg(doc));
      } catch (e) {
        complain(cfg.argv0, fsMessage(cfg.svg, e));
        return 73;
      }
    }
    writeOut(1, cfg.json ? renderJson(doc) : renderReport(doc));
    return 0;
  } catch (e) {
    progress.done();
    complain(cfg.argv0, e instanceof Error ? e.message : String(e));
    return 70;
  } finally {
    libc.close(nullFd);
    rmSync(dir, { recursive: true, force: true });
  }
}
