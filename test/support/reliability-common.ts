// Shared helpers for the reliability, security and fuzz suites: bounded
// asynchronous process runs (exit code, signal, peak RSS), streaming
// checksums (never a whole large output in memory), a seeded PRNG, a pipe
// whose reader is already closed, and running a command as another user.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dlopen, FFIType } from "bun:ffi";
import { toolArgv, ROOT, COMPILED, tempDir, type ToolName } from "./helpers";
import { beforeAll, afterAll } from "bun:test";

export { ROOT, COMPILED };

export interface Proc {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  /** The signal's name when killed by one. */
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Peak resident set size in bytes of the process itself (VmHWM, sampled). */
  maxRSS: number;
  /** Wall time in milliseconds. */
  ms: number;
  /** True when the time limit was hit and the process was killed. */
  timedOut: boolean;
}

export type Stdio = "pipe" | "ignore" | "inherit" | number | ReturnType<typeof Bun.file>;

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: "ignore" | "pipe" | number | Blob | Uint8Array | ReturnType<typeof Bun.file>;
  stdout?: Stdio;
  stderr?: Stdio;
  /** Kill (SIGKILL) after this many milliseconds; the result says timedOut. */
  timeoutMs: number;
}

function envOf(extra: Record<string, string | undefined> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...extra })) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts a process; the caller awaits `done` for the result. */
export function start(argv: string[], opts: SpawnOptions) {
  const t0 = performance.now();
  const proc = Bun.spawn(argv, {
    env: envOf(opts.env),
    cwd: opts.cwd,
    stdin: (opts.stdin ?? "ignore") as never,
    stdout: (opts.stdout ?? "pipe") as never,
    stderr: (opts.stderr ?? "pipe") as never,
  });
  let timedOut = false;
  const rss = watchPeakRss(proc.pid);
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill(9);
  }, opts.timeoutMs);
  const collect = (s: unknown) =>
    s instanceof ReadableStream ? new Response(s).arrayBuffer().then((b) => Buffer.from(b)) : Promise.resolve(Buffer.alloc(0));
  const done = (async (): Promise<Proc> => {
    const [stdout, stderr] = await Promise.all([collect(proc.stdout), collect(proc.stderr)]);
    await proc.exited;
    clearTimeout(timer);
    const maxRSS = rss.stop();
    const ms = performance.now() - t0;
    return {
      status: proc.signalCode ? null : proc.exitCode,
      signal: proc.signalCode === null ? null : String(proc.signalCode),
      stdout,
      stderr,
      maxRSS,
      ms,
      timedOut,
    };
  })();
  return { proc, done, pid: proc.pid };
}

/** Runs a process to the end (bounded) and returns its result. */
export function runProc(argv: string[], opts: SpawnOptions): Promise<Proc> {
  return start(argv, opts).done;
}

/** Runs one of the project's tools (script or compiled, as helpers.ts decides). */
export function runTool(tool: ToolName, args: string[], opts: SpawnOptions): Promise<Proc> {
  return runProc([...toolArgv(tool), ...args], opts);
}

export interface Digest {
  hex: string;
  bytes: number;
}

