// npm postinstall (Node.js, no dependencies): point each bin's first line at
// a Bun binary, so the kernel starts Bun directly on the bin with no launcher
// in between: the environment, arguments, descriptors, signals and exit status
// are exactly the caller's and Bun's. The binary comes from the `bun`
// dependency and is hard-linked to PKG/runtime/bun (see linkBun).
//
// The bins ship with `#!/bin/sh` and a shell part that finds Bun at each run
// (bin/run-with-bun.sh); that stays in place wherever this script does not run
// (--ignore-scripts, npm configured to block install scripts, Bun's package
// manager, which runs no dependency's scripts unless trusted) or finds nothing
// it can use. Never fails the install: the shell part still works. Set
// DTEE_POSTINSTALL_DEBUG=1 (with npm --foreground-scripts) to see what it did.
import { chmodSync, closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { release } from "node:os";
import { fileURLToPath } from "node:url";

const SHELL_LINE = "#!/bin/sh\n";
// The longest `#!` line the kernel reads whole: 255 bytes since Linux 5.1,
// 127 before.
const MAX_SHEBANG = (() => {
  const [major = 0, minor = 0] = release().split(".").map((n) => Number.parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 1) ? 255 : 127;
})();

function log(message) {
  if (process.env.DTEE_POSTINSTALL_DEBUG) process.stderr.write(`dtee postinstall: ${message}\n`);
}

function isElf(path) {
  let fd;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Every place the `bun` dependency's binary may be, nearest first (as Node resolves packages from pkgDir). */
function candidates(pkgDir) {
  const found = [];
  let bunDir;
  try {
    bunDir = dirname(createRequire(join(pkgDir, "package.json")).resolve("bun/package.json"));
  } catch (e) {
    log(`no bun dependency: ${e.message}`);
    return found;
  }
  // After Bun's own postinstall: the binary, moved here from the platform package.
  found.push(join(bunDir, "bin", "bun.exe"));
  // Before it (npm may run this script first, or not run Bun's at all): the
  // platform package npm picked for this machine, next to bun or inside it.
  for (const nm of [join(bunDir, "node_modules"), dirname(bunDir)]) {
    let names = [];
    try {
      names = readdirSync(join(nm, "@oven")).sort();
    } catch {}
    for (const name of names) if (name.startsWith("bun-")) found.push(join(nm, "@oven", name, "bin", "bun"));
  }
  return found;
}

/** The first candidate that is a binary and runs here. */
function findBun(pkgDir) {
  for (const exe of candidates(pkgDir)) {
    // Before Bun's postinstall, bun.exe is a placeholder script.
    if (!isElf(exe)) continue;
    const probe = spawnSync(exe, ["--version"], { stdio: ["ignore", "pipe", "ignore"], timeout: 30_000 });
    if (probe.status === 0) return exe;
    log(`${exe} --version failed`);
  }
  return undefined;
}

/**
 * A name for the binary inside this package: a hard link, so it stays valid
 * when Bun's postinstall later renames the platform package's binary, or npm
 * moves the bun package elsewhere in the tree. The name must stay `bun`: Bun
 * acts as bunx or node when started under those names.
 */
function linkBun(pkgDir, exe) {
  const dir = join(pkgDir, "runtime");
  const link = join(dir, "bun");
  try {
    mkdirSync(dir, { recursive: true });
    rmSync(link, { force: true });
    linkSync(exe, link);
    return link;
  } catch (e) {
    log(`cannot link ${exe} to ${link}: ${e.message}`);
  }
  // bun.exe is where Bun's postinstall leaves the binary for good; the
  // platform package's copy is about to be moved.
  return exe.endsWith(`${sep}bun.exe`) ? exe : undefined;
}

function main() {
  const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
  // Only in an installed copy: never rewrite the bins of a source checkout
  // (npm install in the repository runs this script too).
  if (!pkgDir.split(sep).includes("node_modules")) {
    log(`${pkgDir} is not inside node_modules; leaving the bins alone`);
    return;
  }
  const found = findBun(pkgDir);
  if (!found) return;
  const bun = linkBun(pkgDir, found);
  if (!bun) return;
  const shebang = `#!${bun}\n`;
  if (/\s/.test(bun) || Buffer.byteLength(shebang) > MAX_SHEBANG) {
    log(`cannot name ${bun} in a #! line`);
    return;
  }
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  for (const rel of new Set(Object.values(pkg.bin ?? {}))) {
    const path = join(pkgDir, rel);
    try {
      const text = readFileSync(path, "utf8");
      if (!text.startsWith(SHELL_LINE)) continue;
      // A new file renamed over the old one: a package manager that hard-links
      // files from a shared store keeps its copy unchanged.
      const mode = statSync(path).mode & 0o7777;
      const tmp = `${path}.postinstall-${process.pid}`;
      writeFileSync(tmp, shebang + text.slice(SHELL_LINE.length), { mode });
      chmodSync(tmp, mode);
      renameSync(tmp, path);
      log(`${rel}: ${shebang.trim()}`);
    } catch (e) {
      log(`${rel}: ${e.message}`);
    }
  }
}

try {
  main();
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
}
