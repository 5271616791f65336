// Ending the way a C program does when a signal kills it. Bun ignores
// SIGPIPE (so writes fail with EPIPE instead); `:fd` asks for multitee 3.0's
// reaction to a broken pipe on that output, which is to die of SIGPIPE.
import { P } from "../sys/platform";
import { dieOfSignal } from "../sys/die-of-signal";
import { EXIT } from "./config";

export function dieOfBrokenPipe(): never {
  return dieOfSignal(P.signals.SIGPIPE);
}

export { EXIT };
