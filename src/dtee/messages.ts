// dtee's own messages: one line each on standard error, "ARGV0: ...".
// dtee's strings are byte strings (see config.ts), so they are written as
// latin1: each character is the byte it came from. Tools whose strings are
// ordinary text pass "utf8".
import { writeText } from "../sys/write-all";

export function printError(argv0: string, text: string, encoding: "latin1" | "utf8" = "latin1"): void {
  // Best effort: a failing stderr has nowhere else to report to.
  writeText(2, `${argv0}: ${text}\n`, encoding);
}
