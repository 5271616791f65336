// The arithmetic of a scenario: per-run records in, one result out. Loss is
// what was written minus what reached the output file; what the producer saw
// (refused, cut, failed writes) and what the relay's receive side saw
// (datagrams without a sender address) must add up to the same figure, and
// any difference is reported as unaccounted rather than hidden.
import { P } from "../sys/platform";
import type { EmulatedBuffer, RunRecord, Scenario } from "./relay-run";
import type { ProfileName, WhenFull } from "./profiles";
import type { TimeStat } from "./repeat";

export interface Stat {
  min: number;
  median: number;
  max: number;
}

/** One row of the results: a profile at one write size, buffer and rate. */
export interface BenchResult {
  profile: ProfileName;
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

/**
 * {min, median, max} of per-run rates. Not mitata's to summarise: it times a
 * benchmarked call, and a lossy run delivers a different amount each time,
 * so a run's rate is its own delivery over its own time.
 */
export function summarize(values: readonly number[]): Stat {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(P.errno).map(([name, n]) => [n, name]));

function perSecond(count: number, ns: number): number {
  return ns > 0 ? (count * 1e9) / ns : 0;
}

/** Combines the measured runs of one scenario into its result; `seconds` are mitata's time statistics. */
export function aggregate(
  s: Scenario,
  bufferSetting: "profile" | number,
  runs: readonly RunRecord[],
  seconds: TimeStat,
): BenchResult {
  const sum = (f: (r: RunRecord) => number) => runs.reduce((a, r) => a + f(r), 0);
  const errors: Record<string, number> = {};
  for (const r of runs) {
    for (const [code, n] of Object.entries(r.producer.errnos)) {
      const name = ERRNO_NAMES[Number(code)] ?? `errno ${code}`;
      errors[name] = (errors[name] ?? 0) + n;
    }
  }
  const messagesWritten = sum((r) => r.messagesWritten);
  const messagesDelivered = sum((r) => r.messagesDelivered);
  const bytesWritten = sum((r) => r.bytesWritten);
  const bytesDelivered = sum((r) => r.bytesDelivered);
  const bytesLost = bytesWritten - bytesDelivered;
  const bytesDropped = sum((r) => r.producer.droppedBytes);
  const bytesTruncated = sum((r) => r.producer.truncatedBytes);
  const bytesIgnored = sum((r) => r.receive.ignoredBytes);
  const bufferFull = sum((r) => r.producer.overflows);
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
    seconds,
    writesPerSecond: summarize(runs.map((r) => perSecond(r.messagesWritten, r.producer.endNs - r.producer.startNs))),
    messagesWritten,
    messagesDelivered,
    messagesLost: messagesWritten - messagesDelivered,
    messagesDropped: sum((r) => r.producer.dropped),
    messagesTruncated: sum((r) => r.messagesShort),
    bytesWritten,
    bytesDelivered,
    bytesLost,
    bytesDropped,
    bytesTruncated,
    writeErrors: sum((r) => r.producer.errors),
    errors,
    lossRatio: bytesWritten > 0 ? bytesLost / bytesWritten : 0,
    bytesUnaccounted: bytesLost - bytesDropped - bytesTruncated - sum((r) => r.producer.errorBytes) - bytesIgnored,
    messagesLostBufferFull: bufferFull,
    bytesLostBufferFull: bufferFull * s.writeSize,
    receiveErrors: sum((r) => r.receive.errors),
    messagesLostReported: sum((r) => r.receive.lossReported),
    messagesIgnored: sum((r) => r.receive.ignored),
    bytesIgnored,
    writesTruncated: sum((r) => r.producer.truncated),
    transportStalls: sum((r) => r.producer.stalls),
    unsupported: s.profile.unsupported,
    emulatedBuffer: runs[0]?.emulation ?? null,
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
