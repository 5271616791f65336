// Shared helpers for the reliability, security, fuzz and fault-injection
// suites, beside the process runner in helpers.ts: checksums of files and
// bytes, a seeded PRNG, pipes for a child's stdio, process states from
// /proc, running a command as another user (nobody), crash detection in
// stderr, and the figures the suites print for the README.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolArgv, tempDir, runSync, sha256Stream, type Digest } from "./helpers";
import { makePipe as openPipe, pipeWithoutReader } from "./descriptors";
import { beforeAll, afterAll } from "bun:test";

/** SHA-256 of a file, read as it streams. */
export function sha256File(path: string): Promise<Digest> {
  return sha256Stream(Bun.file(path).stream());
}

export function sha256Bytes(data: Uint8Array | string): Digest {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  return { hex: createHash("sha256").update(b).digest("hex"), bytes: b.length };
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

/** A pipe (close-on-exec in this process; a child gets its end through stdio). */
export function makePipe(): { r: number; w: number; close: () => void } {
  const p = openPipe();
  return { r: p.read, w: p.write, close: () => p.close() };
}

/** The write end of a pipe whose read end is already closed (a write to it gets EPIPE). */
export function closedPipe(): { fd: number; close: () => void } {
  const p = pipeWithoutReader();
  return { fd: p.write, close: () => p.close() };
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
    const r = runSync([...prefix, ...toolArgv("dtee"), "sh", "-c", "id -u"], { timeoutMs: 30_000 });
    if (r.status === 0 && r.stdout.toString().trim() === String(NOBODY_UID)) {
      nobodyPrefix = prefix;
      return prefix;
    }
  }
  // su needs one shell string; wrap the argv in a tiny shell that re-execs it.
  // "--" ends su's options: without it su would take the command's own "-c"
  // for itself and run that instead (the probe below would then lie).
  const su = ["su", "-s", "/bin/sh", "nobody", "-c", `HOME=${home}; export HOME; exec "$0" "$@"`, "--"];
  const r = runSync([...su, ...toolArgv("dtee"), "sh", "-c", "id -u"], { timeoutMs: 30_000 });
  if (r.status === 0 && r.stdout.toString().trim() === String(NOBODY_UID)) nobodyPrefix = su;
  return nobodyPrefix;
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
