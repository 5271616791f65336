// The readable report: a header saying what was measured where, one table row
// per scenario (grouped by profile), and the whole-command comparison.
import type { BenchDocument } from "./document";
import type { BenchResult } from "./accounting";
import type { Comparison } from "./compare";
import { formatBytes, formatCount, formatMiBps, formatPercent, formatSizeShort } from "./units";

type Align = "l" | "r";

/** Plain columns separated by two spaces; blank rows (null) become separators. */
function renderColumns(
  headers: readonly string[],
  align: readonly Align[],
  rows: readonly (readonly string[] | null)[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r ? r[i]!.length : 0))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === "r" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(headers)];
  for (const r of rows) out.push(r ? line(r) : "");
  return out.join("\n") + "\n";
}

/** A buffer size in the table: 256K, 8M, or 409.6K where the kernel's size is not a round one. */
function bufferSize(n: number): string {
  if (n >= 1024 && n % 1024 !== 0) return `${(n / 1024).toFixed(1)}K`;
  return formatSizeShort(n);
}

/** The pace column: writes/s, or the bytes/s it was made from, or max. */
function pace(r: BenchResult): string {
  if (r.byteRate) return `${formatSizeShort(r.byteRate)}B/s`;
  return r.rate > 0 ? formatCount(r.rate) : "max";
}

function resultRows(results: readonly BenchResult[], paced: boolean): (string[] | null)[] {
  const rows: (string[] | null)[] = [];
  let last = "";
  for (const r of results) {
    const group = `${r.profile}/${r.bufferSetting}/${r.byteRate || r.rate}/${r.batch}`;
    if (last && group !== last) rows.push(null);
    const first = group !== last;
    last = group;
    rows.push([
      first ? r.profile : "",
      first ? r.whenFull : "",
      formatBytes(r.writeSize),
      `${bufferSize(r.sendBuffer)}/${bufferSize(r.receiveBuffer)}`,
      ...(paced ? [pace(r)] : []),
      formatCount(r.messagesPerRun),
      formatCount(r.writesPerSecond.median),
      formatCount(r.messagesPerSecond.median),
      formatMiBps(r.bytesPerSecond.median),
      `${formatMiBps(r.bytesPerSecond.min)}-${formatMiBps(r.bytesPerSecond.max)}`,
      formatPercent(r.lossRatio),
      formatCount(r.messagesLost),
      formatCount(r.writeErrors),
      notesOf(r).join(", "),
    ]);
  }
  return rows;
}

/** Why what was lost was lost, in the table's words. */
function notesOf(r: BenchResult): string[] {
  const notes: string[] = [];
  const fullBuffer = r.messagesLostBufferFull;
  if (r.unsupported) notes.push("unsupported");
  if (r.messagesIgnored) notes.push(`${formatCount(r.messagesIgnored)} ignored: no sender address`);
  if (r.writesTruncated) notes.push(`${formatCount(r.writesTruncated)} cut`);
  if (fullBuffer) notes.push(`${formatCount(fullBuffer)} lost: buffer full`);
  if (r.messagesDropped > fullBuffer) notes.push(`${formatCount(r.messagesDropped - fullBuffer)} dropped`);
  if (r.receiveErrors) notes.push(`${formatCount(r.receiveErrors)} receive errors`);
  for (const [name, count] of Object.entries(r.errors)) {
    // ENOBUFS from a full emulated buffer is the loss noted above; from Linux it is a failed write.
    const n = name === "ENOBUFS" ? count - fullBuffer : name === "EAGAIN" ? 0 : count;
    if (n > 0) notes.push(`${formatCount(n)} ${name}`);
  }
  if (r.transportStalls) notes.push(`${formatCount(r.transportStalls)} stalls`);
  if (r.bytesUnaccounted !== 0) notes.push(`! ${formatBytes(Math.abs(r.bytesUnaccounted))} unaccounted`);
  return notes;
}

export function renderResults(results: readonly BenchResult[]): string {
  // The pace column only when some run was paced.
  const paced = results.some((r) => r.rate > 0);
  const headers = [
    "profile",
    "when full",
    "write",
    "snd/rcv buf",
    ...(paced ? ["pace"] : []),
    "writes",
    "writes/s",
    "msg/s",
    "MiB/s",
    "MiB/s range",
    "bytes lost",
    "msgs lost",
    "errors",
    "notes",
  ];
  const align: Align[] = ["l", "l", ...headers.slice(2, -1).map((): Align => "r"), "l"];
  return renderColumns(headers, align, resultRows(results, paced));
}

