// Per-platform facts for the libc layer: library name, constants and struct
// layouts. Everything that differs between operating systems lives in these
// tables so that a port adds a row, not new logic.

export interface PlatformTable {
  readonly name: string;
  readonly libc: string;
  /**
   * dlsym's pseudo-handle for "the global lookup scope" (RTLD_DEFAULT): names
   * resolved through it reach LD_PRELOAD libraries first, as a C program's
   * calls do. 0 on glibc and musl; (void *)-2 on Darwin and FreeBSD.
   */
  readonly RTLD_DEFAULT: number;
  /**
   * The names a C program built with 64-bit file offsets actually calls
   * (glibc's fcntl64, open64, ...), so preloads that wrap those names see
   * our calls too. Empty where the plain names are already 64-bit.
   */
  readonly largeFileNames: Readonly<Record<string, string>>;
  /** struct sockaddr_un: size, offset of sun_path, and whether it starts with a sun_len byte (BSD). */
  readonly sockaddrUn: { readonly size: number; readonly pathOffset: number; readonly hasLenByte: boolean };
  readonly AF_UNIX: number;
  readonly SOCK_DGRAM: number;
  /** Flag or'ed into socket()'s type for close-on-exec; 0 where unsupported. */
  readonly SOCK_CLOEXEC: number;
  readonly SOL_SOCKET: number;
  readonly SO_SNDBUF: number;
  readonly SO_RCVBUF: number;
  /** Kernel receive timestamps as struct timespec control messages (0 where unsupported). */
  readonly SO_TIMESTAMPNS: number;
  readonly SCM_TIMESTAMPNS: number;
  /** struct cmsghdr: header size (data offset) and the space one timespec message takes. */
  readonly cmsg: { readonly header: number; readonly timespecSpace: number; readonly level: number; readonly type: number };
  readonly CLOCK_REALTIME: number;
  /** prctl option that makes a process non-dumpable (0 where there is no prctl). */
  readonly PR_SET_DUMPABLE: number;
  readonly MSG_DONTWAIT: number;
  /** shutdown(2)'s "no more receptions". */
  readonly SHUT_RD: number;
  readonly MSG_TRUNC: number;
  readonly POLLIN: number;
  readonly POLLOUT: number;
  readonly POLLERR: number;
  readonly POLLHUP: number;
  readonly POLLNVAL: number;
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_RDWR: number;
  readonly O_CREAT: number;
  readonly O_TRUNC: number;
  readonly O_APPEND: number;
  readonly O_NONBLOCK: number;
  readonly O_CLOEXEC: number;
  readonly O_NOFOLLOW: number;
  /** O_TMPFILE (Linux only; 0 elsewhere: fall back to mkstemp + unlink). */
  readonly O_TMPFILE: number;
  readonly F_GETFD: number;
  readonly F_SETFD: number;
  readonly F_GETFL: number;
  readonly F_SETFL: number;
  readonly FD_CLOEXEC: number;
  readonly POSIX_SPAWN_SETSIGDEF: number;
  readonly POSIX_SPAWN_SETSIGMASK: number;
  /** Opaque sizes with headroom: posix_spawn_file_actions_t, posix_spawnattr_t, sigset_t. */
  readonly spawnFileActionsSize: number;
  readonly spawnAttrSize: number;
  readonly sigsetSize: number;
  readonly msghdr: {
    readonly size: number;
    readonly name: number;
    readonly namelen: number;
    readonly iov: number;
    readonly iovlen: number;
    readonly control: number;
    readonly controllen: number;
    readonly flags: number;
  };
  /** struct mmsghdr: size and offset of msg_len (0 size where recvmmsg does not exist). */
  readonly mmsghdr: { readonly size: number; readonly len: number };
  readonly iovecSize: number;
  readonly pollfdSize: number;
  /** Syscall number of pidfd_open, or 0 where there is none. */
  readonly SYS_pidfd_open: number;
  readonly EFD_CLOEXEC: number;
  readonly EFD_NONBLOCK: number;
  readonly MADV_DONTNEED: number;
  readonly PROT_READ: number;
  readonly PROT_WRITE: number;
  readonly MAP_PRIVATE: number;
  readonly MAP_ANONYMOUS: number;
  readonly MAP_NORESERVE: number;
  readonly SIG_DFL: number;
  readonly SIG_IGN: number;
  /** Highest signal number + 1. */
  readonly NSIG: number;
  readonly PIPE_BUF: number;
  readonly BUFSIZ: number;
  /** Where the kernel says how large a socket buffer may be set (empty: use the default). */
  readonly wmemMaxPath: string;
  readonly rmemMaxPath: string;
  /** Signal numbers by name (the ones dtee and multitee need by name). */
  readonly signals: Readonly<Record<"SIGHUP" | "SIGINT" | "SIGQUIT" | "SIGKILL" | "SIGPIPE" | "SIGTERM" | "SIGXFSZ" | "SIGCHLD", number>>;
  /** errno numbers by name (the ones the code tests for). */
  readonly errno: Readonly<Record<"EINTR" | "EAGAIN" | "EPIPE" | "EBADF" | "ENOENT" | "EMSGSIZE" | "ENOBUFS" | "ECHILD" | "EINVAL" | "ENOSPC" | "ENAMETOOLONG" | "EACCES" | "ENOEXEC", number>>;
  /** kcmp(2) syscall number and KCMP_FILE (0 where there is no kcmp). */
  readonly SYS_kcmp: number;
  readonly KCMP_FILE: number;
  /** waitpid's WNOHANG and lseek's SEEK_SET. */
  readonly WNOHANG: number;
  readonly SEEK_SET: number;
  /** clockid_t of CLOCK_MONOTONIC (one clock for every process: dtee-bench times across processes). */
  readonly CLOCK_MONOTONIC: number;
  /** tee(2) and splice(2) exist (Linux only); the flag that makes their pipe side non-blocking. */
  readonly hasTeeSplice: boolean;
  readonly SPLICE_F_NONBLOCK: number;
  readonly O_NOCTTY: number;
  readonly O_ACCMODE: number;
  /** send() flag that suppresses SIGPIPE (0 where there is none). */
  readonly MSG_NOSIGNAL: number;
  readonly ENOMEM: number;
  /** struct statx (Linux): size and the offsets of the fields we read. */
  readonly statx: { readonly size: number; readonly mode: number; readonly ino: number; readonly devMajor: number; readonly devMinor: number };
  readonly AT_FDCWD: number;
  readonly AT_EMPTY_PATH: number;
  readonly STATX_BASIC_STATS: number;
  /** st_mode's file type bits and the types we test for. */
  readonly fileTypes: { readonly mask: number; readonly regular: number; readonly directory: number; readonly fifo: number; readonly socket: number; readonly block: number; readonly character: number };
  readonly X_OK: number;
  /** Offset of d_name in struct dirent64. */
  readonly direntNameOffset: number;
}

