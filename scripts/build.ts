// bun run build: the standalone binary dist/dtee (every tool in one file)
// and links named after the other tools, which pick their mode by name.
// The binary must not depend on anything outside itself at run time: a
// smoke run of cron mode from an empty directory checks it.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const dist = join(root, "dist");
const bytecode = !process.argv.includes("--no-bytecode");
mkdirSync(dist, { recursive: true });

const sourceRoot = join(root, "src");

const args = [
  "build",
  "--compile",
  "--minify",
  // Each tool's own code (multitee, dtee-bench with mitata, dtee-replay) in a
  // chunk of its own, loaded only when that tool runs: dtee and cronty start
  // without it. Splitting needs ES modules.
  "--splitting",
  "--format=esm",
  ...(bytecode ? ["--bytecode"] : []),
  // Start-up code runs once: keep it in the interpreter (about 0.7 ms less
  // for `dtee true`); the relay loops restore the normal policy.
  "--compile-jit-policy=20",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "--root",
  sourceRoot,
  "--outfile",
  join(dist, "dtee"),
  join(sourceRoot, "cli/compiled.ts"),
];

function compile(extra: string[]): void {
  const proc = Bun.spawnSync([process.execPath, ...args, ...extra], { stdout: "inherit", stderr: "inherit", cwd: root });
  if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
}

compile([]);
for (const name of ["cronty", "multitee", "dtee-bench", "dtee-replay"]) {
  const link = join(dist, name);
  rmSync(link, { force: true });
  symlinkSync("dtee", link);
}

// Profile-guided bytecode layout: run the start-ups people run most (dtee,
// cronty, multitee), record which functions they load, and
// build again with those placed first, so a start reads and decodes less of
// the binary. The profile is made afresh each build: it cannot go stale.
if (bytecode) {
  const profiles = mkdtempSync(join(tmpdir(), "dtee-order-"));
  try {
    const runs: [string, string[]][] = [
      ["dtee", ["true"]],
      ["cronty", ["true"]],
      ["multitee", ["0-1"]],
    ];
    const orders: string[] = [];
    for (const [tool, argv] of runs) {
      const out = join(profiles, `${tool}-%p.order`);
      Bun.spawnSync([join(dist, tool), ...argv], { env: { ...process.env, BUN_BYTECODE_ORDER_OUT: out }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      // %p is the process id: one file per run.
      orders.push(...readdirSync(profiles).filter((f) => f.startsWith(`${tool}-`)).map((f) => join(profiles, f)));
    }
    if (orders.length) compile([`--bytecode-order=${[...new Set(orders)].join(",")}`]);
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

// Run cron mode from an empty directory, so nothing on disk could stand in
// for what the binary lacks.
const scratch = mkdtempSync(join(tmpdir(), "dtee-build-"));
try {
  const smoke = Bun.spawnSync([join(dist, "cronty"), "sh", "-c", "echo out; echo err >&2"], {
    cwd: scratch,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const want = "out\nerr\n";
  const got = smoke.stdout.toString() + smoke.stderr.toString().replace(/^.*exited with status 0\n$/m, "");
  if (smoke.exitCode !== 0 || got !== want) {
    console.error(`smoke test of ${join(dist, "cronty")} failed (status ${smoke.exitCode}):`);
    console.error(smoke.stdout.toString() + smoke.stderr.toString());
    process.exit(1);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`built ${join(dist, "dtee")} (+ cronty, multitee, dtee-bench, dtee-replay links)`);
