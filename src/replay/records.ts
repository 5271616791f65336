// Reading a dtee capture log (JSON Lines, schema 1) back: one record per line,
// validated, with the bytes decoded from text or base64.

export interface WriteRecord {
  type: "write";
  stream: "stdout" | "stderr";
  /** Receive time, nanoseconds since the epoch. */
  timeNs: bigint;
  bytes: Uint8Array;
}

export class LogFormatError extends Error {}

const encoder = new TextEncoder();

/** Parses one line; returns a write record, or null for other record types. */
export function parseRecord(line: string): WriteRecord | null {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new LogFormatError("not JSON");
  }
  if (typeof r !== "object" || r === null) throw new LogFormatError("not a record");
  if (r.type === "log") {
    if (r.schema !== 1) throw new LogFormatError(`unsupported schema ${String(r.schema)}`);
    return null;
  }
  if (r.type !== "write") return null;
  if (r.stream !== "stdout" && r.stream !== "stderr") throw new LogFormatError("bad stream");
  if (typeof r.time_ns !== "string" || !/^\d+$/.test(r.time_ns)) throw new LogFormatError("bad time_ns");
  let bytes: Uint8Array;
  if (typeof r.text === "string") bytes = encoder.encode(r.text);
  else if (typeof r.base64 === "string") bytes = new Uint8Array(Buffer.from(r.base64, "base64"));
  else throw new LogFormatError("no text or base64");
  if (typeof r.length === "number" && r.length !== bytes.length) throw new LogFormatError("length does not match the data");
  return { type: "write", stream: r.stream, timeNs: BigInt(r.time_ns), bytes };
}

/**
 * A time bound for --since/--until: an ISO-8601 time, nanoseconds since the
 * epoch, or +SECONDS after the first record.
 */
export type TimeBound = { kind: "absolute"; ns: bigint } | { kind: "relative"; ns: bigint };

export function parseTimeBound(text: string): TimeBound | undefined {
  if (/^\+\d+(\.\d+)?$/.test(text)) {
    const [whole, frac = ""] = text.slice(1).split(".");
    return { kind: "relative", ns: BigInt(whole!) * 1_000_000_000n + BigInt((frac + "000000000").slice(0, 9)) };
  }
  if (/^\d{12,}$/.test(text)) return { kind: "absolute", ns: BigInt(text) };
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { kind: "absolute", ns: BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0")) };
}
