// Writes a whole buffer to a descriptor, carrying on after short writes; for
// messages, help texts and reports (not the relay's hot path, which has Sink).
import { writeSync } from "node:fs";
import { libc, errno, ffiUnavailable } from "./libc";
import { P } from "./platform";

/** Returns false if a write failed (the rest is dropped). */
export function writeAll(fd: number, bytes: Uint8Array): boolean {
  if (ffiUnavailable) return writeWithoutFfi(fd, bytes);
  let done = 0;
  while (done < bytes.length) {
    const r = libc.write(fd, bytes.subarray(done), bytes.length - done) as number;
    if (r > 0) {
      done += r;
      continue;
    }
    if (r < 0 && errno() === P.errno.EINTR) continue;
    return false;
  }
  return true;
}

/** writeAll of a string in the given encoding. */
export function writeText(fd: number, text: string, encoding: "utf8" | "latin1" = "utf8"): boolean {
  return writeAll(fd, Buffer.from(text, encoding));
}

/** The same through node:fs, for when bun:ffi cannot work (no JIT). */
function writeWithoutFfi(fd: number, bytes: Uint8Array): boolean {
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    return true;
  } catch {
    return false;
  }
}
