// Facts about files and directories through libc: the type and identity of
// a descriptor or path, a symbolic link's target, a directory's names, a
// canonical path. The tools' start-up path uses these instead of node:fs,
// whose loading costs more than the rest of `dtee true` together (measured:
// 4-6 ms to load node:fs in a compiled binary, and its code pages in RSS).
// Without the FFI (no JIT), node:fs is loaded on first use instead.
import { libc, cstring, hasBinding, ffiUnavailable, read, CString } from "./libc";
import { P } from "./platform";

export interface FileFacts {
  /** st_mode's file type bits (compare with P.fileTypes). */
  readonly type: number;
  /** Device and inode, as one string: equal strings mean the same file. */
  readonly identity: string;
}

type NodeFs = typeof import("node:fs");
let nodeFs: NodeFs | undefined;
/** node:fs, loaded only where libc cannot serve (no FFI, or no statx). */
function fs(): NodeFs {
  nodeFs ??= require("node:fs") as NodeFs;
  return nodeFs;
}

const statxBuffer = new Uint8Array(P.statx.size);
const statxView = new DataView(statxBuffer.buffer);

function statxFacts(dirfd: number, path: Uint8Array, flags: number): FileFacts | undefined {
  if (libc.statx(dirfd, path, flags, P.STATX_BASIC_STATS, statxBuffer) !== 0) return undefined;
  const major = statxView.getUint32(P.statx.devMajor, true);
  const minor = statxView.getUint32(P.statx.devMinor, true);
  const ino = statxView.getBigUint64(P.statx.ino, true);
  return { type: statxView.getUint16(P.statx.mode, true) & P.fileTypes.mask, identity: `${major}:${minor}:${ino}` };
}

function nodeFacts(stat: () => import("node:fs").BigIntStats): FileFacts | undefined {
  try {
    const st = stat();
    return { type: Number(st.mode) & P.fileTypes.mask, identity: `${st.dev}:${st.ino}` };
  } catch {
    return undefined;
  }
}

const EMPTY_PATH = new Uint8Array(1);

/** The file an open descriptor refers to, or undefined when it cannot be examined. */
export function statFd(fd: number): FileFacts | undefined {
  if (fd < 0) return undefined;
  if (ffiUnavailable || !hasBinding("statx")) return nodeFacts(() => fs().fstatSync(fd, { bigint: true }));
  return statxFacts(fd, EMPTY_PATH, P.AT_EMPTY_PATH);
}

/** The file a path names (symbolic links followed), or undefined. */
export function statPath(path: string | Uint8Array): FileFacts | undefined {
  if (ffiUnavailable || !hasBinding("statx")) return nodeFacts(() => fs().statSync(toBuffer(path), { bigint: true }));
  return statxFacts(P.AT_FDCWD, cstringOf(path), 0);
}

export function isRegularFile(facts: FileFacts | undefined): boolean {
  return facts?.type === P.fileTypes.regular;
}

/** access(path, X_OK) === 0: the caller may execute (or search) it. */
export function mayExecute(path: string | Uint8Array): boolean {
  if (ffiUnavailable) {
    try {
      fs().accessSync(toBuffer(path), fs().constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return libc.access(cstringOf(path), P.X_OK) === 0;
}

const linkBuffer = Buffer.allocUnsafe(4096);

/** A symbolic link's target as bytes (latin1 string), or undefined (errno() says why). */
export function readLink(path: string): string | undefined {
  if (ffiUnavailable) {
    try {
      return fs().readlinkSync(path, { encoding: "latin1" });
    } catch {
      return undefined;
    }
  }
  const n = Number(libc.readlink(cstring(path), linkBuffer, linkBuffer.length));
  return n < 0 ? undefined : linkBuffer.toString("latin1", 0, n);
}

/** The names in a directory (without . and ..), or undefined when it cannot be listed. */
export function listDirectory(path: string): string[] | undefined {
  if (ffiUnavailable) {
    try {
      return fs().readdirSync(path);
    } catch {
      return undefined;
    }
  }
  const dir = libc.opendir(cstring(path));
  if (!dir) return undefined;
  const names: string[] = [];
  try {
    for (let entry = libc.readdir(dir); entry; entry = libc.readdir(dir)) {
      const name = new CString(entry, P.direntNameOffset).toString();
      if (name !== "." && name !== "..") names.push(name);
    }
  } finally {
    libc.closedir(dir);
  }
  return names;
}

/** The canonical absolute path (links resolved) as bytes, or undefined (errno() says why). */
export function realPath(path: string | Uint8Array): Buffer | undefined {
  if (ffiUnavailable) {
    try {
      return fs().realpathSync(toBuffer(path), { encoding: "buffer" });
    } catch {
      return undefined;
    }
  }
  const resolved = libc.realpath(cstringOf(path), null);
  if (!resolved) return undefined;
  try {
    let length = 0;
    while (read.u8(resolved, length) !== 0) length++;
    const bytes = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) bytes[i] = read.u8(resolved, i);
    return bytes;
  } finally {
    libc.free(resolved);
  }
}

function toBuffer(path: string | Uint8Array): Buffer {
  return typeof path === "string" ? Buffer.from(path, "utf8") : Buffer.from(path);
}

function cstringOf(path: string | Uint8Array): Uint8Array {
  if (typeof path === "string") return cstring(path);
  const out = new Uint8Array(path.length + 1);
  out.set(path);
  return out;
}
