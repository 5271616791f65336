// A failed libc call, carried as data: which operation, on what, which errno.
import { strerror } from "./libc";

export class SysError extends Error {
  constructor(
    readonly op: string,
    readonly code: number,
    readonly subject?: string,
  ) {
    super(`${subject ? subject + ": " : ""}${op}: ${strerror(code)}`);
    this.name = "SysError";
  }
}

/** For the calls that return an error number (0 for success), as the posix_spawn family does. */
export function check(op: string, rc: number): void {
  if (rc !== 0) throw new SysError(op, rc);
}
