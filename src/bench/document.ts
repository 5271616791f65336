// The machine-readable results (dtee-bench --json), schema 1. Keep it stable:
// add fields, never rename or drop them; a change of meaning bumps `schema`.
import { VERSION } from "../version";
import type { BenchResult, Stat } from "./accounting";
import type { Comparison } from "./compare";
import type { MachineInfo } from "./machine";
import type { MatrixOptions } from "./matrix";
import { PROFILES, type Profile } from "./profiles";

export const SCHEMA = 1;

export interface BenchDocument {
  schema: typeof SCHEMA;
  tool: "dtee-bench";
  version: string;
  machine: MachineInfo;
  /** ISO 8601 times the run started and finished. */
  started: string;
  finished: string;
  options: {
    quick: boolean;
    repeats: number;
    sizes: number[];
    profiles: string[];
    buffers: ("profile" | number)[];
    rates: number[];
    byteRates: number[];
    batch: number;
    streams: "out" | "both";
    budgetBytes: number;
    minMessages: number;
    maxMessages: number;
    /** True when mitata drove the repeats. */
    mitata: boolean;
  };
  /** The profile table the runs emulated. */
  profiles: Profile[];
  results: BenchResult[];
  /** Whole-command comparisons (--compare, --tools); empty when not asked for. */
  comparisons: Comparison[];
}

export function buildDocument(p: {
  machine: MachineInfo;
  started: Date;
  finished: Date;
  quick: boolean;
  matrix: MatrixOptions;
  mitata: boolean;
  results: BenchResult[];
  comparisons: Comparison[];
}): BenchDocument {
  const m = p.matrix;
  return {
    schema: SCHEMA,
    tool: "dtee-bench",
    version: VERSION,
    machine: p.machine,
    started: p.started.toISOString(),
    finished: p.finished.toISOString(),
    options: {
      quick: p.quick,
      repeats: m.repeats,
      sizes: [...m.sizes],
      profiles: [...m.profiles],
      buffers: [...m.buffers],
      rates: [...m.rates],
      byteRates: [...m.byteRates],
      batch: m.batch,
      streams: m.streams,
      budgetBytes: m.budgetBytes,
      minMessages: m.minMessages,
      maxMessages: m.maxMessages,
      mitata: p.mitata,
    },
    profiles: PROFILES.filter((x) => m.profiles.includes(x.name)),
    results: p.results,
    comparisons: p.comparisons,
  };
}

/** JSON with non-finite numbers as null (JSON has no NaN). */
export function renderJson(doc: BenchDocument): string {
  return JSON.stringify(doc, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

const STAT_FIELDS = ["messagesPerSecond", "bytesPerSecond"] as const;
const COUNT_FIELDS = [
  "writeSize",
  "sendBuffer",
  "receiveBuffer",
  "repeats",
  "bytesWritten",
  "bytesDelivered",
  "bytesLost",
  "messagesLost",
  "writeErrors",
] as const;

function isStat(v: unknown): v is Stat {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return ["min", "median", "max"].every((k) => typeof s[k] === "number" || s[k] === null);
}

/** What a parsed document lacks against schema 1; empty when it conforms. */
export function checkDocument(doc: unknown): string[] {
  const problems: string[] = [];
  if (typeof doc !== "object" || doc === null) return ["not an object"];
  const d = doc as Record<string, unknown>;
  if (d.schema !== SCHEMA) problems.push(`schema is ${String(d.schema)}, not ${SCHEMA}`);
  if (d.tool !== "dtee-bench") problems.push("tool is not dtee-bench");
  if (typeof d.version !== "string") problems.push("version missing");
  if (typeof d.machine !== "object" || d.machine === null) problems.push("machine missing");
  if (!Array.isArray(d.results)) return [...problems, "results missing"];
  d.results.forEach((r: unknown, i: number) => {
    const where = `results[${i}]`;
    if (typeof r !== "object" || r === null) {
      problems.push(`${where}: not an object`);
      return;
    }
    const x = r as Record<string, unknown>;
    if (typeof x.profile !== "string") problems.push(`${where}.profile missing`);
    for (const f of COUNT_FIELDS) if (typeof x[f] !== "number") problems.push(`${where}.${f} missing`);
    for (const f of STAT_FIELDS) if (!isStat(x[f])) problems.push(`${where}.${f} is not {min, median, max}`);
    const w = x.bytesWritten as number;
    const l = x.bytesLost as number;
    const dl = x.bytesDelivered as number;
    if (typeof w === "number" && typeof l === "number" && typeof dl === "number" && w - l !== dl) {
      problems.push(`${where}: bytesWritten - bytesLost != bytesDelivered`);
    }
  });
  return problems;
}
