// The data loop: block in poll on [input socket, child pidfd, wake-up eventfd],
// drain the input in recvmmsg batches, hand each batch to the tool. Runs on
// whichever thread calls it (the main thread, or a Worker when the main
// thread must stay free for signal handlers).
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
}

export type LoopEnd =
  | { kind: "exited"; status: number }
  | { kind: "woken"; value: number }
  /** The child's exit was signalled but waitpid could not collect it (errno, or 0 for "no change"). */
  | { kind: "lost"; error: number }
  | { kind: "stopped" };

const FALLBACK_POLL_MS = 20;

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
  const timeout = p.pidfd >= 0 ? -1 : FALLBACK_POLL_MS;
  const receiver = p.receiver;
  const flags = P.MSG_DONTWAIT;
  let exitStatus: number | undefined;
  let lost: number | undefined;

  for (;;) {
    // Drain everything queued; the senders only block while the queue is full.
    while (receiver.receive(flags) > 0) {
      if (!p.deliver(receiver.batch)) return { kind: "stopped" };
    }
    receiver.releaseIfLarge();
    if (exitStatus !== undefined) return { kind: "exited", status: exitStatus };
    if (lost !== undefined) return { kind: "lost", error: lost };

    const r = libc.poll(fds, nfds, timeout);
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
  }
}
