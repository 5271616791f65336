// Shared helpers for the end-to-end tests: which tool to run (the script
// entry points by default, the compiled binaries with DTEE_TEST_TARGET=dist),
// the one process runner every suite uses (synchronous or started, same
// options, same result), temporary directories, and skipped-test titles.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;
export const COMPILED = process.env.DTEE_TEST_TARGET === "dist";

export type ToolName = "dtee" | "cronty" | "multitee" | "dtee-bench" | "dtee-replay";

/** The argv prefix that runs a tool. */
export function toolArgv(tool: ToolName): string[] {
  if (COMPILED) {
    const path = join(ROOT, "dist", tool);
    if (!existsSync(path)) throw new Error(`${path} is missing: run 'bun run build' first`);
    return [path];
  }
  return [BUN, join(ROOT, "bin", `${tool}.ts`)];
}

/** The name a tool prefixes its messages with when run as toolArgv() runs it. */
export function prefix(tool: ToolName): string {
  return COMPILED ? join(ROOT, "dist", tool) : tool;
}

/** The command words that run the tool, for $DTEE in sh -c scripts (field-split, so no quoting). */
export function toolCmd(tool: ToolName): string {
  const words = toolArgv(tool);
  if (words.some((w) => /\s/.test(w))) throw new Error(`paths with spaces are not supported: ${words.join(" ")}`);
  return words.join(" ");
}

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------
// Running a process: the one way the suites run a tool or a command and
// collect its bytes and status. Synchronous (run, sh, runSync) for plain
// tests; started (start, runProc, runTool) where a test must act while the
// process runs, run many at once, or sample its memory. Both take the same
// options and give the same result; stdin is a pipe holding `input` (empty
// unless given), then closed, unless `stdin` says otherwise.

/** Where a process's stdout or stderr goes: collected ("pipe"), dropped, ours, a descriptor, or a file (created or truncated). */
export type Stdio = "pipe" | "ignore" | "inherit" | number | { path: string };

export interface RunOptions {
  /** Bytes on the command's stdin (a pipe, closed after them). */
  input?: string | Uint8Array;
  /** Instead of a pipe: /dev/null ("ignore") or a descriptor. */
  stdin?: "ignore" | number;
  /** Collected ("pipe") unless given. */
  stdout?: Stdio;
  stderr?: Stdio;
  /** Added to (or, as undefined, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  /** The environment is exactly `env`, nothing inherited (as env -i would make it). */
  envExact?: boolean;
  cwd?: string;
  /** The process is killed (SIGKILL) after this long: synchronous runs then throw, started ones say `timedOut`. Default 60 s. */
  timeoutMs?: number;
  /** Started runs: hash stdout as it streams instead of keeping it (for outputs too large for memory); `stdout` is then empty. */
  digestStdout?: boolean;
}

export interface Digest {
  hex: string;
  bytes: number;
}

export interface RunResult {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  /** The signal's name when killed by one. */
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Wall time in milliseconds. */
  ms: number;
  /** True when the time limit was hit and the process was killed (started runs; synchronous ones throw). */
  timedOut: boolean;
}

