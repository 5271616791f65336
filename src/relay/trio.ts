// The socket trio: one input socket and two output sockets connected to it, so
// that the child's stdout and stderr share one ordered receive queue.
import { libc, errno, cstring, addressOf, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { sockaddrUn, MAX_SOCKET_PATH, bytesOf } from "../sys/structs";
import { SysError } from "../sys/errors";
import { readSmallFile } from "../sys/read-file";

/** The trio could not be set up; the message says why. */
export class TrioError extends Error {}

export interface SocketTrio {
  /** Receives from both output sockets, in write order. */
  readonly input: number;
  /** Connected to input; becomes the child's fd 1. */
  readonly stdout: number;
  /** Connected to input; becomes the child's fd 2. */
  readonly stderr: number;
  /** Sender addresses as recvmsg reports them (length includes the NUL). */
  readonly stdoutAddress: Uint8Array;
  readonly stderrAddress: Uint8Array;
}

function readLimit(path: string): number {
  if (!path) return 0;
  const text = readSmallFile(path);
  const n = text ? Number.parseInt(text.toString("latin1").trim(), 10) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The largest socket buffers this system lets an unprivileged process set. */
export function systemBufferLimits(): { send: number; receive: number } {
  return { send: readLimit(P.wmemMaxPath), receive: readLimit(P.rmemMaxPath) };
}

function newDatagramSocket(): number {
  const fd = libc.socket(P.AF_UNIX, P.SOCK_DGRAM | P.SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SysError("socket", errno());
  return fd;
}

/** Sets a socket buffer no smaller than `minimum`; the kernel may cap it. */
export function setBuffer(fd: number, option: number, size: number): void {
  if (size <= 0) return;
  const value = new Int32Array([size]);
  const current = new Int32Array(1);
  const len = new Uint32Array([4]);
  if (libc.getsockopt(fd, P.SOL_SOCKET, option, current, len) === 0 && current[0]! >= size) return;
  // Failure only leaves the default size in place; that is not fatal.
  libc.setsockopt(fd, P.SOL_SOCKET, option, value, 4);
}

export interface TrioOptions {
  /** Directory to create the private socket directory in (a string, or its raw bytes). */
  tmpdir: string | Uint8Array;
  /** SO_SNDBUF for the output sockets (0: the system maximum). */
  sendBuffer?: number;
  /** SO_RCVBUF for the input socket (0: the system maximum). */
  receiveBuffer?: number;
  /**
   * Stamp every datagram with its time (SO_TIMESTAMPNS). Must be on before
   * the command starts: a datagram queued earlier gets no send-time stamp and
   * would be stamped when received instead, out of order with later ones.
   */
  timestamps?: boolean;
}

/**
 * Creates the trio in a private mkdtemp directory (0700), then unlinks the
 * socket paths and removes the directory, so no other process can reach the
 * input socket by name from then on.
 */
export function createTrio(options: TrioOptions): SocketTrio {
  const limits = systemBufferLimits();
  const sendBuffer = options.sendBuffer || limits.send;
  const receiveBuffer = options.receiveBuffer || limits.receive;
  // Raw bytes stay raw (messages then carry them as a byte string).
  const label = typeof options.tmpdir === "string" ? options.tmpdir : bytesOf(options.tmpdir).toString("latin1");
  let raw = bytesOf(options.tmpdir);
  while (raw.length > 1 && raw[raw.length - 1] === 0x2f) raw = raw.subarray(0, raw.length - 1);
  if (raw.length === 0) raw = Buffer.from("/");
  const base = raw.length === 1 && raw[0] === 0x2f ? Buffer.alloc(0) : raw;
  const template = Buffer.concat([base, Buffer.from("/dtee.XXXXXX\0")]);
  if (template.length - 1 + 2 > MAX_SOCKET_PATH) {
    throw new TrioError(`unable to create sockets in ${label}: ${strerror(P.errno.ENAMETOOLONG)}`);
  }
  if (!libc.mkdtemp(template)) throw new TrioError(`unable to create temporary directory in ${label}: ${strerror(errno())}`);
  const dir = template.subarray(0, template.length - 1);
  const paths = ["i", "o", "e"].map((name) => Buffer.concat([dir, Buffer.from(`/${name}`)]));
  const fds: number[] = [];
  try {
    const input = newDatagramSocket();
    fds.push(input);
    const inputAddr = sockaddrUn(paths[0]!);
    if (libc.bind(input, inputAddr.buf, inputAddr.len) !== 0) throw new SysError("bind", errno(), paths[0]!.toString("latin1"));
    setBuffer(input, P.SO_RCVBUF, receiveBuffer);
    if (options.timestamps && P.SO_TIMESTAMPNS) {
      if (libc.setsockopt(input, P.SOL_SOCKET, P.SO_TIMESTAMPNS, new Int32Array([1]), 4) !== 0)
        throw new SysError("setsockopt(SO_TIMESTAMPNS)", errno());
    }
    const outputs: number[] = [];
    const addresses: Uint8Array[] = [];
    for (const path of [paths[1]!, paths[2]!]) {
      const fd = newDatagramSocket();
      fds.push(fd);
      const addr = sockaddrUn(path);
      if (libc.bind(fd, addr.buf, addr.len) !== 0) throw new SysError("bind", errno(), path.toString("latin1"));
      setBuffer(fd, P.SO_SNDBUF, sendBuffer);
      if (libc.connect(fd, inputAddr.buf, inputAddr.len) !== 0) throw new SysError("connect", errno(), paths[0]!.toString("latin1"));
      outputs.push(fd);
      addresses.push(new Uint8Array(addr.buf.subarray(0, addr.len)));
    }
    return {
      input,
      stdout: outputs[0]!,
      stderr: outputs[1]!,
      stdoutAddress: addresses[0]!,
      stderrAddress: addresses[1]!,
    };
  } catch (e) {
    for (const fd of fds) libc.close(fd);
    throw e;
  } finally {
    for (const path of paths) libc.unlink(Buffer.concat([path, Buffer.alloc(1)]));
    libc.rmdir(Buffer.concat([dir, Buffer.alloc(1)]));
  }
}

export function closeFd(fd: number): void {
  if (fd >= 0) libc.close(fd);
}

export { addressOf };
