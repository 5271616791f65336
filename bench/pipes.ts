// Relay throughput where people use it: `X -C FILE producer` with stdout and
// stderr alternating, each read through a pipe, either by a fast reader
// (cat) or 4 KiB at a time (dd bs=4k), as a pager or a slow consumer does.
// Contenders run interleaved round-robin; medians of --repeats runs, and
// each contender's time as a ratio of native dtee's (DTEE_NATIVE).
//
//   bun bench/pipes.ts [--repeats 5] [--sizes 1,512,4096,65536] [--readers cat,dd4k]
//                      [--candidate PATH]   (another dtee build, e.g. before a change)
import { join } from "node:path";
import { root, option, commonOptions, scratchDirectory, buildC, interleaved, cell } from "./side-by-side";

const { repeats, sizes, candidate, native } = commonOptions();
const readers = option("--readers", "cat,dd4k").split(",");
// Writes per run: about a second for native dtee.
const COUNTS: Record<number, number> = { 1: 100_000, 512: 100_000, 4096: 60_000, 65536: 10_000 };

const scratch = scratchDirectory("dtee-pipes-");
const producer = buildC("alternate", scratch.dir);
const file = join(scratch.dir, "combined");
const contenders: { name: string; path: string }[] = [];
if (native) contenders.push({ name: "native dtee 1.1.3", path: native });
contenders.push({ name: "dtee (compiled)", path: join(root, "dist/dtee") });
if (candidate) contenders.push({ name: `candidate ${candidate}`, path: candidate });

const READERS: Record<string, string> = { cat: "cat >/dev/null", dd4k: "dd bs=4k of=/dev/null status=none" };

console.log(`# dtee -C FILE, stdout and stderr alternating, each into a pipe; median ms of ${repeats} (ratio: native's time / this one's, > 1 is faster); ${new Date().toISOString()}`);
console.log(`| reader | write size | ${contenders.map((c) => c.name).join(" | ")} |`);
console.log(`|---|---:|${contenders.map(() => "---:").join("|")}|`);
const ref = contenders.findIndex((c) => c.name.startsWith("native"));
for (const reader of readers) {
  for (const size of sizes) {
    const count = COUNTS[size] ?? 10_000;
    const read = READERS[reader]!;
    const medians = interleaved(
      contenders.map((c) => `${c.path} -C ${file} ${producer} ${size} ${count} 2> >(${read}) | ${read}; wait`),
      repeats,
    );
    const cells = medians.map((m, i) => cell(m, ref >= 0 && i !== ref ? medians[ref] : undefined));
    console.log(`| ${reader} | ${size} | ${cells.join(" | ")} |`);
  }
}
scratch.remove();
