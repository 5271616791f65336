// dtee's own messages: one line each on standard error, "ARGV0: ...".
// dtee's strings are byte strings (see config.ts), so they are written as
// latin1: each character is the byte it came from. Tools whose strings are
// ordinary text pass "utf8".
import { libc } from "../sys/libc";

export function printError(argv0: string, text: string, encoding: "latin1" | "utf8" = "latin1"): void {
  const line = Buffer.from(`${argv0}: ${text}\n`, encoding);
  let done = 0;
  // Best effort: a failing stderr has nowhere else to report to.
  for (let tries = 0; done < line.length && tries < 64; tries++) {
    const r = libc.write(2, line.subarray(done), line.length - done) as number;
    if (r > 0) done += r;
  }
}
