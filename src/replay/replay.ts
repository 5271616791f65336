// dtee-replay: writes the captured stdout to stdout and stderr to stderr, in
// the original order, optionally with the original timing (scaled).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { strerror } from "../sys/libc";
import { writeFully } from "../sys/write-all";
import { SYSEXITS } from "../exit-status";
import { parseRecord, LogFormatError, type TimeBound } from "./records";

export interface ReplayConfig {
  argv0: string;
  path: string;
  /** 0: as fast as possible; otherwise the original timing divided by this. */
  speed: number;
  streams: { stdout: boolean; stderr: boolean };
  since?: TimeBound;
  until?: TimeBound;
}

export class ReplayError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  const e = writeFully(fd, bytes);
  if (e) throw new ReplayError(`${fd === 1 ? "stdout" : "stderr"}: write: ${strerror(e)}`, SYSEXITS.IOERR);
}

function resolveBound(b: TimeBound | undefined, first: bigint): bigint | undefined {
  if (!b) return undefined;
  return b.kind === "absolute" ? b.ns : first + b.ns;
}

export async function replay(cfg: ReplayConfig): Promise<void> {
  const input = createReadStream(cfg.path);
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", reject);
  });
  try {
    await opened;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ReplayError(`${cfg.path}: ${strerror(Math.abs(err.errno ?? 5))}`, SYSEXITS.NOINPUT);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let first: bigint | undefined;
  let since: bigint | undefined;
  let until: bigint | undefined;
  let previous: bigint | undefined;
  for await (const line of lines) {
    lineNo++;
    if (line.length === 0) continue;
    let rec;
    try {
      rec = parseRecord(line);
    } catch (e) {
      if (e instanceof LogFormatError) throw new ReplayError(`${cfg.path}:${lineNo}: not a dtee capture log record (${e.message})`, SYSEXITS.DATAERR);
      throw e;
    }
    if (!rec) continue;
    if (first === undefined) {
      first = rec.timeNs;
      since = resolveBound(cfg.since, first);
      until = resolveBound(cfg.until, first);
    }
    if (since !== undefined && rec.timeNs < since) continue;
    if (until !== undefined && rec.timeNs > until) break;
    if (!cfg.streams[rec.stream]) continue;
    if (cfg.speed > 0 && previous !== undefined && rec.timeNs > previous) {
      const waitMs = Number(rec.timeNs - previous) / 1e6 / cfg.speed;
      if (waitMs >= 1) await Bun.sleep(waitMs);
    }
    previous = rec.timeNs;
    writeAll(rec.stream === "stdout" ? 1 : 2, rec.bytes);
  }
}
