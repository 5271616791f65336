// The relaying part of a dtee run: build the receiver and the router from
// plain numbers, run the loop, report how it ended. Cron mode's signal
// handlers run on this same thread: its loop runs in time slices and lets
// the event loop run them in between (a signal interrupts the loop's poll).
import { Receiver, ReceiveError } from "../relay/receiver";
import { SysError } from "../sys/errors";
import { printError } from "./messages";
import { strerror } from "../sys/libc";
import { runLoop, type LoopEnd } from "../relay/loop";
import type { Batch } from "../relay/batch";
import { Router, type RoutePlan } from "./router";
import { now, type Instant } from "./clock";
import { decodeWaitStatus } from "./status";
import { worthReporting, statusOfFailure } from "./outcome";

export interface SessionPlan extends RoutePlan {
  input: number;
  stdoutAddress: Uint8Array;
  stderrAddress: Uint8Array;
  pid: number;
  pidfd: number;
  wakefd: number;
  /** Text to show as the command's stderr before anything else (exec failure). */
  injectedStderr?: string;
  /** Cron mode: something already makes the run worth reporting (e.g. a file failed to open). */
  reportAnyway?: boolean;
  /** For the capture log's exit record. */
  command: string[];
  start: Instant;
  /** Run the loop in time slices, so JavaScript signal handlers (cron mode's) run while it relays. */
  yieldForSignals?: boolean;
}

export interface SessionResult {
  /** Raw wait status, when the loop saw the child exit. */
  waitStatus?: number;
  /** True when another thread woke the loop to stop (a signal). */
  woken: boolean;
  /** True when the loop stopped because our stdout or stderr is a broken pipe. */
  brokenPipe: boolean;
  ioError: boolean;
  /** A write to our own stdout or stderr failed (cron mode then reports). */
  stdError: boolean;
  sawStderr: boolean;
  /** The relay itself failed (the message is printed): receive errors are I/O errors, others internal. */
  relayFailure?: "io" | "internal";
  /** The command's exit was signalled but could not be collected (waitpid failed). */
  childLost?: boolean;
}

/** How the data loop ended, or how the relay failed (a SysError: receive errors are I/O errors, others internal). */
export type RelayOutcome = { end: LoopEnd } | { failure: "io" | "internal"; message: string };

/**
 * The data loop over `receiver` for the command of `plan`, until it ends;
 * the receiver is closed either way. Shared by the dtee command and the
 * library's relay Worker, so both treat a relay failure alike.
 */
export function relayCommand(
  plan: Pick<SessionPlan, "input" | "pid" | "pidfd" | "wakefd">,
  receiver: Receiver,
  deliver: (batch: Batch) => boolean,
): RelayOutcome {
  try {
    return { end: runLoop({ receiver, input: plan.input, pid: plan.pid, pidfd: plan.pidfd, wakefd: plan.wakefd, deliver }) };
  } catch (e) {
    return relayFailure(e);
  } finally {
    receiver.close();
  }
}

/** A time slice of the loop: long enough to cost nothing measurable, short enough for a signal handler to wait unnoticed. */
const SLICE_MS = 10;

/** relayCommand, in time slices with the event loop running in between (see SessionPlan.yieldForSignals). */
async function relayCommandInSlices(
  plan: Pick<SessionPlan, "input" | "pid" | "pidfd" | "wakefd">,
  receiver: Receiver,
  deliver: (batch: Batch) => boolean,
): Promise<RelayOutcome> {
  try {
    for (;;) {
      // First of all, for a signal that came in while the run was set up.
      await eventLoopTurn();
      const end = runLoop({ receiver, input: plan.input, pid: plan.pid, pidfd: plan.pidfd, wakefd: plan.wakefd, deliver, sliceMs: SLICE_MS });
      if (end.kind !== "paused") return { end };
    }
  } catch (e) {
    return relayFailure(e);
  } finally {
    receiver.close();
  }
}

/** Lets Bun's event loop run what is pending (signal handlers among it). */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A SysError from the loop as a relay failure: receive errors are I/O errors, others internal. */
function relayFailure(e: unknown): RelayOutcome {
  if (!(e instanceof SysError)) throw e;
  return { failure: e instanceof ReceiveError ? "io" : "internal", message: e.message };
}

export async function runSession(plan: SessionPlan): Promise<SessionResult> {
  const router = new Router(plan);
  const timestamps = plan.log !== undefined || plan.tagging?.timestamps === true;
  router.stopOnBrokenPipe = plan.spoolFd !== undefined;
  if (plan.injectedStderr !== undefined) router.injectStderr(plan.injectedStderr);
  let waitStatus: number | undefined;
  let woken = false;
  let wakeValue: number | undefined;
  let relayFailure: SessionResult["relayFailure"];
  let childLost = false;
  if (plan.pid > 0) {
    const receiver = new Receiver(plan.input, plan.stdoutAddress, plan.stderrAddress, { timestamps });
    router.setByteSource((index) => receiver.messageBytes(index));
    const deliver = (batch: Batch) => router.deliver(batch);
    const relayed = plan.yieldForSignals ? await relayCommandInSlices(plan, receiver, deliver) : relayCommand(plan, receiver, deliver);
    if ("failure" in relayed) {
      // As dtee: the relay stops, what arrived so far is kept (cron mode
      // shows it), the command is left to run, and the status says why.
      printError(plan.argv0, relayed.message);
      relayFailure = relayed.failure;
    } else {
      const end = relayed.end;
      if (end.kind === "exited") waitStatus = end.status;
      woken = end.kind === "woken";
      if (end.kind === "woken") wakeValue = end.value;
      if (end.kind === "lost") {
        childLost = true;
        if (end.error) printError(plan.argv0, `waitpid: ${strerror(end.error)}`);
      }
    }
  }
  router.log?.writeExit({
    command: plan.command,
    start: plan.start,
    end: now(),
    termination:
      waitStatus !== undefined ? decodeWaitStatus(waitStatus) : plan.pid > 0 ? undefined : { code: statusOfFailure("exec"), coreDumped: false },
    receivedSignal: woken ? wakeValue : undefined,
  });
  // Cron mode: the spool is shown when the run is worth reporting, and
  // discarded unseen (it never had a name) otherwise.
  const spool = router.cronSpool;
  if (spool) {
    const facts = {
      noteworthy: router.sawStderr || router.stdError || plan.reportAnyway === true || relayFailure !== undefined,
      termination: waitStatus !== undefined ? decodeWaitStatus(waitStatus) : undefined,
      interrupted: woken || router.brokenPipe || childLost ? (wakeValue ?? 0) : undefined,
    };
    if (worthReporting(facts)) {
      // As in dtee, a write error while showing the held output at the end
      // is reported but leaves the exit status to the command; failing to
      // read the spool back is an I/O error.
      const ioError = router.ioError;
      router.releaseSpool();
      router.ioError = ioError || spool.unreadable;
    } else {
      spool.discard();
    }
  }
  return {
    waitStatus,
    woken,
    brokenPipe: router.brokenPipe,
    ioError: router.ioError,
    stdError: router.stdError,
    sawStderr: router.sawStderr,
    relayFailure,
    childLost,
  };
}

