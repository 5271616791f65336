// Reads a small file (a /proc or /sys entry) with plain open/read/close.
// Cheaper at start-up than node:fs's readFileSync, which sizes /proc files
// (reported as empty) the slow way.
import { libc, cstring, ffiUnavailable } from "./libc";
import { P } from "./platform";

const CHUNK = 65536;

/** The file's bytes, or undefined if it cannot be opened or read. */
export function readSmallFile(path: string): Buffer | undefined {
  if (ffiUnavailable) {
    try {
      // No FFI (no JIT): node:fs, loaded only then (see files.ts).
      return (require("node:fs") as typeof import("node:fs")).readFileSync(path);
    } catch {
      return undefined;
    }
  }
  const fd = libc.open(cstring(path), P.O_RDONLY | P.O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  const chunks: Buffer[] = [];
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const r = libc.read(fd, buf, CHUNK) as number;
      if (r < 0) return undefined;
      if (r === 0) break;
      chunks.push(buf.subarray(0, r));
    }
  } finally {
    libc.close(fd);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
