// The `dtee` module entry: run a command and read what it writes to stdout
// and stderr as one sequence, in the order written, each write with its
// stream and kernel receive time, through dtee's own relay (the socket
// trio, the receiver, the data loop and the outputs of the dtee command).
//
//   import { run } from "dtee";
//   for await (const { stream, bytes, time } of run(["make", "test"])) ...
//
// The types and their documentation are in dtee.d.ts.
import { run } from "./run";
import type { Output, RunOptions, TextOutput } from "./dtee";

export { run };

/** run(command, options).output() */
export function output(command: readonly string[], options?: RunOptions): Promise<Output> {
  return run(command, options).output();
}

/** run(command, options).text() */
export function text(command: readonly string[], options?: RunOptions): Promise<TextOutput> {
  return run(command, options).text();
}

export {
  DteeError,
  CommandError,
  CommandNotFoundError,
  CommandNotExecutableError,
  WorkingDirectoryError,
  SocketsUnavailableError,
  SpawnError,
  OutputFileError,
  RelayError,
} from "./errors";

export type { Stream, OutputEvent, StdinOption, OutputFile, RunOptions, Exit, Output, TextOutput, DteeProcess } from "./dtee";
