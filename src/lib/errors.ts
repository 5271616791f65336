// The library's errors. Each carries the exit status the dtee command would
// have ended with for the same failure (sysexits.h), so a caller that wraps
// the library in its own command-line tool can exit the same way.
import { constants as osConstants } from "node:os";
import { strerror } from "../sys/libc";
import { SYSEXITS as EX } from "../exit-status";

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(osConstants.errno).map(([name, n]) => [n, name]),
);

/** "ENOENT" for 2, and so on. */
export function errnoName(code: number): string {
  return ERRNO_NAMES[code] ?? `E${code}`;
}

/** Base class of every error the library throws for a failure of its own. */
export class DteeError extends Error {
  /** dtee's exit status for this failure: 66, 69, 70, 71, 73 or 74. */
  readonly exitCode: number;
  /** The errno name when a system call failed ("ENOENT"), else undefined. */
  readonly code?: string;
  /** The errno number when a system call failed. */
  readonly errno?: number;

  constructor(message: string, exitCode: number, errno?: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    if (errno !== undefined) {
      this.errno = errno;
      this.code = errnoName(errno);
    }
  }
}

/** The command could not be executed (dtee: "dtee: CMD: strerror", status 66). */
export class CommandError extends DteeError {
  constructor(
    /** The command name as given (argv[0]), or the working directory for a directory failure. */
    readonly path: string,
    errno: number,
  ) {
    super(`${path}: ${strerror(errno)}`, EX.NOINPUT, errno);
  }
}

/** No such command: not a file, nor found along PATH (ENOENT). */
export class CommandNotFoundError extends CommandError {}

/** The command exists but cannot be executed (EACCES, ENOEXEC, ...). */
export class CommandNotExecutableError extends CommandError {}

/** The working directory given could not be entered (the command was not started). */
export class WorkingDirectoryError extends CommandError {}

/** The socket trio (or another relay resource) could not be set up (dtee: status 69). */
export class SocketsUnavailableError extends DteeError {
  constructor(message: string, errno?: number) {
    super(message, EX.UNAVAILABLE, errno);
  }
}

/** No process could be created for the command (dtee: "fork: strerror", status 71). */
export class SpawnError extends DteeError {
  constructor(message: string, errno?: number) {
    super(message, EX.OSERR, errno);
  }
}

/** An output file could not be opened (dtee: "FILE: strerror", status 73); the command was not started. */
export class OutputFileError extends DteeError {
  constructor(
    readonly path: string,
    errno: number,
  ) {
    super(`${path}: ${strerror(errno)}`, EX.CANTCREAT, errno);
  }
}

/**
 * The relay failed while the command ran (dtee: status 74 for a receive
 * error, 70 for anything else). What arrived before is delivered first.
 */
export class RelayError extends DteeError {
  constructor(message: string, io: boolean) {
    super(message, io ? EX.IOERR : EX.SOFTWARE);
  }
}
