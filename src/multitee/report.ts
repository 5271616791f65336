// multitee's own messages on standard error, "ARGV0: ...", at the level the
// user chose: -q never touches stderr, -Q (the default) prints warnings and
// errors, -v adds what each input does and when it ends.
import { strerror } from "../sys/libc";
import { writeText } from "../sys/write-all";
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
    // Blocking like any C program's stderr; a stderr that fails has
    // nowhere else to report to.
    writeText(2, `${this.argv0}: ${text}\n`);
  }
}
