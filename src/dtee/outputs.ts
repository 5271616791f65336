// Opening dtee's output files: created 0666 less the umask, appended to or
// truncated, close-on-exec so the command does not inherit them.
import { libc, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { toBytes, type OutputFile } from "./config";

/** A byte string as a NUL-terminated C string. */
export function cPath(path: string): Buffer {
  return toBytes(path + "\0");
}

export interface OpenedOutput extends OutputFile {
  fd: number;
}

export interface OpenResult {
  opened: OpenedOutput[];
  /** One "FILE: strerror" text per file that could not be opened. */
  failures: string[];
}

export function openOutputs(files: readonly OutputFile[]): OpenResult {
  const opened: OpenedOutput[] = [];
  const failures: string[] = [];
  for (const f of files) {
    const flags = P.O_WRONLY | P.O_CREAT | P.O_CLOEXEC | (f.append ? P.O_APPEND : P.O_TRUNC);
    const fd = libc.open(cPath(f.path), flags, 0o666);
    if (fd < 0) failures.push(`${f.path}: ${strerror(errno())}`);
    else opened.push({ ...f, fd });
  }
  return { opened, failures };
}
