// Repeats of one scenario, driven by mitata's measure(): one warm-up run, then
// exactly `repeats` timed runs. Each run reports its own time (mitata's
// "manual" mode), because a run's clock starts in the producer process, not
// here. mitata is loaded lazily; without it the same schedule runs in a loop.

/** One run: returns the nanoseconds it measured. */
export type TimedRun = () => number;

export interface Repeated {
  /** Time of each measured run, in order (the warm-up excluded). */
  samples: number[];
  /** True when mitata drove the runs. */
  mitata: boolean;
}

type Measure = (
  gen: () => Generator<unknown, void, unknown>,
  opts: Record<string, unknown>,
) => Promise<{ samples: number[] }>;

let measureFn: Measure | null | undefined;

async function loadMeasure(): Promise<Measure | null> {
  if (measureFn !== undefined) return measureFn;
  try {
    const mitata = (await import("mitata")) as unknown as { measure: Measure };
    measureFn = mitata.measure;
  } catch {
    measureFn = null;
  }
  return measureFn;
}

/** Calls `warmup` once and `run` `repeats` times; returns the measured times. */
export async function repeat(repeats: number, warmup: TimedRun, run: TimedRun): Promise<Repeated> {
  const measure = await loadMeasure();
  if (!measure) {
    warmup();
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) samples.push(run());
    return { samples, mitata: false };
  }
  let first = true;
  const order: number[] = [];
  const once = (): number => {
    if (first) {
      first = false;
      return warmup();
    }
    const t = run();
    order.push(t);
    return t;
  };
  const stats = await measure(
    function* () {
      yield { manual: once };
    },
    {
      min_samples: repeats,
      max_samples: repeats,
      min_cpu_time: 0,
      warmup_samples: 0,
      samples_threshold: Number.MAX_SAFE_INTEGER, // keep every sample (no outlier trimming)
      gc: false,
    },
  );
  // mitata sorts its samples; the runs' own order is kept here.
  if (stats.samples.length !== order.length) throw new Error("mitata ran an unexpected number of samples");
  return { samples: order, mitata: true };
}

/** Whether mitata was found (valid after the first repeat()). */
export function repeatUsesMitata(): boolean {
  return measureFn !== null && measureFn !== undefined;
}
