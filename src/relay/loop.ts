// The data loop: block in poll on [input socket, child pidfd, wake-up eventfd],
// drain the input in recvmmsg batches, hand each batch to the tool. Runs on
// whichever thread calls it. A thread inside this loop runs no JavaScript
// signal handlers (Bun runs them from its event loop); a caller that has
// some asks for time slices and yields to the event loop between them.
import { libc, errno } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";
import type { Receiver } from "./receiver";
import type { Batch } from "./batch";
import { pollExit, collectExit } from "./spawn";
import { normalJit } from "../startup/runtime";

export interface LoopParams {
  receiver: Receiver;
  input: number;
  pid: number;
  /** Polls readable when the child exits; -1 to fall back to a timed waitpid. */
  pidfd: number;
  /** A non-blocking eventfd another thread writes to stop the loop; -1 for none. */
  wakefd: number;
  /** Called for each batch; return false to stop at once. */
  deliver: (batch: Batch) => boolean;
  /**
   * Come back ("paused") after about this many milliseconds of work, after
   * a poll that a signal interrupted, and after this long idle, so the
   * caller can let the event loop run signal handlers; then call again.
   * Undefined: run to the end.
   */
  sliceMs?: number;
}

export type LoopEnd =
  | { kind: "exited"; status: number }
  | { kind: "woken"; value: number }
  /** The child's exit was signalled but waitpid could not collect it (errno, or 0 for "no change"). */
  | { kind: "lost"; error: number }
  | { kind: "stopped" }
  /** A time slice ended (see sliceMs): nothing is lost, call again to go on. */
  | { kind: "paused" };

const FALLBACK_POLL_MS = 20;

/**
 * How long a sliced loop waits in poll when nothing happens. A signal sent
 * to the process goes to the main thread when it does not block it, and
 * interrupts poll at once; this only bounds the wait of one sent to
 * another thread of ours, at a few wake-ups a second while idle.
 */
const SLICED_IDLE_WAIT_MS = 100;

/**
 * The value the waker wrote into the eventfd (dtee: the signal number), or
 * undefined when nothing was written (the eventfd is non-blocking).
 */
function readWake(wakefd: number): number | undefined {
  const value = new BigUint64Array(1);
  if ((libc.read(wakefd, value, 8) as number) !== 8) return undefined;
  return Number(value[0]);
}

export function runLoop(p: LoopParams): LoopEnd {
  normalJit();
  const fds = new Int32Array(6);
  const events = P.POLLIN;
  fds[0] = p.input;
  fds[1] = events;
  let nfds = 1;
  let pidIndex = -1;
  let wakeIndex = -1;
  if (p.pidfd >= 0) {
    pidIndex = nfds++;
    fds[pidIndex * 2] = p.pidfd;
    fds[pidIndex * 2 + 1] = events;
  }
  if (p.wakefd >= 0) {
    wakeIndex = nfds++;
    fds[wakeIndex * 2] = p.wakefd;
    fds[wakeIndex * 2 + 1] = events;
  }
  const slice = p.sliceMs;
  const timeout = p.pidfd < 0 ? FALLBACK_POLL_MS : slice === undefined ? -1 : SLICED_IDLE_WAIT_MS;
  const deadline = slice === undefined ? Infinity : performance.now() + slice;
  const receiver = p.receiver;
  const flags = P.MSG_DONTWAIT;
  let exitStatus: number | undefined;
  let lost: number | undefined;
  // Pausing is safe until the child's exit is collected (which ends the slices).
  const sliceOver = () => slice !== undefined && exitStatus === undefined && lost === undefined && performance.now() >= deadline;

  for (;;) {
    // Drain everything queued; the senders only block while the queue is full.
    while (receiver.receive(flags) > 0) {
      if (!p.deliver(receiver.batch)) return { kind: "stopped" };
      if (sliceOver()) return { kind: "paused" };
    }
    receiver.releaseIfLarge();
    if (exitStatus !== undefined) return { kind: "exited", status: exitStatus };
    if (lost !== undefined) return { kind: "lost", error: lost };

    const r = libc.poll(fds, nfds, timeout);
    // A signal for this thread interrupts poll: its handler can run now.
    if (slice !== undefined && r < 0 && errno() === P.errno.EINTR) return { kind: "paused" };
    if (r < 0) {
      const e = errno();
      if (e === P.errno.EINTR) continue;
      // Anything but a shortage of kernel memory is a bug of ours.
      if (e !== P.ENOMEM && e !== P.errno.EAGAIN) throw new SysError("poll", e);
      // A shortage passes: until then, look at everything every few
      // milliseconds instead of waiting for it, so nothing is lost or stuck.
      Bun.sleepSync(FALLBACK_POLL_MS);
      if (wakeIndex >= 0) {
        const value = readWake(p.wakefd);
        if (value !== undefined) return { kind: "woken", value };
      }
      exitStatus = pollExit(p.pid);
      if (sliceOver()) return { kind: "paused" };
      continue;
    }
    if (wakeIndex >= 0 && fds[wakeIndex * 2 + 1]! >>> 16 !== 0) {
      return { kind: "woken", value: readWake(p.wakefd) ?? 0 };
    }
    if (pidIndex >= 0) {
      if (fds[pidIndex * 2 + 1]! >>> 16 !== 0) {
        const exit = collectExit(p.pid);
        if ("status" in exit) exitStatus = exit.status;
        else lost = exit.lost;
      }
    } else {
      exitStatus = pollExit(p.pid);
    }
    // With the exit seen, one more pass drains what the child wrote before it.
    if (sliceOver()) return { kind: "paused" };
  }
}
