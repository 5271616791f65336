// Writing help and version texts: synchronous, straight to fd 1.
import { libc } from "../sys/libc";

export function writeStdout(text: string, encoding: "utf8" | "latin1" = "utf8"): void {
  const buf = Buffer.from(text, encoding);
  let done = 0;
  while (done < buf.length) {
    const r = libc.write(1, buf.subarray(done), buf.length - done) as number;
    if (r <= 0) return;
    done += r;
  }
}
