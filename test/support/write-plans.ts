// Seeded plans of writes for test/support/writer.ts, which performs them
// one write(2) each: random streams and sizes (mostly small, some up to
// 5,000 bytes, and with `large` a few up to 64 KiB), text and binary. One
// generator for the dtee and library tests, so both cover the same mix.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers";
import { mulberry32 } from "./reliability-common";

/** The writes in order: to fd 1 or fd 2, these bytes. */
export type Plan = [1 | 2, Buffer][];

/** The script that performs a plan file. */
export const WRITER = join(ROOT, "test/support/writer.ts");

export function randomPlan(seed: number, writes: number, options: { large?: boolean } = {}): Plan {
  const rnd = mulberry32(seed);
  const plan: Plan = [];
  for (let i = 0; i < writes; i++) {
    const fd = rnd() < 0.5 ? 1 : 2;
    const r = rnd();
    const len =
      options.large && r < 0.02 ? 1 + Math.floor(rnd() * 65536) : r < 0.1 ? 1 + Math.floor(rnd() * 5000) : 1 + Math.floor(rnd() * 40);
    const bytes = Buffer.alloc(len);
    const binary = rnd() < 0.3;
    for (let j = 0; j < len; j++) bytes[j] = binary ? Math.floor(rnd() * 256) : 32 + Math.floor(rnd() * 95);
    if (!binary && rnd() < 0.5) bytes[len - 1] = 0x0a;
    plan.push([fd, bytes]);
  }
  return plan;
}

/** Saves `plan` where writer.ts reads it; returns the path. */
export function savePlan(path: string, plan: Plan): string {
  writeFileSync(path, JSON.stringify(plan.map(([fd, b]) => [fd, b.toString("base64")])));
  return path;
}
