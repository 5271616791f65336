// The chart (dtee-bench --svg FILE): delivered throughput (log scale, with
// min-max bars) and bytes lost (%) against write size (log scale), one line
// per profile. Plain SVG 1.1, no scripts or external fonts.
import type { BenchDocument } from "./document";
import type { BenchResult } from "./accounting";
import type { ProfileName } from "./profiles";
import { formatSizeShort } from "./units";

const COLORS: Record<ProfileName, string> = {
  native: "#222222",
  linux: "#1f77b4",
  freebsd: "#d62728",
  openbsd: "#ff7f0e",
  darwin: "#9467bd",
  netbsd: "#8c564b",
  dragonfly: "#e377c2",
  hurd: "#2ca02c",
  cygwin: "#17becf",
};
const DASHES = ["", "6 3", "2 3", "8 3 2 3"];
const MARKERS = ["circle", "square", "triangle", "diamond"] as const;

interface Series {
  label: string;
  color: string;
  dash: string;
  marker: (typeof MARKERS)[number];
  points: BenchResult[];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function seriesOf(results: readonly BenchResult[]): Series[] {
  const map = new Map<string, Series>();
  const variants = new Map<string, number>();
  let profileIndex = 0;
  const profileOrder = new Map<string, number>();
  for (const r of results) {
    const key = `${r.profile}|${r.bufferSetting}|${r.byteRate || r.rate}|${r.streams}|${r.batch}`;
    let s = map.get(key);
    if (!s) {
      if (!profileOrder.has(r.profile)) profileOrder.set(r.profile, profileIndex++);
      const variant = variants.get(r.profile) ?? 0;
      variants.set(r.profile, variant + 1);
      const extra: string[] = [];
      if (r.bufferSetting !== "profile") extra.push(`buf ${formatSizeShort(r.bufferSetting)}`);
      if (r.byteRate) extra.push(`${formatSizeShort(r.byteRate)}B/s`);
      else if (r.rate > 0) extra.push(`${r.rate}/s`);
      if (r.batch) extra.push(`batch ${r.batch}`);
      const p = profileOrder.get(r.profile)!;
      s = {
        label: extra.length ? `${r.profile} (${extra.join(", ")})` : r.profile,
        color: COLORS[r.profile],
        dash: DASHES[variant % DASHES.length]!,
        marker: MARKERS[p % MARKERS.length]!,
        points: [],
      };
      map.set(key, s);
    }
    s.points.push(r);
  }
  for (const s of map.values()) s.points.sort((a, b) => a.writeSize - b.writeSize);
  return [...map.values()];
}

function marker(kind: Series["marker"], x: number, y: number, color: string): string {
  const r = 3.5;
  const f = (n: number) => n.toFixed(1);
  switch (kind) {
    case "circle":
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}" fill="${color}"/>`;
    case "square":
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case "triangle":
      return `<path d="M${f(x)} ${f(y - r - 1)}L${f(x + r + 0.5)} ${f(y + r)}L${f(x - r - 0.5)} ${f(y + r)}Z" fill="${color}"/>`;
    case "diamond":
      return `<path d="M${f(x)} ${f(y - r - 1)}L${f(x + r + 1)} ${f(y)}L${f(x)} ${f(y + r + 1)}L${f(x - r - 1)} ${f(y)}Z" fill="${color}"/>`;
  }
}

function mibLabel(v: number): string {
  if (v >= 1) return `${v.toLocaleString("en-US")}`;
  return String(Number(v.toPrecision(1)));
}

