// multitee fan-out throughput: SIZE bytes from a pipe to three pipes, ours
// against coreutils tee and Debian's multitee 3.0, side by side in one run.
// Every tool gets the same harness: `head -c SIZE /dev/zero | TOOL` with its
// standard output and two FIFOs each drained by `cat > /dev/null`; a run is
// timed from start to the last reader's exit. Tools take turns within each
// round so drift in the machine's load hits them all alike; the table shows
// medians.
//
//   bun bench/multitee.ts [SIZE] [--runs N] [--target dist|script] [--json]
//   SIZE: bytes, with an optional K, M or G suffix (binary); default 2G.
//   Environment: MULTITEE_BENCH_SIZE, MULTITEE_BENCH_RUNS (defaults 2G, 5).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);

function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^([0-9]+)([KMG]?)(i?B)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad size '${text}': use bytes with an optional K, M or G suffix`);
  const unit = { "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * unit;
}

const positional = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && ["--runs", "--target"].includes(args[i - 1]!)));
const size = parseSize(positional[0] ?? process.env.MULTITEE_BENCH_SIZE ?? "2G");
const runs = Number(option("--runs") ?? process.env.MULTITEE_BENCH_RUNS ?? 5);
const target = option("--target") ?? "script";
const json = args.includes("--json");

const ours = target === "dist" ? join(root, "dist", "multitee") : `${process.execPath} ${join(root, "bin", "multitee.ts")}`;
if (target === "dist" && !existsSync(join(root, "dist", "multitee"))) throw new Error("dist/multitee is missing: run 'bun run build'");

interface Tool {
  name: string;
  /** The fan-out stage of the pipeline; F4 and F5 are the two FIFOs. */
  stage: string;
  available: boolean;
}

const have = (path: string) => existsSync(path);
const tools: Tool[] = [
  { name: "dtee multitee", stage: `${ours} 0-1,4,5 4>"$F4" 5>"$F5"`, available: true },
  { name: "coreutils tee", stage: `tee "$F4" "$F5"`, available: have("/usr/bin/tee") || have("/bin/tee") },
  { name: "Debian multitee", stage: `/usr/bin/multitee 0-1,4,5 4>"$F4" 5>"$F5"`, available: have("/usr/bin/multitee") },
  // Not a contender: one pipe to one reader, the ceiling for any fan-out.
  { name: "(head | cat, no fan-out)", stage: "cat", available: true },
];

const work = mkdtempSync(join(tmpdir(), "multitee-bench-"));

function once(tool: Tool): number {
  const f4 = join(work, "f4");
  const f5 = join(work, "f5");
  const fanout = tool.stage !== "cat";
  const script =
    `set -e; rm -f "$F4" "$F5"; mkfifo "$F4" "$F5"; ` +
    (fanout ? `cat "$F4" >/dev/null & cat "$F5" >/dev/null & ` : "") +
    `head -c ${size} /dev/zero | ${tool.stage} | cat >/dev/null; wait`;
  const start = performance.now();
  const r = spawnSync("/bin/sh", ["-c", script], { env: { ...process.env, F4: f4, F5: f5 }, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${tool.name} failed (status ${r.status}): ${r.stderr.toString()}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const active = tools.filter((t) => t.available);
const times = new Map<string, number[]>(active.map((t) => [t.name, []]));
const human = size >= 1 << 30 ? `${(size / (1 << 30)).toFixed(2)} GiB` : `${(size / (1 << 20)).toFixed(1)} MiB`;
if (!json) console.log(`# multitee fan-out: ${human} from a pipe to 3 pipes, ${runs} runs each (median); ${new Date().toISOString()}`);
try {
  for (let round = 0; round < runs; round++) {
    for (const tool of active) times.get(tool.name)!.push(once(tool));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const oursMs = median(times.get(tools[0]!.name)!);
const rows = active.map((t) => {
  const ms = median(times.get(t.name)!);
  return { tool: t.name, medianMs: Math.round(ms), mibPerSec: Math.round(size / (1 << 20) / (ms / 1000)), oursFasterBy: +(ms / oursMs).toFixed(2) };
});

if (json) {
  console.log(JSON.stringify({ size, runs, rows, missing: tools.filter((t) => !t.available).map((t) => t.name) }, null, 2));
} else {
  console.log("| tool | median (ms) | MiB/s | its time / ours |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.tool} | ${r.medianMs} | ${r.mibPerSec} | ${r.oursFasterBy.toFixed(2)}x |`);
  for (const t of tools.filter((t) => !t.available)) console.log(`| ${t.name} | not installed | | |`);
  const beaten = rows.filter((r) => r.tool !== rows[0]!.tool && !r.tool.startsWith("(")).every((r) => r.oursFasterBy > 1);
  console.log(`\ntarget (faster than every other fan-out): ${beaten ? "met" : "NOT met"}`);
}
