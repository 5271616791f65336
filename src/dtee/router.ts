// Routes each batch to dtee's outputs: first the original stdout and stderr
// (in arrival order, one writev per same-stream run), then the -o/-e/-c
// files (one writev per file per batch), as dtee writes the terminal side
// before the files. Outputs that are one file are written together, message
// by message (see output-groups.ts). In cron mode stdout goes to a spool file
// until the first stderr message arrives.
import { Sink } from "../relay/sink";
import { CronSpool } from "./cron-spool";
import { STDOUT, STDERR, type Batch } from "../relay/batch";
import type { OutputStream } from "./config";
import { printError } from "./messages";
import { strerror } from "../sys/libc";
import { CaptureLog } from "./capture-log";
import { LineTagger, type TagOptions } from "./line-tagger";
import { now } from "./clock";
import { P } from "../sys/platform";
import { statFd, isRegularFile } from "../sys/files";
import { groupBySharedFile, BOTH_STREAMS, type OutputUnit, type OutputTarget } from "./output-groups";

export interface RoutePlan {
  argv0: string;
  /** Our stdout and stderr (-1 when missing). */
  stdoutFd: number;
  stderrFd: number;
  /** Our stdout and stderr are one open file (2>&1): one write carries both, in order. */
  sharedStdio?: boolean;
  files: { fd: number; path: string; stream: OutputStream }[];
  /** Cron mode: the spool's fd; stdout is held there until stderr is written. */
  spoolFd?: number;
  /** The directory the spool is in (for messages). */
  spoolDir?: string;
  /** --log: the capture log's fd and path. */
  log?: { fd: number; path: string };
  /** --tag / --timestamps for the combined (-c/-C) files. */
  tagging?: TagOptions;
}

export class Router {
  /** Set when any write failed: dtee exits 74. */
  ioError = false;
  /** Set when a write to our own stdout or stderr failed (cron mode reports the run). */
  stdError = false;
  /** Cron mode: the command wrote to stderr. */
  sawStderr = false;
  /** Set when writing to our stdout or stderr hit EPIPE (cron mode stops on it). */
  brokenPipe = false;
  private readonly out: Sink;
  private readonly err: Sink;
  /** Combined files that get tagged lines (their bytes differ from the messages). */
  private readonly combinedFiles: Sink[] = [];
  /** The files, grouped by the file they write to; with `terminalInUnits`, the terminal side too. */
  private readonly units: OutputUnit[];
  /** Our stdout or stderr is also one of the files: the terminal side is written through `units`. */
  private readonly terminalInUnits: boolean;
  /**
   * Write a batch run by run (terminal, then files, per run) rather than all
   * of it to the terminal, then all of it to each file. Needed where that
   * order can be seen: an output file that is a pipe, FIFO, socket or device
   * (a reader that has gone away kills dtee by SIGPIPE only after the
   * terminal saw what came before; /dev/full's error lands where dtee's
   * would), or a file that is also our stdout or stderr. Regular files take
   * a whole batch in one write: each output's order is exact either way.
   */
  private readonly runByRun: boolean;
  /** Cron mode's spool, while it holds stdout. */
  private spool?: CronSpool;
  /** Cron mode's spool, held or released (for the end of the run). */
  readonly cronSpool?: CronSpool;
  private readonly argv0: string;
  private readonly sharedStdio: boolean;
  readonly log?: CaptureLog;
  private readonly tagger?: LineTagger;
  private bytesOf: (index: number) => Uint8Array = () => new Uint8Array(0);

