// Byte sizes and rates: parsing what people type (4096, 4k, 1M, 4MiB) and
// printing short, readable figures.

/** Binary multiples for sizes. */
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
/** Decimal multiples for counts. */
const COUNT_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6 };

/** A number with an optional unit from `units` (case-insensitive); undefined unless a safe integer results. */
function parseScaled(text: string, units: Record<string, number>): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const mult = m ? units[m[2]!.toLowerCase()] : undefined;
  if (mult === undefined) return undefined;
  const n = Number(m![1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** "4096", "4k", "1M", "4MiB" (binary multiples) to bytes; undefined if not a size. */
export function parseSize(text: string): number | undefined {
  return parseScaled(text, SIZE_UNITS);
}

/** A non-negative integer count ("20000", "20k" meaning 20,000 here). */
export function parseCount(text: string): number | undefined {
  return parseScaled(text, COUNT_UNITS);
}

/** 1 B, 512 B, 4 KiB, 1.5 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim(v)} ${units[i]}`;
}

/** The write sizes as the chart's axis labels: 1, 64, 512, 4K, 8K, 64K, 256K, 1M, 4M. */
export function formatSizeShort(n: number): string {
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** 950, 12.3k, 4.56M, 1.2G (decimal, for counts and rates). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "-";
  const a = Math.abs(n);
  if (a < 1000) return trim(n, a < 10 && a !== Math.floor(a) ? 2 : 0);
  if (a < 1e6) return `${trim(n / 1e3)}k`;
  if (a < 1e9) return `${trim(n / 1e6)}M`;
  return `${trim(n / 1e9)}G`;
}

/** Bytes per second as MiB/s with three significant digits. */
export function formatMiBps(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond)) return "-";
  const v = bytesPerSecond / 1024 ** 2;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return "-";
  if (ratio === 0) return "0%";
  if (ratio === 1) return "100%";
  const p = ratio * 100;
  if (p < 0.1) return "<0.1%";
  if (p > 99.9 && p < 100) return ">99.9%";
  return `${p.toFixed(1)}%`;
}

function trim(v: number, digits?: number): string {
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toFixed(d).replace(/\.0+$|(\.\d*?)0+$/, "$1");
}
