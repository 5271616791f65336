// Repeats of one scenario, driven and summarised by mitata's measure(): its
// first call is the warm-up, then exactly `repeats` measured runs, each
// reporting its own time ("manual" timing: a run's clock starts in the
// producer process, not here). The time statistics are mitata's own (min,
// p50, p75, p99, max, average; beyond 12 runs it leaves out the two fastest
// and two slowest, as it does everywhere). Rates are not timed quantities of
// mitata's kind: a lossy run delivers a different amount each time, so the
// runner divides each run's own delivery by its own time.
import { measure } from "mitata";

/** One run: returns the nanoseconds it measured. `warmup` is true for the first, unrecorded one. */
export type TimedRun = (warmup: boolean) => number;

/** Run times in seconds, as mitata summarises them (median is its p50). */
export interface TimeStat {
  min: number;
  median: number;
  max: number;
  avg: number;
  p75: number;
  p99: number;
}

export interface Repeated {
  /** Time of each measured run in nanoseconds, in run order (the warm-up excluded). */
  samples: number[];
  stats: TimeStat;
}

interface MitataStats {
  samples: number[];
  min: number;
  max: number;
  avg: number;
  p50: number;
  p75: number;
  p99: number;
}

/** Calls `run(true)` once, then `run(false)` `repeats` times. */
export async function repeat(repeats: number, run: TimedRun): Promise<Repeated> {
  let warm = false;
  const order: number[] = [];
  const once = (): number => {
    if (!warm) {
      warm = true;
      return run(true);
    }
    const t = run(false);
    order.push(t);
    return t;
  };
  const stats = (await measure(
    function* () {
      yield { manual: once };
    },
    {
      min_samples: repeats,
      max_samples: repeats,
      min_cpu_time: 0,
      warmup_samples: 0,
      gc: false,
    },
  )) as unknown as MitataStats;
  if (order.length !== repeats) throw new Error(`mitata ran ${order.length} measured runs, not ${repeats}`);
  const s = (ns: number) => ns / 1e9;
  return {
    samples: order,
    stats: {
      min: s(stats.min),
      median: s(stats.p50),
      max: s(stats.max),
      avg: s(stats.avg),
      p75: s(stats.p75),
      p99: s(stats.p99),
    },
  };
}
