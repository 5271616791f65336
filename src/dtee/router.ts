// Routes each batch to dtee's outputs: the original stdout and stderr (in
// arrival order, one writev per same-stream run), and the -o/-e/-c files
// (one writev per file per batch). In cron mode stdout goes to a spool file
// until the first stderr message arrives.
import { Sink } from "../relay/sink";
import { STDOUT, STDERR, type Batch } from "../relay/receiver";
import type { OutputStream } from "./config";
import { printError } from "./messages";
import { libc, errno, strerror } from "../sys/libc";
import { CaptureLog } from "./capture-log";
import { LineTagger, type TagOptions } from "./line-tagger";
import { now } from "./clock";
import { P } from "../sys/platform";

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
  private readonly outFiles: Sink[] = [];
  private readonly errFiles: Sink[] = [];
  private readonly combinedFiles: Sink[] = [];
  private spool?: Sink;
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
    this.out = new Sink(plan.stdoutFd, "stdout", onStdFailure, undefined, true);
    this.err = new Sink(plan.stderrFd, "stderr", onStdFailure, undefined, true);
    for (const f of plan.files) {
      const sink = new Sink(f.fd, f.path, onFileFailure);
      (f.stream === "stdout" ? this.outFiles : f.stream === "stderr" ? this.errFiles : this.combinedFiles).push(sink);
    }
    if (plan.log) this.log = new CaptureLog(new Sink(plan.log.fd, plan.log.path, onFileFailure));
    if (plan.tagging && (plan.tagging.tag || plan.tagging.timestamps)) this.tagger = new LineTagger(plan.tagging);
    if (plan.spoolFd !== undefined) {
      this.spool = new Sink(plan.spoolFd, "spool", (_sink, code) => {
        this.ioError = true;
        printError(this.argv0, `spool: write: ${strerror(code)}`);
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
    for (const s of this.outFiles) s.writeAll(b.stdout);
    for (const s of this.errFiles) s.writeAll(b.stderr);
    if (this.tagger) this.writeTagged(b);
    else for (const s of this.combinedFiles) s.writeAll(b.all);
    if (this.log) this.log.writeBatch(b, this.bytesOf);
    if (b.stderr.count) this.sawStderr = true;
    if (this.sharedStdio && !this.spool) {
      this.out.writeAll(b.all);
    } else if (b.runCount === 1 && !this.spool) {
      if (b.runStream[0] === STDOUT) this.out.writeAll(b.stdout);
      else this.err.writeAll(b.stderr);
    } else {
      for (let r = 0; r < b.runCount; r++) {
        const start = b.runStart[r]!;
        const len = b.runLength[r]!;
        const bytes = b.runBytes[r]!;
        if (b.runStream[r] === STDOUT) {
          (this.spool ?? this.out).writeRange(b.all, start, len, bytes);
        } else {
          if (this.spool) this.releaseSpool();
          this.err.writeRange(b.all, start, len, bytes);
        }
        if (this.brokenPipe && this.stopOnBrokenPipe) break;
      }
    }
    return !(this.brokenPipe && this.stopOnBrokenPipe);
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
    this.err.writeBuffer(bytes);
    for (const s of this.errFiles) s.writeBuffer(bytes);
    const at = now();
    if (this.tagger) {
      const parts: Uint8Array[] = [];
      this.tagger.format(STDERR, bytes, at.sec, at.nsec, parts);
      const formatted = Buffer.concat(parts);
      for (const s of this.combinedFiles) s.writeBuffer(formatted);
    } else {
      for (const s of this.combinedFiles) s.writeBuffer(bytes);
    }
    this.log?.writeSynthetic("stderr", at, bytes);
  }

  /** Cron mode: copies the spooled stdout out in order and stops spooling. */
  releaseSpool(): void {
    const spool = this.spool;
    if (!spool) return;
    this.spool = undefined;
    copySpool(spool.fd, this.out);
    libc.close(spool.fd);
  }
}

const COPY_CHUNK = 1 << 20;

/** Copies the spool file from its start to `out`, then leaves it empty. */
function copySpool(fd: number, out: Sink): void {
  if ((libc.lseek(fd, 0, P.SEEK_SET) as number) < 0) return;
  const buf = new Uint8Array(COPY_CHUNK);
  for (;;) {
    const r = libc.read(fd, buf, COPY_CHUNK) as number;
    if (r === 0) break;
    if (r < 0) {
      if (errno() === P.errno.EINTR) continue;
      break;
    }
    if (!out.writeBuffer(r === COPY_CHUNK ? buf : buf.subarray(0, r))) break;
  }
}
