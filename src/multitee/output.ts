// One output descriptor, shared by every input that writes to it. The
// tee/splice path uses the descriptor itself (SPLICE_F_NONBLOCK makes those
// calls non-blocking without touching the descriptor's flags); the
// read/write path picks, once, a way to write that cannot block:
//   nonblocking  a private non-blocking reopen of a pipe or terminal;
//   socket       send(MSG_DONTWAIT);
//   direct       regular files and devices like /dev/null, which never wait;
//   gated        anything else: one write of at most PIPE_BUF bytes each time
//                poll says the descriptor is writable, which a pipe always
//                takes whole.
import { libc, errno, asPointer } from "../sys/libc";
import { P } from "../sys/platform";
import { reopenNonblocking, type FdKind } from "./descriptors";

export type WriteMode = "nonblocking" | "socket" | "direct" | "gated";

const SEND_FLAGS = P.MSG_DONTWAIT | P.MSG_NOSIGNAL;

export class Output {
  /** Forgotten after a write error: nothing is written to it again. */
  dead = false;
  /** Poll said writable since the last gated write. */
  ready = false;
  private mode: WriteMode | undefined;
  private wfd = -1;

  constructor(
    readonly fd: number,
    readonly kind: FdKind,
  ) {}

  get writeMode(): WriteMode {
    return this.prepare();
  }

  /** Chooses how plain writes are done (once; the tee/splice path never asks). */
  prepare(): WriteMode {
    if (this.mode) return this.mode;
    if (this.kind === "socket") this.mode = "socket";
    else if (this.kind === "file" || this.kind === "device") this.mode = "direct";
    else {
      this.wfd = reopenNonblocking(this.fd, this.kind, true);
      this.mode = this.wfd >= 0 ? "nonblocking" : "gated";
    }
    return this.mode;
  }

  /** Writes without blocking: bytes written (0: try again when writable), or -errno. */
  write(address: number, length: number): number {
    let r: number;
    switch (this.prepare()) {
      case "nonblocking":
        r = libc.write(this.wfd, asPointer(address), length) as number;
        break;
      case "socket":
        r = libc.send(this.fd, asPointer(address), length, SEND_FLAGS) as number;
        break;
      case "direct":
        r = libc.write(this.fd, asPointer(address), length) as number;
        break;
      case "gated":
        if (!this.ready) return 0;
        this.ready = false;
        r = libc.write(this.fd, asPointer(address), Math.min(length, P.PIPE_BUF)) as number;
        break;
    }
    if (r >= 0) return r;
    const e = errno();
    return e === P.errno.EAGAIN ? 0 : -e;
  }

  /** Forgets the output: nothing more is written to it. */
  forget(): void {
    this.dead = true;
    if (this.wfd >= 0) {
      libc.close(this.wfd);
      this.wfd = -1;
    }
  }
}
