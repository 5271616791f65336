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

const signatures = {
  socket: { args: [i32, i32, i32], returns: i32 },
  bind: { args: [i32, pointer, u32], returns: i32 },
  connect: { args: [i32, pointer, u32], returns: i32 },
  setsockopt: { args: [i32, i32, i32, pointer, u32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, pointer, pointer], returns: i32 },
  shutdown: { args: [i32, i32], returns: i32 },
  recvmsg: { args: [i32, pointer, i32], returns: i64_fast },
  recvmmsg: { args: [i32, pointer, u32, i32, pointer], returns: i32 },
  sendmsg: { args: [i32, pointer, i32], returns: i64_fast },
  send: { args: [i32, pointer, u64, i32], returns: i64_fast },
  read: { args: [i32, pointer, u64], returns: i64_fast },
  write: { args: [i32, pointer, u64], returns: i64_fast },
  writev: { args: [i32, pointer, i32], returns: i64_fast },
  poll: { args: [pointer, u64, i32], returns: i32 },
  fcntl: { args: [i32, i32, i64], returns: i32 },
  open: { args: [pointer, i32, u32], returns: i32 },
  close: { args: [i32], returns: i32 },
  unlink: { args: [pointer], returns: i32 },
  mkdtemp: { args: [pointer], returns: pointer },
  rmdir: { args: [pointer], returns: i32 },
  lseek: { args: [i32, i64, i32], returns: i64_fast },
  ftruncate: { args: [i32, i64], returns: i32 },
  sendfile: { args: [i32, i32, pointer, u64], returns: i64_fast },
  splice: { args: [i32, pointer, i32, pointer, u64, u32], returns: i64_fast },
  tee: { args: [i32, i32, u64, u32], returns: i64_fast },
  posix_spawnp: { args: [pointer, pointer, pointer, pointer, pointer, pointer], returns: i32 },
  posix_spawn_file_actions_init: { args: [pointer], returns: i32 },
  posix_spawn_file_actions_destroy: { args: [pointer], returns: i32 },
  posix_spawn_file_actions_adddup2: { args: [pointer, i32, i32], returns: i32 },
  posix_spawnattr_init: { args: [pointer], returns: i32 },
  posix_spawnattr_destroy: { args: [pointer], returns: i32 },
  posix_spawnattr_setflags: { args: [pointer, i16], returns: i32 },
  posix_spawnattr_setsigdefault: { args: [pointer, pointer], returns: i32 },
  posix_spawnattr_setsigmask: { args: [pointer, pointer], returns: i32 },
  waitpid: { args: [i32, pointer, i32], returns: i32 },
  kill: { args: [i32, i32], returns: i32 },
  getpid: { args: [], returns: i32 },
  // Six arguments: the most any syscall we make takes; unused ones are 0.
  syscall: { args: [i64, i64, i64, i64, i64, i64], returns: i64_fast },
  eventfd: { args: [u32, i32], returns: i32 },
  signal: { args: [i32, i64], returns: i64 },
  raise: { args: [i32], returns: i32 },
  strerror: { args: [i32], returns: pointer },
  strsignal: { args: [i32], returns: pointer },
  isatty: { args: [i32], returns: i32 },
  mmap: { args: [pointer, u64, i32, i32, i32, i64], returns: pointer },
  munmap: { args: [pointer, u64], returns: i32 },
  madvise: { args: [pointer, u64, i32], returns: i32 },
  __errno_location: { args: [], returns: pointer },
  clock_gettime: { args: [i32, pointer], returns: i32 },
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
} satisfies Record<string, FFIFunction>;

/** The symbol name a C program built with 64-bit file offsets would call. */
export function linkedName(name: string): string {
  return P.largeFileNames[name] ?? name;
}

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

export { read, ptr };
