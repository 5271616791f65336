// bun:ffi bindings to the C library. Bindings only: no policy, no retries, no
// error handling beyond returning what libc returns. Callers read errno with
// errno() straight after the call that failed.
//
// Every name is resolved through the global lookup scope (dlsym with
// RTLD_DEFAULT), the way a C program's calls are linked, not through the
// handle dlopen() returns for libc: that handle skips LD_PRELOAD libraries,
// and fault-injection preloads (dtee's own tests use them) must reach us.
import { dlopen, linkSymbols, FFIType, read, CString, ptr, type Pointer, type FFIFunction } from "bun:ffi";
import { P } from "./platform";

const { i32, u32, i64, u64, i64_fast, ptr: pointer, i16, cstring: cstringArg } = FFIType;

// Each binding with its C declaration (the name actually linked where it
// differs: see linkedName).
const signatures = {
  // int socket(int domain, int type, int protocol)
  socket: { args: [i32, i32, i32], returns: i32 },
  // int bind(int fd, const struct sockaddr *addr, socklen_t len)
  bind: { args: [i32, pointer, u32], returns: i32 },
  // int connect(int fd, const struct sockaddr *addr, socklen_t len)
  connect: { args: [i32, pointer, u32], returns: i32 },
  // int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
  setsockopt: { args: [i32, i32, i32, pointer, u32], returns: i32 },
  // int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
  getsockopt: { args: [i32, i32, i32, pointer, pointer], returns: i32 },
  // int shutdown(int fd, int how)
  shutdown: { args: [i32, i32], returns: i32 },
  // ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
  recvmsg: { args: [i32, pointer, i32], returns: i64_fast },
  // int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
  recvmmsg: { args: [i32, pointer, u32, i32, pointer], returns: i32 },
  // ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
  sendmsg: { args: [i32, pointer, i32], returns: i64_fast },
  // ssize_t send(int fd, const void *buf, size_t len, int flags)
  send: { args: [i32, pointer, u64, i32], returns: i64_fast },
  // ssize_t read(int fd, void *buf, size_t count)
  read: { args: [i32, pointer, u64], returns: i64_fast },
  // ssize_t write(int fd, const void *buf, size_t count)
  write: { args: [i32, pointer, u64], returns: i64_fast },
  // ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
  writev: { args: [i32, pointer, i32], returns: i64_fast },
  // int poll(struct pollfd *fds, nfds_t nfds, int timeout)
  poll: { args: [pointer, u64, i32], returns: i32 },
  // int fcntl64(int fd, int cmd, ...): one int argument, the only kind we pass
  fcntl: { args: [i32, i32, i64], returns: i32 },
  // int open64(const char *path, int flags, mode_t mode)
  open: { args: [pointer, i32, u32], returns: i32 },
  // int close(int fd)
  close: { args: [i32], returns: i32 },
  // int unlink(const char *path)
  unlink: { args: [pointer], returns: i32 },
  // char *mkdtemp(char *template)
  mkdtemp: { args: [pointer], returns: pointer },
  // int rmdir(const char *path)
  rmdir: { args: [pointer], returns: i32 },
  // off64_t lseek64(int fd, off64_t offset, int whence)
  lseek: { args: [i32, i64, i32], returns: i64_fast },
  // int ftruncate64(int fd, off64_t length)
  ftruncate: { args: [i32, i64], returns: i32 },
  // ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count)
  sendfile: { args: [i32, i32, pointer, u64], returns: i64_fast },
  // ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned int flags)
  splice: { args: [i32, pointer, i32, pointer, u64, u32], returns: i64_fast },
  // ssize_t tee(int fd_in, int fd_out, size_t len, unsigned int flags)
  tee: { args: [i32, i32, u64, u32], returns: i64_fast },
  // int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
  posix_spawnp: { args: [pointer, pointer, pointer, pointer, pointer, pointer], returns: i32 },
  // int posix_spawn_file_actions_init(posix_spawn_file_actions_t *actions)
  posix_spawn_file_actions_init: { args: [pointer], returns: i32 },
  // int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions)
  posix_spawn_file_actions_destroy: { args: [pointer], returns: i32 },
  // int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *actions, int fd, int newfd)
  posix_spawn_file_actions_adddup2: { args: [pointer, i32, i32], returns: i32 },
  // int posix_spawnattr_init(posix_spawnattr_t *attr)
  posix_spawnattr_init: { args: [pointer], returns: i32 },
  // int posix_spawnattr_destroy(posix_spawnattr_t *attr)
  posix_spawnattr_destroy: { args: [pointer], returns: i32 },
  // int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)
  posix_spawnattr_setflags: { args: [pointer, i16], returns: i32 },
  // int posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const sigset_t *set)
  posix_spawnattr_setsigdefault: { args: [pointer, pointer], returns: i32 },
  // int posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const sigset_t *set)
  posix_spawnattr_setsigmask: { args: [pointer, pointer], returns: i32 },
  // pid_t waitpid(pid_t pid, int *status, int options)
  waitpid: { args: [i32, pointer, i32], returns: i32 },
  // int kill(pid_t pid, int sig)
  kill: { args: [i32, i32], returns: i32 },
  // pid_t getpid(void)
  getpid: { args: [], returns: i32 },
  // long syscall(long number, ...): six arguments, the most any syscall we make takes; unused ones are 0
  syscall: { args: [i64, i64, i64, i64, i64, i64], returns: i64_fast },
  // int eventfd(unsigned int initval, int flags)
  eventfd: { args: [u32, i32], returns: i32 },
  // sighandler_t signal(int sig, sighandler_t handler): SIG_DFL and SIG_IGN only, as integers
  signal: { args: [i32, i64], returns: i64 },
  // int raise(int sig)
  raise: { args: [i32], returns: i32 },
  // char *strerror(int errnum)
  strerror: { args: [i32], returns: pointer },
  // char *strsignal(int sig)
  strsignal: { args: [i32], returns: pointer },
  // int isatty(int fd)
  isatty: { args: [i32], returns: i32 },
  // void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset)
  mmap: { args: [pointer, u64, i32, i32, i32, i64], returns: pointer },
  // int munmap(void *addr, size_t length)
  munmap: { args: [pointer, u64], returns: i32 },
  // int madvise(void *addr, size_t length, int advice)
  madvise: { args: [pointer, u64, i32], returns: i32 },
  // int *__errno_location(void): this thread's errno
  __errno_location: { args: [], returns: pointer },
  // int clock_gettime(clockid_t clock, struct timespec *tp)
  clock_gettime: { args: [i32, pointer], returns: i32 },
  // int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
  statx: { args: [i32, pointer, i32, u32, pointer], returns: i32 },
  // ssize_t readlink(const char *path, char *buf, size_t size)
  readlink: { args: [pointer, pointer, u64], returns: i64_fast },
  // int access(const char *path, int mode)
  access: { args: [pointer, i32], returns: i32 },
  // char *realpath(const char *path, char *resolved): resolved NULL, the result is malloc'ed
  realpath: { args: [pointer, pointer], returns: pointer },
  // void free(void *p)
  free: { args: [pointer], returns: "void" },
  // DIR *opendir(const char *path)
  opendir: { args: [pointer], returns: pointer },
  // struct dirent64 *readdir64(DIR *dir)
  readdir: { args: [pointer], returns: pointer },
  // int closedir(DIR *dir)
  closedir: { args: [pointer], returns: i32 },
  // int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path): glibc 2.29
  posix_spawn_file_actions_addchdir_np: { args: [pointer, pointer], returns: i32 },
  // int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
} satisfies Record<string, FFIFunction>;

