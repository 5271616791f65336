// The command's standard input when the caller gives data: a pipe (both ends
// close-on-exec; the read end goes to the command), written from this
// thread without blocking it, as the command reads, then closed.
//
// Not Bun's FileSink (Bun.file(fd).writer()): it writes through a duplicate
// of the descriptor, and after a broken pipe that duplicate stayed open
// until the garbage collector came round (found by the library tests under
// load). A pipe end left open where the command's children still read would
// keep them from seeing end of file. Here the one descriptor is ours to close.
import { dlopen, FFIType } from "bun:ffi";
import { libc, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { closeFd } from "../relay/trio";
import { SocketsUnavailableError } from "./errors";
import type { StdinOption } from "./dtee";

export type StdinData = Exclude<StdinOption, "inherit" | "ignore">;

let pipe2: ((fds: Int32Array, flags: number) => number) | undefined;

/** A pipe for the command's stdin: the write end non-blocking (Bun's writer waits on it), both close-on-exec. */
export function openPipe(): { read: number; write: number } {
  if (!pipe2) {
    const lib = dlopen(P.libc, { pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 } });
    pipe2 = (fds, flags) => lib.symbols.pipe2(fds, flags) as number;
  }
  const fds = new Int32Array(2);
  if (pipe2(fds, P.O_CLOEXEC) !== 0) {
    const code = errno();
    throw new SocketsUnavailableError(`stdin pipe: ${strerror(code)}`, code);
  }
  const write = fds[1]!;
  // Non-blocking on the write end only (pipe2's O_NONBLOCK would set both).
  const flags = libc.fcntl(write, P.F_GETFL, 0);
  libc.fcntl(write, P.F_SETFL, flags | P.O_NONBLOCK);
  return { read: fds[0]!, write };
}

const encoder = new TextEncoder();

function asBytes(piece: Uint8Array | string | ArrayBuffer): Uint8Array {
  if (typeof piece === "string") return encoder.encode(piece);
  if (piece instanceof ArrayBuffer) return new Uint8Array(piece);
  return piece;
}

type Piece = Uint8Array | string | ArrayBuffer;

/** The data as one async iterator of pieces; return() cancels a stream. */
function source(data: StdinData): AsyncIterator<Piece> {
  if (typeof data === "string" || data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return (async function* () {
      yield data;
    })();
  }
  if (data instanceof Blob) return source(data.stream() as unknown as AsyncIterable<Uint8Array>);
  if (Symbol.asyncIterator in data) return (data as AsyncIterable<Piece>)[Symbol.asyncIterator]();
  if (Symbol.iterator in data) {
    const it = (data as Iterable<Piece>)[Symbol.iterator]();
    return {
      next: async () => it.next(),
      return: async () => it.return?.() ?? { done: true, value: undefined },
    };
  }
  throw new TypeError("stdin: unsupported value");
}

/** The pipe's buffer, raised where the system lets us (fewer waits for a slow reader). */
const F_SETPIPE_SZ = 1031;
const PIPE_SIZE = 1 << 20;

/** Longest wait between tries while the pipe is full. */
const MAX_WAIT_MS = 10;

/**
 * Writes `data` to `fd` as the command reads it, then closes it. A full pipe
 * is tried again after a short wait (growing to MAX_WAIT_MS while the reader
 * makes no progress); a broken pipe (the command closed its stdin, or ended)
 * ends the writing. stop() (the run has ended) stops waiting for the reader
 * and for the source, and cancels the source.
 */
export function pumpStdin(fd: number, data: StdinData): { stop(): void; done: Promise<void> } {
  libc.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
  let stop!: () => void;
  let isStopped = false;
  const stopped = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
  const writeAll = async (bytes: Uint8Array): Promise<boolean> => {
    let done = 0;
    let wait = 0;
    while (done < bytes.length) {
      const r = libc.write(fd, bytes.subarray(done), bytes.length - done) as number;
      if (r > 0) {
        done += r;
        wait = 0;
        continue;
      }
      const e = errno();
      if (e === P.errno.EINTR) continue;
      if (e !== P.errno.EAGAIN || isStopped) return false;
      await Promise.race([Bun.sleep(wait), stopped]);
      wait = Math.min(Math.max(1, wait * 2), MAX_WAIT_MS);
    }
    return true;
  };
  const done = (async () => {
    let it: AsyncIterator<Piece> | undefined;
    try {
      it = source(data);
      for (;;) {
        const next = it.next();
        // If the run ends first, a later failure of the source is nobody's concern.
        next.catch(() => {});
        const r = await Promise.race([next, stopped]);
        if (r === undefined) {
          void it.return?.()?.catch?.(() => {});
          break;
        }
        if (r.done) break;
        const piece = asBytes(r.value);
        if (piece.length > 0 && !(await writeAll(piece))) {
          void it.return?.()?.catch?.(() => {});
          break;
        }
      }
    } catch {
      // A failing source ends the input.
    } finally {
      closeFd(fd);
    }
  })();
  return {
    stop() {
      isStopped = true;
      stop();
    },
    done,
  };
}
