// Real batches for the in-process engine tests: the messages are sent
// through a real socket trio (src/relay/trio.ts) and received by the real
// Receiver (src/relay/receiver.ts), so the Batch the router and sinks get is
// laid out exactly as in a dtee run (iovecs into the receive arena, runs,
// streams), not rebuilt by hand. Also iovec lists over plain buffers, for
// the sink tests that need more or larger entries than a trio queue holds.
import { createTrio, closeFd, type SocketTrio } from "../../src/relay/trio";
import { Receiver, type ReceiverOptions } from "../../src/relay/receiver";
import { IovecList, STDOUT, STDERR, type Batch } from "../../src/relay/batch";
import { libc, errno, addressOf } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { writePointer } from "../../src/sys/structs";
import { scratchDirectory } from "./descriptors";

export { STDOUT, STDERR };

/** A message of the command: which stream, and its bytes (a string is taken as latin1). */
export type Message = readonly [stream: typeof STDOUT | typeof STDERR, bytes: string | Uint8Array];

/** Shorthands for message lists: out("a") is the command writing "a" to its stdout. */
export const out = (bytes: string | Uint8Array): Message => [STDOUT, bytes];
export const err = (bytes: string | Uint8Array): Message => [STDERR, bytes];

/**
 * The command's side of a trio and dtee's receiver of it. `receive` sends
 * the messages (one datagram each, in order) and returns the one batch they
 * arrive in. A receive queue holds about 10 datagrams (max_dgram_qlen), so
 * at most 10 messages per batch.
 */
export class BatchSource {
  private readonly scratch = scratchDirectory();
  private readonly trio: SocketTrio;
  readonly receiver: Receiver;

  constructor(options: ReceiverOptions = {}) {
    this.trio = createTrio({ tmpdir: this.scratch.dir, timestamps: options.timestamps });
    this.receiver = new Receiver(this.trio.input, this.trio.stdoutAddress, this.trio.stderrAddress, options);
  }

  /** The batch the receiver makes of these messages. */
  receive(messages: readonly Message[]): Batch {
    if (messages.length > 10) throw new Error("at most 10 messages per batch (max_dgram_qlen)");
    for (const [stream, bytes] of messages) {
      const data = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
      const fd = stream === STDOUT ? this.trio.stdout : this.trio.stderr;
      const sent = libc.send(fd, data, data.length, P.MSG_DONTWAIT) as number;
      if (sent !== data.length) throw new Error(`send: ${sent} (errno ${errno()})`);
    }
    const n = this.receiver.receive(P.MSG_DONTWAIT);
    if (n !== messages.length) throw new Error(`received ${n} of ${messages.length} messages in one batch`);
    return this.receiver.batch;
  }

  /** The bytes of entry `index` of the last batch (the router's byte source). */
  readonly bytesOf = (index: number): Uint8Array => this.receiver.messageBytes(index);

  close(): void {
    this.receiver.close();
    for (const fd of [this.trio.input, this.trio.stdout, this.trio.stderr]) closeFd(fd);
    this.scratch.cleanup();
  }
}

/**
 * An iovec list over `buffers`, as a batch's lists are laid out; the
 * returned `keep` must stay referenced while the list is written.
 */
export function iovecListOf(buffers: readonly Uint8Array[]): { list: IovecList; keep: readonly Uint8Array[] } {
  const list = new IovecList(Math.max(1, buffers.length));
  const words = P.iovecSize / 4;
  buffers.forEach((b, k) => {
    writePointer(list.words, k * words, b.length ? addressOf(b) : 0);
    list.words[k * words + 2] = b.length;
    list.words[k * words + 3] = 0;
  });
  list.count = buffers.length;
  list.bytes = buffers.reduce((sum, b) => sum + b.length, 0);
  return { list, keep: buffers };
}
