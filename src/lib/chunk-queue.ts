// The caller's side of the shared ring (protocol.ts): the reader takes what
// the relay Worker has published, in chunks copied out of the ring (so the
// Worker may reuse the place at once, and events stay valid however long
// the caller keeps them), and gives the place back, which is the
// back-pressure: a full ring stops the Worker receiving. Waiting for output
// costs the Worker a wake-up message only when the caller has nothing to do;
// while output flows the caller looks again by itself every FLOWING_POLL_MS.
import { CTRL, RING, HUNGRY_SOON, HUNGRY_IDLE, FLOWING_POLL_MS, ringLayout } from "./protocol";
import type { RelayError } from "./errors";

/** Messages copied out of the ring: their bytes back to back, and per message its time, length and stream. */
export interface Chunk {
  count: number;
  bytes: number;
  times: BigInt64Array;
  lengths: Uint32Array;
  streams: Uint8Array;
  data: Uint8Array;
}

const MASK = RING.DATA_BYTES - 1;

export class ChunkQueue {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly times: BigInt64Array;
  private readonly lengths: Uint32Array;
  private readonly streams: Uint8Array;
  /** Messages and ring bytes taken so far (modulo 2^32, as the control words). */
  private read = 0;
  private readBytes = 0;
  /** Chunks copied out at the end, before the Worker (and its ring) went back to the pool. */
  private rest: Chunk[] = [];
  private ended = false;
  private failure?: RelayError;
  private wake?: () => void;
  private timer?: ReturnType<typeof setTimeout>;
  private discarded = false;

  constructor(control: SharedArrayBuffer, ring: SharedArrayBuffer) {
    this.control = new Int32Array(control);
    const at = ringLayout();
    this.data = new Uint8Array(ring, at.data, RING.DATA_BYTES);
    this.times = new BigInt64Array(ring, at.times, RING.ENTRIES);
    this.lengths = new Uint32Array(ring, at.lengths, RING.ENTRIES);
    this.streams = new Uint8Array(ring, at.streams, RING.ENTRIES);
  }

  /** The Worker asked to wake us: there is output. */
  woken(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /**
   * No more output will come; the reader gets `failure` after what did
   * arrive. Call it before the Worker goes back to the pool: what is still
   * in the ring is copied out now.
   */
  end(failure: RelayError | undefined): void {
    if (!this.discarded) for (let c = this.take(); c; c = this.take()) this.rest.push(c);
    this.ended = true;
    this.failure = failure;
    this.woken();
  }

  /** Published and not yet taken. */
  private available(): number {
    return (Atomics.load(this.control, CTRL.WRITTEN) - this.read) >>> 0;
  }

  /** The next chunk out of the ring (giving its place back), or undefined when nothing is published. */
  private take(): Chunk | undefined {
    const available = this.available();
    if (available === 0) return undefined;
    const lengths = this.lengths;
    const first = this.read & (RING.ENTRIES - 1);
    // A chunk ends where the ring's data or places wrap, or at CHUNK_BYTES.
    const most = Math.min(available, RING.ENTRIES - first);
    let start = this.readBytes & MASK;
    let skip = 0;
    if (start + lengths[first]! > RING.DATA_BYTES) {
      skip = RING.DATA_BYTES - start;
      start = 0;
    }
    let bytes = 0;
    let count = 0;
    while (count < most) {
      const len = lengths[first + count]!;
      if (start + bytes + len > RING.DATA_BYTES || (count > 0 && bytes + len > RING.CHUNK_BYTES)) break;
      bytes += len;
      count++;
    }
    const end = first + count;
    const chunk: Chunk = {
      count,
      bytes,
      times: this.times.slice(first, end),
      lengths: lengths.slice(first, end),
      streams: this.streams.slice(first, end),
      data: this.data.slice(start, start + bytes),
    };
    this.read = (this.read + count) >>> 0;
    this.readBytes = (this.readBytes + skip + bytes) >>> 0;
    const c = this.control;
    Atomics.store(c, CTRL.READ_BYTES, this.readBytes | 0);
    Atomics.store(c, CTRL.READ, this.read | 0);
    Atomics.notify(c, CTRL.READ);
    return chunk;
  }

  /** The next chunk; undefined at the end. */
  async next(): Promise<Chunk | undefined> {
    let hungry = HUNGRY_SOON;
    for (;;) {
      if (this.rest.length) return this.rest.shift();
      if (this.ended) {
        if (this.failure) throw this.failure;
        return undefined;
      }
      const chunk = this.take();
      if (chunk) return chunk;
      // Say we wait, then look once more: the Worker publishes before it
      // looks at HUNGRY, so one of us sees the other.
      Atomics.store(this.control, CTRL.HUNGRY, hungry);
      if (this.available() === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          // While output flows, look again soon without a wake-up; once a
          // look finds nothing, wait to be woken.
          if (hungry === HUNGRY_SOON) this.timer = setTimeout(() => this.woken(), FLOWING_POLL_MS);
        });
        hungry = HUNGRY_IDLE;
      }
      Atomics.store(this.control, CTRL.HUNGRY, 0);
    }
  }

  /** Nobody will read any more: drop what is queued and let the Worker run free. */
  discard(): void {
    this.discarded = true;
    this.rest = [];
    Atomics.store(this.control, CTRL.DISCARD, 1);
    Atomics.notify(this.control, CTRL.READ);
  }
}
