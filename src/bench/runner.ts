// Runs the planned scenarios one after another: a warm-up and `repeats`
// measured runs each (mitata drives the schedule and gives the time
// statistics), then the books.
import { runOnce, type RunContext, type RunRecord } from "./relay-run";
import { aggregate, type BenchResult } from "./accounting";
import { repeat, type Repeated } from "./repeat";
import type { PlannedScenario } from "./matrix";
import type { ProgressSink } from "./progress";
import { formatBytes } from "./units";

export function scenarioLabel(p: PlannedScenario): string {
  const s = p.scenario;
  const parts = [s.profile.name, `${formatBytes(s.writeSize)} writes`];
  if (p.bufferSetting !== "profile") parts.push(`buffers ${formatBytes(p.bufferSetting)}`);
  if (s.byteRate) parts.push(`${formatBytes(s.byteRate)}/s`);
  else if (s.rate > 0) parts.push(`${s.rate}/s`);
  return parts.join(", ");
}

/** Steps the progress indicator counts for the matrix. */
export function matrixSteps(planned: readonly PlannedScenario[], repeats: number): number {
  return planned.length * (repeats + 1);
}

export async function runMatrix(
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
    let timed: Repeated;
    try {
      timed = await repeat(repeats, (warmup) => {
        progress.step(warmup ? `${label}: warm-up` : `${label}: run ${runs.length + 1}/${repeats}`);
        const r = runOnce(p.scenario, ctx, sequence++);
        if (!warmup) runs.push(r);
        return r.elapsedNs;
      });
    } catch (e) {
      throw new Error(`${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
    results.push(aggregate(p.scenario, p.bufferSetting, runs, timed.stats));
  }
  return results;
}
