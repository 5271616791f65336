// Our own standard streams, made fit for use before anything else happens:
// a missing fd 1 or 2 is replaced by /dev/null, a non-blocking one made
// blocking (dtee writes with plain blocking writes, as the C original does).
import { libc, cstring, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { readLink } from "../sys/files";

// If fd 1 or 2 was closed when Bun started, Bun's own event loop descriptors
// may have taken the number; those are not ours to write to.
const BUN_OWN = /^anon_inode:\[(eventpoll|eventfd)\]$/;

/** Thrown when fd 1 or 2 cannot be checked at all (not merely closed): nothing can be relayed. */
export class StdioUnusable extends Error {}

function isUsable(fd: number): boolean {
  if (libc.fcntl(fd, P.F_GETFD, 0) < 0) {
    if (errno() !== P.errno.EBADF) throw new StdioUnusable(`fd ${fd}: fcntl(F_GETFD): ${strerror(errno())}`);
    return false;
  }
  const target = readLink(`/proc/self/fd/${fd}`);
  return target === undefined || !BUN_OWN.test(target);
}

let devNull = -1;
function openDevNull(): number {
  if (devNull < 0) devNull = libc.open(cstring("/dev/null"), P.O_RDWR | P.O_CLOEXEC, 0);
  return devNull;
}

/** Makes fd blocking; returns dtee's message ("fcntl(F_GETFL): strerror") when that fails. */
function makeBlocking(fd: number): string | undefined {
  const flags = libc.fcntl(fd, P.F_GETFL, 0);
  if (flags < 0) return `fcntl(F_GETFL): ${strerror(errno())}`;
  if (flags & P.O_NONBLOCK && libc.fcntl(fd, P.F_SETFL, flags & ~P.O_NONBLOCK) < 0) return `fcntl(F_SETFL): ${strerror(errno())}`;
  return undefined;
}

/**
 * True when two descriptors share one open file description (as after
 * `2>&1`): then writes to either land in one stream, in the order made, and
 * both streams can go out in a single write.
 */
function sameOpenFile(a: number, b: number): boolean {
  if (!P.SYS_kcmp) return false;
  const pid = libc.getpid();
  return Number(libc.syscall(P.SYS_kcmp, pid, pid, P.KCMP_FILE, a, b)) === 0;
}

/**
 * Returns the descriptors to use as our stdout and stderr, whether they are
 * one, and dtee's messages for those that could not be made blocking (an
 * output that cannot be set up, as dtee treats it). Throws StdioUnusable
 * when fd 1 or 2 cannot even be checked.
 */
export function prepareStdio(): { stdout: number; stderr: number; shared: boolean; failures: string[] } {
  const failures: string[] = [];
  const pick = (fd: number, name: string) => {
    if (!isUsable(fd)) return openDevNull();
    const failure = makeBlocking(fd);
    if (failure) failures.push(`${name}: ${failure}`);
    return fd;
  };
  const stdout = pick(1, "stdout");
  const stderr = pick(2, "stderr");
  return { stdout, stderr, shared: stdout !== stderr && sameOpenFile(stdout, stderr), failures };
}
