// Worker entry of the library: runs dtee's data loop (relayCommand over a
// Receiver, tees through dtee's Router) on its own thread, where it may block
// in poll, and hands the messages to the caller through a ring in shared
// memory (bytes, streams, lengths, receive times), published batch by batch,
// with a wake-up message only when the caller waits. Back-pressure: while
// the ring is full this thread waits (Atomics.wait) and receives nothing, so
// the command's writes block in the kernel, as with the CLI.
import { Receiver, type Batch } from "../relay/receiver";
import { relayCommand, type RelayOutcome } from "../dtee/session";
import { Router } from "../dtee/router";
import { waitForExit } from "../relay/spawn";
import { libc } from "../sys/libc";
import { CTRL, RING, HUNGRY_SOON, ringLayout, writeNanos, type WorkerPlan, type WorkerMessage, type EndMessage } from "./protocol";

declare const self: Worker;

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

/**
 * Puts each batch's messages in the shared ring and publishes them (one
 * store of CTRL.WRITTEN per batch): the one copy here, from the receive
 * slots into the ring; the caller copies them out in its own time. The
 * caller is woken (a postMessage) only when it waits for output: at once
 * when it has been idle, else once much has come (RING.WAKE_*), since it
 * looks by itself meanwhile. A full ring stops the receiving.
 */
class RingWriter {
  /** Messages and ring bytes written so far (modulo 2^32, as the control words). */
  private written = 0;
  private writtenBytes = 0;
  private readonly data: Uint8Array;
  private readonly times: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly streams: Uint8Array;
  private readonly control: Int32Array;

  constructor(
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    /** Copies message `index` of the current batch into the ring's bytes at an offset. */
    private readonly copyMessage: (index: number, target: Uint8Array, offset: number) => void,
  ) {
    this.control = new Int32Array(control);
    const at = ringLayout();
    this.data = new Uint8Array(ring, at.data, RING.DATA_BYTES);
    this.times = new Uint32Array(ring, at.times, RING.ENTRIES * 2);
    this.lengths = new Uint32Array(ring, at.lengths, RING.ENTRIES);
    this.streams = new Uint8Array(ring, at.streams, RING.ENTRIES);
  }

  private get discarding(): boolean {
    return Atomics.load(this.control, CTRL.DISCARD) !== 0;
  }

  add(b: Batch): void {
    const n = b.all.count;
    if (n === 0 || this.discarding) return;
    const words = b.all.words;
    const mask = RING.DATA_BYTES - 1;
    for (let k = 0; k < n; k++) {
      const len = words[k * 4 + 2]!;
      let pos = this.writtenBytes & mask;
      // A message that does not fit in what is left of the lap starts the next one.
      const skip = pos + len > RING.DATA_BYTES ? RING.DATA_BYTES - pos : 0;
      if (!this.room(skip + len)) return;
      if (skip) pos = 0;
      if (len > 0) this.copyMessage(k, this.data, pos);
      this.writtenBytes = (this.writtenBytes + skip + len) >>> 0;
      const e = this.written & (RING.ENTRIES - 1);
      this.lengths[e] = len;
      this.streams[e] = b.allStream[k]!;
      writeNanos(this.times, e, b.timeSec[k]!, b.timeNsec[k]!);
      this.written = (this.written + 1) >>> 0;
    }
    this.publish(false);
  }

  /** Makes the written messages visible to the caller, and wakes it if it waits for them. */
  private publish(full: boolean): void {
    const c = this.control;
    Atomics.store(c, CTRL.WRITTEN, this.written | 0);
    const hungry = Atomics.load(c, CTRL.HUNGRY);
    if (hungry === 0) return;
    if (hungry === HUNGRY_SOON && !full) {
      const entries = (this.written - Atomics.load(c, CTRL.READ)) >>> 0;
      const bytes = (this.writtenBytes - Atomics.load(c, CTRL.READ_BYTES)) >>> 0;
      if (entries < RING.WAKE_ENTRIES && bytes < RING.WAKE_BYTES) return;
    }
    if (Atomics.compareExchange(c, CTRL.HUNGRY, hungry, 0) === hungry) post({ kind: "wake" });
  }

  /**
   * Waits until the ring has a free place and `bytes` free bytes. Nothing
   * is received meanwhile, so the kernel queue fills and the command's
   * writes block. False when the caller stopped reading.
   */
  private room(bytes: number): boolean {
    const c = this.control;
    let published = false;
    for (;;) {
      if (this.discarding) return false;
      const read = Atomics.load(c, CTRL.READ);
      const used = (this.writtenBytes - Atomics.load(c, CTRL.READ_BYTES)) >>> 0;
      if (((this.written - read) >>> 0) < RING.ENTRIES && used + bytes <= RING.DATA_BYTES) return true;
      if (!published) {
        // The caller must see everything before it can free anything.
        this.publish(true);
        published = true;
      }
      Atomics.wait(c, CTRL.READ, read, 1000);
    }
  }
}

function relay(plan: WorkerPlan): EndMessage {
  const receiver = new Receiver(plan.input, plan.stdoutAddress, plan.stderrAddress, { timestamps: plan.timestamps });
  const bytesOf = (index: number) => receiver.messageBytes(index);
  const router = plan.route ? new Router(plan.route) : undefined;
  router?.setByteSource(bytesOf);
  const writer = plan.events ? new RingWriter(plan.control, plan.ring, (index, target, offset) => receiver.copyMessage(index, target, offset)) : undefined;
  let truncated = 0;
  const end: EndMessage = { kind: "end", teeFailed: false, truncated: 0 };
  let relayed: RelayOutcome;
  try {
    relayed = relayCommand({ ...plan, wakefd: -1 }, receiver, (batch) => {
      truncated += batch.truncated;
      router?.deliver(batch);
      writer?.add(batch);
      return true;
    });
  } finally {
    // The input socket is ours to close: from now on the command's writes
    // fail instead of blocking (only after a relay failure is it still running).
    libc.close(plan.input);
  }
  if ("failure" in relayed) end.relayFailure = { kind: relayed.failure, message: relayed.message };
  else if (relayed.end.kind === "exited") end.waitStatus = relayed.end.status;
  if (end.waitStatus === undefined && end.relayFailure) {
    try {
      end.waitStatus = waitForExit(plan.pid);
    } catch {
      // Already reaped by the loop before it failed: the status is lost.
    }
  }
  end.teeFailed = router?.ioError === true;
  end.truncated = truncated;
  return end;
}

self.onmessage = (event: MessageEvent<WorkerPlan>) => {
  let end: EndMessage;
  try {
    end = relay(event.data);
  } catch (e) {
    end = { kind: "end", teeFailed: false, truncated: 0, relayFailure: { kind: "internal", message: e instanceof Error ? e.message : String(e) } };
  }
  post(end);
};
