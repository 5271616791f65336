// Receives datagrams from the input socket in batches (recvmmsg) and sorts
// them by sender, building the iovec arrays the outputs write from. Message
// bytes never enter JavaScript: they land in a native arena and leave by
// writev, so the hot path is a handful of syscalls per batch and no
// per-message allocation.
import { libc, errno, addressOf, strerror } from "../sys/libc";
import { toArrayBuffer } from "bun:ffi";
import { P } from "../sys/platform";
import { writePointer } from "../sys/structs";
import { SysError } from "../sys/errors";
import { Batch, STDOUT, STDERR } from "./batch";
import { reserveSlots } from "./slots";

// The batch types live in batch.ts; they are re-exported for the modules that receive.
export { STDOUT, STDERR, IovecList, Batch } from "./batch";

/** The largest datagram Linux delivers over AF_UNIX (measured: 4,263,616). */
export const MAX_DATAGRAM = 4_263_616;

/**
 * Receiving from the input socket failed for a reason other than an empty
 * queue or a signal. The message is dtee's: "input socket: strerror"; dtee
 * reports it and exits 74 (EX_IOERR).
 */
export class ReceiveError extends SysError {
  constructor(code: number) {
    super("recvmmsg", code);
    this.name = "ReceiveError";
    this.message = `input socket: ${strerror(code)}`;
  }
}

export interface ReceiverOptions {
  /** Messages per recvmmsg call. */
  slots?: number;
  /** Bytes per slot: the largest message accepted whole. */
  slotSize?: number;
  /** Read each message's kernel timestamp (SO_TIMESTAMPNS; turn it on in createTrio, before the command starts). */
  timestamps?: boolean;
}

const NAME_SLOT = 128;


/** Entry `index` of an iovec list kept as 32-bit words: base address (low, high) and length. */
function setIovec(list: Uint32Array, index: number, low: number, high: number, length: number): void {
  const w = index * 4;
  list[w] = low;
  list[w + 1] = high;
  list[w + 2] = length;
  list[w + 3] = 0;
}

export class Receiver {
  readonly batch: Batch;
  private readonly slots: number;
  private readonly slotSize: number;
  private readonly arena: number;
  private readonly names: Uint8Array;
  private readonly headers: Uint32Array;
  private readonly headersAddress: number;
  private readonly recvIov: Uint32Array;
  private readonly expected: [Uint8Array, Uint8Array];
  private readonly slotLow: Uint32Array;
  private readonly slotHigh: Uint32Array;
  private readonly headerWords: number;
  private readonly lenWord: number;
  private readonly namelenWord: number;
  private readonly flagsWord: number;
  /** Bytes touched beyond the first page per slot, to give memory back after bursts. */
  private touchedLarge = 0;
  private readonly control?: DataView;
  private readonly controllenWord: number;
  private slotViews?: Uint8Array[];
  /** The slots, when they had to come from the JavaScript heap (kept referenced: the kernel writes into it). */
  private heapArena?: Uint8Array;

