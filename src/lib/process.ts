// The caller's side of a library run: set up as the dtee command does (output
// files, the socket trio, the command), hand the data loop to a Worker
// (relay-worker.ts), and turn its chunks into events, collections and the
// exit. Nothing here blocks: the Worker does all the waiting.
import { constants as osConstants } from "node:os";
import { inspect } from "node:util";
import { libc, errno, cstring, ffiUnavailable } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";
import { createTrio, closeFd, TrioError } from "../relay/trio";
import { ExecError, ForkError, openPidfd } from "../relay/spawn";
import { openOutputs } from "../dtee/outputs";
import { decodeWaitStatus, describeTermination, shellStatus } from "../dtee/status";
import type { RoutePlan } from "../dtee/router";
import { findLibstdbuf, lineBufferedEnviron } from "../dtee/line-buffering";
import { startCommand, DirectoryError, type StdinPlan } from "./spawn";
import { openPipe, pumpStdin, type StdinData } from "./stdin";
import { acquireWorker, releaseWorker, type RelayWorker } from "./pool";
import { CTRL, DEFAULT_LIMITS, metaLayout, inFlightCredit, type WorkerPlan, type WorkerMessage, type EndMessage, type ChunkMessage } from "./protocol";
import {
  CommandNotFoundError,
  CommandNotExecutableError,
  WorkingDirectoryError,
  OutputFileError,
  SocketsUnavailableError,
  SpawnError,
  RelayError,
} from "./errors";
import type { DteeProcess, Exit, Output, OutputEvent, RunOptions, StdinOption, TextOutput } from "./dtee";

/** pidfd_send_signal(2): the same number on every Linux architecture. */
const SYS_pidfd_send_signal = 424;

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name]),
);

function signalNumber(signal: NodeJS.Signals | number | undefined): number {
  if (signal === undefined) return osConstants.signals.SIGTERM;
  if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 0 || signal >= P.NSIG) throw new RangeError(`invalid signal: ${signal}`);
    return signal;
  }
  const n = (osConstants.signals as Record<string, number>)[signal];
  if (n === undefined) throw new RangeError(`unknown signal: ${signal}`);
  return n;
}

