// The read/write path, for inputs or outputs that are not all pipes. As in
// multitee 3.0 (and without copying between read and write): one buffer per
// input; bytes are read into the free end of it and written from there to
// each output at that output's own pace; once every output has everything,
// the buffer starts over. So reading stops while the buffer is full, that is
// while an output is more than the buffer size behind, and an output that
// blocks holds up only the inputs that write to it.
import { addressOf } from "../sys/libc";
import { P } from "../sys/platform";
import type { Output } from "./output";
import type { OutputTable } from "./outputs";
import { READABLE, WRITABLE, type PollSet } from "./pollset";
import type { EndListener, Pump, PumpState } from "./pump";
import type { Reporter } from "./report";
import type { Source } from "./source";

interface CopyRoute {
  readonly out: Output;
  readonly exitOnBrokenPipe: boolean;
  /** How much of the buffer this output has been given. */
  start: number;
  /** Its last write would have blocked. */
  waiting: boolean;
}

/** Bytes one run may move before letting the other inputs have a turn. */
const BUDGET = 1 << 20;

export class CopyPump implements Pump {
  state: PumpState = "open";
  private readonly buffer: Uint8Array;
  private readonly base: number;
  private readonly routes: CopyRoute[];
  /** Bytes in the buffer. */
  private filled = 0;
  private inputWaiting = false;
  /** Bytes read so far (for -v). */
  private total = 0;

  constructor(
    private readonly source: Source,
    routes: readonly { out: Output; exitOnBrokenPipe: boolean }[],
    bufferSize: number,
    private readonly outputs: OutputTable,
    private readonly report: Reporter,
    private readonly onEnd: EndListener,
  ) {
    // Its own ArrayBuffer: bytes outside the JS heap, at an address that stays.
    this.buffer = new Uint8Array(new ArrayBuffer(bufferSize));
    this.base = addressOf(this.buffer);
    this.routes = routes.map((r) => ({ out: r.out, exitOnBrokenPipe: r.exitOnBrokenPipe, start: 0, waiting: false }));
  }

  get fd(): number {
    return this.source.fd;
  }

  run(): boolean {
    let budget = BUDGET;
    for (;;) {
      let progress = false;
      let pending = false;
      for (const r of this.routes) {
        if (r.out.dead || r.start >= this.filled) continue;
        const n = r.out.write(this.base + r.start, this.filled - r.start);
        if (n > 0) {
          r.start += n;
          r.waiting = false;
          progress = true;
        } else if (n === 0) {
          r.waiting = true;
        } else if (n === -P.errno.EINTR) {
          progress = true; // try again
        } else {
          this.outputs.failed(r.out, -n, r.exitOnBrokenPipe);
          continue;
        }
        if (r.start < this.filled && !r.out.dead) pending = true;
      }
      if (!pending) {
        // Every output has it all: start the buffer over.
        this.filled = 0;
        for (const r of this.routes) r.start = 0;
      }
      if (this.state !== "open") {
        if (!pending) {
          this.state = "closed";
          return false;
        }
        if (!progress) return false;
        continue;
      }
      if (this.filled < this.buffer.length) {
        const n = this.source.read(this.base + this.filled, this.buffer.length - this.filled);
        if (n > 0) {
          this.filled += n;
          this.total += n;
          budget -= n;
          this.inputWaiting = false;
          progress = true;
        } else if (n === 0) {
          this.reachEnd("end of file");
          continue;
        } else if (n === -P.errno.EAGAIN) {
          this.inputWaiting = true;
        } else if (n === -P.errno.EINTR) {
          progress = true;
        } else {
          this.report.cannotRead(this.fd, -n);
          this.reachEnd("read error, taken as end of file");
          continue;
        }
      }
      if (!progress) return false;
      if (budget <= 0) return true;
    }
  }

  wants(set: PollSet): void {
    if (this.state === "closed") return;
    if (this.state === "open" && this.inputWaiting && this.filled < this.buffer.length) {
      set.add(this.source.fd, READABLE, this, null);
    }
    for (const r of this.routes) {
      if (r.waiting && !r.out.dead && r.start < this.filled) set.add(r.out.fd, WRITABLE, this, r.out);
    }
  }

  inputReady(): void {
    this.source.ready = true;
    this.inputWaiting = false;
  }

  outputReady(): void {
    // Nothing to note: the output's own flag serves gated writes.
  }

  end(): void {
    if (this.state === "open") this.reachEnd("end of file (forced)");
  }

  private reachEnd(why: string): void {
    this.state = "finishing";
    this.report.info(`${this.fd}: ${why} after ${this.total} bytes`);
    this.onEnd(this.fd);
  }
}