/** The whole-command table: a row per write size, a column per command. */
export function renderComparisons(comparisons: readonly Comparison[]): string {
  const names = comparisons[0]!.commands.map((c) => c.name);
  const headers = ["write", "writes", ...names];
  const rows = comparisons.map((cmp) => [
    formatBytes(cmp.writeSize),
    formatCount(cmp.messages),
    ...cmp.commands.map((c) => {
      const rate = `${formatCount(c.messagesPerSecond.median)} msg/s`;
      const lost = c.bytesLost > 0 ? ` lost ${formatPercent(c.bytesLost / c.bytesWritten)}` : "";
      const ratio = c.kind === "self" ? "" : c.ratio === null ? " (-)" : ` (${c.ratio.toFixed(2)}x)`;
      return rate + ratio + lost;
    }),
  ]);
  return renderColumns(headers, ["r", "r", ...names.map((): Align => "r")], rows);
}

/**
 * Below the table: the receive buffers the BSD rows emulated (how many
 * datagrams of each size fit), why a row is unsupported, and the page's
 * other warnings.
 */
function renderProfileNotes(doc: BenchDocument): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const r of doc.results) {
    if (seen.has(r.profile)) continue;
    seen.add(r.profile);
    const p = doc.profiles.find((x) => x.name === r.profile);
    const e = r.emulatedBuffer;
    if (e) {
      // By write size once, however many paces ran at it.
      const bySize = new Map<number, number>();
      for (const x of doc.results) {
        if (x.profile === r.profile && x.bufferSetting === r.bufferSetting && x.emulatedBuffer)
          bySize.set(x.writeSize, x.emulatedBuffer.records);
      }
      const held = [...bySize].map(([size, records]) => `${formatSizeShort(size)}: ${records}`);
      lines.push(
        `${r.profile}: ${e.system} receive buffer emulated: sb_hiwat ${formatBytes(e.hiwat)}, sb_mbmax ${formatBytes(e.mbmax)}, ` +
          `writes above ${formatBytes(e.sendLimit)} fail (EMSGSIZE); datagrams it holds by write size: ${held.join(", ")}` +
          (r.whenFull === "error" ? "; a full buffer is reported to the relay as ENOBUFS on receive" : ""),
      );
    }
    if (p?.unsupported) lines.push(`${r.profile}: unsupported: ${p.unsupported}`);
    if (p?.caveat) lines.push(`${r.profile}: not measured: ${p.caveat}`);
  }
  return lines.length ? `\n${lines.map((l) => wrap(l, 100)).join("\n")}\n` : "";
}

/** Wraps a note at `width` columns, continuation lines indented. */
function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = `    ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join("\n");
}

export function renderReport(doc: BenchDocument): string {
  const m = doc.machine;
  const when = doc.started.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const limits: string[] = [];
  if (m.limits.sendBufferMax !== null) limits.push(`wmem_max ${formatBytes(m.limits.sendBufferMax)}`);
  if (m.limits.sendBufferDefault !== null) limits.push(`wmem_default ${formatBytes(m.limits.sendBufferDefault)}`);
  if (m.limits.maxDatagramQueue !== null) limits.push(`max_dgram_qlen ${m.limits.maxDatagramQueue}`);
  const o = doc.options;
  let text =
    `dtee-bench ${doc.version}: throughput and loss of dtee's datagram relay\n` +
    `${m.os} ${m.kernel} ${m.arch}, ${m.cpus} CPU${m.cpus === 1 ? "" : "s"} (${m.cpuModel}), Bun ${m.bun}${m.compiled ? " (compiled)" : ""}; ${when}\n` +
    (limits.length ? `${limits.join(", ")}\n` : "") +
    `${o.repeats} measured run${o.repeats === 1 ? "" : "s"} per row after a warm-up; medians. writes/s: the writer's rate\n` +
    `(lost writes included); msg/s, MiB/s: what was delivered; loss: written minus what reached the file.\n` +
    (o.batch ? `The relay took at most ${o.batch} datagram${o.batch === 1 ? "" : "s"} per receive call (--batch).\n` : "") +
    `\n`;
  text += renderResults(doc.results);
  text += renderProfileNotes(doc);
  if (doc.comparisons.length) {
    text +=
      `\nWhole commands (start-up included): CMD -O FILE dd if=/dev/zero bs=SIZE count=N status=none,\n` +
      `or dd ... | tee FILE, dd ... | multitee 0-1,3 3>FILE; (Nx) is dtee (this) over that command.\n\n`;
    text += renderComparisons(doc.comparisons);
  }
  return text;
}