  constructor(
    private readonly fd: number,
    stdoutAddress: Uint8Array,
    stderrAddress: Uint8Array,
    options: ReceiverOptions = {},
  ) {
    if (!P.mmsghdr.size) throw new Error("recvmmsg is not available on this platform");
    // 32: more than one sender can queue (max_dgram_qlen is 10 per sender
    // here), few enough that 64 KiB writes keep only 2 MiB of slots warm.
    const slots = options.slots ?? 32;
    this.expected = [stdoutAddress, stderrAddress];
    const reserved = reserveSlots(slots, options.slotSize ?? Math.ceil(MAX_DATAGRAM / 65536) * 65536, options.slotSize);
    this.heapArena = reserved.heap;
    this.slots = reserved.slots;
    this.slotSize = reserved.slotSize;
    this.arena = reserved.address;
    this.names = new Uint8Array(this.slots * NAME_SLOT);
    const namesAddress = addressOf(this.names);
    this.headers = new Uint32Array((this.slots * P.mmsghdr.size) / 4);
    this.headersAddress = addressOf(this.headers);
    this.recvIov = new Uint32Array((this.slots * P.iovecSize) / 4);
    const recvIovAddress = addressOf(this.recvIov);
    this.slotLow = new Uint32Array(this.slots);
    this.slotHigh = new Uint32Array(this.slots);
    this.headerWords = P.mmsghdr.size / 4;
    this.lenWord = P.mmsghdr.len / 4;
    this.namelenWord = P.msghdr.namelen / 4;
    this.flagsWord = P.msghdr.flags / 4;
    const iovWords = P.iovecSize / 4;
    for (let i = 0; i < this.slots; i++) {
      const slot = this.arena + i * this.slotSize;
      this.slotLow[i] = slot >>> 0;
      this.slotHigh[i] = Math.floor(slot / 0x100000000);
      writePointer(this.recvIov, i * iovWords, slot);
      this.recvIov[i * iovWords + 2] = this.slotSize;
      const h = i * this.headerWords;
      writePointer(this.headers, h + P.msghdr.name / 4, namesAddress + i * NAME_SLOT);
      this.headers[h + this.namelenWord] = NAME_SLOT;
      writePointer(this.headers, h + P.msghdr.iov / 4, recvIovAddress + i * P.iovecSize);
      this.headers[h + P.msghdr.iovlen / 4] = 1;
    }
    this.controllenWord = P.msghdr.controllen / 4;
    if (options.timestamps && P.SO_TIMESTAMPNS) {
      const space = P.cmsg.timespecSpace;
      const control = new Uint8Array(this.slots * space);
      this.control = new DataView(control.buffer);
      const controlAddress = addressOf(control);
      for (let i = 0; i < this.slots; i++) {
        const h = i * this.headerWords;
        writePointer(this.headers, h + P.msghdr.control / 4, controlAddress + i * space);
        this.headers[h + this.controllenWord] = space;
      }
    }
    this.batch = new Batch(this.slots);
  }

  /** The bytes of entry `index` of the current batch's `all` list (a view, valid until the next receive). */
  messageBytes(index: number): Uint8Array {
    return this.slotView(this.batch.allSlot[index]!).subarray(0, this.batch.all.words[index * 4 + 2]!);
  }

  /** Copies message `index` into `target` at `offset`; a short one byte by byte, with no view made per message. */
  copyMessage(index: number, target: Uint8Array, offset: number): void {
    const len = this.batch.all.words[index * 4 + 2]!;
    const view = this.slotView(this.batch.allSlot[index]!);
    if (len > 64) target.set(view.subarray(0, len), offset);
    else for (let i = 0; i < len; i++) target[offset + i] = view[i]!;
  }

  private slotView(slot: number): Uint8Array {
    this.slotViews ??= Array.from({ length: this.slots }, (_, i) => new Uint8Array(toArrayBuffer(this.arena + i * this.slotSize, 0, this.slotSize)));
    return this.slotViews[slot]!;
  }

  /**
   * One recvmmsg call (retried when interrupted). Returns the number of
   * messages (and fills `batch`), 0 when nothing is queued (EAGAIN), or
   * throws a ReceiveError on a real error.
   */
  receive(flags: number): number {
    let n: number;
    for (;;) {
      n = libc.recvmmsg(this.fd, this.headersAddress, this.slots, flags, null);
      if (n >= 0) break;
      const e = errno();
      if (e === P.errno.EAGAIN) return 0;
      // Interrupted before anything arrived: the queue may well hold more,
      // and 0 would say it is empty (the loop's last drain would stop short).
      if (e === P.errno.EINTR) continue;
      throw new ReceiveError(e);
    }
    this.sort(n);
    return n;
  }

