// Ending the way a C program ends when a signal kills it, so a calling shell
// sees the signal: back to the default action (Bun ignores SIGPIPE and
// SIGXFSZ; our own handlers), then raise it.
import { libc } from "./libc";
import { P } from "./platform";
import { signalExitStatus } from "../exit-status";

/**
 * Dies of `signal`. Should raising it fail (blocked, or a fault injected),
 * exits with `statusIfAlive` instead: by default the status a shell would
 * have shown.
 */
export function dieOfSignal(signal: number, statusIfAlive = signalExitStatus(signal)): never {
  libc.signal(signal, P.SIG_DFL);
  libc.raise(signal);
  process.exit(statusIfAlive);
}