  constructor(plan: RoutePlan) {
    this.argv0 = plan.argv0;
    this.sharedStdio = plan.sharedStdio === true;
    const onFileFailure = (sink: Sink, code: number) => {
      this.ioError = true;
      printError(this.argv0, `${sink.name}: ${strerror(code)}`);
    };
    const onStdFailure = (sink: Sink, code: number) => {
      this.ioError = true;
      this.stdError = true;
      if (code === P.errno.EPIPE) this.brokenPipe = true;
      printError(this.argv0, `${sink.name}: write: ${strerror(code)}`);
    };
    // A failing file is reported once per run of failures; our own stdout
    // and stderr on every failed write, as dtee does.
    this.out = new Sink(plan.stdoutFd, "stdout", { onFailure: onStdFailure, reportEveryFailure: true });
    this.err = new Sink(plan.stderrFd, "stderr", { onFailure: onStdFailure, reportEveryFailure: true });
    const tagged = plan.tagging !== undefined && (plan.tagging.tag || plan.tagging.timestamps);
    const files: OutputTarget[] = [];
    for (const f of plan.files) {
      const sink = new Sink(f.fd, f.path, { onFailure: onFileFailure });
      if (f.stream === "combined" && tagged) this.combinedFiles.push(sink);
      else files.push({ sink, streams: f.stream === "stdout" ? STDOUT : f.stream === "stderr" ? STDERR : BOTH_STREAMS });
    }
    const terminal: OutputTarget[] = [
      { sink: this.out, streams: STDOUT },
      { sink: this.err, streams: STDERR },
    ];
    // While cron mode spools stdout, the terminal side cannot be one unit
    // with the files; stdout and stderr sharing one file is then handled
    // by sharedStdio below.
    const all = plan.spoolFd === undefined ? groupBySharedFile([...terminal, ...files]) : [];
    this.terminalInUnits = all.some((u) => u.members.length > 1 && (u.sink === this.out || u.sink === this.err) && !this.isStdioPair(u));
    this.units = this.terminalInUnits ? all : groupBySharedFile(files);
    this.runByRun = this.terminalInUnits || files.some((f) => !isRegularFile(statFd(f.sink.fd)));
    if (plan.log) this.log = new CaptureLog(new Sink(plan.log.fd, plan.log.path, { onFailure: onFileFailure }));
    if (plan.tagging && (plan.tagging.tag || plan.tagging.timestamps)) this.tagger = new LineTagger(plan.tagging);
    if (plan.spoolFd !== undefined) {
      this.spool = this.cronSpool = new CronSpool(plan.spoolFd, plan.spoolDir ?? "", (message) => {
        this.ioError = true;
        printError(this.argv0, message);
      });
    }
  }

  /** How the optional features (log, tagging) read message bytes. */
  setByteSource(bytesOf: (index: number) => Uint8Array): void {
    this.bytesOf = bytesOf;
  }

  /** Writes one batch everywhere it belongs. Returns false to stop the relay. */
  deliver(b: Batch): boolean {
    if (b.truncated) this.reportTruncated(b.truncated);
    if (b.all.count === 0) return true;
    if (b.stderr.count) this.sawStderr = true;
    if (b.runCount === 1 || this.units.length === 0 || !this.runByRun) {
      if (!this.terminalInUnits) this.writeTerminal(b);
      for (const unit of this.units) unit.write(b);
    } else {
      // Message order across outputs, as dtee keeps it: each same-stream
      // run reaches the terminal side, then the files, before the next run
      // (a file whose reader is gone kills dtee by SIGPIPE only after the
      // terminal saw what came before).
      for (let r = 0; r < b.runCount; r++) {
        if (!this.terminalInUnits) this.writeTerminalRun(b, r);
        const stream = b.runStream[r]!;
        for (const unit of this.units) unit.writeRun(b, b.runStart[r]!, b.runLength[r]!, b.runBytes[r]!, stream);
        if (this.brokenPipe && this.stopOnBrokenPipe) break;
      }
    }
    if (this.tagger) this.writeTagged(b);
    if (this.log) this.log.writeBatch(b, this.bytesOf);
    return !(this.brokenPipe && this.stopOnBrokenPipe);
  }