  private sort(n: number): void {
    const b = this.batch;
    const h = this.headers;
    const names = this.names;
    const out = b.stdout.words;
    const err = b.stderr.words;
    const all = b.all.words;
    let outCount = 0;
    let errCount = 0;
    let allCount = 0;
    let outBytes = 0;
    let errBytes = 0;
    let runCount = 0;
    let lastStream = 0;
    let large = 0;
    b.foreign = 0;
    b.truncated = 0;
    const expectOut = this.expected[0];
    const expectErr = this.expected[1];
    const outLen = expectOut.length;
    const errLen = expectErr.length;
    for (let i = 0; i < n; i++) {
      const hi = i * this.headerWords;
      const len = h[hi + this.lenWord]!;
      const namelen = h[hi + this.namelenWord]!;
      h[hi + this.namelenWord] = NAME_SLOT;
      if (h[hi + this.flagsWord]! & P.MSG_TRUNC) b.truncated++;
      const nameBase = i * NAME_SLOT;
      let stream = 0;
      if (namelen === outLen && sameAddress(names, nameBase, expectOut, outLen)) stream = STDOUT;
      else if (namelen === errLen && sameAddress(names, nameBase, expectErr, errLen)) stream = STDERR;
      if (stream === 0) {
        b.foreign++;
        continue;
      }
      if (len > 65536) large += len;
      const lo = this.slotLow[i]!;
      const hiw = this.slotHigh[i]!;
      b.allSlot[allCount] = i;
      b.allStream[allCount] = stream;
      setIovec(all, allCount, lo, hiw, len);
      if (stream === STDOUT) {
        setIovec(out, outCount++, lo, hiw, len);
        outBytes += len;
      } else {
        setIovec(err, errCount++, lo, hiw, len);
        errBytes += len;
      }
      if (stream !== lastStream) {
        b.runStream[runCount] = stream;
        b.runStart[runCount] = allCount;
        b.runLength[runCount] = 1;
        b.runBytes[runCount] = len;
        runCount++;
        lastStream = stream;
      } else {
        b.runLength[runCount - 1]!++;
        b.runBytes[runCount - 1]! += len;
      }
      allCount++;
    }
    b.received = n;
    b.stdout.count = outCount;
    b.stdout.bytes = outBytes;
    b.stderr.count = errCount;
    b.stderr.bytes = errBytes;
    b.all.count = allCount;
    b.all.bytes = outBytes + errBytes;
    b.runCount = runCount;
    this.touchedLarge += large;
    if (this.control) this.readTimestamps(allCount);
  }

  private readTimestamps(count: number): void {
    const b = this.batch;
    const c = this.control!;
    const space = P.cmsg.timespecSpace;
    for (let k = 0; k < count; k++) {
      const slot = b.allSlot[k]!;
      const base = slot * space;
      const h = slot * this.headerWords;
      const controllen = this.headers[h + this.controllenWord]!;
      this.headers[h + this.controllenWord] = space;
      if (
        controllen >= space &&
        c.getInt32(base + P.cmsg.level, true) === P.SOL_SOCKET &&
        c.getInt32(base + P.cmsg.type, true) === P.SCM_TIMESTAMPNS
      ) {
        b.timeSec[k] = Number(c.getBigInt64(base + P.cmsg.header, true));
        b.timeNsec[k] = Number(c.getBigInt64(base + P.cmsg.header + 8, true));
      } else {
        b.timeSec[k] = 0;
        b.timeNsec[k] = 0;
      }
    }
    // Slots of ignored messages need their control length reset too.
    for (let i = 0; i < this.slots; i++) this.headers[i * this.headerWords + this.controllenWord] = space;
  }

  /**
   * Gives back the pages large messages touched once they have been written
   * out, so a burst of 4 MiB writes does not keep 32 x 4 MiB resident.
   */
  releaseIfLarge(limit = 32 << 20): void {
    if (this.touchedLarge < limit || this.heapArena) return;
    const keep = 65536;
    for (let i = 0; i < this.slots; i++) {
      libc.madvise(this.arena + i * this.slotSize + keep, this.slotSize - keep, P.MADV_DONTNEED);
    }
    this.touchedLarge = 0;
  }

  close(): void {
    if (this.heapArena) this.heapArena = undefined;
    else libc.munmap(this.arena, this.slots * this.slotSize);
  }
}

function sameAddress(names: Uint8Array, base: number, expected: Uint8Array, len: number): boolean {
  // The distinguishing bytes are at the end; compare from there.
  for (let j = len - 1; j >= 0; j--) if (names[base + j] !== expected[j]) return false;
  return true;
}
