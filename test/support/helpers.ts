// Shared helpers for the end-to-end tests: run the real CLI, either the
// script entry points (default) or the compiled binaries (DTEE_TEST_TARGET=dist).
import { spawnSync, spawn, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
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

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

export function run(
  tool: ToolName,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string; timeout?: number } = {},
): RunResult {
  const [cmd, ...pre] = toolArgv(tool);
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd!, [...pre, ...args], {
    input: opts.input ?? "",
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a shell script (for redirections and pipelines); $DTEE etc. are set. */
export function sh(
  script: string,
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string; timeout?: number } = {},
): RunResult {
  const r = spawnSync("/bin/sh", ["-c", script], {
    input: opts.input ?? "",
    env: {
      ...process.env,
      DTEE: toolCmd("dtee"),
      CRONTY: toolCmd("cronty"),
      MULTITEE: toolCmd("multitee"),
      ...opts.env,
    },
    cwd: opts.cwd,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export { spawn };

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
