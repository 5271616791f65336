// The output table and its failure policy: a write error prints a warning
// and forgets the output for every input that writes to it (the others go
// on); a broken pipe on a `:fd` route ends multitee by SIGPIPE instead.
import { P } from "../sys/platform";
import type { FdKind } from "./descriptors";
import { Output } from "./output";
import type { Reporter } from "./report";
import { dieOfBrokenPipe } from "./signals";

export class OutputTable {
  private readonly byFd = new Map<number, Output>();

  constructor(private readonly report: Reporter) {}

  /** The output for `fd`, created on first use: one per descriptor. */
  get(fd: number, kind: FdKind): Output {
    let out = this.byFd.get(fd);
    if (!out) {
      out = new Output(fd, kind);
      this.byFd.set(fd, out);
    }
    return out;
  }

  /** A write to `out` failed with errno `code`. */
  failed(out: Output, code: number, exitOnBrokenPipe: boolean): void {
    if (code === P.errno.EPIPE && exitOnBrokenPipe) dieOfBrokenPipe();
    if (out.dead) return;
    this.report.cannotWrite(out.fd, code);
    out.forget();
    this.report.info(`${out.fd}: forgotten`);
  }
}
