// The readable report: a header saying what was measured where, one table row
// per scenario (grouped by profile), and the whole-command comparison.
import type { BenchDocument } from "./document";
import type { BenchResult } from "./accounting";
import type { Comparison } from "./compare";
import { formatBytes, formatCount, formatMiBps, formatPercent, formatSizeShort } from "./units";

type Align = "l" | "r";

/** Plain columns separated by two spaces; blank rows (null) become separators. */
export function renderColumns(
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

function buffers(r: BenchResult): string {
  return `${formatSizeShort(r.sendBuffer)}/${formatSizeShort(r.receiveBuffer)}`;
}

function range(min: number, max: number): string {
  return `${formatMiBps(min)}-${formatMiBps(max)}`;
}

export function resultRows(results: readonly BenchResult[], paced: boolean): (string[] | null)[] {
  const rows: (string[] | null)[] = [];
  let last = "";
  for (const r of results) {
    const group = `${r.profile}/${r.bufferSetting}/${r.rate}`;
    if (last && group !== last) rows.push(null);
    const first = group !== last;
    last = group;
    const notes: string[] = [];
    if (r.messagesTruncated) notes.push(`${formatCount(r.messagesTruncated)} cut`);
    if (r.messagesDropped) notes.push(`${formatCount(r.messagesDropped)} dropped`);
    for (const [name, n] of Object.entries(r.errors))
      if (name !== "EAGAIN" && name !== "ENOBUFS") notes.push(`${formatCount(n)} ${name}`);
    if (r.bytesUnaccounted !== 0) notes.push(`! ${formatBytes(Math.abs(r.bytesUnaccounted))} unaccounted`);
    rows.push([
      first ? r.profile : "",
      first ? r.whenFull : "",
      formatBytes(r.writeSize),
      buffers(r),
      ...(paced ? [r.rate > 0 ? formatCount(r.rate) : "max"] : []),
      formatCount(r.messagesPerRun),
      formatCount(r.writesPerSecond.median),
      formatCount(r.messagesPerSecond.median),
      formatMiBps(r.bytesPerSecond.median),
      range(r.bytesPerSecond.min, r.bytesPerSecond.max),
      formatPercent(r.lossRatio),
      formatCount(r.messagesLost),
      formatCount(r.writeErrors),
      notes.join(", "),
    ]);
  }
  return rows;
}

export function renderResults(results: readonly BenchResult[]): string {
  // The pace column only when some run was paced.
  const paced = results.some((r) => r.rate > 0);
  const headers = [
    "profile",
    "when full",
    "write",
    "snd/rcv buf",
    ...(paced ? ["pace/s"] : []),
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

export function renderComparisons(comparisons: readonly Comparison[]): string {
  if (comparisons.length === 0) return "";
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
    `(lost writes included); msg/s, MiB/s: what was delivered; loss: written minus what reached the file.\n\n`;
  text += renderResults(doc.results);
  if (doc.comparisons.length) {
    text +=
      `\nWhole commands (start-up included): CMD -O FILE dd if=/dev/zero bs=SIZE count=N status=none,\n` +
      `or dd ... | tee FILE, dd ... | multitee 0-1,3 3>FILE; (Nx) is dtee (this) over that command.\n\n`;
    text += renderComparisons(doc.comparisons);
  }
  return text;
}