/** SHA-256 of a stream, chunk by chunk. */
export async function sha256Stream(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Digest> {
  const h = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { hex: h.digest("hex"), bytes };
}

export function sha256File(path: string): Promise<Digest> {
  return sha256Stream(Bun.file(path).stream());
}

export function sha256Bytes(data: Uint8Array | string): Digest {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  return { hex: createHash("sha256").update(b).digest("hex"), bytes: b.length };
}

/** SHA-256 of what a command writes to its stdout (e.g. the expected output of a producer). */
export async function sha256OfCommand(argv: string[], timeoutMs = 60_000): Promise<Digest> {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => proc.kill(9), timeoutMs);
  const d = await sha256Stream(proc.stdout);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}`);
  return d;
}

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const libc = dlopen("libc.so.6", {
  pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

/** A pipe (close-on-exec in this process; a child gets its end through stdio). */
export function makePipe(): { r: number; w: number; close: () => void } {
  const fds = new Int32Array(2);
  const O_CLOEXEC = 0o2000000;
  if (libc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error("pipe2 failed");
  let open = true;
  return {
    r: fds[0]!,
    w: fds[1]!,
    close: () => {
      if (!open) return;
      open = false;
      libc.close(fds[0]!);
      libc.close(fds[1]!);
    },
  };
}

/** The write end of a pipe whose read end is already closed (a write to it gets EPIPE). */
export function closedPipe(): { fd: number; close: () => void } {
  const fds = new Int32Array(2);
  const O_CLOEXEC = 0o2000000;
  if (libc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error("pipe2 failed");
  libc.close(fds[0]!);
  const fd = fds[1]!;
  let open = true;
  return {
    fd,
    close: () => {
      if (open) libc.close(fd);
      open = false;
    },
  };
}

/** The state letter of a process from /proc (R, S, Z, ...), or undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** True when the process has ended (gone, or a zombie nobody reaps). */
export function procEnded(pid: number): boolean {
  const s = procState(pid);
  return s === undefined || s === "Z" || s === "X";
}

export async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(5);
  }
}

export function readPid(path: string): number {
  return Number.parseInt(readFileSync(path, "utf8").trim(), 10);
}

export const NOBODY_UID = 65534;
export const NOBODY_GID = 65534;

let nobodyPrefix: string[] | null | undefined;
let nobodyHome: string | undefined;

/** Removes the home directory asNobody() made; call it from afterAll. */
export function cleanupNobody(): void {
  if (nobodyHome) rmSync(nobodyHome, { recursive: true, force: true });
  nobodyHome = undefined;
  nobodyPrefix = undefined;
}

/**
 * The argv prefix that runs a command as the unprivileged user nobody
 * (setpriv, else su), or null when that is impossible here (not root, no
 * tool, or nobody cannot run this checkout's tools). The command runs with
 * HOME set to a directory nobody owns.
 */
export function asNobody(): string[] | null {
  if (nobodyPrefix !== undefined) return nobodyPrefix;
  nobodyPrefix = null;
  if (process.getuid?.() !== 0) return null;
  const home = mkdtempSync(join(tmpdir(), "dtee-nobody-home-"));
  chmodSync(home, 0o777);
  nobodyHome = home;
  const candidates: string[][] = [
    ["setpriv", `--reuid=${NOBODY_UID}`, `--regid=${NOBODY_GID}`, "--clear-groups", "env", `HOME=${home}`],
  ];
  for (const prefix of candidates) {
    const r = Bun.spawnSync([...prefix, ...toolArgv("dtee"), "sh", "-c", "id -u"], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode === 0 && r.stdout.toString().trim() === String(NOBODY_UID)) {
      nobodyPrefix = prefix;
      return prefix;
    }
  }
  // su needs one shell string; wrap the argv in a tiny shell that re-execs it.
  // "--" ends su's options: without it su would take the command's own "-c"
  // for itself and run that instead (the probe below would then lie).
  const su = ["su", "-s", "/bin/sh", "nobody", "-c", `HOME=${home}; export HOME; exec "$0" "$@"`, "--"];
  const r = Bun.spawnSync([...su, ...toolArgv("dtee"), "sh", "-c", "id -u"], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode === 0 && r.stdout.toString().trim() === String(NOBODY_UID)) nobodyPrefix = su;
  return nobodyPrefix;
}

/**
 * Watches a running process's peak resident set size (VmHWM in
 * /proc/PID/status: that process alone, threads included, children not).
 * Bun's own resourceUsage().maxRSS was measured to be unreliable after
 * several spawns (it reported another child's peak), so the suites use this.
 * stop() returns the last high-water mark seen, in bytes.
 */
export function watchPeakRss(pid: number, everyMs = 5): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone already
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** A program to find on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir || ".", name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** stderr text that shows a JavaScript crash (an uncaught error and its stack). */
export function looksLikeCrash(stderr: string): boolean {
  return (
    /^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(stderr) ||
    /^(error|TypeError|RangeError|ReferenceError|SyntaxError|Error)(: |$)/m.test(stderr) ||
    /\bpanic\b|Segmentation fault|Bun has crashed|oh no: Bun/i.test(stderr)
  );
}

export const MiB = 1 << 20;

export function fmtMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** Figures the suites print for the README's Reliability section (one "FIGURE ..." line each). */
export function figure(name: string, value: unknown): void {
  console.log(`FIGURE ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

/**
 * A temporary directory for one test file, readable by nobody (the tests
 * that run as nobody must reach it), removed with nobody's leftovers after.
 */
export function useSuiteDirectory(set: (dir: string) => void): void {
  let cleanup = () => {};
  beforeAll(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    chmodSync(t.dir, 0o755);
    set(t.dir);
  });
  afterAll(() => {
    cleanupNobody();
    cleanup();
  });
}
