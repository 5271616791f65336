// What a descriptor named on the command line is: open or not, which way,
// and what kind of file, which decides how it can be served without
// blocking. Also the one safe way to get a non-blocking handle on a shared
// pipe or terminal.
import { libc, cstring } from "../sys/libc";
import { P } from "../sys/platform";
import { statFd } from "../sys/files";

export type FdKind = "pipe" | "tty" | "socket" | "file" | "device" | "other";

export interface FdInfo {
  readonly fd: number;
  readonly open: boolean;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly kind: FdKind;
}

/**
 * Looks at `fd`. Bun opens descriptors of its own at start-up, so one above 2
 * counts as open only if it was inherited (the snapshot taken at start-up).
 */
export function probe(fd: number, inherited: ReadonlySet<number>): FdInfo {
  const closed: FdInfo = { fd, open: false, readable: false, writable: false, kind: "other" };
  if (fd > 2 && !inherited.has(fd)) return closed;
  const flags = libc.fcntl(fd, P.F_GETFL, 0);
  if (flags < 0) return closed;
  const mode = flags & P.O_ACCMODE;
  return {
    fd,
    open: true,
    readable: mode === P.O_RDONLY || mode === P.O_RDWR,
    writable: mode === P.O_WRONLY || mode === P.O_RDWR,
    kind: kindOf(fd),
  };
}

function kindOf(fd: number): FdKind {
  const t = P.fileTypes;
  switch (statFd(fd)?.type) {
    case t.fifo:
      return "pipe";
    case t.socket:
      return "socket";
    case t.regular:
    case t.block:
      return "file";
    case t.character:
      return libc.isatty(fd) === 1 ? "tty" : "device";
    default:
      return "other";
  }
}

function sameObject(a: number, b: number): boolean {
  const x = statFd(a);
  return x !== undefined && x.identity === statFd(b)?.identity;
}

/**
 * A new, private open file description for the pipe or terminal behind `fd`,
 * in non-blocking mode, or -1 if there is none to be had. Setting O_NONBLOCK
 * on `fd` itself would change it for every process sharing the open file;
 * Linux's /proc/self/fd/N opens the object afresh instead, so the flag is
 * ours alone. (Elsewhere /dev/fd/N duplicates the descriptor, which would
 * share the flag, so this is Linux only.) Only pipes and terminals: reopening
 * a regular file would lose the shared offset, and opening some devices has
 * side effects.
 */
export function reopenNonblocking(fd: number, kind: FdKind, forWriting: boolean): number {
  if (P.name !== "linux" || (kind !== "pipe" && kind !== "tty")) return -1;
  const path = cstring(`/proc/self/fd/${fd}`);
  const access = forWriting ? P.O_WRONLY : P.O_RDONLY;
  const copy = libc.open(path, access | P.O_NONBLOCK | P.O_CLOEXEC | P.O_NOCTTY, 0);
  if (copy < 0) return -1;
  if (!sameObject(fd, copy)) {
    libc.close(copy);
    return -1;
  }
  return copy;
}
