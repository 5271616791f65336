// Worker entry of the library: runs dtee's data loop (relayCommand over a
// Receiver, tees through dtee's Router) on its own thread, where it may block
// in poll, and hands the messages to the caller in chunks of many messages:
// the bytes in a slot of a shared ring, their streams, lengths and receive
// times in one small transferred buffer. Back-pressure: while the caller has
// not taken enough of the chunks already posted (all the ring's slots), this
// thread waits (Atomics.wait) and receives nothing, so the command's writes
// block in the kernel, as with the CLI.
import { Receiver, type Batch } from "../relay/receiver";
import { relayCommand, type RelayOutcome } from "../dtee/session";
import { Router } from "../dtee/router";
import { waitForExit } from "../relay/spawn";
import { libc } from "../sys/libc";
import { CTRL, inFlightCredit, metaLayout, writeNanos, type WorkerPlan, type WorkerMessage, type ChunkLimits } from "./protocol";

declare const self: Worker;

/** A Receiver that says when the queue is empty, so a partly filled chunk goes out before the loop waits. */
class IdleReceiver extends Receiver {
  onIdle: () => void = () => {};
  override receive(flags: number): number {
    const n = super.receive(flags);
    if (n === 0) this.onIdle();
    return n;
  }
}

function post(message: WorkerMessage, transfer?: ArrayBuffer[]): void {
  if (transfer) self.postMessage(message, transfer);
  else self.postMessage(message);
}

/**
 * Collects batches into chunks and posts them, pacing on the caller. The
 * message bytes are copied once here, from the receive slots into the
 * chunk's slot of the shared ring; the caller copies them out before it
 * frees the slot. A message larger than a slot gets a buffer of its own,
 * transferred.
 */
class Chunker {
  /** Chunks posted so far: the next one goes to slot `posted % slots`. */
  private posted = 0;
  /** The chunk being filled (a ring slot, or a buffer of its own), and its size so far. */
  private data?: Uint8Array;
  private own = false;
  private bytes = 0;
  private count = 0;
  private readonly ring: Uint8Array;
  private readonly times: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly streams: Uint8Array;
  private readonly control: Int32Array;

  constructor(
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    private readonly limits: ChunkLimits,
    private readonly bytesOf: (index: number) => Uint8Array,
  ) {
    this.control = new Int32Array(control);
    this.ring = new Uint8Array(ring);
    this.times = new Uint32Array(limits.messages * 2);
    this.lengths = new Uint32Array(limits.messages);
    this.streams = new Uint8Array(limits.messages);
  }

  private get discarding(): boolean {
    return Atomics.load(this.control, CTRL.DISCARD) !== 0;
  }

  add(b: Batch): void {
    const n = b.all.count;
    if (n === 0 || this.discarding) return;
    const words = b.all.words;
    for (let k = 0; k < n; k++) {
      const len = words[k * 4 + 2]!;
      if (this.count > 0 && (this.count === this.limits.messages || this.bytes + len > this.data!.length)) {
        this.flush();
        if (this.discarding) return;
      }
      if (!this.data) {
        const size = this.limits.bytes;
        this.own = len > size;
        if (this.own) this.data = Buffer.allocUnsafeSlow(len);
        else {
          const at = (this.posted % this.limits.inFlight) * size;
          this.data = this.ring.subarray(at, at + size);
        }
      }
      const i = this.count++;
      if (len > 0) this.data.set(this.bytesOf(k), this.bytes);
      this.bytes += len;
      this.lengths[i] = len;
      this.streams[i] = b.allStream[k]!;
      writeNanos(this.times, i, b.timeSec[k]!, b.timeNsec[k]!);
    }
  }

  /** Posts what is collected (the queue is empty, or the chunk is full). */
  flush(): void {
    const count = this.count;
    if (count === 0) return;
    const bytes = this.bytes;
    const data = this.data!;
    const own = this.own;
    this.data = undefined;
    this.count = 0;
    this.bytes = 0;
    if (this.discarding) return;
    const at = metaLayout(count);
    const meta = new ArrayBuffer(at.size);
    new Uint32Array(meta, at.times, count * 2).set(this.times.subarray(0, count * 2));
    new Uint32Array(meta, at.lengths, count).set(this.lengths.subarray(0, count));
    new Uint8Array(meta, at.streams, count).set(this.streams.subarray(0, count));
    const c = this.control;
    Atomics.add(c, CTRL.IN_FLIGHT, 1);
    Atomics.add(c, CTRL.IN_FLIGHT_BYTES, inFlightCredit(bytes));
    const slot = this.posted++ % this.limits.inFlight;
    if (own) post({ kind: "chunk", slot: -1, data: data.buffer as ArrayBuffer, meta, count, bytes }, [data.buffer as ArrayBuffer, meta]);
    else post({ kind: "chunk", slot, meta, count, bytes }, [meta]);
    // Wait for the consumer: nothing more is received meanwhile, so the
    // kernel queue fills and the command's writes block.
    for (;;) {
      if (Atomics.load(c, CTRL.DISCARD) !== 0) return;
      const chunks = Atomics.load(c, CTRL.IN_FLIGHT);
      if (chunks === 0) return;
      if (chunks < this.limits.inFlight && Atomics.load(c, CTRL.IN_FLIGHT_BYTES) < this.limits.inFlightBytes) return;
      Atomics.wait(c, CTRL.IN_FLIGHT, chunks, 1000);
    }
  }
}

function relay(plan: WorkerPlan): WorkerMessage {
  const receiver = new IdleReceiver(plan.input, plan.stdoutAddress, plan.stderrAddress, { timestamps: plan.timestamps });
  const bytesOf = (index: number) => receiver.messageBytes(index);
  const router = plan.route ? new Router(plan.route) : undefined;
  router?.setByteSource(bytesOf);
  const chunker = plan.events ? new Chunker(plan.control, plan.ring, plan.limits, bytesOf) : undefined;
  let truncated = 0;
  if (chunker) receiver.onIdle = () => chunker.flush();
  const end: WorkerMessage = { kind: "end", teeFailed: false, truncated: 0 };
  let relayed: RelayOutcome;
  try {
    relayed = relayCommand({ ...plan, wakefd: -1 }, receiver, (batch) => {
      truncated += batch.truncated;
      router?.deliver(batch);
      chunker?.add(batch);
      return true;
    });
  } finally {
    // What was collected goes out, even after a failure; then the input
    // socket is ours to close: from now on the command's writes fail
    // instead of blocking (only after a relay failure is it still running).
    chunker?.flush();
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
  let end: WorkerMessage;
  try {
    end = relay(event.data);
  } catch (e) {
    end = { kind: "end", teeFailed: false, truncated: 0, relayFailure: { kind: "internal", message: e instanceof Error ? e.message : String(e) } };
  }
  post(end);
};
