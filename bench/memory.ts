// Peak memory against output size: dtee's peak RSS must not grow with the
// amount of output (the relay streams through fixed buffers and cron mode
// spools to disk). Runs each case under Bun.spawn and samples the process's
// VmHWM (its own peak, not its command's) every 2 ms until it exits.
//
//   bun bench/memory.ts [--target dist|script]
import { join, resolve } from "node:path";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { SYSEXITS } from "../src/exit-status";

const root = resolve(import.meta.dir, "..");
const useDist = process.argv.includes("dist");
const tool = (name: string) => (useDist ? [join(root, "dist", name)] : [process.execPath, join(root, "bin", `${name}.ts`)]);
const work = mkdtempSync(join(tmpdir(), "dtee-mem-"));

// dtee's own peak: VmHWM from /proc/PID/status, read just before the process
// is reaped. (Bun's resourceUsage().maxRSS was seen to report figures from
// earlier, larger runs.)
async function peakRss(argv: string[], expectedExit: number): Promise<number> {
  const p = Bun.spawn(argv, { stdout: "ignore", stderr: "ignore", env: { ...process.env, TMPDIR: work } });
  let peak = 0;
  let done = false;
  p.exited.then(() => (done = true));
  while (!done) {
    try {
      const status = readFileSync(`/proc/${p.pid}/status`, "utf8");
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // exited between checks
    }
    await Bun.sleep(2);
  }
  await p.exited;
  if (p.exitCode !== expectedExit) throw new Error(`exit ${p.exitCode}: ${argv.join(" ")}`);
  return peak;
}

const MB = 1 << 20;
/** The status cronty's command ends with (cronty passes it on), so the spool is shown. */
const COMMAND_STATUS = 1;
const cases: [string, string[], number][] = []; // name, argv, expected exit
for (const [bs, label] of [
  [65536, "64 KiB writes"],
  [4096, "4 KiB writes"],
  [4 << 20, "4 MiB writes"],
] as const) {
  for (const total of [1 * MB, 100 * MB, 1024 * MB]) {
    const count = Math.max(1, Math.round(total / bs));
    cases.push([
      `dtee -O file, ${label}, ${total / MB} MiB`,
      [...tool("dtee"), "-O", join(work, "out"), "dd", "if=/dev/zero", `bs=${bs}`, `count=${count}`, "status=none"],
      SYSEXITS.OK,
    ]);
  }
}
for (const total of [1 * MB, 300 * MB]) {
  cases.push([
    `cronty (spooled), 64 KiB writes, ${total / MB} MiB`,
    // A failing command, so the spool is shown: every byte goes through the spool file.
    [...tool("cronty"), "sh", "-c", `dd if=/dev/zero bs=65536 count=${total / 65536} status=none; exit ${COMMAND_STATUS}`],
    COMMAND_STATUS,
  ]);
}

console.log(`# peak RSS by output size (${useDist ? "compiled" : "bun script"}); ${new Date().toISOString()}`);
console.log("| case | peak RSS (MiB) |");
console.log("|---|---|");
for (const [name, argv, exit] of cases) {
  const rss = await peakRss(argv, exit);
  console.log(`| ${name} | ${(rss / MB).toFixed(1)} |`);
}
rmSync(work, { recursive: true, force: true });