/** The exit as the dtee command describes it. */
function exitOf(end: EndMessage): Exit {
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

/** One chunk from the Worker: its bytes (copied out of the ring) and per-message views. */
interface Chunk {
  count: number;
  bytes: number;
  times: BigInt64Array;
  lengths: Uint32Array;
  streams: Uint8Array;
  data: Uint8Array;
}

/**
 * The chunk as the reader will see it. Bytes in a ring slot are copied out
 * at once (the Worker may reuse the slot once the chunk is taken), into
 * memory of this thread, which the allocator gives back for later chunks.
 */
function viewChunk(m: ChunkMessage, ring: SharedArrayBuffer, slotBytes: number): Chunk {
  const at = metaLayout(m.count);
  return {
    count: m.count,
    bytes: m.bytes,
    times: new BigInt64Array(m.meta, at.times, m.count),
    lengths: new Uint32Array(m.meta, at.lengths, m.count),
    streams: new Uint8Array(m.meta, at.streams, m.count),
    data: m.data ? new Uint8Array(m.data, 0, m.bytes) : new Uint8Array(ring, m.slot * slotBytes, m.bytes).slice(),
  };
}

const STREAM_NAMES = [undefined, "stdout", "stderr"] as const;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const decoder = new TextDecoder();

type Consumer = "none" | "iterator" | "collector";

class Run implements DteeProcess {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  killed = false;

  private readonly control: Int32Array;
  private readonly queue: Chunk[] = [];
  private head = 0;
  private ended = false;
  private failure?: RelayError;
  private wake?: () => void;
  private consumer: Consumer = "none";
  private discarded = false;
  private pidfd: number;
  private reaped = false;
  private readonly cleanups: (() => void)[] = [];
  private resolveExit!: (exit: Exit) => void;
  private rejectExit!: (error: Error) => void;

  constructor(
    pid: number,
    pidfd: number,
    control: SharedArrayBuffer,
    private readonly relay: RelayWorker,
    private readonly events: boolean,
    private readonly closeOnEnd: number[],
    private readonly closeOnWorkerError: number[],
  ) {
    this.pid = pid;
    this.pidfd = pidfd;
    this.control = new Int32Array(control);
    this.exited = new Promise<Exit>((resolve, reject) => {
      this.resolveExit = resolve;
      this.rejectExit = reject;
    });
    // Unhandled only if the caller never looks: the iterator and the
    // collectors report the failure too.
    this.exited.catch(() => {});
    const worker = relay.worker;
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.onMessage(event.data);
    worker.onerror = (event) => {
      for (const fd of this.closeOnWorkerError) closeFd(fd);
      worker.terminate();
      this.finish(undefined, new RelayError(`relay: ${event.message}`, false));
    };
  }

  /** Runs when the run is over, whichever way. */
  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === "chunk") {
      // Chunks already on their way when the reader stopped are dropped.
      if (this.discarded) return;
      this.queue.push(viewChunk(m, this.relay.ring, DEFAULT_LIMITS.bytes));
      this.notify();
      return;
    }
    let failure: RelayError | undefined;
    if (m.relayFailure) failure = new RelayError(m.relayFailure.message, m.relayFailure.kind === "io");
    else if (m.truncated > 0 && this.events) {
      // Only when the receive slots had to be small (no address space for
      // them): the reader must not take a cut message for the whole one.
      failure = new RelayError(`${m.truncated} write${m.truncated === 1 ? "" : "s"} larger than the receive buffer arrived truncated`, true);
    }
    this.finish(m, failure);
  }

  private finish(end: EndMessage | undefined, failure: RelayError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.reaped = true;
    this.failure = failure;
    if (end) releaseWorker(this.relay);
    closeFd(this.pidfd);
    this.pidfd = -1;
    for (const fd of this.closeOnEnd) closeFd(fd);
    for (const c of this.cleanups.splice(0)) c();
    // When the relay failed but the command's end is known, the exit is
    // still true; the readers get the failure after what did arrive.
    if (end?.waitStatus !== undefined) this.resolveExit(exitOf(end));
    else this.rejectExit(failure ?? new RelayError("relay: ended without an exit status", false));
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  kill(signal?: NodeJS.Signals | number): boolean {
    const sig = signalNumber(signal);
    if (this.reaped) return false;
    let r: number;
    if (this.pidfd >= 0) r = Number(libc.syscall(SYS_pidfd_send_signal, this.pidfd, sig, 0, 0, 0));
    else r = libc.kill(this.pid, sig);
    if (r !== 0) return false;
    // Signal 0 only asks whether the process is there.
    if (sig !== 0) this.killed = true;
    return true;
  }

  private claim(consumer: Consumer): void {
    if (!this.events) throw new TypeError("this run was started with events: false; there is nothing to read");
    if (this.consumer !== "none") throw new TypeError("the output of this run is already being read");
    this.consumer = consumer;
  }

  /** The next chunk, releasing its place in the Worker's window; undefined at the end. */
  private async nextChunk(): Promise<Chunk | undefined> {
    for (;;) {
      if (this.head < this.queue.length) {
        const chunk = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as Chunk;
        // The Worker's window keeps the queue short: empty it whenever it is read out.
        if (this.head === this.queue.length) this.queue.length = this.head = 0;
        this.release(chunk);
        return chunk;
      }
      if (this.ended) {
        if (this.failure) throw this.failure;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private release(chunk: Chunk): void {
    const c = this.control;
    Atomics.sub(c, CTRL.IN_FLIGHT_BYTES, inFlightCredit(chunk.bytes));
    Atomics.sub(c, CTRL.IN_FLIGHT, 1);
    Atomics.notify(c, CTRL.IN_FLIGHT);
  }

  /** Nobody will read any more: drop what is queued and let the Worker run free. */
  private discard(): void {
    this.discarded = true;
    Atomics.store(this.control, CTRL.DISCARD, 1);
    this.queue.length = 0;
    this.head = 0;
    Atomics.notify(this.control, CTRL.IN_FLIGHT);
  }

  [Symbol.asyncIterator](): AsyncIterator<OutputEvent> {
    this.claim("iterator");
    let chunk: Chunk | undefined;
    let index = 0;
    let offset = 0;
    let finished = false;
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const take = (): IteratorResult<OutputEvent> => {
      const c = chunk!;
      const len = c.lengths[index]!;
      const value: OutputEvent = {
        stream: STREAM_NAMES[c.streams[index]!]!,
        bytes: c.data.subarray(offset, offset + len),
        time: c.times[index]!,
      };
      index++;
      offset += len;
      return { done: false, value };
    };
    const slow = async (): Promise<IteratorResult<OutputEvent>> => {
      for (;;) {
        if (finished) return done;
        try {
          chunk = await this.nextChunk();
        } catch (e) {
          finished = true;
          throw e;
        }
        if (!chunk) {
          finished = true;
          return done;
        }
        index = 0;
        offset = 0;
        if (chunk.count > 0) return take();
      }
    };
    return {
      next: () => (chunk && index < chunk.count ? Promise.resolve(take()) : slow()),
      return: async () => {
        if (!finished) {
          finished = true;
          chunk = undefined;
          this.discard();
        }
        return done;
      },
    };
  }

  async output(): Promise<Output> {
    this.claim("collector");
    const chunks: Chunk[] = [];
    for (;;) {
      const c = await this.nextChunk();
      if (!c) break;
      chunks.push(c);
    }
    return new Collected(chunks, await this.exited);
  }

  async text(): Promise<TextOutput> {
    const o = await this.output();
    return new CollectedText(o);
  }
}

/**
 * What a run wrote, assembled on first use: a caller who wants only the
 * combined output never pays for the separate streams, and the other way round.
 */
class Collected implements Output {
  private cache: { stdout?: Uint8Array; stderr?: Uint8Array; combined?: Uint8Array } = {};
  constructor(
    private readonly chunks: readonly Chunk[],
    readonly exit: Exit,
  ) {}

  get combined(): Uint8Array {
    return (this.cache.combined ??= concat(
      this.chunks.map((c) => c.data),
      this.chunks.reduce((n, c) => n + c.bytes, 0),
    ));
  }

  get stdout(): Uint8Array {
    return (this.cache.stdout ??= this.stream(1));
  }

  get stderr(): Uint8Array {
    return (this.cache.stderr ??= this.stream(2));
  }

  /** One stream's messages, each same-stream run taken as one piece. */
  private stream(wanted: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const c of this.chunks) {
      let at = 0;
      let k = 0;
      while (k < c.count) {
        const stream = c.streams[k]!;
        const start = at;
        while (k < c.count && c.streams[k] === stream) at += c.lengths[k++]!;
        if (stream === wanted && at > start) {
          parts.push(c.data.subarray(start, at));
          total += at - start;
        }
      }
    }
    return concat(parts, total);
  }

  toJSON() {
    return { stdout: this.stdout, stderr: this.stderr, combined: this.combined, exit: this.exit };
  }

  [inspect.custom]() {
    return this.toJSON();
  }
}

class CollectedText implements TextOutput {
  private cache: { stdout?: string; stderr?: string; combined?: string } = {};
  constructor(private readonly bytes: Output) {}
  get exit(): Exit {
    return this.bytes.exit;
  }
  get stdout(): string {
    return (this.cache.stdout ??= decoder.decode(this.bytes.stdout));
  }
  get stderr(): string {
    return (this.cache.stderr ??= decoder.decode(this.bytes.stderr));
  }
  get combined(): string {
    return (this.cache.combined ??= decoder.decode(this.bytes.combined));
  }
  toJSON() {
    return { stdout: this.stdout, stderr: this.stderr, combined: this.combined, exit: this.exit };
  }

  [inspect.custom]() {
    return this.toJSON();
  }
}

function stdinPlan(option: StdinOption | undefined): { plan: StdinPlan; data?: StdinData; pipe?: { read: number; write: number } } {
  if (option === undefined || option === "inherit") return { plan: { kind: "inherit" } };
  if (option === "ignore") return { plan: { kind: "ignore" } };
  const pipe = openPipe();
  return { plan: { kind: "pipe", fd: pipe.read }, data: option, pipe };
}

export function run(command: readonly string[], options: RunOptions = {}): DteeProcess {
  if (!Array.isArray(command) || command.length === 0 || command.some((w) => typeof w !== "string")) {
    throw new TypeError("command must be a non-empty array of strings");
  }
  options.signal?.throwIfAborted();
  // Under a low address-space limit Bun starts without its JIT, and bun:ffi with it.
  if (ffiUnavailable) throw new SocketsUnavailableError(`bun:ffi: ${ffiUnavailable}`);
  const killSignal = signalNumber(options.killSignal);
  const events = options.events !== false;
  const env = options.lineBuffered ? lineBuffered(options.env ?? process.env) : (options.env ?? process.env);
  const tmpdir = options.tmpdir ?? (process.env.TMPDIR || "/tmp");
  const tee = options.tee === true ? { stdout: true, stderr: true } : options.tee || {};

  const opened: number[] = [];
  const closeAll = (fds: number[]) => fds.forEach(closeFd);
  // Output files first, as dtee does: if one cannot be opened nothing runs.
  const files: { fd: number; path: string; stream: "stdout" | "stderr" | "combined" }[] = [];
  for (const f of options.files ?? []) {
    const r = openOutputs([{ stream: f.stream, path: f.path, append: f.append === true }]);
    const code = errno();
    if (r.failures.length) {
      closeAll(opened);
      throw new OutputFileError(f.path, code);
    }
    const o = r.opened[0]!;
    opened.push(o.fd);
    files.push({ fd: o.fd, path: o.path, stream: o.stream });
  }

  let trio;
  try {
    trio = createTrio({ tmpdir, timestamps: events });
  } catch (e) {
    closeAll(opened);
    if (e instanceof TrioError) throw new SocketsUnavailableError(e.message);
    throw e;
  }

  let stdin: ReturnType<typeof stdinPlan>;
  try {
    stdin = stdinPlan(options.stdin);
  } catch (e) {
    closeAll([...opened, trio.input, trio.stdout, trio.stderr]);
    throw e;
  }
  let pid: number;
  try {
    pid = startCommand({ command, env, cwd: options.cwd, stdin: stdin.plan, stdout: trio.stdout, stderr: trio.stderr });
  } catch (e) {
    closeAll([...opened, trio.input]);
    if (stdin.pipe) closeAll([stdin.pipe.write]);
    throw translateStartError(e, command[0]!);
  } finally {
    closeAll([trio.stdout, trio.stderr]);
    if (stdin.pipe) closeFd(stdin.pipe.read);
  }

  const pidfd = openPidfd(pid);
  let route: RoutePlan | undefined;
  if (files.length || tee.stdout || tee.stderr) {
    const devNull = tee.stdout && tee.stderr ? -1 : libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
    if (devNull >= 0) opened.push(devNull);
    route = {
      argv0: "dtee",
      stdoutFd: tee.stdout ? 1 : devNull,
      stderrFd: tee.stderr ? 2 : devNull,
      files,
    };
  }
  const control = new SharedArrayBuffer(CTRL.SIZE * 4);
  const relay = acquireWorker(DEFAULT_LIMITS.inFlight * DEFAULT_LIMITS.bytes);
  const plan: WorkerPlan = {
    input: trio.input,
    stdoutAddress: trio.stdoutAddress,
    stderrAddress: trio.stderrAddress,
    pid,
    pidfd,
    control,
    ring: relay.ring,
    events,
    timestamps: events,
    route,
    limits: DEFAULT_LIMITS,
  };
  const proc = new Run(pid, pidfd, control, relay, events, opened, [trio.input]);
  relay.worker.postMessage(plan);

  if (stdin.pipe) {
    const pump = pumpStdin(stdin.pipe.write, stdin.data!);
    proc.onEnd(() => pump.stop());
  }
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
  return proc;
}

/**
 * dtee's --line-buffered for the environment given: coreutils' libstdbuf.so
 * preloaded with _STDBUF_O=L (C stdio) and PYTHONUNBUFFERED=1, as the dtee
 * command sets them. Without libstdbuf.so only Python is switched (the dtee
 * command prints a warning then; a library stays quiet).
 */
function lineBuffered(env: Record<string, string | undefined>): Record<string, string> {
  const entries = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => Buffer.from(`${k}=${v}`));
  const lib = findLibstdbuf(entries);
  const out: Record<string, string> = {};
  for (const entry of lineBufferedEnviron(entries, "path" in lib ? lib.path : undefined)) {
    const text = entry.toString();
    const at = text.indexOf("=");
    out[text.slice(0, at)] = text.slice(at + 1);
  }
  return out;
}

function translateStartError(e: unknown, name: string): Error {
  if (e instanceof ExecError) {
    return e.code === osConstants.errno.ENOENT ? new CommandNotFoundError(name, e.code) : new CommandNotExecutableError(name, e.code);
  }
  if (e instanceof DirectoryError) return new WorkingDirectoryError(e.path, e.code);
  if (e instanceof ForkError) return new SpawnError(e.message, e.code);
  if (e instanceof SysError) return new SpawnError(e.message, e.code);
  return e instanceof Error ? e : new Error(String(e));
}
