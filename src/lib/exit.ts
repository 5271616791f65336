// How a library run ends: its exit described as the dtee command describes
// it, and the ways the caller ends it early (kill, an AbortSignal, a
// timeout). Kept apart from the process object so the signal rules (names,
// numbers, pidfd against a reused pid) are in one place.
import { constants as osConstants } from "node:os";
import { libc } from "../sys/libc";
import { P } from "../sys/platform";
import { decodeWaitStatus, describeTermination, shellStatus } from "../dtee/status";
import type { EndMessage } from "./protocol";
import type { Exit, RunOptions } from "./dtee";

/** pidfd_send_signal(2): the same number on every Linux architecture. */
const SYS_pidfd_send_signal = 424;

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name]),
);

/** The signal's number; SIGTERM when none is given. Throws RangeError for a name or number that is no signal. */
export function signalNumber(signal: NodeJS.Signals | number | undefined): number {
  if (signal === undefined) return osConstants.signals.SIGTERM;
  if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 0 || signal >= P.NSIG) throw new RangeError(`invalid signal: ${signal}`);
    return signal;
  }
  const n = (osConstants.signals as Record<string, number>)[signal];
  if (n === undefined) throw new RangeError(`unknown signal: ${signal}`);
  return n;
}

/**
 * Sends `sig` to the command: through its pidfd where there is one (it
 * cannot reach another process that got the pid after ours was reaped),
 * else by pid. True when the signal was sent.
 */
export function sendSignal(pid: number, pidfd: number, sig: number): boolean {
  const r = pidfd >= 0 ? Number(libc.syscall(SYS_pidfd_send_signal, pidfd, sig, 0, 0, 0)) : libc.kill(pid, sig);
  return r === 0;
}

/** The exit as the dtee command describes it. */
export function exitOf(end: EndMessage): Exit {
  const t = decodeWaitStatus(end.waitStatus ?? 0);
  const signal = t.signal ?? null;
  return {
    status: t.code ?? null,
    signal,
    signalName: signal === null ? null : (SIGNAL_NAMES[signal] ?? null),
    coreDumped: t.coreDumped,
    code: shellStatus(t),
    description: describeTermination(t),
    teeFailed: end.teeFailed,
  };
}

/** What the early ends need of a run: a way to kill it, and a hook for when it is over. */
export interface Killable {
  kill(signal: number): boolean;
  onEnd(cleanup: () => void): void;
}

/** Kills the run with `options.killSignal` when `options.signal` aborts or `options.timeout` ms pass; both undone when it ends. */
export function killOnAbortOrTimeout(proc: Killable, options: RunOptions, killSignal: number): void {
  const signal = options.signal;
  if (signal) {
    const onAbort = () => proc.kill(killSignal);
    signal.addEventListener("abort", onAbort, { once: true });
    proc.onEnd(() => signal.removeEventListener("abort", onAbort));
  }
  if (options.timeout !== undefined && options.timeout > 0) {
    const timer = setTimeout(() => proc.kill(killSignal), options.timeout);
    proc.onEnd(() => clearTimeout(timer));
  }
}
