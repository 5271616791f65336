// The scenario matrix: profiles x socket buffers x paces x write sizes, with
// how many writes each run makes (a byte budget, within bounds), and the
// smaller budget of the whole-command comparison.
import { PROFILES, PROFILE_NAMES, type ProfileName } from "./profiles";
import type { Scenario } from "./relay-run";

/** 1 B up to 4 MiB: PIPE_BUF (4096) and BUFSIZ (8192) among them. */
export const ALL_SIZES: readonly number[] = [1, 64, 512, 4096, 8192, 65536, 262144, 1048576, 4194304];
export const QUICK_SIZES: readonly number[] = [1, 512, 4096, 65536, 262144, 1048576];

export type BufferChoice = "profile" | number;

/** Fields in the order the JSON document's `options` lists them. */
export interface MatrixOptions {
  repeats: number;
  sizes: readonly number[];
  profiles: readonly ProfileName[];
  buffers: readonly BufferChoice[];
  /** Producer paces in messages per second; 0 is as fast as it can. */
  rates: readonly number[];
  /**
   * Paces in bytes per second, each made a writes-per-second pace per write
   * size (the same program output written in smaller or larger writes).
   */
  byteRates: readonly number[];
  /** Datagrams the relay takes per receive call; 0: its own batch (32). 1 receives one at a time, as dtee 1.1.3 does. */
  batch: number;
  streams: "out" | "both";
  /** Bytes each run aims to write... */
  budgetBytes: number;
  /** ...in no fewer and no more writes than these. */
  minMessages: number;
  maxMessages: number;
}

/** How many writes a run makes. */
export type WriteBudget = Pick<MatrixOptions, "budgetBytes" | "minMessages" | "maxMessages">;

/** The defaults: --quick stays well under a minute on two cores. */
export function defaultMatrix(quick: boolean): MatrixOptions {
  const paces = { profiles: PROFILE_NAMES, buffers: ["profile"], rates: [0], byteRates: [], batch: 0, streams: "out" } as const;
  // Each run starts a producer process (about 80 ms as a script): a small
  // budget keeps the 216 runs of --quick well under a minute.
  return quick
    ? { repeats: 3, sizes: QUICK_SIZES, ...paces, budgetBytes: 4 << 20, minMessages: 8, maxMessages: 10_000 }
    : { repeats: 5, sizes: ALL_SIZES, ...paces, budgetBytes: 32 << 20, minMessages: 16, maxMessages: 200_000 };
}

/** Whole-command runs (--compare): fewer writes than the matrix, as each run starts whole programs. */
export function compareBudget(quick: boolean): WriteBudget {
  return quick
    ? { budgetBytes: 16 << 20, minMessages: 8, maxMessages: 20_000 }
    : { budgetBytes: 256 << 20, minMessages: 16, maxMessages: 300_000 };
}

/** A paced run lasts about this long at most. */
const PACED_SECONDS = 0.5;

export function messagesFor(size: number, rate: number, o: WriteBudget): number {
  let n = Math.floor(o.budgetBytes / size);
  n = Math.min(o.maxMessages, Math.max(o.minMessages, n));
  if (rate > 0) n = Math.min(n, Math.max(o.minMessages, Math.round(rate * PACED_SECONDS)));
  return Math.max(1, n);
}

export interface PlannedScenario {
  scenario: Scenario;
  bufferSetting: BufferChoice;
}

export function planScenarios(o: MatrixOptions): PlannedScenario[] {
  const planned: PlannedScenario[] = [];
  // Writes per second from --rates, then each --byte-rates (made writes per second for each size).
  const paces = [...o.rates.map((rate) => ({ rate, byteRate: 0 })), ...o.byteRates.map((byteRate) => ({ rate: 0, byteRate }))];
  // Table order, whatever order the profiles were asked in.
  for (const profile of PROFILES.filter((p) => o.profiles.includes(p.name))) {
    // A profile whose buffer cannot be changed runs with its own only.
    const buffers: BufferChoice[] = profile.fixedBuffer ? ["profile"] : [...new Set(o.buffers)];
    for (const buffer of buffers) {
      for (const { rate, byteRate } of paces) {
        for (const size of o.sizes) {
          const writesPerSecond = byteRate ? Math.max(1, Math.round(byteRate / size)) : rate;
          planned.push({
            bufferSetting: buffer,
            scenario: {
              profile,
              writeSize: size,
              count: messagesFor(size, writesPerSecond, o),
              sendBuffer: buffer === "profile" ? profile.sendBuffer : buffer,
              receiveBuffer: buffer === "profile" ? profile.receiveBuffer : buffer,
              rate: writesPerSecond,
              byteRate,
              batch: o.batch,
              streams: o.streams,
            },
          });
        }
      }
    }
  }
  return planned;
}