/** A started run's result: also its peak memory, and stdout's digest when asked for. */
export interface Proc extends RunResult {
  /** Peak resident set size in bytes of the process itself (VmHWM, sampled). */
  maxRSS: number;
  stdoutDigest?: Digest;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function envOf(opts: RunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.envExact ? { ...opts.env } : { ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  return env;
}

function inputBytes(input: string | Uint8Array | undefined): Buffer {
  return input === undefined ? Buffer.alloc(0) : typeof input === "string" ? Buffer.from(input) : Buffer.from(input);
}

/** Runs `argv` to its end and collects its stdout and stderr; throws if it could not start or ran out of time. */
export function runSync(argv: readonly string[], opts: RunOptions = {}): RunResult {
  const [cmd, ...args] = argv;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const t0 = performance.now();
  const opened: number[] = [];
  let r: SpawnSyncReturns<Buffer>;
  try {
    r = spawnSync(cmd!, args, {
      input: opts.stdin === undefined ? inputBytes(opts.input) : undefined,
      stdio: [opts.stdin ?? "pipe", stdioOf(opts.stdout, opened), stdioOf(opts.stderr, opened)],
      env: envOf(opts),
      cwd: opts.cwd,
      timeout: timeoutMs,
      killSignal: "SIGKILL",
      maxBuffer: 1 << 30,
    });
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  if (r.error) throw new Error(`${argv.join(" ")}: ${r.error.message}${(r.error as { code?: string }).code === "ETIMEDOUT" ? ` (over ${timeoutMs} ms)` : ""}`);
  const none = Buffer.alloc(0);
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? none, stderr: r.stderr ?? none, ms: performance.now() - t0, timedOut: false };
}

/** Runs one of the project's tools synchronously (script or compiled, as toolArgv decides). */
export function run(tool: ToolName, args: string[], opts: RunOptions = {}): RunResult {
  return runSync([...toolArgv(tool), ...args], opts);
}

/** Runs a shell script synchronously (for redirections and pipelines); $DTEE, $CRONTY and $MULTITEE run the tools. */
export function sh(script: string, opts: RunOptions = {}): RunResult {
  const env = { DTEE: toolCmd("dtee"), CRONTY: toolCmd("cronty"), MULTITEE: toolCmd("multitee"), ...opts.env };
  return runSync(["/bin/sh", "-c", script], { ...opts, env });
}

function stdioOf(target: Stdio | undefined, opened: number[]): "pipe" | "ignore" | "inherit" | number {
  if (target === undefined) return "pipe";
  if (typeof target === "object") {
    const fd = openSync(target.path, "w");
    opened.push(fd);
    return fd;
  }
  return target;
}

/** Starts `argv`; the caller awaits `done` for the result (and may signal `proc` meanwhile). */
export function start(argv: readonly string[], opts: RunOptions = {}) {
  const t0 = performance.now();
  const opened: number[] = [];
  const proc = Bun.spawn([...argv], {
    env: envOf(opts),
    cwd: opts.cwd,
    stdin: opts.stdin ?? "pipe",
    stdout: stdioOf(opts.stdout, opened),
    stderr: stdioOf(opts.stderr, opened),
  });
  for (const fd of opened) closeSync(fd);
  if (opts.stdin === undefined) {
    const sink = proc.stdin as import("bun").FileSink;
    const bytes = inputBytes(opts.input);
    if (bytes.length) sink.write(bytes);
    void Promise.resolve(sink.end()).catch(() => {
      // The command exited without reading all of its input: not our failure.
    });
  }
  let timedOut = false;
  const rss = watchPeakRss(proc.pid);
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill(9);
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const collect = (s: unknown) =>
    s instanceof ReadableStream ? new Response(s).arrayBuffer().then((b) => Buffer.from(b)) : Promise.resolve(Buffer.alloc(0));
  const done = (async (): Promise<Proc> => {
    const digest = opts.digestStdout && proc.stdout instanceof ReadableStream ? sha256Stream(proc.stdout) : undefined;
    const [stdout, stderr, stdoutDigest] = await Promise.all([digest ? Promise.resolve(Buffer.alloc(0)) : collect(proc.stdout), collect(proc.stderr), digest]);
    await proc.exited;
    clearTimeout(timer);
    const maxRSS = rss.stop();
    return {
      status: proc.signalCode ? null : proc.exitCode,
      signal: proc.signalCode === null ? null : String(proc.signalCode),
      stdout,
      stderr,
      ms: performance.now() - t0,
      timedOut,
      maxRSS,
      ...(stdoutDigest ? { stdoutDigest } : {}),
    };
  })();
  return { proc, done, pid: proc.pid };
}

/** Runs a process to its end (bounded) and returns its result. */
export function runProc(argv: readonly string[], opts: RunOptions = {}): Promise<Proc> {
  return start(argv, opts).done;
}

/** Starts one of the project's tools and returns its result. */
export function runTool(tool: ToolName, args: string[], opts: RunOptions = {}): Promise<Proc> {
  return runProc([...toolArgv(tool), ...args], opts);
}

/** SHA-256 of a stream, chunk by chunk (never the whole stream in memory). */
export async function sha256Stream(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Digest> {
  const h = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { hex: h.digest("hex"), bytes };
}

/** SHA-256 of what a command writes to its stdout (e.g. the expected output of a producer); throws unless it exits 0. */
export async function sha256OfCommand(argv: string[], timeoutMs = 60_000): Promise<Digest> {
  const r = await runProc(argv, { stdin: "ignore", stderr: "inherit", digestStdout: true, timeoutMs });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status ?? r.signal}${r.timedOut ? " (timed out)" : ""}`);
  return r.stdoutDigest!;
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

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dtee-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a tool with posix_spawnp through the project's own FFI layer, so
 * the test can signal it and read its raw wait status (core-dump bit
 * included), which node's child_process does not expose.
 */
export async function startRaw(
  argv: string[],
  opts: { stdout?: string; stderr?: string; env?: Record<string, string> } = {},
): Promise<{ pid: number; wait: () => Promise<number> }> {
  const { spawnCommand, pollExit } = await import("../../src/relay/spawn");
  const { libc, cstring } = await import("../../src/sys/libc");
  const { P } = await import("../../src/sys/platform");
  const open = (path: string) =>
    libc.open(cstring(path), P.O_WRONLY | P.O_CREAT | P.O_TRUNC | P.O_CLOEXEC, 0o644);
  const out = opts.stdout ? open(opts.stdout) : undefined;
  const err = opts.stderr ? open(opts.stderr) : undefined;
  const pid = spawnCommand({ command: argv, stdout: out, stderr: err, env: { ...process.env, ...opts.env } });
  if (out !== undefined) libc.close(out);
  if (err !== undefined) libc.close(err);
  return {
    pid,
    wait: async () => {
      for (;;) {
        const s = pollExit(pid);
        if (s !== undefined) return s;
        await Bun.sleep(5);
      }
    },
  };
}

export async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${path}`);
    await Bun.sleep(5);
  }
}

/** Decoded wait status: exit code, or signal and core-dump flag. */
export function waitStatus(raw: number): { code?: number; signal?: number; core: boolean } {
  const sig = raw & 0x7f;
  return sig === 0 ? { code: (raw >> 8) & 0xff, core: false } : { signal: sig, core: (raw & 0x80) !== 0 };
}

/**
 * A test title that carries why the test is skipped, for
 * `test.skipIf(reason !== undefined)(skipTitle(title, reason), ...)`: bun
 * reports a skipped test by its title only, so the reason must be in it.
 * Decide the reason before declaring the test; never return early inside one.
 */
export function skipTitle(title: string, reason: string | undefined): string {
  return reason === undefined ? title : `${title} — skipped: ${reason}`;
}
