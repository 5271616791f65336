// Ending the way a C program does when a signal kills it. Bun ignores
// SIGPIPE (so writes fail with EPIPE instead); `:fd` asks for multitee 3.0's
// reaction to a broken pipe on that output, which is to die of SIGPIPE.
import { libc } from "../sys/libc";
import { P } from "../sys/platform";
import { EXIT } from "./config";

export function dieOfSignal(sig: number): never {
  libc.signal(sig, P.SIG_DFL);
  libc.raise(sig);
  // Only reached if the signal is blocked: the nearest thing a shell reports.
  process.exit(128 + sig);
}

export function dieOfBrokenPipe(): never {
  return dieOfSignal(P.signals.SIGPIPE);
}

export { EXIT };
