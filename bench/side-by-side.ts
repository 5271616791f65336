// What the side-by-side benchmark scripts (pipes.ts, yardstick.ts) share:
// their options, a scratch directory in memory, C helpers built with cc at
// bench time, one timed shell command, and interleaved rounds summarised by
// their median. Interleaving (every contender once per round) is the point:
// on a shared machine, noise then hits every contender alike, which mitata's
// one-benchmark-after-another runs cannot give.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dir, "..");

/** The value after `--name` on the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** The options every side-by-side script takes, and native dtee's path (DTEE_NATIVE, if it exists). */
export function commonOptions(): { repeats: number; sizes: number[]; candidate: string; native: string | undefined } {
  const native = process.env.DTEE_NATIVE;
  return {
    repeats: Number(option("--repeats", "5")),
    sizes: option("--sizes", "1,512,4096,65536").split(",").map(Number),
    candidate: option("--candidate", ""),
    native: native && existsSync(native) ? native : undefined,
  };
}

/** A scratch directory in memory (tmpfs) when there is one, so disk writeback does not drown the relay's cost; DTEE_BENCH_DIR overrides. */
export function scratchDirectory(prefix: string): { dir: string; remove: () => void } {
  const base = process.env.DTEE_BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
  const dir = mkdtempSync(join(base, prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds bench/c/NAME.c into `dir` with cc -O2; returns the program's path. */
export function buildC(name: string, dir: string): string {
  const out = join(dir, name);
  const cc = spawnSync("cc", ["-O2", "-o", out, join(import.meta.dir, `c/${name}.c`)], { stdio: "inherit" });
  if (cc.status !== 0) throw new Error(`this benchmark needs cc to build bench/c/${name}.c`);
  return out;
}

/** Milliseconds one bash command line takes; throws if it fails. */
export function timeOnce(cmd: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", cmd], { stdio: ["ignore", "ignore", "inherit"] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}`);
  return t;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Runs `repeats` rounds, each timing every command once in turn; the median ms of each. */
export function interleaved(commands: readonly string[], repeats: number): number[] {
  const times = commands.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) commands.forEach((cmd, i) => times[i]!.push(timeOnce(cmd)));
  return times.map(median);
}

/** A table cell: the median, and the reference's time over this one's (> 1 is faster). */
export function cell(ms: number, reference: number | undefined): string {
  return reference === undefined ? ms.toFixed(0) : `${ms.toFixed(0)} (${(reference / ms).toFixed(2)}x)`;
}
