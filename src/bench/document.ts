// The machine-readable results (dtee-bench --json), schema 1. Keep it stable:
// add fields, never rename or drop them; a change of meaning bumps `schema`.
import { VERSION } from "../version";
import type { BenchResult } from "./accounting";
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
  /** The matrix as run; `mitata` says mitata drove the repeats, which it always does (schema 1 keeps the field). */
  options: { quick: boolean } & MatrixOptions & { mitata: true };
  /** The profile table the runs emulated. */
  profiles: Profile[];
  results: BenchResult[];
  /** Whole-command comparisons (--compare, --tools); empty when not asked for. */
  comparisons: Comparison[];
}

export function buildDocument(
  machine: MachineInfo,
  started: Date,
  run: { quick: boolean; matrix: MatrixOptions },
  results: BenchResult[],
  comparisons: Comparison[],
): BenchDocument {
  return {
    schema: SCHEMA,
    tool: "dtee-bench",
    version: VERSION,
    machine,
    started: started.toISOString(),
    finished: new Date().toISOString(),
    options: { quick: run.quick, ...run.matrix, mitata: true },
    profiles: PROFILES.filter((x) => run.matrix.profiles.includes(x.name)),
    results,
    comparisons,
  };
}

/** JSON with non-finite numbers as null (JSON has no NaN). */
export function renderJson(doc: BenchDocument): string {
  return JSON.stringify(doc, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}
