// The machine-readable results (dtee-bench --json), schema 1: what ran, on
// what machine (the facts that move the numbers), and what was measured. Keep
// it stable: add fields, never rename or drop them; a change of meaning bumps
// `schema`.
import { readFileSync } from "node:fs";
import { arch, cpus, release, totalmem, type } from "node:os";
import { P } from "../sys/platform";
import { isCompiled } from "../startup/runtime";
import { VERSION } from "../version";
import type { BenchResult } from "./accounting";
import type { Comparison } from "./compare";
import type { MatrixOptions } from "./matrix";
import { PROFILES, type Profile } from "./profiles";

export const SCHEMA = 1;

export interface MachineInfo {
  os: string;
  kernel: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  bun: string;
  /** True when dtee-bench ran as a compiled binary. */
  compiled: boolean;
  pipeBuf: number;
  bufsiz: number;
  /** Kernel socket limits (null where the system does not say). */
  limits: {
    sendBufferMax: number | null;
    receiveBufferMax: number | null;
    sendBufferDefault: number | null;
    receiveBufferDefault: number | null;
    /** Linux: datagrams an AF_UNIX socket queues before writers block or drop. */
    maxDatagramQueue: number | null;
  };
}

function readNumber(path: string): number | null {
  if (!path) return null;
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function machineInfo(): MachineInfo {
  const cpuList = cpus();
  const linux = process.platform === "linux";
  return {
    os: type(),
    kernel: release(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    bun: Bun.version,
    compiled: isCompiled(),
    pipeBuf: P.PIPE_BUF,
    bufsiz: P.BUFSIZ,
    limits: {
      sendBufferMax: readNumber(P.wmemMaxPath),
      receiveBufferMax: readNumber(P.rmemMaxPath),
      sendBufferDefault: linux ? readNumber("/proc/sys/net/core/wmem_default") : null,
      receiveBufferDefault: linux ? readNumber("/proc/sys/net/core/rmem_default") : null,
      maxDatagramQueue: linux ? readNumber("/proc/sys/net/unix/max_dgram_qlen") : null,
    },
  };
}

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

/** The document of a run that started at `started` and has just finished. */
export function buildDocument(
  started: Date,
  run: { quick: boolean; matrix: MatrixOptions },
  results: BenchResult[],
  comparisons: Comparison[],
): BenchDocument {
  return {
    schema: SCHEMA,
    tool: "dtee-bench",
    version: VERSION,
    machine: machineInfo(),
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
