// What passes between the library's caller-side object (process.ts) and its
// relay Worker (relay-worker.ts): plain data, a ring of chunk slots in shared
// memory that the Worker fills and the caller copies out of, and for each
// chunk a small transferred buffer of per-message data.
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
  // Chunks up to 256 KiB, in a ring of `inFlight` slots (4 MiB). Fresh
  // memory is what costs here (a page faulted in takes microseconds in a
  // VM): the ring is reused run after run, and the caller's copies are
  // allocated and freed on the caller's thread, where the allocator reuses them.
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
  /** limits.inFlight slots of limits.bytes each; chunk n is in slot n % limits.inFlight. */
  ring: SharedArrayBuffer;
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
  /** The ring slot holding the message bytes, back to back in the order written; -1 when `data` has them. */
  slot: number;
  /** A chunk too large for a slot (one message larger than limits.bytes) comes in its own buffer. */
  data?: ArrayBuffer;
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
