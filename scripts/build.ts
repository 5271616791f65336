// bun run build: the standalone binary dist/dtee (every tool in one file)
// and links named after the other tools, which pick their mode by name.
// The binary must not depend on anything outside itself at run time: the
// cron-mode Worker's module is embedded as a second entry point and found
// by its embedded name (src/dtee/session-worker.ts), and a smoke run of
// cron mode from another directory checks that the binary carries it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const dist = join(root, "dist");
const bytecode = !process.argv.includes("--no-bytecode");
mkdirSync(dist, { recursive: true });

// Embedded modules are named by their path relative to --root, with a .js
// extension: src/dtee/worker.ts becomes <embedded root>/dtee/worker.js.
const sourceRoot = join(root, "src");
const worker = join(sourceRoot, "dtee/worker.ts");
const embeddedWorker = relative(sourceRoot, worker).replace(/\.ts$/, ".js");

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
  "--define",
  `DTEE_COMPILED_WORKER=${JSON.stringify(embeddedWorker)}`,
  "--outfile",
  join(dist, "dtee"),
  join(sourceRoot, "cli/compiled.ts"),
  // The Worker's module is its own entry point so the binary contains it.
  worker,
];
const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit", cwd: root });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);

for (const name of ["cronty", "multitee", "dtee-bench", "dtee-replay"]) {
  const link = join(dist, name);
  rmSync(link, { force: true });
  symlinkSync("dtee", link);
}

// Cron mode runs the embedded Worker; run it from an empty directory so a
// relative lookup could not find anything on disk either.
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
