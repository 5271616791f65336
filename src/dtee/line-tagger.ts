// Prefixes each line of a combined output with the stream (O/E) and/or the
// receive time. Lines are tracked per stream: when the other stream writes
// while a line is open, the open line is ended first, and the interrupted
// stream's continuation starts a new, prefixed line, so the file reads
// line by line.
import { STDOUT } from "../relay/batch";
import { isoNanos } from "./clock";

const NEWLINE = 0x0a;
const LF = Buffer.from("\n");

export interface TagOptions {
  tag: boolean;
  timestamps: boolean;
}

export class LineTagger {
  /** The stream whose line is open in the output (no newline yet), or 0. */
  private open = 0;

  constructor(private readonly options: TagOptions) {}

  private prefix(stream: number, sec: number, nsec: number): Buffer {
    let p = "";
    if (this.options.timestamps) p += `${isoNanos(sec, nsec)} `;
    if (this.options.tag) p += stream === STDOUT ? "O " : "E ";
    return Buffer.from(p, "utf8");
  }

  /** Appends the formatted form of one write to `out`. */
  format(stream: number, bytes: Uint8Array, sec: number, nsec: number, out: Uint8Array[]): void {
    // A zero-length write adds nothing: it must not end the other stream's line.
    if (bytes.length === 0) return;
    if (this.open !== 0 && this.open !== stream) {
      out.push(LF);
      this.open = 0;
    }
    let pos = 0;
    while (pos < bytes.length) {
      if (this.open === 0) {
        out.push(this.prefix(stream, sec, nsec));
        this.open = stream;
      }
      const nl = bytes.indexOf(NEWLINE, pos);
      const end = nl < 0 ? bytes.length : nl + 1;
      out.push(bytes.subarray(pos, end));
      if (nl >= 0) this.open = 0;
      pos = end;
    }
  }
}