/**
 * Values every platform here shares (POSIX and long-standing convention):
 * rows spread this first and override nothing in it.
 */
export const posixCommon = {
  AF_UNIX: 1,
  SOCK_DGRAM: 2,
  CLOCK_REALTIME: 0,
  SHUT_RD: 0,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  iovecSize: 16,
  pollfdSize: 8,
  PROT_READ: 1,
  PROT_WRITE: 2,
  MAP_PRIVATE: 0x02,
  SIG_DFL: 0,
  SIG_IGN: 1,
  WNOHANG: 1,
  SEEK_SET: 0,
  O_ACCMODE: 3,
  ENOMEM: 12,
  fileTypes: { mask: 0o170000, regular: 0o100000, directory: 0o040000, fifo: 0o010000, socket: 0o140000, block: 0o060000, character: 0o020000 },
  X_OK: 1,
} as const;

const linux: PlatformTable = {
  ...posixCommon,
  name: "linux",
  libc: "libc.so.6",
  RTLD_DEFAULT: 0,
  largeFileNames: { fcntl: "fcntl64", open: "open64", lseek: "lseek64", ftruncate: "ftruncate64", sendfile: "sendfile64", mmap: "mmap64", readdir: "readdir64" },
  sockaddrUn: { size: 110, pathOffset: 2, hasLenByte: false },
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_TIMESTAMPNS: 35,
  SCM_TIMESTAMPNS: 35,
  cmsg: { header: 16, timespecSpace: 32, level: 8, type: 12 },
  PR_SET_DUMPABLE: 4,
  MSG_DONTWAIT: 0x40,
  MSG_TRUNC: 0x20,
  O_CREAT: 0o100,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  O_NOFOLLOW: 0o400000,
  O_TMPFILE: 0o20200000,
  POSIX_SPAWN_SETSIGDEF: 0x04,
  POSIX_SPAWN_SETSIGMASK: 0x08,
  spawnFileActionsSize: 256,
  spawnAttrSize: 1024,
  sigsetSize: 128,
  msghdr: { size: 56, name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48 },
  mmsghdr: { size: 64, len: 56 },
  SYS_pidfd_open: 434,
  // kcmp is 272 on both x86_64 and aarch64.
  SYS_kcmp: 272,
  KCMP_FILE: 0,
  EFD_CLOEXEC: 0o2000000,
  EFD_NONBLOCK: 0o4000,
  MADV_DONTNEED: 4,
  MAP_ANONYMOUS: 0x20,
  MAP_NORESERVE: 0x4000,
  NSIG: 65,
  PIPE_BUF: 4096,
  BUFSIZ: 8192,
  wmemMaxPath: "/proc/sys/net/core/wmem_max",
  rmemMaxPath: "/proc/sys/net/core/rmem_max",
  signals: { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15, SIGXFSZ: 25, SIGCHLD: 17 },
  errno: { EINTR: 4, EAGAIN: 11, EPIPE: 32, EBADF: 9, ENOENT: 2, EMSGSIZE: 90, ENOBUFS: 105, ECHILD: 10, EINVAL: 22, ENOSPC: 28, ENAMETOOLONG: 36, EACCES: 13, ENOEXEC: 8 },
  CLOCK_MONOTONIC: 1,
  hasTeeSplice: true,
  SPLICE_F_NONBLOCK: 2,
  O_NOCTTY: 0o400,
  MSG_NOSIGNAL: 0x4000,
  statx: { size: 256, mode: 28, ino: 32, devMajor: 136, devMinor: 140 },
  AT_FDCWD: -100,
  AT_EMPTY_PATH: 0x1000,
  STATX_BASIC_STATS: 0x7ff,
  direntNameOffset: 19,
};

// Only Linux is verified: the bindings use glibc names (__errno_location,
// the 64-bit file offset names) and pidfd_open. Facts gathered for a port to
// Darwin and FreeBSD are kept, unverified and unused, in platform-unverified.ts.
const tables: Record<string, PlatformTable> = { linux };

function select(): PlatformTable {
  const table = tables[process.platform];
  if (!table) throw new Error(`unsupported platform: ${process.platform}`);
  return table;
}

/** The table for the platform this process runs on. */
export const P: PlatformTable = select();
