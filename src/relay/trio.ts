// The socket trio: one input socket and two output sockets connected to it, so
// that the child's stdout and stderr share one ordered receive queue.
import { libc, errno, cstring, addressOf, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { sockaddrUn, MAX_SOCKET_PATH, bytesOf } from "../sys/structs";
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

/** Raises a socket buffer to at least `size` (never lowers it); the kernel may cap it. */
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

/** Which socket of the trio a set-up step was for, named as dtee names them. */
type SocketRole = "input socket" | "stdout socket" | "stderr socket";

function failed(role: SocketRole, op: string | undefined, code: number): TrioError {
  return new TrioError(`${role}: ${op ? op + ": " : ""}${strerror(code)}`);
}

/**
 * The private directory's name: "dtee", our pid as 8 hex digits, "I" (the
 * input trio, as dtee names it), then mkdtemp's six characters.
 */
function directoryTemplate(tmpdir: string | Uint8Array): Buffer {
  let raw = bytesOf(tmpdir);
  while (raw.length > 1 && raw[raw.length - 1] === 0x2f) raw = raw.subarray(0, raw.length - 1);
  if (raw.length === 0) raw = Buffer.from("/");
  const base = raw.length === 1 && raw[0] === 0x2f ? Buffer.alloc(0) : raw;
  const pid = (libc.getpid() >>> 0).toString(16).toUpperCase().padStart(8, "0");
  return Buffer.concat([base, Buffer.from(`/dtee${pid}IXXXXXX\0`)]);
}

/**
 * Creates the trio in a private mkdtemp directory (0700), then unlinks the
 * socket paths and removes the directory, so no other process can reach the
 * input socket by name from then on. The steps and their messages follow
 * dtee: the input socket (open, bind, receive buffer), then each output
 * socket (open, bind, connect, shutdown of its read side, send buffer).
 */
export function createTrio(options: TrioOptions): SocketTrio {
  const limits = systemBufferLimits();
  const sendBuffer = options.sendBuffer || limits.send;
  const receiveBuffer = options.receiveBuffer || limits.receive;
  const template = directoryTemplate(options.tmpdir);
  const shown = template.subarray(0, template.length - 1).toString("latin1");
  if (!libc.mkdtemp(template)) throw new TrioError(`unable to create temporary directory ${shown}: ${strerror(errno())}`);
  const dir = template.subarray(0, template.length - 1);
  const paths = ["i", "o", "e"].map((name) => Buffer.concat([dir, Buffer.from(`/${name}`)]));
  const fds: number[] = [];
  const open = (role: SocketRole): number => {
    const fd = libc.socket(P.AF_UNIX, P.SOCK_DGRAM | P.SOCK_CLOEXEC, 0);
    if (fd < 0) throw failed(role, "open", errno());
    fds.push(fd);
    return fd;
  };
  const address = (role: SocketRole, path: Buffer) => {
    if (path.length > MAX_SOCKET_PATH) throw failed(role, undefined, P.errno.ENAMETOOLONG);
    return sockaddrUn(path);
  };
  try {
    const inputAddr = address("input socket", paths[0]!);
    const input = open("input socket");
    if (libc.bind(input, inputAddr.buf, inputAddr.len) !== 0) throw failed("input socket", "bind", errno());
    setBuffer(input, P.SO_RCVBUF, receiveBuffer);
    if (options.timestamps && P.SO_TIMESTAMPNS) {
      if (libc.setsockopt(input, P.SOL_SOCKET, P.SO_TIMESTAMPNS, new Int32Array([1]), 4) !== 0)
        throw failed("input socket", "setsockopt", errno());
    }
    const outputs: number[] = [];
    const addresses: Uint8Array[] = [];
    for (const [role, path] of [["stdout socket", paths[1]!], ["stderr socket", paths[2]!]] as const) {
      const addr = address(role, path);
      const fd = open(role);
      if (libc.bind(fd, addr.buf, addr.len) !== 0) throw failed(role, "bind", errno());
      if (libc.connect(fd, inputAddr.buf, inputAddr.len) !== 0) throw failed(role, "connect", errno());
      // The command must not be able to read from its stdout or stderr:
      // without this a read on fd 1 or 2 (vim reads keys from fd 2) blocks
      // forever instead of seeing end of file.
      if (libc.shutdown(fd, P.SHUT_RD) !== 0) throw failed(role, "shutdown", errno());
      setBuffer(fd, P.SO_SNDBUF, sendBuffer);
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
