// The scenario matrix: profiles x socket buffers x paces x write sizes, with
// how many writes each run makes (a byte budget, within bounds).
import { PROFILES, PROFILE_NAMES, profileByName, type ProfileName } from "./profiles";
import type { Scenario } from "./relay-run";

/** 1 B up to 4 MiB: PIPE_BUF (4096) and BUFSIZ (8192) among them. */
export const ALL_SIZES: readonly number[] = [1, 64, 512, 4096, 8192, 65536, 262144, 1048576, 4194304];
export const QUICK_SIZES: readonly number[] = [1, 512, 4096, 65536, 262144, 1048576];

export type BufferChoice = "profile" | number;

export interface MatrixOptions {
  profiles: readonly ProfileName[];
  sizes: readonly number[];
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
  repeats: number;
}

/** The defaults: --quick stays well under a minute on two cores. */
export function defaultMatrix(quick: boolean): MatrixOptions {
  return quick
    ? {
        profiles: PROFILE_NAMES,
        sizes: QUICK_SIZES,
        buffers: ["profile"],
        rates: [0],
        byteRates: [],
        batch: 0,
        streams: "out",
        // Each run starts a producer process (about 80 ms as a script): a
        // small budget keeps the 216 runs of --quick well under a minute.
        budgetBytes: 4 << 20,
        minMessages: 8,
        maxMessages: 10_000,
        repeats: 3,
      }
    : {
        profiles: PROFILE_NAMES,
        sizes: ALL_SIZES,
        buffers: ["profile"],
        rates: [0],
        byteRates: [],
        batch: 0,
        streams: "out",
        budgetBytes: 32 << 20,
        minMessages: 16,
        maxMessages: 200_000,
        repeats: 5,
      };
}

/** A paced run lasts about this long at most. */
const PACED_SECONDS = 0.5;

export function messagesFor(
  size: number,
  rate: number,
  o: Pick<MatrixOptions, "budgetBytes" | "minMessages" | "maxMessages">,
): number {
  let n = Math.floor(o.budgetBytes / size);
  n = Math.min(o.maxMessages, Math.max(o.minMessages, n));
  if (rate > 0) n = Math.min(n, Math.max(o.minMessages, Math.round(rate * PACED_SECONDS)));
  return Math.max(1, n);
}

export interface PlannedScenario {
  scenario: Scenario;
  bufferSetting: BufferChoice;
}

/** The paces to run a write size at: writes/s from --rates, then each --byte-rates made writes/s. */
export function pacesFor(size: number, o: Pick<MatrixOptions, "rates" | "byteRates">): { rate: number; byteRate: number }[] {
  const paces = o.rates.map((rate) => ({ rate, byteRate: 0 }));
  for (const byteRate of o.byteRates) paces.push({ rate: Math.max(1, Math.round(byteRate / size)), byteRate });
  return paces;
}

export function planScenarios(o: MatrixOptions): PlannedScenario[] {
  const planned: PlannedScenario[] = [];
  // Table order, whatever order the profiles were asked in.
  const profiles = PROFILES.filter((p) => o.profiles.includes(p.name));
  for (const profile of profiles) {
    // A profile whose buffer cannot be changed runs with its own only.
    let buffers = profile.fixedBuffer ? (["profile"] as BufferChoice[]) : [...o.buffers];
    buffers = buffers.filter((b, i) => buffers.indexOf(b) === i);
    for (const buffer of buffers) {
      const paceCount = o.rates.length + o.byteRates.length;
      for (let pace = 0; pace < paceCount; pace++) {
        for (const size of o.sizes) {
          const { rate, byteRate } = pacesFor(size, o)[pace]!;
          const send = buffer === "profile" ? profile.sendBuffer : buffer;
          const receive = buffer === "profile" ? profile.receiveBuffer : buffer;
          planned.push({
            bufferSetting: buffer,
            scenario: {
              profile,
              writeSize: size,
              count: messagesFor(size, rate, o),
              sendBuffer: send,
              receiveBuffer: receive,
              rate,
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

export function isProfileName(name: string): name is ProfileName {
  return profileByName(name) !== undefined;
}
