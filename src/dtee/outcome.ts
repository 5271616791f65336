// How a dtee run ends: the one owner of its exit status, of whether cron mode
// reports the run, and of the report itself. Every part of a run records
// what happened here (dtee's own failures by kind, the command's
// termination, a signal dtee received); the status comes from one mapping.
import { strsignal } from "../sys/libc";
import { P } from "../sys/platform";
import { dieOfSignal } from "../sys/die-of-signal";
import { SYSEXITS, signalExitStatus } from "../exit-status";
import { printError } from "./messages";
import { describeTermination, shellStatus, type Termination } from "./status";

/** dtee's own failures, by what failed. */
export type DteeFailure = "exec" | "sockets" | "internal" | "spawn" | "open-output" | "io";

/** The one mapping from dtee's failures to sysexits statuses, as dtee 1.1.3 has it. */
const STATUS_OF_FAILURE: Readonly<Record<DteeFailure, number>> = {
  exec: SYSEXITS.NOINPUT,
  sockets: SYSEXITS.UNAVAILABLE,
  internal: SYSEXITS.SOFTWARE,
  spawn: SYSEXITS.OSERR,
  "open-output": SYSEXITS.CANTCREAT,
  io: SYSEXITS.IOERR,
};

export function statusOfFailure(kind: DteeFailure): number {
  return STATUS_OF_FAILURE[kind];
}

/** What decides whether cron mode shows a run (plain data: the data thread asks too). */
export interface ReportFacts {
  /** Something already makes the run worth showing: stderr output, a failure of dtee's own. */
  noteworthy: boolean;
  termination?: Termination;
  /** A signal that stopped dtee (or stands for how it stopped). */
  interrupted?: number;
}

/** Cron mode shows a run that wrote to stderr, failed, or was interrupted; it keeps quiet otherwise. */
export function worthReporting(f: ReportFacts): boolean {
  const failed = f.termination !== undefined && (f.termination.signal !== undefined || f.termination.code !== 0);
  return f.noteworthy || failed || f.interrupted !== undefined;
}

/** Signals that stopped dtee and that it passes on by dying of them (SIGCHLD only stands for a lost child). */
const PASSED_ON = new Set([P.signals.SIGHUP, P.signals.SIGINT, P.signals.SIGPIPE, P.signals.SIGTERM]);

export class RunOutcome implements ReportFacts {
  /** dtee's own failure, which outranks the command's status (the last one wins). */
  private failure?: DteeFailure;
  noteworthy = false;
  termination?: Termination;
  interrupted?: number;

  /**
   * Records one of dtee's own failures (its message is printed where it
   * happened). A failed write to an output file alone does not make cron
   * mode show the run (dtee reports the file once and stays quiet).
   */
  fail(kind: DteeFailure, { noteworthy = true } = {}): void {
    this.failure = kind;
    if (noteworthy) this.noteworthy = true;
  }

  /** A signal stopped the run; the first one counts. */
  interrupt(signal: number): void {
    this.interrupted ??= signal;
  }

  exitStatus(): number {
    if (this.failure) return STATUS_OF_FAILURE[this.failure];
    if (this.interrupted !== undefined) return signalExitStatus(this.interrupted);
    if (this.termination) return shellStatus(this.termination);
    return SYSEXITS.SOFTWARE;
  }

  /**
   * Ends dtee: cron mode's report when the run is worth it, then the
   * status, or death by the signal that stopped dtee or killed the command
   * with SIGINT (so a calling shell stops too).
   */
  end(argv0: string, command: readonly string[], cron: boolean): never {
    const t = this.termination;
    if (cron && worthReporting(this)) {
      if (this.interrupted !== undefined) printError(argv0, `received signal ${this.interrupted}: ${strsignal(this.interrupted)}`);
      if (t) printError(argv0, `${command[0]}: ${describeTermination(t)}`);
    }
    if (this.interrupted !== undefined && PASSED_ON.has(this.interrupted)) dieOfSignal(this.interrupted, this.exitStatus());
    if (t?.signal === P.signals.SIGINT) dieOfSignal(P.signals.SIGINT, this.exitStatus());
    process.exit(this.exitStatus());
  }
}
