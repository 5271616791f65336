// UNVERIFIED, NOT USED: platform rows for Darwin and FreeBSD, gathered from
// their headers for a future port. Nothing imports this file, and nothing
// here has run: libc.ts binds glibc-only names (__errno_location, fcntl64)
// and the relay needs pidfd_open, so a port also needs errno access through
// __error(), and a kqueue-based child watcher (EVFILT_PROC).
import { posixCommon, type PlatformTable } from "./platform";

// Struct layouts follow the BSD sockaddr_un (sun_len byte) and 64-bit msghdr.
const bsdCommon = {
  ...posixCommon,
  RTLD_DEFAULT: -2,
  largeFileNames: {},
  sockaddrUn: { size: 106, pathOffset: 2, hasLenByte: true },
  SOL_SOCKET: 0xffff,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  PR_SET_DUMPABLE: 0,
  O_CREAT: 0x200,
  O_TRUNC: 0x400,
  O_APPEND: 0x8,
  O_NONBLOCK: 0x4,
  O_TMPFILE: 0,
  msghdr: { size: 48, name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 44 },
  SYS_pidfd_open: 0,
  SYS_kcmp: 0,
  KCMP_FILE: 0,
  EFD_CLOEXEC: 0,
  EFD_NONBLOCK: 0,
  MAP_ANONYMOUS: 0x1000,
  signals: { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15, SIGXFSZ: 25, SIGCHLD: 20 },
  // No statx: a port would bind fstat/stat and read struct stat instead.
  statx: { size: 0, mode: 0, ino: 0, devMajor: 0, devMinor: 0 },
  AT_EMPTY_PATH: 0,
  STATX_BASIC_STATS: 0,
  // No SO_TIMESTAMPNS: Darwin has only microsecond SO_TIMESTAMP; on FreeBSD,
  // SO_TIMESTAMP with SO_TS_CLOCK = SO_TS_REALTIME gives SCM_REALTIME.
  SO_TIMESTAMPNS: 0,
  SCM_TIMESTAMPNS: 0,
  cmsg: { header: 12, timespecSpace: 32, level: 4, type: 8 },
  MSG_DONTWAIT: 0x80,
  MSG_TRUNC: 0x10,
  O_NOFOLLOW: 0x100,
  spawnFileActionsSize: 8,
  spawnAttrSize: 8,
  MADV_DONTNEED: 4,
  PIPE_BUF: 512,
  BUFSIZ: 1024,
  wmemMaxPath: "",
  rmemMaxPath: "",
  errno: { EINTR: 4, EAGAIN: 35, EPIPE: 32, EBADF: 9, ENOENT: 2, EMSGSIZE: 40, ENOBUFS: 55, ECHILD: 10, EINVAL: 22, ENOSPC: 28, ENAMETOOLONG: 63, EACCES: 13, ENOEXEC: 8 },
  hasTeeSplice: false,
  SPLICE_F_NONBLOCK: 0,
} as const;

export const darwin: PlatformTable = {
  ...bsdCommon,
  name: "darwin",
  AT_FDCWD: -2,
  // struct dirent (64-bit inodes): d_ino, d_seekoff, d_reclen, d_namlen, d_type.
  direntNameOffset: 21,
  libc: "libSystem.B.dylib",
  SOCK_CLOEXEC: 0,
  O_CLOEXEC: 0x1000000,
  POSIX_SPAWN_SETSIGDEF: 0x04,
  POSIX_SPAWN_SETSIGMASK: 0x08,
  sigsetSize: 4,
  mmsghdr: { size: 0, len: 0 },
  MAP_NORESERVE: 0x40,
  NSIG: 32,
  CLOCK_MONOTONIC: 6,
  O_NOCTTY: 0x20000,
  MSG_NOSIGNAL: 0,
};

export const freebsd: PlatformTable = {
  ...bsdCommon,
  name: "freebsd",
  AT_FDCWD: -100,
  // struct dirent: d_fileno, d_off, d_reclen, d_type, d_pad0, d_namlen, d_pad1.
  direntNameOffset: 24,
  libc: "libc.so.7",
  SOCK_CLOEXEC: 0x10000000,
  O_CLOEXEC: 0x100000,
  POSIX_SPAWN_SETSIGDEF: 0x10,
  POSIX_SPAWN_SETSIGMASK: 0x20,
  sigsetSize: 16,
  mmsghdr: { size: 56, len: 48 },
  MAP_NORESERVE: 0,
  NSIG: 128,
  CLOCK_MONOTONIC: 4,
  O_NOCTTY: 0x8000,
  MSG_NOSIGNAL: 0x20000,
};

