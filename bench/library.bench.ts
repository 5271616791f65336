// The library against Bun.spawn, side by side in one run: a command writes
// the same data to its stdout and its stderr (two `dd` processes writing
// SIZE-byte writes at the same time), and the caller reads all of it.
//
//   dtee:      for await (const event of run(cmd)) — every write, in order, with its stream and time
//   Bun.spawn: both pipes read at once — chunks as the pipes coalesce them; the order between them is lost
//
// Each sample is one whole run (start to exit, all bytes read), timed by
// mitata's measure(). Reported: events (writes, or pipe reads) per second and
// MiB/s, and dtee's throughput as a fraction of Bun.spawn's.
//
//   bun bench/library.bench.ts [--quick] [--sizes 1,4096,65536] [--mib N]
//
// The numbers are only as steady as the machine: on a shared or busy machine
// run it more than once.
import { measure } from "mitata";
import { run } from "../src/lib/index";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes("--quick");
const sizes = (option("--sizes") ?? "1,4096,65536").split(",").map(Number);
/** Bytes per stream for a size; 1-byte writes are bounded by the writer's syscalls, so less. */
function bytesFor(size: number): number {
  const mib = Number(option("--mib") ?? (quick ? 4 : 32));
  return size < 64 ? Math.min(mib << 20, quick ? 50_000 : 400_000) : mib << 20;
}

function command(size: number): string[] {
  const count = Math.max(1, Math.floor(bytesFor(size) / size));
  const dd = `dd if=/dev/zero bs=${size} count=${count} status=none`;
  return ["sh", "-c", `${dd} & ${dd} >&2; wait`];
}

interface Tally {
  events: number;
  bytes: number;
}

async function viaDtee(cmd: string[]): Promise<Tally> {
  const t: Tally = { events: 0, bytes: 0 };
  const proc = run(cmd);
  for await (const event of proc) {
    t.events++;
    t.bytes += event.bytes.length;
  }
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`dtee run: ${exit.description}`);
  return t;
}

async function drain(stream: ReadableStream<Uint8Array>, t: Tally): Promise<void> {
  for await (const chunk of stream) {
    t.events++;
    t.bytes += chunk.length;
  }
}

async function viaBunSpawn(cmd: string[]): Promise<Tally> {
  const t: Tally = { events: 0, bytes: 0 };
  const proc = Bun.spawn(cmd, { stdin: "inherit", stdout: "pipe", stderr: "pipe" });
  await Promise.all([drain(proc.stdout, t), drain(proc.stderr, t)]);
  if ((await proc.exited) !== 0) throw new Error("Bun.spawn run failed");
  return t;
}

const samples = quick ? { min_samples: 3, max_samples: 3 } : { min_samples: 5, max_samples: 10 };
const options = { ...samples, min_cpu_time: 0, warmup_samples: 1, warmup_threshold: 0, batch_samples: 0, batch_threshold: 0 };

interface Row {
  name: string;
  size: number;
  ms: number;
  p50: number;
  min: number;
  max: number;
  events: number;
  bytes: number;
}

const rows: Row[] = [];
const label = (size: number) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

for (const size of sizes) {
  const cmd = command(size);
  for (const [name, fn] of [
    ["dtee run()", viaDtee],
    ["Bun.spawn", viaBunSpawn],
  ] as const) {
    let last: Tally = { events: 0, bytes: 0 };
    const stats = await measure(async () => {
      last = await fn(cmd);
    }, options);
    const ms = stats.avg / 1e6;
    rows.push({ name, size, ms, p50: stats.p50 / 1e6, min: stats.min / 1e6, max: stats.max / 1e6, events: last.events, bytes: last.bytes });
    const r = rows.at(-1)!;
    console.log(
      `${label(size).padStart(7)}  ${name.padEnd(11)} ${ms.toFixed(1).padStart(8)} ms/run (p50 ${r.p50.toFixed(1)}, min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}, ${stats.samples.length} runs)  ` +
        `${Math.round(r.events / (ms / 1e3)).toLocaleString("en").padStart(11)} events/s  ${(r.bytes / 1048576 / (ms / 1e3)).toFixed(1).padStart(8)} MiB/s`,
    );
  }
  const [d, b] = rows.slice(-2) as [Row, Row];
  if (d.bytes !== b.bytes) throw new Error(`byte counts differ: dtee ${d.bytes}, Bun.spawn ${b.bytes}`);
  console.log(`${"".padStart(7)}  dtee/Bun.spawn throughput: ${(b.ms / d.ms).toFixed(2)}x (target >= 0.8x); events: ${d.events} writes vs ${b.events} pipe reads`);
}