  /**
   * Our stdout and stderr on one file and no output file joins them (the
   * plain 2>&1 case): the terminal side keeps that order itself. A unit of
   * our stdout and an -e file is not this pair.
   */
  private isStdioPair(unit: OutputUnit): boolean {
    const s = unit.memberSinks;
    return s.length === 2 && s[0] === this.out && s[1] === this.err;
  }

  /** Our stdout and stderr (or the spool), in arrival order. */
  private writeTerminal(b: Batch): void {
    if (this.sharedStdio && !this.spool) {
      this.out.writeAll(b.all);
    } else if (b.runCount === 1 && !this.spool) {
      if (b.runStream[0] === STDOUT) this.out.writeAll(b.stdout);
      else this.err.writeAll(b.stderr);
    } else {
      for (let r = 0; r < b.runCount; r++) {
        this.writeTerminalRun(b, r);
        if (this.brokenPipe && this.stopOnBrokenPipe) break;
      }
    }
  }

  /** One same-stream run of the batch to our stdout or stderr (or the spool). */
  private writeTerminalRun(b: Batch, r: number): void {
    const start = b.runStart[r]!;
    const len = b.runLength[r]!;
    const bytes = b.runBytes[r]!;
    if (this.sharedStdio && !this.spool) {
      this.out.writeRange(b.all, start, len, bytes);
    } else if (b.runStream[r] === STDOUT) {
      if (this.spool) this.spoolRange(b, start, len, bytes);
      else this.out.writeRange(b.all, start, len, bytes);
    } else {
      if (this.spool) this.releaseSpool();
      this.err.writeRange(b.all, start, len, bytes);
    }
  }

  /**
   * Holds stdout in the spool. When the spool cannot take it, as dtee does,
   * holding stops: what was held and this run go out now, nothing lost.
   */
  private spoolRange(b: Batch, start: number, len: number, bytes: number): void {
    if (this.spool!.hold(b.all, start, len, bytes)) return;
    this.releaseSpool();
    this.out.writeRange(b.all, start, len, bytes);
  }

  /** Writes larger than a receive slot arrive cut short: never silently. */
  private reportTruncated(count: number): void {
    this.ioError = true;
    printError(this.argv0, `${count} write${count === 1 ? "" : "s"} larger than the receive buffer arrived truncated`);
  }

  /** Cron mode stops on a broken stdout/stderr; otherwise SIGPIPE has killed us already. */
  stopOnBrokenPipe = false;

  private writeTagged(b: Batch): void {
    if (this.combinedFiles.length === 0) return;
    const parts: Uint8Array[] = [];
    for (let k = 0; k < b.all.count; k++) {
      this.tagger!.format(b.allStream[k]!, this.bytesOf(k), b.timeSec[k]!, b.timeNsec[k]!, parts);
    }
    const formatted = Buffer.concat(parts);
    for (const s of this.combinedFiles) s.writeBuffer(formatted);
  }

  /** A message of dtee's own that belongs in the command's stderr (exec failure). */
  injectStderr(text: string): void {
    const bytes = Buffer.from(text, "latin1"); // a byte string
    if (this.spool) this.releaseSpool();
    this.sawStderr = true;
    if (!this.terminalInUnits) this.err.writeBuffer(bytes);
    for (const unit of this.units) for (const m of unit.members) if (m & STDERR) unit.sink.writeBuffer(bytes);
    const at = now();
    if (this.tagger) {
      const parts: Uint8Array[] = [];
      this.tagger.format(STDERR, bytes, at.sec, at.nsec, parts);
      const formatted = Buffer.concat(parts);
      for (const s of this.combinedFiles) s.writeBuffer(formatted);
    }
    this.log?.writeSynthetic("stderr", at, bytes);
  }

  /** Cron mode: copies the spooled stdout out in order and stops spooling. */
  releaseSpool(): void {
    const spool = this.spool;
    if (!spool) return;
    this.spool = undefined;
    spool.release(this.out);
  }
}
