// The arithmetic of a scenario: per-run records in, one result out. Loss is
// what was written minus what reached the output file; what the producer saw
// (refused, cut, failed writes) must add up to the same figure, and any
// difference is reported as unaccounted rather than hidden.
import { P } from "../sys/platform";
import type { RunRecord, Scenario } from "./relay-run";
import type { WhenFull } from "./profiles";

export interface Stat {
  min: number;
  median: number;
  max: number;
}

/** One row of the results: a profile at one write size, buffer and rate. */
export interface BenchResult {
  profile: string;
  whenFull: WhenFull;
  /** Writes larger than this were cut (0: none). */
  truncateAbove: number;
  writeSize: number;
  /** Socket buffers the kernel used (bytes, from getsockopt). */
  sendBuffer: number;
  receiveBuffer: number;
  /** "profile" for the profile's own buffers, else the --buffers size asked for. */
  bufferSetting: "profile" | number;
  /** Messages per second the producer was paced at; 0 for as fast as it could. */
  rate: number;
  streams: "out" | "both";
  repeats: number;
  messagesPerRun: number;
  /** Delivered messages and bytes per second of each run. */
  messagesPerSecond: Stat;
  bytesPerSecond: Stat;
  /** Run time: producer's first write to the relay's last delivery. */
  seconds: Stat;
  /** Writes the producer made per second (attempted, lost ones included): the write rate. */
  writesPerSecond: Stat;
  // Totals over all repeats.
  messagesWritten: number;
  messagesDelivered: number;
  messagesLost: number;
  /** Writes refused because the queue was full (EAGAIN/ENOBUFS). */
  messagesDropped: number;
  /** Delivered, but cut short. */
  messagesTruncated: number;
  bytesWritten: number;
  bytesDelivered: number;
  bytesLost: number;
  bytesDropped: number;
  bytesTruncated: number;
  /** Writes that failed with an error the writer sees (EMSGSIZE: larger than the buffer). */
  writeErrors: number;
  /** Failed writes by errno name. */
  errors: Record<string, number>;
  /** bytesLost / bytesWritten. */
  lossRatio: number;
  /** bytesLost not explained by what the producer saw (0 unless the relay itself lost data). */
  bytesUnaccounted: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(values: readonly number[]): Stat {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(P.errno).map(([name, n]) => [n, name]));

export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

function perSecond(count: number, ns: number): number {
  return ns > 0 ? (count * 1e9) / ns : 0;
}

/** Combines the measured runs of one scenario into its result. */
export function aggregate(s: Scenario, bufferSetting: "profile" | number, runs: readonly RunRecord[]): BenchResult {
  let messagesWritten = 0;
  let messagesDelivered = 0;
  let bytesWritten = 0;
  let bytesDelivered = 0;
  let dropped = 0;
  let droppedBytes = 0;
  let truncated = 0;
  let truncatedBytes = 0;
  let writeErrors = 0;
  let errorBytes = 0;
  const errors: Record<string, number> = {};
  for (const r of runs) {
    messagesWritten += r.messagesWritten;
    messagesDelivered += r.messagesDelivered;
    bytesWritten += r.bytesWritten;
    bytesDelivered += r.bytesDelivered;
    dropped += r.producer.dropped;
    droppedBytes += r.producer.droppedBytes;
    truncated += r.messagesShort;
    truncatedBytes += r.producer.truncatedBytes;
    writeErrors += r.producer.errors;
    errorBytes += r.producer.errorBytes;
    for (const [code, n] of Object.entries(r.producer.errnos)) {
      const name = errnoName(Number(code));
      errors[name] = (errors[name] ?? 0) + n;
    }
  }
  const bytesLost = bytesWritten - bytesDelivered;
  return {
    profile: s.profile.name,
    whenFull: s.profile.whenFull,
    truncateAbove: s.profile.truncateAbove,
    writeSize: s.writeSize,
    sendBuffer: runs[0]?.sendBuffer ?? 0,
    receiveBuffer: runs[0]?.receiveBuffer ?? 0,
    bufferSetting,
    rate: s.rate,
    streams: s.streams,
    repeats: runs.length,
    messagesPerRun: s.count,
    messagesPerSecond: summarize(runs.map((r) => perSecond(r.messagesDelivered, r.elapsedNs))),
    bytesPerSecond: summarize(runs.map((r) => perSecond(r.bytesDelivered, r.elapsedNs))),
    seconds: summarize(runs.map((r) => r.elapsedNs / 1e9)),
    writesPerSecond: summarize(runs.map((r) => perSecond(r.messagesWritten, r.producer.endNs - r.producer.startNs))),
    messagesWritten,
    messagesDelivered,
    messagesLost: messagesWritten - messagesDelivered,
    messagesDropped: dropped,
    messagesTruncated: truncated,
    bytesWritten,
    bytesDelivered,
    bytesLost,
    bytesDropped: droppedBytes,
    bytesTruncated: truncatedBytes,
    writeErrors,
    errors,
    lossRatio: bytesWritten > 0 ? bytesLost / bytesWritten : 0,
    bytesUnaccounted: bytesLost - droppedBytes - truncatedBytes - errorBytes,
  };
}

/** What is wrong with a result's books; empty when they balance. */
export function checkBooks(r: BenchResult): string[] {
  const problems: string[] = [];
  if (r.bytesWritten - r.bytesLost !== r.bytesDelivered) problems.push("bytesWritten - bytesLost != bytesDelivered");
  if (r.messagesWritten - r.messagesLost !== r.messagesDelivered)
    problems.push("messagesWritten - messagesLost != messagesDelivered");
  if (r.bytesLost < 0) problems.push("more bytes delivered than written");
  if (r.bytesUnaccounted !== 0) problems.push(`${r.bytesUnaccounted} bytes lost without the writer seeing it`);
  return problems;
}
