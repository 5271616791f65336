// Where a pipe input's bytes go when none of its outputs is left: spliced to
// /dev/null, so even discarding stays in the kernel. multitee keeps reading
// an input whose outputs are all forgotten, as 3.0 does.
import { libc, errno, cstring } from "../sys/libc";
import { P } from "../sys/platform";

let devNull = -2;

/** A write-only descriptor on /dev/null, opened once; -1 if it cannot be. */
export function nullSink(): number {
  if (devNull === -2) {
    const fd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
    devNull = fd >= 0 ? fd : -1;
  }
  return devNull;
}

/** Moves up to `length` bytes from pipe `input` to /dev/null: bytes, 0 at end of file, or -errno. */
export function discardFromPipe(input: number, length: number): number {
  const sink = nullSink();
  if (sink < 0) return -P.errno.EBADF;
  const r = libc.splice(input, null, sink, null, length, P.SPLICE_F_NONBLOCK) as number;
  return r >= 0 ? r : -errno();
}
