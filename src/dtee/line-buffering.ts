// --line-buffered: the command's environment, raw NAME=VALUE entries in and
// out, with what makes its runtime write each line as it prints it.
//
// dtee keeps the order of the command's writes, but most runtimes do not write
// when the program prints: C stdio and Python hold stdout in 4-8 KiB blocks
// when it is not a terminal, while stderr goes out at once, so an error line
// overtakes the output printed before it. Without a pty (which would merge
// the two streams) the switches are per runtime:
//
// - C stdio: coreutils' libstdbuf.so in LD_PRELOAD with _STDBUF_O=L, as
//   `stdbuf -oL` does. Only stdout is changed: C's stderr is unbuffered, which
//   already keeps the printed order (line-buffering it would hold a partial
//   error line back behind later output).
// - Python: PYTHONUNBUFFERED=1.
//
// Without the option the environment is the caller's, byte for byte.
import { statPath, isRegularFile, realPath } from "../sys/files";
import { rawEnviron } from "../startup/raw-process";
import { printError } from "./messages";
import type { DteeConfig } from "./config";

const LIBRARY = "libstdbuf.so";
/** Where to look first, instead of searching: a path to libstdbuf.so. */
export const OVERRIDE_VARIABLE = "DTEE_LIBSTDBUF";
/** glibc's (and FreeBSD's) preload list; Darwin would need DYLD_INSERT_LIBRARIES. */
const PRELOAD_VARIABLE = "LD_PRELOAD";

/**
 * coreutils' PKGLIBEXECDIR on common systems (Debian 12, Fedora: libexec;
 * Arch, Alpine, older Debian: lib; some RPM systems: lib64; source builds:
 * /usr/local). stdbuf has its own compiled in; we cannot ask it.
 */
const PKGLIBEXECDIRS = [
  "/usr/libexec/coreutils",
  "/usr/lib/coreutils",
  "/usr/lib64/coreutils",
  "/usr/local/libexec/coreutils",
  "/usr/local/lib/coreutils",
];

/** glibc's execvp search path when PATH is unset. */
const DEFAULT_PATH = Buffer.from("/bin:/usr/bin");

const SLASH = Buffer.from("/");

function nameOf(entry: Uint8Array): Buffer {
  const b = Buffer.from(entry.buffer, entry.byteOffset, entry.length);
  const eq = b.indexOf(0x3d);
  return eq < 0 ? b : b.subarray(0, eq);
}

function valueOf(entry: Uint8Array): Buffer {
  const b = Buffer.from(entry.buffer, entry.byteOffset, entry.length);
  const eq = b.indexOf(0x3d);
  return eq < 0 ? Buffer.alloc(0) : b.subarray(eq + 1);
}

function isNamed(entry: Uint8Array, name: string): boolean {
  return nameOf(entry).equals(Buffer.from(name));
}

/** The first entry's value (what getenv sees), or undefined. */
function lookup(environ: readonly Uint8Array[], name: string): Buffer | undefined {
  for (const entry of environ) if (isNamed(entry, name)) return valueOf(entry);
  return undefined;
}

function isFile(path: Buffer): boolean {
  return isRegularFile(statPath(path));
}

function join(dir: Buffer, name: string): Buffer {
  return Buffer.concat([dir, SLASH, Buffer.from(name)]);
}

function parent(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  return slash <= 0 ? SLASH : path.subarray(0, slash);
}

/** The stdbuf program along PATH, with its links resolved. */
function findStdbuf(environ: readonly Uint8Array[]): Buffer | undefined {
  const path = lookup(environ, "PATH") ?? DEFAULT_PATH;
  let start = 0;
  for (;;) {
    const end = path.indexOf(0x3a, start);
    const dir = path.subarray(start, end < 0 ? path.length : end);
    const candidate = dir.length ? join(dir, "stdbuf") : Buffer.from("stdbuf");
    // A link we cannot resolve: go on along PATH.
    const resolved = isFile(candidate) ? realPath(candidate) : undefined;
    if (resolved) return resolved;
    if (end < 0) return undefined;
    start = end + 1;
  }
}

export type LibraryLookup = { path: Buffer } | { missing: string };

/**
 * coreutils' libstdbuf.so. $DTEE_LIBSTDBUF if set; else as stdbuf finds its
 * own: the directory stdbuf itself is in, then its PKGLIBEXECDIR (guessed
 * from where stdbuf is, then the usual places).
 */
