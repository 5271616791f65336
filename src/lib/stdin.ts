// The command's standard input when the caller gives data: a pipe (both ends
// close-on-exec; the read end goes to the command), written from this
// thread by Bun's own asynchronous writer as the command reads, then closed.
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

async function* pieces(data: StdinData): AsyncGenerator<Uint8Array> {
  if (typeof data === "string" || data instanceof Uint8Array || data instanceof ArrayBuffer) {
    yield asBytes(data);
  } else if (data instanceof Blob) {
    yield* pieces(data.stream() as unknown as AsyncIterable<Uint8Array>);
  } else if (Symbol.asyncIterator in data) {
    for await (const piece of data as AsyncIterable<Uint8Array | string>) yield asBytes(piece);
  } else if (Symbol.iterator in data) {
    for (const piece of data as Iterable<Uint8Array | string>) yield asBytes(piece);
  } else {
    throw new TypeError("stdin: unsupported value");
  }
}

/**
 * Writes `data` to `fd`, then closes it. A command that exits without
 * reading it all ends the writing (EPIPE); stop() ends it at the next piece.
 */
export function pumpStdin(fd: number, data: StdinData): { stop(): void; done: Promise<void> } {
  const sink = Bun.file(fd).writer();
  let stopped = false;
  const done = (async () => {
    try {
      for await (const piece of pieces(data)) {
        if (stopped) break;
        if (piece.length === 0) continue;
        const r = sink.write(piece);
        if (r instanceof Promise) await r;
      }
      await sink.end();
    } catch {
      // EPIPE: the command closed its stdin, or ended; a failing source ends the input too.
    } finally {
      closeFd(fd);
    }
  })();
  return {
    stop() {
      stopped = true;
      sink.unref?.();
    },
    done,
  };
}
