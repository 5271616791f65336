// The library against Bun.spawn, side by side in one run: a command writes
// the same data to its stdout and its stderr (two `dd` processes writing
// SIZE-byte writes at the same time), and the caller reads all of it.
//
//   dtee:      for await (const event of run(cmd)) — every write, in order, with its stream and time
//   Bun.spawn: both pipes read at once — chunks as the pipes coalesce them; the order between them is lost
//
// Interleaved: each round runs every contender once per size, in an order
// that alternates from round to round, so a machine that gets busier or
// quieter during the benchmark weighs on all of them alike. Reported per
// size: the median run time of each, events (writes, or pipe reads) per
// second and MiB/s, and each contender's throughput as a fraction of
// Bun.spawn's (median against median, and the spread of the per-round
// ratios).
//
//   bun bench/library.bench.ts [--quick] [--rounds N] [--sizes 1,4096,65536] [--mib N] [--more] [--against DIR]
//
// --more adds two library readers for finding where time goes: output()
// (the collector) and events: false (the relay alone, nothing handed over).
// --against DIR adds the same reader over another checkout's library
// (DIR/src/lib/index.ts), so a change is measured next to what it changes.
// The numbers are only as steady as the machine: on a shared or busy machine
// take more rounds, and read the ratios rather than the times.
import { run } from "../src/lib/index";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes("--quick");
const more = args.includes("--more");
const against = option("--against");
const rounds = Number(option("--rounds") ?? (quick ? 3 : 7));
const sizes = (option("--sizes") ?? "1,4096,65536").split(",").map(Number);
/** Bytes per stream for a size; 1-byte writes are bounded by the writer's syscalls, so less. */
function bytesFor(size: number): number {
  const mib = Number(option("--mib") ?? (quick ? 4 : 32));
  return size < 64 ? Math.min(mib << 20, quick ? 50_000 : 200_000) : mib << 20;
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

async function viaDtee(cmd: string[], start: typeof run = run): Promise<Tally> {
  const t: Tally = { events: 0, bytes: 0 };
  const proc = start(cmd);
  for await (const event of proc) {
    t.events++;
    t.bytes += event.bytes.length;
  }
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`dtee run: ${exit.description}`);
  return t;
}

async function viaDteeOutput(cmd: string[]): Promise<Tally> {
  const o = await run(cmd).output();
  if (o.exit.code !== 0) throw new Error(`dtee output: ${o.exit.description}`);
  return { events: 0, bytes: o.combined.length };
}

async function viaDteeNoEvents(cmd: string[]): Promise<Tally> {
  const exit = await run(cmd, { events: false }).exited;
  if (exit.code !== 0) throw new Error(`dtee events: false: ${exit.description}`);
  // Nothing is handed over: count what the command wrote, for the MiB/s.
  const size = Number(/bs=(\d+)/.exec(cmd[2]!)![1]);
  const count = Number(/count=(\d+)/.exec(cmd[2]!)![1]);
  return { events: 2 * count, bytes: 2 * size * count };
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

const contenders: [string, (cmd: string[]) => Promise<Tally>][] = [
  ["dtee run()", (cmd) => viaDtee(cmd)],
  ["Bun.spawn", viaBunSpawn],
];
if (more) contenders.push(["dtee output()", viaDteeOutput], ["dtee events:0", viaDteeNoEvents]);
if (against) {
  const other = (await import(`${against.replace(/\/$/, "")}/src/lib/index.ts`)) as { run: typeof run };
  contenders.push(["other run()", (cmd) => viaDtee(cmd, other.run)]);
}

const label = (size: number) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per size, per contender: run times (ms) and the last tally. */
const times = new Map<string, number[]>();
const tallies = new Map<string, Tally>();
const key = (size: number, name: string) => `${size} ${name}`;

// One warm-up run each: the first run starts the Worker and compiles the hot paths.
for (const size of sizes) for (const [, fn] of contenders) await fn(command(size));

for (let round = 0; round < rounds; round++) {
  for (const size of sizes) {
    const cmd = command(size);
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const [name, fn] of order) {
      const start = Bun.nanoseconds();
      const t = await fn(cmd);
      const ms = (Bun.nanoseconds() - start) / 1e6;
      (times.get(key(size, name)) ?? times.set(key(size, name), []).get(key(size, name))!).push(ms);
      tallies.set(key(size, name), t);
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

for (const size of sizes) {
  const base = times.get(key(size, "Bun.spawn"))!;
  for (const [name] of contenders) {
    const ts = times.get(key(size, name))!;
    const t = tallies.get(key(size, name))!;
    const ms = median(ts);
    const line = `${label(size).padStart(7)}  ${name.padEnd(14)} ${ms.toFixed(1).padStart(8)} ms/run (median of ${ts.length}, min ${Math.min(...ts).toFixed(1)}, max ${Math.max(...ts).toFixed(1)})  ${Math.round(t.events / (ms / 1e3)).toLocaleString("en").padStart(11)} events/s  ${(t.bytes / 1048576 / (ms / 1e3)).toFixed(1).padStart(8)} MiB/s`;
    if (name === "Bun.spawn") {
      console.log(line);
      continue;
    }
    // Per round: Bun.spawn's time over ours, from runs made next to each other.
    const ratios = ts.map((x, i) => base[i]! / x).sort((a, b) => a - b);
    console.log(`${line}  ${(median(base) / ms).toFixed(2)}x Bun.spawn (rounds ${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)})`);
  }
  const d = tallies.get(key(size, "dtee run()"))!;
  const b = tallies.get(key(size, "Bun.spawn"))!;
  if (d.bytes !== b.bytes) throw new Error(`byte counts differ: dtee ${d.bytes}, Bun.spawn ${b.bytes}`);
  console.log(`${"".padStart(7)}  target >= 0.8x; events: ${d.events} writes vs ${b.events} pipe reads`);
}
