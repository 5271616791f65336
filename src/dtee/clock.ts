// Wall-clock times with nanoseconds, as the kernel stamps datagrams
// (CLOCK_REALTIME), and their ISO-8601 form.
import { libc } from "../sys/libc";
import { P } from "../sys/platform";

export interface Instant {
  sec: number;
  nsec: number;
}

const ts = new BigInt64Array(2);

export function now(): Instant {
  libc.clock_gettime(P.CLOCK_REALTIME, ts);
  return { sec: Number(ts[0]), nsec: Number(ts[1]) };
}

/** Nanoseconds since the epoch as a decimal string (exact; too large for a JSON number). */
export function nanosString(sec: number, nsec: number): string {
  return (BigInt(sec) * 1_000_000_000n + BigInt(nsec)).toString();
}

/** 2026-11-21T06:13:49.828958123Z */
export function isoNanos(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString(); // ...T06:13:49.000Z
  return `${base.slice(0, 19)}.${String(nsec).padStart(9, "0")}Z`;
}