/** The symbol name a C program built with 64-bit file offsets would call. */
export function linkedName(name: string): string {
  return P.largeFileNames[name] ?? name;
}

/**
 * Newer functions a C library may lack (statx: glibc 2.28, addchdir_np:
 * 2.29): left unbound there, and their callers take another way.
 */
const OPTIONAL: ReadonlySet<string> = new Set(["statx", "posix_spawn_file_actions_addchdir_np"]);

type Bindings = ReturnType<typeof linkSymbols<typeof signatures>>["symbols"];

/**
 * Links every binding. Only dlsym itself comes from libc's own handle; its
 * handle argument is an integer, as RTLD_DEFAULT is not a real address on
 * every platform.
 */
function link(): { symbols: Bindings; addresses: Record<string, number> } {
  const loader = dlopen(P.libc, { dlsym: { args: [i64, cstringArg], returns: pointer } });
  const addresses: Record<string, number> = {};
  const linked: Record<string, FFIFunction> = {};
  for (const [name, signature] of Object.entries(signatures)) {
    const address = loader.symbols.dlsym(P.RTLD_DEFAULT, Buffer.from(`${linkedName(name)}\0`, "latin1"));
    if (!address && OPTIONAL.has(name)) continue;
    if (!address) throw new Error(`${P.libc}: symbol not found: ${linkedName(name)}`);
    addresses[name] = address as number;
    linked[name] = { ...signature, ptr: address as Pointer };
  }
  return { symbols: linkSymbols(linked as typeof signatures).symbols, addresses };
}

let linkedLibc: ReturnType<typeof link> | undefined;
/**
 * Why the bindings could not be made, if they could not: bun:ffi needs the
 * JIT, which Bun starts without under a low address-space limit (ulimit -v).
 */
export let ffiUnavailable: string | undefined;
try {
  linkedLibc = link();
} catch (e) {
  ffiUnavailable = e instanceof Error ? e.message : String(e);
}

/** The address each binding was linked to, by our name (for tests and diagnostics). */
export const boundAddresses: Readonly<Record<string, number>> = linkedLibc?.addresses ?? {};

/** Whether an optional binding (see OPTIONAL) exists in this C library. */
export function hasBinding(name: keyof typeof signatures): boolean {
  return name in boundAddresses;
}

export const libc: Bindings =
  linkedLibc?.symbols ??
  (new Proxy({} as Bindings, {
    get() {
      throw new Error(ffiUnavailable);
    },
  }) as Bindings);

// The errno location is per thread and constant for the thread's life; a
// Worker loads this module afresh and so gets its own.
const errnoAddress = linkedLibc ? (libc.__errno_location() as number) : 0;

/** errno of the calling thread: read it before any other libc call. */
export function errno(): number {
  return read.i32(errnoAddress, 0);
}

export function strerror(code: number): string {
  const p = libc.strerror(code);
  return p ? new CString(p).toString() : `Unknown error ${code}`;
}

export function strsignal(sig: number): string {
  const p = libc.strsignal(sig);
  return p ? new CString(p).toString() : `Unknown signal ${sig}`;
}

/** A NUL-terminated copy of s, kept alive by the caller holding the result. */
export function cstring(s: string): Buffer {
  return Buffer.from(s + "\0", "utf8");
}

/**
 * The address of a buffer; the caller must keep the buffer referenced.
 * JavaScriptCore keeps small typed arrays inside its heap and moves their
 * bytes out the first time anything asks for `.buffer` (subarray() does): an
 * address taken before that would then point at a stale copy. Asking for
 * `.buffer` first pins the bytes where they will stay.
 */
export function addressOf(view: NodeJS.TypedArray | DataView): number {
  void view.buffer;
  return ptr(view) as number;
}

/** A raw address as the pointer type bun:ffi's signatures expect. */
export function asPointer(address: number): Pointer {
  return address as Pointer;
}

export { read, ptr, CString };
