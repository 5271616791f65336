// What the dtee-bench tests share: a profile's scenario, a run context (a
// private directory and /dev/null), a socket trio to write into, the
// producer's settings with the usual defaults, and the time statistics of
// records no mitata run timed.
import { createTrio, type SocketTrio, type TrioOptions } from "../../src/relay/trio";
import { profileByName, type ProfileName } from "../../src/bench/profiles";
import type { ProducerConfig } from "../../src/bench/producer";
import type { RunContext, Scenario } from "../../src/bench/relay-run";
import type { TimeStat } from "../../src/bench/repeat";
import { benchCommand } from "../../src/bench/self";
import { libc, cstring } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { tempDir } from "../support/helpers";

export const KiB = 1024;

/** Run-time statistics for records no mitata run timed (the books do not use them). */
export const UNTIMED: TimeStat = { min: NaN, median: NaN, max: NaN, avg: NaN, p75: NaN, p99: NaN };

/** `count` writes of `writeSize` bytes under a profile's own buffers, flat out, to stdout. */
export function scenario(name: ProfileName, writeSize: number, count: number, more: Partial<Scenario> = {}): Scenario {
  const profile = profileByName(name)!;
  return {
    profile,
    writeSize,
    count,
    sendBuffer: profile.sendBuffer,
    receiveBuffer: profile.receiveBuffer,
    rate: 0,
    streams: "out",
    ...more,
  };
}

/** Runs `fn` with a private directory and an open /dev/null, as dtee-bench sets them up. */
export function withContext<T>(fn: (ctx: RunContext) => T): T {
  const { dir, cleanup } = tempDir();
  const nullFd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
  try {
    return fn({ dir, nullFd, benchCommand: benchCommand(dir) });
  } finally {
    libc.close(nullFd);
    cleanup();
  }
}

/** Runs `fn` with a socket trio nobody reads, closed afterwards. */
export function withTrio<T>(options: Omit<TrioOptions, "tmpdir">, fn: (trio: SocketTrio) => T): T {
  const { dir, cleanup } = tempDir();
  try {
    const trio = createTrio({ tmpdir: dir, ...options });
    try {
      return fn(trio);
    } finally {
      for (const fd of [trio.input, trio.stdout, trio.stderr]) libc.close(fd);
    }
  } finally {
    cleanup();
  }
}

/** The producer's settings: writes that may not block, sent flat out to stdout, no report file. */
export function producerConfig(size: number, count: number, more: Partial<ProducerConfig> = {}): ProducerConfig {
  return { size, count, mode: "dontwait", truncateAbove: 0, syscall: "send", streams: "out", rate: 0, report: "", ...more };
}
