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
