// One dtee run, on the main thread: prepare the streams and outputs, build
// the socket trio, start the command, relay (in time slices in cron mode,
// so its signal handlers run), then leave with the right status.
import { libc, errno, strerror, strsignal } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";
import { createTrio, closeFd, type SocketTrio } from "../relay/trio";
import { inheritedSignals } from "../startup/inherited";
import { spawnCommand, openPidfd, waitForExit, ExecError, ForkError } from "../relay/spawn";
import { toBytes, byteString, type DteeConfig } from "./config";
import { rawEnv, rawEnviron } from "../startup/raw-process";
import { commandEnviron } from "./line-buffering";
import { printError } from "./messages";
import { prepareStdio, StdioUnusable } from "./stdio";
import { openOutputs } from "./outputs";
import { openSpool } from "./cron-spool";
import { RunOutcome, statusOfFailure } from "./outcome";
import { dieOfSignal } from "../sys/die-of-signal";
import { runSession, eventLoopTurn, type SessionPlan } from "./session";
import { now } from "./clock";
import { decodeWaitStatus, shellStatus } from "./status";

/** Signals cron mode catches to flush, report and then die of. */
function cronSignals(cfg: DteeConfig): number[] {
  const s = P.signals;
  return cfg.ignoreInterrupts ? [s.SIGHUP, s.SIGTERM, s.SIGPIPE] : [s.SIGHUP, s.SIGTERM, s.SIGINT, s.SIGPIPE];
}

const SIGNAL_NAMES: Record<number, NodeJS.Signals> = {
  [P.signals.SIGHUP]: "SIGHUP",
  [P.signals.SIGINT]: "SIGINT",
  [P.signals.SIGPIPE]: "SIGPIPE",
  [P.signals.SIGTERM]: "SIGTERM",
};

/** $TMPDIR as a byte string, or /tmp. */
export function tmpdir(): string {
  const t = rawEnv("TMPDIR");
  return t && t.length > 0 ? byteString(t) : "/tmp";
}

/**
 * How the command starts, signal-wise: what the caller ignored stays ignored
 * (nohup's SIGHUP, a background job's SIGINT and SIGQUIT); everything else
 * is back to its default action, which undoes what dtee and Bun changed
 * (Bun ignores SIGPIPE and SIGXFSZ, -i ignores SIGINT, cron mode's handlers).
 * Read before dtee changes anything.
 */
function commandSignals(): { defaultSignals: number[]; signalMask: Uint8Array } {
  const caller = inheritedSignals([P.signals.SIGPIPE, P.signals.SIGXFSZ], P.sigsetSize);
  const defaultSignals: number[] = [];
  for (let sig = 1; sig < P.NSIG; sig++) if (!caller.ignored.has(sig)) defaultSignals.push(sig);
  return { defaultSignals, signalMask: caller.blockedMask };
}

