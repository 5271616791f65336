// multitee's own messages on standard error, "ARGV0: ...", at the level the
// user chose: -q never touches stderr, -Q (the default) prints warnings and
// errors, -v adds what each input does and when it ends.
import { libc } from "../sys/libc";
import { strerror } from "../sys/libc";
import type { Verbosity } from "./config";

export class Reporter {
  constructor(
    readonly argv0: string,
    readonly verbosity: Verbosity,
  ) {}

  /** A fatal or usage error. */
  error(text: string): void {
    if (this.verbosity > 0) this.line(text);
  }

  warning(text: string): void {
    if (this.verbosity > 0) this.line(`warning: ${text}`);
  }

  cannotWrite(fd: number, code: number): void {
    this.warning(`cannot write descriptor ${fd}: ${strerror(code)}`);
  }

  cannotRead(fd: number, code: number): void {
    this.warning(`cannot read descriptor ${fd}: ${strerror(code)}`);
  }

  /** Printed with -v only. */
  info(text: string): void {
    if (this.verbosity > 1) this.line(text);
  }

  private line(text: string): void {
    const bytes = Buffer.from(`${this.argv0}: ${text}\n`, "utf8");
    let done = 0;
    // Best effort, blocking like any C program's stderr: a stderr that fails
    // has nowhere else to report to.
    for (let tries = 0; done < bytes.length && tries < 64; tries++) {
      const r = libc.write(2, bytes.subarray(done), bytes.length - done) as number;
      if (r > 0) done += r;
    }
  }
}
