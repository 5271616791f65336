// Repeats of one scenario, driven and summarised by mitata's measure(): its
// first call is the warm-up, then exactly `repeats` measured runs, each
// reporting its own time ("manual" timing: a run's clock starts in the
// producer process, not here). The time statistics are mitata's own (min,
// p50, p75, p99, max, average; beyond 12 runs it leaves out the two fastest
// and two slowest, as it does everywhere). Rates are not timed quantities of
// mitata's kind: a lossy run delivers a different amount each time, so the
// books (accounting.ts) divide each run's own delivery by its own time.
import { measure } from "mitata";

/** Run times in seconds, as mitata summarises them (median is its p50). */
export interface TimeStat {
  min: number;
  median: number;
  max: number;
  avg: number;
  p75: number;
  p99: number;
}

/**
 * Calls `run(true)` once (the warm-up), then `run(false)` `repeats` times;
 * each returns the nanoseconds it measured.
 */
export async function repeat(repeats: number, run: (warmup: boolean) => number): Promise<TimeStat> {
  let calls = 0;
  const stats = await measure(
    function* () {
      yield { manual: () => run(calls++ === 0) };
    },
    { min_samples: repeats, max_samples: repeats, min_cpu_time: 0, warmup_samples: 0, gc: false },
  );
  if (calls !== repeats + 1) throw new Error(`mitata ran ${calls - 1} measured runs, not ${repeats}`);
  const s = (ns: number) => ns / 1e9;
  return { min: s(stats.min), median: s(stats.p50), max: s(stats.max), avg: s(stats.avg), p75: s(stats.p75), p99: s(stats.p99) };
}
