// What passes between the library's caller side (process.ts, chunk-queue.ts)
// and its relay Worker (relay-worker.ts): a ring in shared memory that the
// Worker fills with messages and the caller copies out of, control words
// for the positions and the wake-ups, and few messages: the plan, a wake-up
// when the caller waits for output, and the end.
import type { RoutePlan } from "../dtee/router";

/**
 * Words of the shared control array (an Int32Array over a SharedArrayBuffer,
 * one per run). Counters run on modulo 2^32 (read them with >>> 0): the
 * ring's sizes divide 2^32, so positions stay right across the wrap.
 */
export const CTRL = {
  /** Messages the Worker has put in the ring and published (it stores this last). */
  WRITTEN: 0,
  /** Messages the caller has copied out of the ring: their places may be reused. */
  READ: 1,
  /** Ring bytes the caller has copied out, with the ends of laps skipped. */
  READ_BYTES: 2,
  /**
   * Set by the caller when it has read everything published: HUNGRY_SOON
   * while output flows (it looks again within FLOWING_POLL_MS itself, so the
   * Worker wakes it only for much), HUNGRY_IDLE once it stopped flowing (the
   * Worker wakes it at the next publication). The Worker swaps it back to 0
   * when it posts the wake-up.
   */
  HUNGRY: 3,
  /** Set by the caller side: nobody will read the events any more; write nothing, wait for nothing. */
  DISCARD: 4,
  SIZE: 5,
} as const;

export const HUNGRY_SOON = 1;
export const HUNGRY_IDLE = 2;

/** How often a caller whose output flows looks at the ring without being woken. */
export const FLOWING_POLL_MS = 1;

/**
 * The ring shared by a Worker and its caller: message bytes back to back in
 * DATA_BYTES (a message never straddles the end: one that does not fit in
 * what is left of a lap starts the next lap), and per message, in ENTRIES
 * places, its receive time (nanoseconds since the epoch as a 64-bit integer,
 * written as two Uint32 halves, low first), length (Uint32) and stream
 * (Uint8: 1 stdout, 2 stderr). DATA_BYTES is above the largest datagram
 * (receiver.ts's MAX_DATAGRAM), so every message fits once the caller has
 * caught up. Both are powers of two (see CTRL).
 */
export const RING = {
  DATA_BYTES: 8 << 20,
  ENTRIES: 1 << 16,
  /**
   * A caller's chunk copied out of the ring holds at most this many bytes
   * (or one larger message). Copies this size come from memory the
   * allocator reuses; 1 MiB copies (fresh pages, faulted in each time)
   * made 64 KiB writes 2-3x slower, 128 KiB was as fast as 256 KiB or a
   * little faster (medians of 6, busy machine).
   */
  CHUNK_BYTES: 128 << 10,
  /**
   * A caller that looks by itself (HUNGRY_SOON) is woken only once this
   * many bytes or messages wait: fewer wake-ups (a postMessage and a turn
   * of its event loop each) while the output flows.
   */
  WAKE_BYTES: 256 << 10,
  WAKE_ENTRIES: 2048,
} as const;

export function ringLayout() {
  const times = RING.DATA_BYTES;
  const lengths = times + RING.ENTRIES * 8;
  const streams = lengths + RING.ENTRIES * 4;
  return { data: 0, times, lengths, streams, size: streams + RING.ENTRIES };
}

/** Everything the Worker needs, as plain numbers and bytes. */
export interface WorkerPlan {
  input: number;
  stdoutAddress: Uint8Array;
  stderrAddress: Uint8Array;
  pid: number;
  pidfd: number;
  /** Int32Array words, see CTRL. */
  control: SharedArrayBuffer;
  /** The ring (ringLayout()), reused run after run by the same Worker. */
  ring: SharedArrayBuffer;
  /** Put the messages in the ring for the caller (false: tees only). */
  events: boolean;
  /** Kernel receive times for the events. */
  timestamps: boolean;
  /** The tees, through dtee's own router; undefined when there are none. */
  route?: RoutePlan;
}

/** The caller has read all there was and asked to be woken (CTRL.HUNGRY). */
export interface WakeMessage {
  kind: "wake";
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

export type WorkerMessage = WakeMessage | EndMessage;

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
