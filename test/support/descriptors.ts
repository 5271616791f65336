// Real descriptors for the in-process engine tests (router, sinks, spool):
// pipes (full, non-blocking, small, or with no reader), a recorder that
// sees every write of several outputs on one timeline, and a capture of
// this process's fd 2 (where dtee's modules print their messages). The
// project's own bindings (src/sys/libc.ts) are used where they have the
// call; the few calls they do not bind (pipe2, dup, dup3) are bound here.
import { dlopen, FFIType } from "bun:ffi";
import { mkdtempSync, readFileSync, rmSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libc, errno, addressOf } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { sockaddrUn, writePointer } from "../../src/sys/structs";

const extra = dlopen("libc.so.6", {
  // int pipe2(int fds[2], int flags)
  pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  // int dup(int fd)
  dup: { args: [FFIType.i32], returns: FFIType.i32 },
  // int dup3(int oldfd, int newfd, int flags)
  dup3: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  // int getrlimit(int resource, struct rlimit *rlim)
  getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  // int setrlimit(int resource, const struct rlimit *rlim)
  setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
}).symbols;

const RLIMIT_FSIZE = 1;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;

/** Closes a descriptor if it is open (ignores EBADF). */
export function closeQuietly(fd: number): void {
  if (fd >= 0) libc.close(fd);
}

/** True when `fd` is an open descriptor of this process. */
export function isOpen(fd: number): boolean {
  return libc.fcntl(fd, P.F_GETFD, 0) >= 0;
}

export interface Pipe {
  readonly read: number;
  readonly write: number;
  /** The pipe's capacity in bytes. */
  readonly capacity: number;
  /** Each end closed at most once (a descriptor number closed twice could be another file's by then). */
  closeRead(): void;
  closeWrite(): void;
  close(): void;
}

/**
 * A pipe (close-on-exec). `capacity` asks for a smaller buffer (the kernel
 * rounds it up to a page); `nonBlockingWrite` sets O_NONBLOCK on the write
 * end, as another process sharing the descriptor might.
 */
export function makePipe(options: { capacity?: number; nonBlockingWrite?: boolean } = {}): Pipe {
  const fds = new Int32Array(2);
  if (extra.pipe2(fds, P.O_CLOEXEC) !== 0) throw new Error(`pipe2: errno ${errno()}`);
  const [read, write] = [fds[0]!, fds[1]!];
  if (options.capacity !== undefined && libc.fcntl(write, F_SETPIPE_SZ, options.capacity) < 0) throw new Error(`F_SETPIPE_SZ: errno ${errno()}`);
  if (options.nonBlockingWrite) {
    const flags = libc.fcntl(write, P.F_GETFL, 0);
    if (flags < 0 || libc.fcntl(write, P.F_SETFL, flags | P.O_NONBLOCK) < 0) throw new Error(`O_NONBLOCK: errno ${errno()}`);
  }
  const capacity = libc.fcntl(write, F_GETPIPE_SZ, 0);
  let readOpen = true;
  let writeOpen = true;
  const pipe: Pipe = {
    read,
    write,
    capacity,
    closeRead() {
      if (readOpen) libc.close(read);
      readOpen = false;
    },
    closeWrite() {
      if (writeOpen) libc.close(write);
      writeOpen = false;
    },
    close() {
      pipe.closeRead();
      pipe.closeWrite();
    },
  };
  return pipe;
}

/** The write end of a pipe whose read end is closed: a write gets EPIPE (bun ignores SIGPIPE). */
export function pipeWithoutReader(): Pipe {
  const p = makePipe();
  p.closeRead();
  return p;
}

/**
 * Fills a non-blocking pipe until the kernel refuses more with EAGAIN;
 * returns the bytes written (each byte `fill`).
 */
export function fillUntilEagain(fd: number, fill = 0x2e): number {
  const chunk = Buffer.alloc(4096, fill);
  let total = 0;
  for (;;) {
    const r = libc.write(fd, chunk, chunk.length) as number;
    if (r > 0) {
      total += r;
      continue;
    }
    const e = errno();
    if (e === P.errno.EAGAIN) return total;
    throw new Error(`filling the pipe: errno ${e}`);
  }
}

/** Everything queued in a pipe right now (the read end is made non-blocking). */
export function drain(fd: number): Buffer {
  const flags = libc.fcntl(fd, P.F_GETFL, 0);
  libc.fcntl(fd, P.F_SETFL, flags | P.O_NONBLOCK);
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const r = libc.read(fd, buf, buf.length) as number;
    if (r <= 0) break;
    parts.push(Buffer.from(buf.subarray(0, r)));
  }
  return Buffer.concat(parts);
}

