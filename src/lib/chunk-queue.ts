// The caller's queue of chunks from the relay Worker, and the back-pressure
// that goes with it: every chunk taken off the queue is given back to the
// Worker's window (the shared control words), which is what lets the Worker
// receive more; a reader that stops discards the rest and sets the Worker
// free. The reader (the event iterator or a collector) awaits next().
import { CTRL, DEFAULT_LIMITS, metaLayout, inFlightCredit, type ChunkMessage } from "./protocol";
import type { RelayError } from "./errors";

/** One chunk from the Worker: its bytes (copied out of the ring) and per-message views. */
export interface Chunk {
  count: number;
  bytes: number;
  times: BigInt64Array;
  lengths: Uint32Array;
  streams: Uint8Array;
  data: Uint8Array;
}

/**
 * The chunk as the reader will see it. Bytes in a ring slot are copied out
 * at once (the Worker may reuse the slot once the chunk is taken), into
 * memory of this thread, which the allocator gives back for later chunks.
 */
function viewChunk(m: ChunkMessage, ring: SharedArrayBuffer, slotBytes: number): Chunk {
  const at = metaLayout(m.count);
  return {
    count: m.count,
    bytes: m.bytes,
    times: new BigInt64Array(m.meta, at.times, m.count),
    lengths: new Uint32Array(m.meta, at.lengths, m.count),
    streams: new Uint8Array(m.meta, at.streams, m.count),
    data: m.data ? new Uint8Array(m.data, 0, m.bytes) : new Uint8Array(ring, m.slot * slotBytes, m.bytes).slice(),
  };
}

export class ChunkQueue {
  private readonly control: Int32Array;
  private readonly queue: Chunk[] = [];
  private head = 0;
  private ended = false;
  private failure?: RelayError;
  private wake?: () => void;
  private discarded = false;

  constructor(
    control: SharedArrayBuffer,
    private readonly ring: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(control);
  }

  /** A chunk the Worker posted. */
  push(m: ChunkMessage): void {
    // Chunks already on their way when the reader stopped are dropped.
    if (this.discarded) return;
    this.queue.push(viewChunk(m, this.ring, DEFAULT_LIMITS.bytes));
    this.notify();
  }

  /** No more chunks will come; the reader gets `failure` after what did arrive. */
  end(failure: RelayError | undefined): void {
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next chunk, releasing its place in the Worker's window; undefined at the end. */
  async next(): Promise<Chunk | undefined> {
    for (;;) {
      if (this.head < this.queue.length) {
        const chunk = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as Chunk;
        // The Worker's window keeps the queue short: empty it whenever it is read out.
        if (this.head === this.queue.length) this.queue.length = this.head = 0;
        this.release(chunk);
        return chunk;
      }
      if (this.ended) {
        if (this.failure) throw this.failure;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private release(chunk: Chunk): void {
    const c = this.control;
    Atomics.sub(c, CTRL.IN_FLIGHT_BYTES, inFlightCredit(chunk.bytes));
    Atomics.sub(c, CTRL.IN_FLIGHT, 1);
    Atomics.notify(c, CTRL.IN_FLIGHT);
  }

  /** Nobody will read any more: drop what is queued and let the Worker run free. */
  discard(): void {
    this.discarded = true;
    Atomics.store(this.control, CTRL.DISCARD, 1);
    this.queue.length = 0;
    this.head = 0;
    Atomics.notify(this.control, CTRL.IN_FLIGHT);
  }
}
