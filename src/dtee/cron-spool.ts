// Cron mode's spool: the command's stdout is held in an unnamed temporary
// file (O_TMPFILE, 0600, never in memory) until the command first writes to
// stderr, or until the end of a run worth reporting; then what was held goes
// out in order. A run that stays silent throws it away unseen. This module
// owns the spool from opening to release, and its messages.
import { libc, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { Sink } from "../relay/sink";
import type { IovecList } from "../relay/batch";
import { cPath } from "./outputs";

/** Opens the spool under `dir` (a byte string); the error text is dtee's message. */
export function openSpool(dir: string): { fd: number } | { error: string } {
  if (!P.O_TMPFILE) return { error: `unable to create temporary file in ${dir}: not supported on this platform` };
  const fd = libc.open(cPath(dir), P.O_TMPFILE | P.O_RDWR | P.O_CLOEXEC, 0o600);
  if (fd >= 0) return { fd };
  return { error: `unable to create temporary file in ${dir}: ${strerror(errno())}` };
}

const COPY_CHUNK = 1 << 20;

export class CronSpool {
  private readonly sink: Sink;
  private open = true;
  /** The spool could not be read back: what it held is lost (dtee exits 74). */
  unreadable = false;

  /**
   * `report` prints one of dtee's messages (and marks the run as an I/O
   * error); `dir` names where the spool lives, as the file has no name.
   */
  constructor(
    fd: number,
    private readonly dir: string,
    private readonly report: (message: string) => void,
  ) {
    this.sink = new Sink(fd, "spool", {
      onFailure: (_sink, code) => this.report(`error writing to buffer file in ${this.dir}: ${strerror(code)}`),
    });
  }

  /** Still holding stdout. */
  get holding(): boolean {
    return this.open;
  }

  /**
   * Holds entries [start, start + count) of `list`. Returns false when the
   * spool could not take them: as dtee does, holding then stops; the caller
   * releases what was held and writes these straight out (nothing is lost).
   */
  hold(list: IovecList, start: number, count: number, bytes: number): boolean {
    const before = this.sink.written;
    if (this.sink.writeRange(list, start, count, bytes)) return true;
    // A partly written run is taken back: it goes out whole instead.
    libc.ftruncate(this.sink.fd, before);
    return false;
  }

  /** Copies what was held to `out`, in order, and stops holding. */
  release(out: Sink): void {
    if (!this.open) return;
    this.open = false;
    const failure = this.copyTo(out);
    if (failure) {
      this.unreadable = true;
      this.report(`${failure.what} in ${this.dir}: ${strerror(failure.code)}`);
    }
    libc.close(this.sink.fd);
  }

  /** Throws what was held away unseen (a run not worth reporting). */
  discard(): void {
    if (!this.open) return;
    this.open = false;
    libc.close(this.sink.fd);
  }

  /** What failed, when the spool could not be read back; a failed write to `out` is reported by its sink. */
  private copyTo(out: Sink): { what: string; code: number } | undefined {
    const fd = this.sink.fd;
    if ((libc.lseek(fd, 0, P.SEEK_SET) as number) < 0) return { what: "error seeking to start of buffer file", code: errno() };
    const buf = new Uint8Array(COPY_CHUNK);
    for (;;) {
      const r = libc.read(fd, buf, COPY_CHUNK) as number;
      if (r === 0) return undefined;
      if (r < 0) {
        const e = errno();
        if (e === P.errno.EINTR) continue;
        return { what: "error reading buffer file", code: e };
      }
      if (!out.writeBuffer(r === COPY_CHUNK ? buf : buf.subarray(0, r))) return undefined;
    }
  }
}
