// Relay throughput where people use it: `X -C FILE producer` with stdout and
// stderr alternating, each read through a pipe, either by a fast reader
// (cat) or 4 KiB at a time (dd bs=4k), as a pager or a slow consumer does.
// Contenders run interleaved round-robin; medians of --repeats runs, and
// each contender's time as a ratio of native dtee's (DTEE_NATIVE).
//
//   bun bench/pipes.ts [--repeats 5] [--sizes 1,512,4096,65536] [--readers cat,dd4k]
//                      [--candidate PATH]   (another dtee build, e.g. before a change)
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
const sizes = arg("--sizes", "1,512,4096,65536").split(",").map(Number);
const readers = arg("--readers", "cat,dd4k").split(",");
const candidate = arg("--candidate", "");
// Writes per run: about a second for native dtee.
const COUNTS: Record<number, number> = { 1: 100_000, 512: 100_000, 4096: 60_000, 65536: 10_000 };

const base = process.env.DTEE_BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const work = mkdtempSync(join(base, "dtee-pipes-"));
const producer = join(work, "alternate");
const cc = spawnSync("cc", ["-O2", "-o", producer, join(import.meta.dir, "c/alternate.c")], { stdio: "inherit" });
if (cc.status !== 0) throw new Error("this benchmark needs cc to build its producer");

const file = join(work, "combined");
const native = process.env.DTEE_NATIVE ?? "";
const contenders: { name: string; path: string }[] = [];
if (native && existsSync(native)) contenders.push({ name: "native dtee 1.1.3", path: native });
contenders.push({ name: "dtee (compiled)", path: join(root, "dist/dtee") });
if (candidate) contenders.push({ name: `candidate ${candidate}`, path: candidate });

const READERS: Record<string, string> = { cat: "cat >/dev/null", dd4k: "dd bs=4k of=/dev/null status=none" };

function timeOnce(cmd: string): number {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", cmd], { stdio: ["ignore", "ignore", "inherit"] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}`);
  return t;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`# dtee -C FILE, stdout and stderr alternating, each into a pipe; median ms of ${repeats} (ratio: native's time / this one's, > 1 is faster); ${new Date().toISOString()}`);
console.log(`| reader | write size | ${contenders.map((c) => c.name).join(" | ")} |`);
console.log(`|---|---:|${contenders.map(() => "---:").join("|")}|`);
for (const reader of readers) {
  for (const size of sizes) {
    const count = COUNTS[size] ?? 10_000;
    const times = contenders.map(() => [] as number[]);
    for (let r = 0; r < repeats; r++) {
      contenders.forEach((c, i) => {
        const read = READERS[reader]!;
        times[i]!.push(timeOnce(`${c.path} -C ${file} ${producer} ${size} ${count} 2> >(${read}) | ${read}; wait`));
      });
    }
    const medians = times.map(median);
    const ref = contenders.findIndex((c) => c.name.startsWith("native"));
    const cells = medians.map((m, i) => `${m.toFixed(0)}${ref >= 0 && i !== ref ? ` (${(medians[ref]! / m).toFixed(2)}x)` : ""}`);
    console.log(`| ${reader} | ${size} | ${cells.join(" | ")} |`);
  }
}
rmSync(work, { recursive: true, force: true });
