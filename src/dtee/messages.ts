// dtee's own messages: one line each on standard error, "ARGV0: ...".
import { libc } from "../sys/libc";

export function printError(argv0: string, text: string): void {
  const line = Buffer.from(`${argv0}: ${text}\n`, "utf8");
  let done = 0;
  // Best effort: a failing stderr has nowhere else to report to.
  for (let tries = 0; done < line.length && tries < 64; tries++) {
    const r = libc.write(2, line.subarray(done), line.length - done) as number;
    if (r > 0) done += r;
  }
}
