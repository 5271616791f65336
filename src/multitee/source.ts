// One input descriptor, read without blocking on the read/write path:
//   nonblocking  a private non-blocking reopen of a pipe or terminal (also
//                safe when another process reads the same pipe: no data is
//                EAGAIN, not a hang);
//   direct       regular files, which are always readable;
//   gated        sockets, devices and anything else: one read each time poll
//                says the descriptor is readable.
// The tee/splice path reads nothing: it uses the descriptor itself.
import { libc, errno, asPointer } from "../sys/libc";
import { P } from "../sys/platform";
import { reopenNonblocking, type FdKind } from "./descriptors";

export type ReadMode = "nonblocking" | "direct" | "gated";

export class Source {
  /** Poll said readable since the last gated read. */
  ready = false;
  readonly mode: ReadMode;
  private readonly rfd: number;

  constructor(
    readonly fd: number,
    readonly kind: FdKind,
  ) {
    const copy = reopenNonblocking(fd, kind, false);
    this.rfd = copy >= 0 ? copy : fd;
    this.mode = copy >= 0 ? "nonblocking" : kind === "file" ? "direct" : "gated";
  }

  /** Reads without blocking: bytes read, 0 at end of file, -EAGAIN for none yet, or -errno. */
  read(address: number, length: number): number {
    if (this.mode === "gated") {
      if (!this.ready) return -P.errno.EAGAIN;
      this.ready = false;
    }
    const r = libc.read(this.rfd, asPointer(address), length) as number;
    return r >= 0 ? r : -errno();
  }
}