export async function runDtee(cfg: DteeConfig, passFds: readonly number[]): Promise<never> {
  const argv0 = cfg.argv0;
  const signalSetup = commandSignals();
  // Not dumpable: other processes of the same user then cannot open our
  // descriptors through /proc (the cron spool, the input socket) or ptrace us.
  if (P.PR_SET_DUMPABLE) libc.prctl(P.PR_SET_DUMPABLE, 0, 0, 0, 0);
  let std: ReturnType<typeof prepareStdio>;
  try {
    std = prepareStdio();
  } catch (e) {
    // Nowhere to print: the status says it (EX_OSERR, as dtee).
    if (e instanceof StdioUnusable) process.exit(statusOfFailure("spawn"));
    throw e;
  }
  if (!cfg.cron) libc.signal(P.signals.SIGPIPE, P.SIG_DFL);
  if (cfg.ignoreInterrupts) libc.signal(P.signals.SIGINT, P.SIG_IGN);

  const outcome = new RunOutcome();
  const end = (): never => outcome.end(argv0, cfg.command, cfg.cron);
  const { opened, failures } = openOutputs(cfg.outputs);
  failures.unshift(...std.failures);
  let log: { fd: number; path: string } | undefined;
  if (cfg.log) {
    const l = openOutputs([{ stream: "combined", path: cfg.log.path, append: cfg.log.append }]);
    failures.push(...l.failures);
    if (l.opened[0]) log = { fd: l.opened[0].fd, path: cfg.log.path };
  }
  for (const f of failures) printError(argv0, f);
  if (failures.length) {
    outcome.fail("open-output");
    if (!cfg.cron) return end();
  }

  // Cron mode: stdout is held in an unnamed temporary file until stderr is
  // written; without one, output passes straight through.
  let spoolFd: number | undefined;
  if (cfg.cron) {
    const spool = openSpool(tmpdir());
    if ("fd" in spool) spoolFd = spool.fd;
    else {
      // Output passes straight through; the run is reported and exits 73.
      printError(argv0, spool.error);
      outcome.fail("open-output");
    }
  }

  let trio: SocketTrio;
  try {
    trio = createTrio({ tmpdir: toBytes(tmpdir()), timestamps: cfg.log !== undefined || cfg.timestamps });
  } catch (e) {
    printError(argv0, e instanceof Error ? e.message : String(e));
    if (!cfg.cron) {
      outcome.fail("sockets");
      return end();
    }
    // Cron mode must still run the job: it runs with our own streams, and
    // its status is ours, as if dtee had not been there.
    return runUnrelayed(cfg, passFds, signalSetup);
  }

  // Cron mode's signal handlers wake the data thread through an eventfd;
  // without one they cannot work, and the job runs as if dtee were not there.
  const wakefd = cfg.cron ? libc.eventfd(0, P.EFD_CLOEXEC | P.EFD_NONBLOCK) : -1;
  if (cfg.cron && wakefd < 0) {
    printError(argv0, `eventfd: ${strerror(errno())}`);
    closeTrio(trio);
    return runUnrelayed(cfg, passFds, signalSetup);
  }

  // Installed before the command starts: a signal it sends us at once
  // (kill $PPID) must already find them.
  if (cfg.cron) installCronSignals(cfg, wakefd, outcome);

  let pid = 0;
  let injectedStderr: string | undefined;
  const start = now();
  try {
    pid = spawnCommand({
      command: cfg.command.map(toBytes),
      env: commandEnviron(cfg),
      stdout: trio.stdout,
      stderr: trio.stderr,
      passFds,
      ...signalSetup,
    });
  } catch (e) {
    if (e instanceof ForkError && cfg.cron) {
      // Cron mode must still run the job, as when the sockets fail; our
      // handlers cannot run while it does (the main thread waits for it).
      printError(argv0, e.message);
      closeTrio(trio);
      uninstallCronSignals(cfg, signalSetup.defaultSignals);
      return runUnrelayed(cfg, passFds, signalSetup);
    }
    if (e instanceof ExecError) {
      // As in dtee, the message is the command's own stderr output (it goes
      // to the -e/-c files too) and the command's status is 66.
      injectedStderr = `${argv0}: ${cfg.command[0]}: ${strerror(e.code)}\n`;
      outcome.termination = { code: statusOfFailure("exec"), coreDumped: false };
      outcome.fail("exec");
    } else if (e instanceof ForkError) {
      // dtee's own message, on stderr and in the files, as dtee writes it.
      injectedStderr = `${argv0}: ${e.message}\n`;
      outcome.fail("spawn");
    } else {
      printError(argv0, e instanceof Error ? e.message : String(e));
      outcome.fail("spawn");
    }
  }
  // The command has its own copies; ours must go, or the input would never
  // see end of file. dtee reports a failed close as an I/O error.
  for (const [fd, name] of [[trio.stdout, "stdout socket"], [trio.stderr, "stderr socket"]] as const) {
    if (libc.close(fd) !== 0) {
      printError(argv0, `${name}: close: ${strerror(errno())}`);
      outcome.fail("io");
    }
  }

  const plan: SessionPlan = {
    argv0,
    stdoutFd: std.stdout,
    stderrFd: std.stderr,
    sharedStdio: std.shared,
    files: opened.map((o) => ({ fd: o.fd, path: o.path, stream: o.stream })),
    spoolFd,
    spoolDir: tmpdir(),
    input: trio.input,
    stdoutAddress: trio.stdoutAddress,
    stderrAddress: trio.stderrAddress,
    pid,
    pidfd: pid > 0 ? openPidfd(pid) : -1,
    wakefd,
    injectedStderr,
    reportAnyway: outcome.noteworthy,
    log,
    tagging: { tag: cfg.tag, timestamps: cfg.timestamps },
    command: cfg.command,
    start,
    yieldForSignals: cfg.cron,
  };
  const result = await runSession(plan);
  // A signal that came in as the relay ended has its handler run before the
  // outcome is decided, as the last slice may not have yielded for it.
  if (cfg.cron) await eventLoopTurn();
  if (result.waitStatus !== undefined) outcome.termination = decodeWaitStatus(result.waitStatus);
  if (result.ioError) outcome.fail("io", { noteworthy: false });
  if (result.relayFailure) outcome.fail(result.relayFailure === "io" ? "io" : "internal");
  if (result.sawStderr || result.stdError) outcome.noteworthy = true;
  if (result.brokenPipe && cfg.cron) outcome.interrupt(P.signals.SIGPIPE);
  // As dtee: when the command's exit cannot be collected, the run ends as
  // if interrupted by SIGCHLD (128 + SIGCHLD; cron mode says so).
  if (result.childLost) outcome.interrupt(P.signals.SIGCHLD);
  return end();
}

function closeTrio(trio: SocketTrio): void {
  closeFd(trio.input);
  closeFd(trio.stdout);
  closeFd(trio.stderr);
}

/** Runs the command on our own stdout and stderr and leaves with its status. */
function runUnrelayed(cfg: DteeConfig, passFds: readonly number[], signalSetup: ReturnType<typeof commandSignals>): never {
  try {
    const pid = spawnCommand({ command: cfg.command.map(toBytes), env: commandEnviron(cfg), passFds, ...signalSetup });
    const t = decodeWaitStatus(waitForExit(pid));
    if (t.signal !== undefined) dieOfSignal(t.signal);
    process.exit(shellStatus(t));
  } catch (e) {
    if (e instanceof ExecError) {
      printError(cfg.argv0, `${cfg.command[0]}: ${strerror(e.code)}`);
      process.exit(statusOfFailure("exec"));
    }
    printError(cfg.argv0, e instanceof Error ? e.message : String(e));
    process.exit(statusOfFailure("spawn"));
  }
}

/** Gives cron mode's signals back the dispositions the caller gave us. */
function uninstallCronSignals(cfg: DteeConfig, callerDefaults: readonly number[]): void {
  for (const sig of cronSignals(cfg)) {
    process.removeAllListeners(SIGNAL_NAMES[sig]!);
    libc.signal(sig, callerDefaults.includes(sig) ? P.SIG_DFL : P.SIG_IGN);
  }
}

function installCronSignals(cfg: DteeConfig, wakefd: number, outcome: RunOutcome): void {
  for (const sig of cronSignals(cfg)) {
    const name = SIGNAL_NAMES[sig]!;
    process.on(name, () => {
      if (outcome.interrupted !== undefined) return;
      outcome.interrupt(sig);
      // The value tells the relay loop which signal stopped it (for the log).
      libc.write(wakefd, new BigUint64Array([BigInt(sig)]), 8);
    });
  }
}

export { SysError };
