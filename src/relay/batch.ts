// One received batch: the messages of one recvmmsg call, sorted by stream
// into iovec arrays that the outputs write from without copying (one list
// per stream, one for both in arrival order, and the same-stream runs).
import { addressOf } from "../sys/libc";
import { P } from "../sys/platform";

/** Stream numbers: which output socket a message came from. */
export const STDOUT = 1;
export const STDERR = 2;

/** One iovec array with its entry count and byte total. */
export class IovecList {
  readonly words: Uint32Array;
  readonly address: number;
  count = 0;
  bytes = 0;
  constructor(capacity: number) {
    this.words = new Uint32Array((capacity * P.iovecSize) / 4);
    this.address = addressOf(this.words);
  }
}

export class Batch {
  /** Messages received in this batch, ignored ones included. */
  received = 0;
  readonly stdout: IovecList;
  readonly stderr: IovecList;
  /** Both streams in arrival order. */
  readonly all: IovecList;
  /** Consecutive same-stream runs in `all`: stream, first entry, entries, bytes. */
  runCount = 0;
  readonly runStream: Uint8Array;
  readonly runStart: Int32Array;
  readonly runLength: Int32Array;
  readonly runBytes: Float64Array;
  /** Messages from unknown senders (dropped), and truncated ones. */
  foreign = 0;
  truncated = 0;
  /** For each entry of `all`: the receive slot holding its bytes, and its stream. */
  readonly allSlot: Int32Array;
  readonly allStream: Uint8Array;
  /** For each entry of `all`, with timestamps on: kernel receive time (CLOCK_REALTIME). */
  readonly timeSec: Float64Array;
  readonly timeNsec: Float64Array;
  constructor(capacity: number) {
    this.allSlot = new Int32Array(capacity);
    this.allStream = new Uint8Array(capacity);
    this.timeSec = new Float64Array(capacity);
    this.timeNsec = new Float64Array(capacity);
    this.stdout = new IovecList(capacity);
    this.stderr = new IovecList(capacity);
    this.all = new IovecList(capacity);
    this.runStream = new Uint8Array(capacity);
    this.runStart = new Int32Array(capacity);
    this.runLength = new Int32Array(capacity);
    this.runBytes = new Float64Array(capacity);
  }

  allStreamOf(index: number): number {
    return this.allStream[index]!;
  }
}
