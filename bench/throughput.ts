// Relay throughput, side by side: dtee-bench --compare's whole commands
// (`X -O FILE dd if=/dev/zero bs=S count=N status=none >/dev/null`, timed
// from outside, mitata's warm-up and statistics; src/bench/compare.ts) with
// long runs, for this package's dtee (the compiled binary when built, and the
// script), native dtee (DTEE_NATIVE=path), tee and multitee where installed,
// and the one contender dtee-bench has no use for: a receiver that only
// discards (bench/discard-receiver.ts), the ceiling for this design. Each
// command's runs come one after another (a warm-up, then --repeats), not
// interleaved. (Nx) is the first column over that command.
//
//   bun bench/throughput.ts [--repeats N] [--sizes 1,64,512,4k,64k] [--scale F]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dteeContender, runComparisons, toolContenders, type Contender } from "../src/bench/compare";
import { silentProgress } from "../src/bench/progress";
import { renderComparisons } from "../src/bench/report-table";
import { parseSize } from "../src/bench/units";

const root = resolve(import.meta.dir, "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const repeats = Number(arg("--repeats", "5"));
const sizes = arg("--sizes", "1,64,512,4k,64k").split(",").map((s) => parseSize(s) ?? Number.NaN);
const scale = Number(arg("--scale", "1"));
if (!(repeats >= 1) || !(scale > 0) || sizes.some((s) => !(s >= 1))) throw new Error("usage: [--repeats N] [--sizes LIST] [--scale F]");

// The -O file lives in memory (tmpfs) when it can, so the disk's writeback
// does not drown the relay's own cost; DTEE_BENCH_DIR overrides.
const base = process.env.DTEE_BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const dir = mkdtempSync(join(base, "dtee-bench-"));
const compiled = join(root, "dist/dtee");
const script = [process.execPath, join(root, "bin/dtee.ts")];
const native = process.env.DTEE_NATIVE;
const contenders: Contender[] = [
  ...(existsSync(compiled)
    ? [dteeContender("dtee (compiled)", "self", [compiled]), dteeContender("dtee (bun script)", "dtee", script)]
    : [dteeContender("dtee (bun script)", "self", script)]),
  ...(native ? [dteeContender("native dtee", "dtee", [native])] : []),
  ...toolContenders(),
  {
    name: "discard receiver",
    kind: "ceiling",
    program: "bench/discard-receiver.ts",
    command: (dd) => `${process.execPath} ${join(root, "bench/discard-receiver.ts")} ${dd}`,
  },
];

try {
  // About 1-2 s a run with native dtee, so start-up (ours 10-30 ms, native 3 ms) weighs little:
  // 500k writes up to 512 B, 200k of 4 KiB, 30k of 64 KiB.
  const budget = { budgetBytes: 800 * 2 ** 20 * scale, minMessages: 30_000 * scale, maxMessages: 500_000 * scale };
  const comparisons = await runComparisons(contenders, { sizes, repeats, dir, ...budget }, silentProgress);
  console.log(`# relay throughput, messages/s (median of ${repeats} after a warm-up); ${new Date().toISOString()}\n`);
  console.log(renderComparisons(comparisons));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
