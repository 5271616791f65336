// Wait statuses: decoding them and passing them on to our own caller.
import { libc, strsignal } from "../sys/libc";
import { P } from "../sys/platform";
import { signalExitStatus } from "../exit-status";

export interface Termination {
  /** Exit status, when the command exited. */
  code?: number;
  /** Signal number, when it was killed. */
  signal?: number;
  coreDumped: boolean;
}

export function decodeWaitStatus(status: number): Termination {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, coreDumped: false };
  return { signal: sig, coreDumped: (status & 0x80) !== 0 };
}

/** The shell's view of a termination: the status, or 128 + signal. */
export function shellStatus(t: Termination): number {
  return t.signal !== undefined ? signalExitStatus(t.signal) : t.code!;
}

export function describeTermination(t: Termination): string {
  if (t.signal === undefined) return `exited with status ${t.code}`;
  return `process terminated by signal ${t.signal}: ${strsignal(t.signal)}${t.coreDumped ? " (core dumped)" : ""}`;
}

