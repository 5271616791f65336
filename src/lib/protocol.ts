// What passes between the library's caller-side object (process.ts) and its
// relay Worker (relay-worker.ts): plain data and one transferred ArrayBuffer
// per chunk of messages, so no message is copied on the way to the caller.
import type { RoutePlan } from "../dtee/router";

/** Words of the shared control array (an Int32Array over a SharedArrayBuffer). */
export const CTRL = {
  /** Chunks posted by the Worker and not yet taken by the consumer. */
  IN_FLIGHT: 0,
  /** Bytes in those chunks (capped at 2^31 - 1). */
  IN_FLIGHT_BYTES: 1,
  /** Set by the caller side: nobody will read the events any more; post nothing, wait for nothing. */
  DISCARD: 2,
  SIZE: 4,
} as const;

/** How the Worker sizes and paces its chunks. */
export interface ChunkLimits {
  /** Flush a chunk once it holds this many bytes of messages. */
  bytes: number;
  /** ... or this many messages. */
  messages: number;
  /** Stop receiving while this many chunks wait for the consumer ... */
  inFlight: number;
  /** ... or while this many bytes do (at least one chunk always passes). */
  inFlightBytes: number;
}

export const DEFAULT_LIMITS: ChunkLimits = {
  // Chunks up to 256 KiB: the allocator reuses buffers of this size once
  // the reader drops them; larger ones came back as fresh pages each time,
  // and a fresh page costs microseconds to fault in (measured in a VM:
  // 64 MiB in 1 MiB chunks 400 ms, in 256 KiB chunks 5 ms).
  bytes: 256 << 10,
  messages: 8192,
  inFlight: 16,
  inFlightBytes: 32 << 20,
};

/** Everything the Worker needs, as plain numbers and bytes. */
export interface WorkerPlan {
  input: number;
  stdoutAddress: Uint8Array;
  stderrAddress: Uint8Array;
  pid: number;
  pidfd: number;
  /** Int32Array words, see CTRL. */
  control: SharedArrayBuffer;
  /** Post the messages to the caller (false: tees only). */
  events: boolean;
  /** Kernel receive times for the events. */
  timestamps: boolean;
  /** The tees, through dtee's own router; undefined when there are none. */
  route?: RoutePlan;
  limits: ChunkLimits;
}

export interface ChunkMessage {
  kind: "chunk";
  /** The message bytes back to back, in the order written (only the first `bytes` count). */
  data: ArrayBuffer;
  /** Per message: see metaLayout(). */
  meta: ArrayBuffer;
  count: number;
  bytes: number;
}

export interface EndMessage {
  kind: "end";
  /** Raw wait status, when the loop saw the command exit. */
  waitStatus?: number;
  /** A tee could not be written (dtee's exit status 74). */
  teeFailed: boolean;
  /** Messages that arrived cut short (larger than a receive slot). */
  truncated: number;
  /** The relay itself failed: "io" for receive errors (74), "internal" otherwise (70). */
  relayFailure?: { kind: "io" | "internal"; message: string };
}

export type WorkerMessage = ChunkMessage | EndMessage;

/**
 * A chunk's metadata for `count` messages, in one buffer: receive times
 * (nanoseconds since the epoch as 64-bit integers, written as two Uint32
 * halves, low first), lengths (Uint32), streams (Uint8: 1 stdout, 2 stderr).
 */
export function metaLayout(count: number) {
  return { times: 0, lengths: count * 8, streams: count * 12, size: count * 13 };
}

/**
 * sec * 1e9 + nsec as the two 32-bit halves of a 64-bit integer, exactly,
 * without BigInt (for sec below 2^34, nsec below 1e9).
 */
export function writeNanos(words: Uint32Array, index: number, sec: number, nsec: number): void {
  const a = Math.floor(sec / 65536);
  const b = sec - a * 65536;
  const p = a * 1e9; // < 2^48
  const q = b * 1e9 + nsec; // < 2^46
  const ph = Math.floor(p / 4294967296);
  const pl = p - ph * 4294967296;
  const plHigh = Math.floor(pl / 65536);
  let hi = ph * 65536 + plHigh;
  let lo = (pl - plHigh * 65536) * 65536;
  const qh = Math.floor(q / 4294967296);
  lo += q - qh * 4294967296;
  hi += qh;
  if (lo >= 4294967296) {
    lo -= 4294967296;
    hi += 1;
  }
  words[index * 2] = lo;
  words[index * 2 + 1] = hi;
}

/** What a chunk of `bytes` adds to CTRL.IN_FLIGHT_BYTES (and the consumer takes off again). */
export function inFlightCredit(bytes: number): number {
  return Math.min(bytes, 0x3fffffff);
}
