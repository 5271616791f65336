// Public types of the `dtee` module entry (import { run } from "dtee").
// The implementation is src/lib/index.ts; src/lib/check-types.ts makes the
// type checker prove the two agree.

/** Which of the command's streams a write went to. */
export type Stream = "stdout" | "stderr";

/** One write(2) the command made to its stdout or stderr: one event per write, in the order written. */
export interface OutputEvent {
  readonly stream: Stream;
  /** Exactly the bytes of that write. */
  readonly bytes: Uint8Array;
  /** When the kernel queued the write (SO_TIMESTAMPNS), in nanoseconds since the Unix epoch (CLOCK_REALTIME). */
  readonly time: bigint;
}

/**
 * The command's standard input. "inherit": ours. "ignore": /dev/null. Bytes
 * or text (UTF-8), a Blob, a ReadableStream or any (async) iterable of chunks:
 * written to a pipe as the command reads it, then closed.
 */
export type StdinOption =
  | "inherit"
  | "ignore"
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/**
 * A file to copy output to, as dtee's -o/-e/-c (append: true) and
 * -O/-E/-C (append: false, the default) options do. Created 0666 less the
 * umask. Several entries may name the same file: each gets its messages in
 * the order written, one copy each.
 */
export interface OutputFile {
  path: string;
  stream: "stdout" | "stderr" | "combined";
  append?: boolean;
}

export interface RunOptions {
  /**
   * Working directory of the command (default: ours; a relative one is
   * taken from ours). A command name with a slash is found from there.
   */
  cwd?: string;
  /**
   * The command's whole environment, passed exactly (default: process.env).
   * A command name without a slash is looked up along this environment's
   * PATH (from cwd), as execvp in the command's process would.
   */
  env?: Record<string, string | undefined>;
  /** Default "inherit", as the dtee command does. */
  stdin?: StdinOption;
  /**
   * dtee's --line-buffered: ask the command's runtime to write stdout line
   * by line (C stdio through coreutils' libstdbuf.so, as `stdbuf -oL`;
   * Python through PYTHONUNBUFFERED=1), so lines printed to stdout and
   * stderr keep their printed order. Changes the environment as the dtee
   * command does; without libstdbuf.so only Python is switched.
   */
  lineBuffered?: boolean;
  /** Files to copy the output to, as the dtee command's -o/-e/-c options. */
  files?: readonly OutputFile[];
  /**
   * Copy the command's stdout to our stdout and its stderr to our stderr
   * (true), or only one of them, as the dtee command does. Default false.
   */
  tee?: boolean | { stdout?: boolean; stderr?: boolean };
  /**
   * Deliver the writes to JavaScript (the events and the collectors).
   * Default true; false when only the tees are wanted: then nothing needs
   * to be read for the command to go on.
   */
  events?: boolean;
  /** Aborting kills the command with killSignal. */
  signal?: AbortSignal;
  /** Kill the command with killSignal after this many milliseconds. */
  timeout?: number;
  /** The signal for abort and timeout (default "SIGTERM"). */
  killSignal?: NodeJS.Signals | number;
  /** Where the private socket directory is made (default $TMPDIR or /tmp); it is removed before the command starts. */
  tmpdir?: string;
}

/** How the command ended, as the dtee command reports it. */
export interface Exit {
  /** The exit status when the command exited, else null. */
  readonly status: number | null;
  /** The signal number when a signal killed it, else null. */
  readonly signal: number | null;
  /** Its name ("SIGKILL"), when known. */
  readonly signalName: string | null;
  readonly coreDumped: boolean;
  /** What a shell and the dtee command exit with: the status, or 128 + the signal. */
  readonly code: number;
  /** dtee's words: "exited with status 1", "process terminated by signal 9: Killed". */
  readonly description: string;
  /** A tee (file, our stdout or stderr) could not be written; dtee would exit 74. The message went to our stderr. */
  readonly teeFailed: boolean;
}

/** Everything the command wrote. `combined` is both streams in the order written. */
export interface Output {
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly combined: Uint8Array;
  readonly exit: Exit;
}

/** Output decoded as UTF-8 (each stream decoded whole). */
export interface TextOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly combined: string;
  readonly exit: Exit;
}

/**
 * A running command. Read its writes in one of two ways, once: iterate it
 * (`for await (const event of proc)`) or call output() / text(). Until they
 * are read the command is held back (its writes block, nothing is lost),
 * as with an unread pipe; with `events: false` there is nothing to read.
 */
export interface DteeProcess extends AsyncIterable<OutputEvent> {
  readonly pid: number;
  /**
   * Resolves when the command has exited and all it wrote has reached
   * this object (so it waits for the reader), with the exit; rejects with a
   * RelayError when the relay failed.
   */
  readonly exited: Promise<Exit>;
  /** True once kill() (or abort, or timeout) has sent a signal. */
  readonly killed: boolean;
  /** Sends a signal (default SIGTERM) while the command runs; false when it has already been reaped. */
  kill(signal?: NodeJS.Signals | number): boolean;
  /** Collects everything it writes, then the exit. */
  output(): Promise<Output>;
  /** output() decoded as UTF-8. */
  text(): Promise<TextOutput>;
  [Symbol.asyncIterator](): AsyncIterator<OutputEvent>;
}

/**
 * Starts `command` (argv; the first word is looked up along PATH as
 * execvp does) with its stdout and stderr on dtee's sockets.
 * @throws CommandNotFoundError, CommandNotExecutableError, WorkingDirectoryError,
 *   OutputFileError, SocketsUnavailableError, SpawnError; the signal's reason when it is already aborted.
 */
export declare function run(command: readonly string[], options?: RunOptions): DteeProcess;

/** run(command, options).output() */
export declare function output(command: readonly string[], options?: RunOptions): Promise<Output>;

/** run(command, options).text() */
export declare function text(command: readonly string[], options?: RunOptions): Promise<TextOutput>;

/** Base class of the library's own errors. */
export declare class DteeError extends Error {
  /** The exit status dtee gives this failure: 66, 69, 70, 71, 73 or 74. */
  readonly exitCode: number;
  /** The errno name when a system call failed ("ENOENT"). */
  readonly code?: string;
  readonly errno?: number;
  constructor(message: string, exitCode: number, errno?: number);
}

/** The command could not be executed (exitCode 66). */
export declare class CommandError extends DteeError {
  readonly path: string;
  constructor(path: string, errno: number);
}
/** ENOENT: no such file, or not found along PATH. */
export declare class CommandNotFoundError extends CommandError {}
/** EACCES, ENOEXEC...: found but cannot be executed. */
export declare class CommandNotExecutableError extends CommandError {}
/** The working directory cannot be entered. */
export declare class WorkingDirectoryError extends CommandError {}
/** The sockets (or another relay resource) could not be set up (exitCode 69). */
export declare class SocketsUnavailableError extends DteeError {
  constructor(message: string, errno?: number);
}
/** No process could be made (exitCode 71). */
export declare class SpawnError extends DteeError {
  constructor(message: string, errno?: number);
}
/** An output file could not be opened (exitCode 73); the command was not started. */
export declare class OutputFileError extends DteeError {
  readonly path: string;
  constructor(path: string, errno: number);
}
/** The relay failed while the command ran (exitCode 74 for receive errors, else 70). */
export declare class RelayError extends DteeError {
  constructor(message: string, io: boolean);
}