/** A temporary directory for one test file, with paths in it and a cleanup. */
export function scratchDirectory(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dtee-engine-"));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Captures what this process writes to its fd 2 while `body` runs
 * (synchronously): dtee's modules print their messages straight to fd 2.
 */
export function captureStderr<T>(body: () => T): { result: T; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "dtee-stderr-"));
  const path = join(dir, "stderr");
  const file = openSync(path, "w+");
  const saved = extra.dup(2);
  if (saved < 0) throw new Error(`dup: errno ${errno()}`);
  try {
    if (extra.dup3(file, 2, 0) < 0) throw new Error(`dup3: errno ${errno()}`);
    const result = body();
    return { result, stderr: readFileSync(path, "latin1") };
  } finally {
    extra.dup3(saved, 2, 0);
    libc.close(saved);
    closeSync(file);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A regular file opened as dtee opens an output (-O: truncate, -o: append). */
export function openOutputFile(path: string, mode: "append" | "overwrite"): number {
  return openSync(path, mode === "append" ? "a" : "w");
}

/**
 * Several outputs whose every write lands, in order, on one timeline: each
 * output is an AF_UNIX datagram socket bound to its own name and connected
 * to one receiving socket, so each write(v) call is one datagram, and the
 * receiving socket holds them in the order they were written, with the
 * writer's name. Not a regular file, so dtee's router treats these outputs
 * as it treats pipes. The receive queue holds about 10 datagrams
 * (net.unix.max_dgram_qlen): read them with `take` before more are written.
 */
export class WriteRecorder {
  readonly fds: number[] = [];
  private readonly receiver: number;
  private readonly names: Map<string, string> = new Map();
  private readonly scratch = scratchDirectory();
  private readonly header = new Uint32Array(P.msghdr.size / 4);
  private readonly nameBuffer = new Uint8Array(128);
  private readonly data = new Uint8Array(1 << 20);
  private readonly iov = new Uint32Array(P.iovecSize / 4);

  constructor(outputs: readonly string[]) {
    this.receiver = this.socket();
    const addr = sockaddrUn(this.scratch.path("recorder"));
    if (libc.bind(this.receiver, addr.buf, addr.len) !== 0) throw new Error(`bind: errno ${errno()}`);
    for (const output of outputs) {
      const fd = this.socket();
      const own = sockaddrUn(this.scratch.path(output));
      if (libc.bind(fd, own.buf, own.len) !== 0) throw new Error(`bind: errno ${errno()}`);
      if (libc.connect(fd, addr.buf, addr.len) !== 0) throw new Error(`connect: errno ${errno()}`);
      this.fds.push(fd);
      this.names.set(Buffer.from(own.buf.subarray(0, own.len)).toString("latin1"), output);
    }
    writePointer(this.iov, 0, addressOf(this.data));
    this.iov[2] = this.data.length;
  }

  private socket(): number {
    const fd = libc.socket(P.AF_UNIX, P.SOCK_DGRAM | P.SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`socket: errno ${errno()}`);
    return fd;
  }

  /** The writes recorded since the last call, in order: [output name, bytes as latin1]. */
  take(): [string, string][] {
    const writes: [string, string][] = [];
    const h = this.header;
    for (;;) {
      h.fill(0);
      writePointer(h, P.msghdr.name / 4, addressOf(this.nameBuffer));
      h[P.msghdr.namelen / 4] = this.nameBuffer.length;
      writePointer(h, P.msghdr.iov / 4, addressOf(this.iov));
      h[P.msghdr.iovlen / 4] = 1;
      const n = libc.recvmsg(this.receiver, h, P.MSG_DONTWAIT) as number;
      if (n < 0) {
        if (errno() === P.errno.EAGAIN) return writes;
        throw new Error(`recvmsg: errno ${errno()}`);
      }
      const name = Buffer.from(this.nameBuffer.subarray(0, h[P.msghdr.namelen / 4]!)).toString("latin1");
      writes.push([this.names.get(name) ?? `unknown sender ${JSON.stringify(name)}`, Buffer.from(this.data.subarray(0, n)).toString("latin1")]);
    }
  }

  close(): void {
    for (const fd of this.fds) closeQuietly(fd);
    closeQuietly(this.receiver);
    this.scratch.cleanup();
  }
}

/**
 * A reader of the pipe in another process (the writes under test block this
 * thread): after `delaySeconds` it runs `command` (default `cat`) with the
 * pipe as stdin and `outPath` as stdout. This process's copy of the read end
 * is closed, so the pipe has no reader once the child has gone.
 */
export function readerProcess(pipe: Pipe, outPath: string, delaySeconds: number, command = "cat"): { exited: Promise<number> } {
  const output = openSync(outPath, "w");
  const child = Bun.spawn(["sh", "-c", `sleep ${delaySeconds}; exec ${command}`], { stdin: pipe.read, stdout: output, stderr: "inherit" });
  closeSync(output);
  pipe.closeRead();
  return { exited: child.exited };
}

/**
 * Runs `body` (synchronously) with this process's file-size limit
 * (RLIMIT_FSIZE) lowered to `bytes`: a write past it is cut short, and the
 * next one fails with EFBIG (bun ignores SIGXFSZ). The limit is restored after.
 */
export function withFileSizeLimit<T>(bytes: number, body: () => T): T {
  const saved = new BigUint64Array(2);
  if (extra.getrlimit(RLIMIT_FSIZE, saved) !== 0) throw new Error(`getrlimit: errno ${errno()}`);
  const lowered = new BigUint64Array([BigInt(bytes), saved[1]!]);
  if (extra.setrlimit(RLIMIT_FSIZE, lowered) !== 0) throw new Error(`setrlimit: errno ${errno()}`);
  try {
    return body();
  } finally {
    extra.setrlimit(RLIMIT_FSIZE, saved);
  }
}
