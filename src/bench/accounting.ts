// The arithmetic of a scenario: per-run records in, one result out. Loss is
// what was written minus what reached the output file; what the producer saw
// (refused, cut, failed writes) and what the relay's receive side saw
// (datagrams without a sender address) must add up to the same figure, and
// any difference is reported as unaccounted rather than hidden.
import { P } from "../sys/platform";
import type { EmulatedBuffer, RunRecord, Scenario } from "./relay-run";
import type { WhenFull } from "./profiles";
import type { TimeStat } from "./repeat";

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
  /** The bytes per second that pace came from (--byte-rates); 0 when paced by writes or not at all. */
  byteRate: number;
  /** Datagrams the relay took per receive call; 0: its own batch. */
  batch: number;
  streams: "out" | "both";
  repeats: number;
  messagesPerRun: number;
  /** Delivered messages and bytes per second of each run. */
  messagesPerSecond: Stat;
  bytesPerSecond: Stat;
  /** Run time: producer's first write to the relay's last delivery (mitata's statistics). */
  seconds: TimeStat;
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
  /** bytesLost not explained by what the producer and the receive side saw (0 unless the relay itself lost data). */
  bytesUnaccounted: number;
  // Receive-side loss causes (schema 1 additions).
  /** Datagrams the (emulated) receive buffer had no room for: lost there, the writer got ENOBUFS. */
  messagesLostBufferFull: number;
  bytesLostBufferFull: number;
  /** Receive calls that failed with ENOBUFS, reporting that loss to the relay (NetBSD). */
  receiveErrors: number;
  /** Of messagesLostBufferFull, those a receive error reported. */
  messagesLostReported: number;
  /** Datagrams the relay received without a sender address it knows, and ignored (the Hurd). */
  messagesIgnored: number;
  bytesIgnored: number;
  /** Writes cut at the profile's truncation size (delivered or not). */
  writesTruncated: number;
  /** Times an admitted write waited for Linux's transport (the emulation's limit; 0 when it held). */
  transportStalls: number;
  /** Why dtee does not work at all under this profile; null where it does. */
  unsupported: string | null;
  /** The BSD receive buffer the run emulated; null for the others. */
  emulatedBuffer: EmulatedBuffer | null;
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

/** Combines the measured runs of one scenario into its result; `seconds` are mitata's time statistics. */
export function aggregate(
  s: Scenario,
  bufferSetting: "profile" | number,
  runs: readonly RunRecord[],
  seconds?: TimeStat,
): BenchResult {
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
  let bufferFull = 0;
  let receiveErrors = 0;
  let lostReported = 0;
  let ignored = 0;
  let ignoredBytes = 0;
  let cutWrites = 0;
  let stalls = 0;
  const errors: Record<string, number> = {};
  for (const r of runs) {
    bufferFull += r.producer.overflows ?? 0;
    receiveErrors += r.receive.errors;
    lostReported += r.receive.lossReported;
    ignored += r.receive.ignored;
    ignoredBytes += r.receive.ignoredBytes;
    cutWrites += r.producer.truncated;
    stalls += r.producer.stalls ?? 0;
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
    byteRate: s.byteRate ?? 0,
    batch: s.batch ?? 0,
    streams: s.streams,
    repeats: runs.length,
    messagesPerRun: s.count,
    messagesPerSecond: summarize(runs.map((r) => perSecond(r.messagesDelivered, r.elapsedNs))),
    bytesPerSecond: summarize(runs.map((r) => perSecond(r.bytesDelivered, r.elapsedNs))),
    seconds: seconds ?? timeStat(runs.map((r) => r.elapsedNs / 1e9)),
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
    bytesUnaccounted: bytesLost - droppedBytes - truncatedBytes - errorBytes - ignoredBytes,
    messagesLostBufferFull: bufferFull,
    bytesLostBufferFull: bufferFull * s.writeSize,
    receiveErrors,
    messagesLostReported: lostReported,
    messagesIgnored: ignored,
    bytesIgnored: ignoredBytes,
    writesTruncated: cutWrites,
    transportStalls: stalls,
    unsupported: s.profile.unsupported,
    emulatedBuffer: runs[0]?.emulation ?? null,
  };
}

/** The same summary as mitata's, for runs it did not time (tests). */
function timeStat(values: readonly number[]): TimeStat {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.floor(q * (s.length - 1))] ?? Number.NaN;
  const avg = s.length ? s.reduce((a, v) => a + v, 0) / s.length : Number.NaN;
  return { min: at(0), median: at(0.5), max: at(1), avg, p75: at(0.75), p99: at(0.99) };
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
