// Opening dtee's output files: created 0666 less the umask, appended to or
// truncated, close-on-exec so the command does not inherit them.
import { libc, errno, cstring, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import type { OutputFile } from "./config";

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
    const fd = libc.open(cstring(f.path), flags, 0o666);
    if (fd < 0) failures.push(`${f.path}: ${strerror(errno())}`);
    else opened.push({ ...f, fd });
  }
  return { opened, failures };
}

/** An unnamed 0600 file under `dir` for the cron spool (never in memory). */
export function openSpool(dir: string): { fd: number } | { error: string } {
  if (P.O_TMPFILE) {
    const fd = libc.open(cstring(dir), P.O_TMPFILE | P.O_RDWR | P.O_CLOEXEC, 0o600);
    if (fd >= 0) return { fd };
    return { error: `unable to create temporary file in ${dir}: ${strerror(errno())}` };
  }
  return { error: `unable to create temporary file in ${dir}: not supported on this platform` };
}