export function renderSvg(doc: BenchDocument): string {
  const results = doc.results;
  const series = seriesOf(results);
  const W = 980;
  const left = 78;
  const legendWidth = 200;
  const right = W - legendWidth - 20;
  const top1 = 74;
  const h1 = 330;
  const top2 = top1 + h1 + 62;
  const h2 = 190;
  const H = top2 + h2 + 58;

  const sizes = [...new Set(results.map((r) => r.writeSize))].sort((a, b) => a - b);
  const lo = Math.log2(sizes[0] ?? 1);
  const hi = Math.log2(sizes[sizes.length - 1] ?? 2);
  const span = hi - lo || 1;
  const pad = 18;
  const x = (size: number) => left + pad + ((Math.log2(size) - lo) / span) * (right - left - 2 * pad);

  const mibs = results
    .flatMap((r) => [r.bytesPerSecond.min, r.bytesPerSecond.max, r.bytesPerSecond.median])
    .map((b) => b / 1048576)
    .filter((v) => v > 0 && Number.isFinite(v));
  const yLo = Math.floor(Math.log10(mibs.length ? Math.min(...mibs) : 0.01));
  let yHi = Math.ceil(Math.log10(mibs.length ? Math.max(...mibs) : 1000));
  if (yHi === yLo) yHi++;
  const y1 = (mib: number) => top1 + h1 - ((Math.log10(mib) - yLo) / (yHi - yLo)) * h1;
  const padLoss = 12; // room inside the frame for 0% and 100% lines
  const y2 = (ratio: number) => top2 + padLoss + (1 - ratio) * (h2 - 2 * padLoss);

  const o: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = "") =>
    `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}"${attrs ? " " + attrs : ""}>${escapeXml(s)}</text>`;
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  const m = doc.machine;
  o.push(
    text(left, 26, "dtee-bench: datagram relay throughput and loss by write size", `font-size="17" font-weight="bold"`),
  );
  o.push(
    text(
      left,
      46,
      `dtee ${doc.version}, ${m.os} ${m.kernel} ${m.arch}, ${m.cpus} CPUs (${m.cpuModel}), Bun ${m.bun}${m.compiled ? " compiled" : ""}; ${doc.started.slice(0, 16).replace("T", " ")} UTC; median of ${doc.options.repeats} runs, bars min-max`,
      `fill="#555"`,
    ),
  );

  // Panel frames, grid and axes.
  const panel = (top: number, h: number, title: string) => {
    o.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${h}" fill="none" stroke="#999"/>`);
    o.push(text(left, top - 8, title, `font-weight="bold"`));
  };
  panel(top1, h1, "Delivered throughput (MiB/s, log scale)");
  panel(top2, h2, "Bytes lost (% of bytes written)");
  for (let d = yLo; d <= yHi; d++) {
    const v = 10 ** d;
    const yy = y1(v);
    o.push(`<line x1="${left}" y1="${yy.toFixed(1)}" x2="${right}" y2="${yy.toFixed(1)}" stroke="#e3e3e3"/>`);
    o.push(text(left - 6, yy + 4, mibLabel(v), `text-anchor="end" fill="#333"`));
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    const yy = y2(p);
    o.push(`<line x1="${left}" y1="${yy.toFixed(1)}" x2="${right}" y2="${yy.toFixed(1)}" stroke="#e3e3e3"/>`);
    o.push(text(left - 6, yy + 4, `${p * 100}%`, `text-anchor="end" fill="#333"`));
  }
  for (const s of sizes) {
    const xx = x(s);
    for (const [top, h] of [
      [top1, h1],
      [top2, h2],
    ] as const) {
      o.push(`<line x1="${xx.toFixed(1)}" y1="${top}" x2="${xx.toFixed(1)}" y2="${top + h}" stroke="#eeeeee"/>`);
    }
    o.push(text(xx, top1 + h1 + 16, formatSizeShort(s), `text-anchor="middle" fill="#333"`));
    o.push(text(xx, top2 + h2 + 17, formatSizeShort(s), `text-anchor="middle" fill="#333"`));
  }
  o.push(text((left + right) / 2, top2 + h2 + 40, "write size (bytes per write, log scale)", `text-anchor="middle"`));
  o.push(text((left + right) / 2, top1 + h1 + 34, "write size", `text-anchor="middle" fill="#555"`));

  // Data: min-max bars and lines on top, loss below.
  series.forEach((s, index) => {
    // Equal losses (0%, 100%) would hide lines under each other: spread them a little.
    const nudge = (index - (series.length - 1) / 2) * 1.1;
    const yLoss = (r: BenchResult) => y2(Math.min(1, Math.max(0, r.lossRatio))) + nudge;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    const tp = s.points.filter((r) => r.bytesPerSecond.median > 0);
    for (const r of tp) {
      const mn = r.bytesPerSecond.min / 1048576;
      const mx = r.bytesPerSecond.max / 1048576;
      if (mn > 0 && mx > mn) {
        o.push(
          `<line x1="${x(r.writeSize).toFixed(1)}" y1="${y1(mn).toFixed(1)}" x2="${x(r.writeSize).toFixed(1)}" y2="${y1(mx).toFixed(1)}" stroke="${s.color}" stroke-opacity="0.45" stroke-width="2"/>`,
        );
      }
    }
    // A write size that delivered nothing breaks the line (log scale has no zero).
    let path = "";
    let prev = -1;
    for (const r of s.points) {
      const i = sizes.indexOf(r.writeSize);
      if (r.bytesPerSecond.median > 0) {
        path += `${prev === i - 1 && path ? "L" : "M"}${x(r.writeSize).toFixed(1)} ${y1(r.bytesPerSecond.median / 1048576).toFixed(1)}`;
        prev = i;
      } else {
        prev = -2;
      }
    }
    if (path) o.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const r of tp) o.push(marker(s.marker, x(r.writeSize), y1(r.bytesPerSecond.median / 1048576), s.color));
    const lp = s.points.map((r, i) => `${i ? "L" : "M"}${x(r.writeSize).toFixed(1)} ${yLoss(r).toFixed(1)}`).join("");
    if (lp) o.push(`<path d="${lp}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const r of s.points) o.push(marker(s.marker, x(r.writeSize), yLoss(r), s.color));
  });

  // Legend.
  const lx = right + 22;
  o.push(text(lx, top1 + 4, "profile", `font-weight="bold"`));
  series.forEach((s, i) => {
    const ly = top1 + 24 + i * 21;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    o.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    o.push(marker(s.marker, lx + 14, ly - 4, s.color));
    const r0 = s.points[0];
    const how = r0 ? ` (${r0.unsupported ? "unsupported" : r0.whenFull})` : "";
    o.push(text(lx + 36, ly, `${s.label}${how}`));
  });
  const noteY = top1 + 24 + series.length * 21 + 10;
  const notes = [
    "Missing points on top:",
    "nothing delivered (all lost).",
    "",
    "drop/error: the writer never",
    "waits; the relay's receive",
    "buffer is that BSD kernel's",
    "(bytes and mbufs), emulated.",
    "unsupported: no sender",
    "addresses, all ignored.",
    "",
    "Loss lines are spread by",
    "a pixel or two so equal",
    "values stay visible.",
  ];
  notes.forEach((line, i) => {
    if (line) o.push(text(lx, noteY + i * 14, line, `fill="#555" font-size="11"`));
  });
  o.push("</svg>");
  return o.join("\n") + "\n";
}
