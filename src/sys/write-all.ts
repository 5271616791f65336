// Writing a whole buffer to a descriptor, the one way every tool does it:
// short writes are completed, EINTR retried, and EAGAIN (a descriptor someone
// else made non-blocking) waited out with poll, as a blocking write would.
// The relay's hot path writes iovec lists through Sink, which shares the wait.
import { libc, errno, addressOf, ffiUnavailable } from "./libc";
import { P } from "./platform";

const pollfd = new Int32Array(2);

/** Blocks until `fd` can take more (its reader drained it), or it failed. */
export function waitWritable(fd: number): void {
  pollfd[0] = fd;
  pollfd[1] = P.POLLOUT;
  libc.poll(pollfd, 1, -1);
}

/** Writes all of `bytes`; returns 0, or the errno of the write that failed (what went before stays written). */
export function writeFully(fd: number, bytes: Uint8Array): number {
  if (ffiUnavailable) return writeWithoutFfi(fd, bytes);
  const base = bytes.length ? addressOf(bytes) : 0;
  let done = 0;
  while (done < bytes.length) {
    const r = libc.write(fd, base + done, bytes.length - done) as number;
    if (r >= 0) {
      done += r;
      continue;
    }
    const e = errno();
    if (e === P.errno.EINTR) continue;
    if (e === P.errno.EAGAIN) {
      waitWritable(fd);
      continue;
    }
    return e;
  }
  return 0;
}

/** Returns false if a write failed (the rest is dropped). */
export function writeAll(fd: number, bytes: Uint8Array): boolean {
  return writeFully(fd, bytes) === 0;
}

/** writeAll of a string in the given encoding. */
export function writeText(fd: number, text: string, encoding: "utf8" | "latin1" = "utf8"): boolean {
  return writeAll(fd, Buffer.from(text, encoding));
}

/** The same through node:fs, for when bun:ffi cannot work (no JIT). */
function writeWithoutFfi(fd: number, bytes: Uint8Array): number {
  try {
    // No FFI (no JIT): node:fs, loaded only then (see files.ts).
    const { writeSync } = require("node:fs") as typeof import("node:fs");
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    return 0;
  } catch (e) {
    const code = (e as { errno?: number }).errno;
    return code !== undefined ? Math.abs(code) : P.errno.EINVAL;
  }
}