export function findLibstdbuf(environ: readonly Uint8Array[]): LibraryLookup {
  const override = lookup(environ, OVERRIDE_VARIABLE);
  if (override && override.length) {
    const found = isFile(override) ? usable(override) : undefined;
    return found ? { path: found } : { missing: `${OVERRIDE_VARIABLE}=${override.toString("latin1")}: not a usable file` };
  }
  const dirs: Buffer[] = [];
  const stdbuf = findStdbuf(environ);
  if (stdbuf) {
    const bin = parent(stdbuf);
    const prefix = parent(bin);
    dirs.push(bin, ...["libexec/coreutils", "lib/coreutils", "lib64/coreutils"].map((d) => join(prefix, d)));
  }
  dirs.push(...PKGLIBEXECDIRS.map((d) => Buffer.from(d)));
  for (const dir of dirs) {
    const candidate = join(dir, LIBRARY);
    const found = isFile(candidate) ? usable(candidate) : undefined;
    if (found) return { path: found };
  }
  return { missing: `coreutils' ${LIBRARY} not found` };
}

/** The absolute path, if ld.so can take it in a preload list (no ':' or ' '). */
function usable(path: Buffer): Buffer | undefined {
  const real = realPath(path);
  if (!real) return undefined;
  return real.includes(0x3a) || real.includes(0x20) ? undefined : real;
}

/** Splits a preload list the way ld.so does: on colons and spaces. */
function preloadItems(list: Buffer): Buffer[] {
  const items: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    if (i === list.length || list[i] === 0x3a || list[i] === 0x20) {
      if (i > start) items.push(list.subarray(start, i));
      start = i + 1;
    }
  }
  return items;
}

function entry(name: string, value: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${name}=`), typeof value === "string" ? Buffer.from(value) : value]);
}

/**
 * The environment with line buffering asked for: libstdbuf.so appended to
 * every LD_PRELOAD entry (or one added; not twice), _STDBUF_O=L (replacing a
 * value the caller set: the option says line-buffered), PYTHONUNBUFFERED=1
 * unless the caller has already set it non-empty. Without a library only the
 * Python switch is added. Everything else is kept, in order, byte for byte.
 */
export function lineBufferedEnviron(environ: readonly Uint8Array[], libstdbuf: Buffer | undefined): Buffer[] {
  const out: Buffer[] = [];
  let preloaded = false;
  let stdbufSet = false;
  let pythonSet = false;
  for (const e of environ) {
    const b = Buffer.from(e.buffer, e.byteOffset, e.length);
    if (libstdbuf && isNamed(b, PRELOAD_VARIABLE)) {
      preloaded = true;
      const list = valueOf(b);
      if (preloadItems(list).some((item) => item.equals(libstdbuf))) out.push(b);
      else out.push(entry(PRELOAD_VARIABLE, preloadItems(list).length ? Buffer.concat([list, Buffer.from(":"), libstdbuf]) : libstdbuf));
    } else if (libstdbuf && isNamed(b, "_STDBUF_O")) {
      if (!stdbufSet) out.push(entry("_STDBUF_O", "L"));
      stdbufSet = true;
    } else if (isNamed(b, "PYTHONUNBUFFERED") && valueOf(b).length === 0) {
      // Empty means off to Python: dropped, and set below.
    } else {
      if (isNamed(b, "PYTHONUNBUFFERED")) pythonSet = true;
      out.push(b);
    }
  }
  if (libstdbuf && !preloaded) out.push(entry(PRELOAD_VARIABLE, libstdbuf));
  if (libstdbuf && !stdbufSet) out.push(entry("_STDBUF_O", "L"));
  if (!pythonSet) out.push(entry("PYTHONUNBUFFERED", "1"));
  return out;
}

/**
 * The environment the command runs with: the caller's unchanged, or with
 * --line-buffered the line-buffered one; a missing libstdbuf.so is one
 * warning line on stderr, and the command runs anyway.
 */
export function commandEnviron(cfg: Pick<DteeConfig, "argv0" | "lineBuffered">, environ: Buffer[] = rawEnviron()): Buffer[] {
  if (!cfg.lineBuffered) return environ;
  const lib = findLibstdbuf(environ);
  if ("missing" in lib) printError(cfg.argv0, `--line-buffered: ${lib.missing}; C programs keep their stdout buffering`);
  return lineBufferedEnviron(environ, "path" in lib ? lib.path : undefined);
}
