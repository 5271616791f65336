// How dtee-bench starts itself (the producer) and this package's dtee (for the
// whole-command comparison), both as a script and as a compiled binary. A
// compiled binary picks its tool from the name it is invoked by and
// process.execPath is the binary itself, so there we run it through a symlink
// of the right name in the bench's private directory.
import { existsSync, symlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isCompiled } from "../startup/runtime";

function binDir(): string {
  // Run as the package bin, Bun.main is bin/dtee-bench.ts; imported from a
  // test, the bin directory is found from this file's place in the tree.
  if (/^dtee-bench(\.[cm]?[jt]s)?$/.test(basename(Bun.main))) return dirname(Bun.main);
  return fileURLToPath(new URL("../../bin/", import.meta.url));
}

function viaSymlink(dir: string, name: string): string {
  const link = join(dir, name);
  if (!existsSync(link)) symlinkSync(process.execPath, link);
  return link;
}

function script(name: string): string {
  const dir = binDir();
  for (const ext of [".ts", ".js"]) {
    const path = join(dir, name + ext);
    if (existsSync(path)) return path;
  }
  throw new Error(`cannot find ${name} next to ${dir}`);
}

/** argv that runs `dtee-bench` (append the arguments); `dir` holds the symlink if one is needed. */
export function benchCommand(dir: string): string[] {
  return isCompiled() ? [viaSymlink(dir, "dtee-bench")] : [process.execPath, script("dtee-bench")];
}

/** argv that runs this package's `dtee`. */
export function dteeCommand(dir: string): string[] {
  return isCompiled() ? [viaSymlink(dir, "dtee")] : [process.execPath, script("dtee")];
}
