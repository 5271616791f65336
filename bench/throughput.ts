// Relay throughput, side by side in one run: `X -O FILE dd if=/dev/zero
// bs=S count=N status=none >/dev/null` for our dtee (compiled and script),
// native dtee (if DTEE_NATIVE points at one), coreutils tee, and a receiver
// that only discards (the ceiling for this design). Runs are interleaved
// round-robin so machine noise hits every contender alike; medians reported.
//
//   bun bench/throughput.ts [--repeats N] [--sizes 1,64,512,4096,65536] [--scale F]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const repeats = Number(arg("--repeats", "5"));
const sizes = arg("--sizes", "1,64,512,4096,65536").split(",").map(Number);
const scale = Number(arg("--scale", "1"));
const only = arg("--only", "");
// Messages per run: about 1-2 s with native dtee, so start-up (ours 10-30 ms,
// native 3 ms) weighs little.
const COUNTS: Record<number, number> = { 1: 500_000, 64: 500_000, 512: 500_000, 4096: 200_000, 65536: 30_000 };

// The -O file lives in memory (tmpfs) when it can, so the disk's writeback
// does not drown the relay's own cost; DTEE_BENCH_DIR overrides.
const base = process.env.DTEE_BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const work = mkdtempSync(join(base, "dtee-bench-"));
const out = join(work, "out");
const native = process.env.DTEE_NATIVE ?? "/work/native/bin/dtee";
const compiled = join(root, "dist/dtee");

type Contender = { name: string; argv: (dd: string) => string };
const contenders: Contender[] = [];
if (existsSync(compiled)) contenders.push({ name: "dtee (compiled)", argv: (dd) => `${compiled} -O ${out} ${dd} >/dev/null` });
contenders.push({ name: "dtee (bun script)", argv: (dd) => `${process.execPath} ${root}/bin/dtee.ts -O ${out} ${dd} >/dev/null` });
if (existsSync(native)) contenders.push({ name: "native dtee 1.1.3", argv: (dd) => `${native} -O ${out} ${dd} >/dev/null` });
contenders.push({ name: "coreutils tee", argv: (dd) => `${dd} | tee ${out} >/dev/null` });
contenders.push({ name: "discard receiver", argv: (dd) => `${process.execPath} ${root}/bench/discard-receiver.ts ${dd}` });
const selected = only ? contenders.filter((c) => only.split(",").some((o) => c.name.includes(o))) : contenders;

function timeOnce(cmd: string): number {
  const t0 = performance.now();
  const r = spawnSync("/bin/sh", ["-c", cmd], { stdio: ["ignore", "ignore", "inherit"] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}`);
  return t / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`# relay throughput, messages/s (median of ${repeats}); ${new Date().toISOString()}`);
const header = ["size", ...selected.map((c) => c.name)];
const rows: string[][] = [];
for (const size of sizes) {
  const count = Math.max(1, Math.round((COUNTS[size] ?? 10_000) * scale));
  const dd = `dd if=/dev/zero bs=${size} count=${count} status=none`;
  const times = selected.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) selected.forEach((c, i) => times[i]!.push(timeOnce(c.argv(dd))));
  const rates = times.map((t) => count / median(t));
  const base = selected.findIndex((c) => c.name.startsWith("native"));
  rows.push([
    String(size),
    ...rates.map((r, i) => `${Math.round(r).toLocaleString("en-US")}${base >= 0 && i !== base ? ` (${(r / rates[base]!).toFixed(2)}x)` : ""}`),
  ]);
  console.error(`size ${size} done`);
}
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log("(ratios are against native dtee)");
rmSync(work, { recursive: true, force: true });
