// An output descriptor that writes whole iovec lists: partial writes are
// completed, EINTR retried, EAGAIN (someone else's non-blocking flag) waited
// out with poll. Failures go to the owner's callback; what they mean is
// policy and belongs to the tool, not here.
import { libc, errno, addressOf } from "../sys/libc";
import { P } from "../sys/platform";
import { writePointer } from "../sys/structs";
import { writeFully, waitWritable } from "../sys/write-all";
import type { IovecList } from "./batch";

export type WriteFailure = (sink: Sink, code: number) => void;

const IOV_WORDS = P.iovecSize / 4;

export class Sink {
  /** True from a failed write until the next successful one. */
  failing = false;
  /** Bytes written successfully. */
  written = 0;
  private scratch: Uint32Array = new Uint32Array(0);

  private readonly onFailure: WriteFailure;
  private readonly reportEveryFailure: boolean;

  constructor(
    readonly fd: number,
    readonly name: string,
    options: {
      /** Called for a failed write: for the first of a run of failures, or every one with `reportEveryFailure`. */
      onFailure: WriteFailure;
      reportEveryFailure?: boolean;
    },
  ) {
    this.onFailure = options.onFailure;
    this.reportEveryFailure = options.reportEveryFailure ?? false;
  }

  /** Writes entries [start, start + count) of `list`, `bytes` in total. */
  writeRange(list: IovecList, start: number, count: number, bytes: number): boolean {
    if (count === 0) return true;
    const r = libc.writev(this.fd, list.address + start * P.iovecSize, count) as number;
    if (r === bytes) {
      this.written += bytes;
      if (this.failing) this.recovered();
      return true;
    }
    return this.complete(list.words, start, count, bytes, r);
  }

  writeAll(list: IovecList): boolean {
    return this.writeRange(list, 0, list.count, list.bytes);
  }

  /** Writes one plain buffer (messages, spool copies). */
  writeBuffer(buf: Uint8Array): boolean {
    const e = writeFully(this.fd, buf);
    if (e) {
      this.fail(e);
      return false;
    }
    this.written += buf.length;
    if (this.failing) this.recovered();
    return true;
  }

  private complete(words: Uint32Array, start: number, count: number, bytes: number, first: number): boolean {
    // Slow path: copy the entries so they can be advanced past what was written.
    if (this.scratch.length < count * IOV_WORDS) this.scratch = new Uint32Array(count * IOV_WORDS);
    const s = this.scratch;
    s.set(words.subarray(start * IOV_WORDS, (start + count) * IOV_WORDS));
    const base = addressOf(s);
    let index = 0;
    let remaining = bytes;
    let r = first;
    for (;;) {
      if (r < 0) {
        const e = errno();
        if (e === P.errno.EINTR) {
          // retry below
        } else if (e === P.errno.EAGAIN) {
          waitWritable(this.fd);
        } else {
          this.fail(e);
          return false;
        }
      } else {
        this.written += r;
        remaining -= r;
        if (remaining <= 0) break;
        // Skip the entries written whole, trim the one written in part.
        while (r > 0) {
          const at = index * IOV_WORDS;
          const len = s[at + 2]!;
          if (r >= len) {
            r -= len;
            index++;
          } else {
            const address = s[at]! + s[at + 1]! * 0x100000000 + r;
            writePointer(s, at, address);
            s[at + 2] = len - r;
            r = 0;
          }
        }
        while (s[index * IOV_WORDS + 2] === 0 && index < count) index++;
      }
      r = libc.writev(this.fd, base + index * P.iovecSize, count - index) as number;
    }
    if (this.failing) this.recovered();
    return true;
  }

  private fail(code: number): void {
    const first = !this.failing;
    this.failing = true;
    if (first || this.reportEveryFailure) this.onFailure(this, code);
  }

  private recovered(): void {
    this.failing = false;
  }
}
