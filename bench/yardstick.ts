// The design's own limit: dtee for Bun against a minimal relay in C of the
// same design (bench/c/relay.c: the same socket trio, recvmmsg batches, one
// writev per output), with `X -O FILE dd if=/dev/zero bs=S ... >/dev/null`.
// The C relay runs with our batch of 32 messages and with 1 (no batching),
// to show where another batching strategy would stand; native dtee joins if
// DTEE_NATIVE names it. Rounds interleaved; medians; ratios against the C
// relay with 32 slots.
//
//   bun bench/yardstick.ts [--repeats 5] [--sizes 1,512,4096,65536] [--candidate PATH]
import { join } from "node:path";
import { root, commonOptions, scratchDirectory, buildC, interleaved, cell } from "./side-by-side";

const { repeats, sizes, candidate, native } = commonOptions();
// Writes per run: about a second for the C relay.
const COUNTS: Record<number, number> = { 1: 1_000_000, 512: 500_000, 4096: 200_000, 65536: 30_000 };

const scratch = scratchDirectory("dtee-yardstick-");
const relay = buildC("relay", scratch.dir);
const file = join(scratch.dir, "out");

const contenders: { name: string; command: string }[] = [
  { name: "C relay, 32 slots", command: `${relay} -s 32` },
  { name: "C relay, 1 slot", command: `${relay} -s 1` },
  { name: "dtee for Bun (compiled)", command: join(root, "dist/dtee") },
];
if (candidate) contenders.push({ name: `candidate ${candidate}`, command: candidate });
if (native) contenders.push({ name: "native dtee 1.1.3", command: native });

console.log(`# X -O FILE dd bs=SIZE >/dev/null; median ms of ${repeats} interleaved runs (ratio: the 32-slot C relay's time / this one's, > 1 is faster); ${new Date().toISOString()}`);
console.log(`| write size | ${contenders.map((c) => c.name).join(" | ")} |`);
console.log(`|---:|${contenders.map(() => "---:").join("|")}|`);
try {
  for (const size of sizes) {
    const count = COUNTS[size] ?? 10_000;
    const medians = interleaved(
      contenders.map((c) => `rm -f ${file}; ${c.command} -O ${file} dd if=/dev/zero bs=${size} count=${count} status=none >/dev/null`),
      repeats,
    );
    console.log(`| ${size} | ${medians.map((m, i) => cell(m, i === 0 ? undefined : medians[0])).join(" | ")} |`);
  }
} finally {
  scratch.remove();
}
