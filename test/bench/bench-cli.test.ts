// dtee-bench's command line and its outputs: options to a configuration,
// usage errors and their status, and a real end-to-end run's JSON document
// (schema 1), chart and table.
import { describe, expect, test } from "bun:test";
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Stat } from "../../src/bench/accounting";
import { SCHEMA } from "../../src/bench/document";
import { parseSize, formatBytes, formatPercent } from "../../src/bench/units";
import { parseBench } from "../../src/cli/bench";
import { run, tempDir, prefix } from "../support/helpers";
import { KiB } from "./fixtures";

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
function checkDocument(doc: unknown): string[] {
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


describe("command line", () => {
  test("defaults, --quick, and repeated options", () => {
    const cli = parseBench(
      "dtee-bench",
      ["--quick", "-p", "linux,hurd", "-p", "cygwin", "-s", "1,4k,1M", "-r", "2", "--compare", "/x/dtee"],
      false,
      {},
    );
    if (cli.kind !== "run") throw new Error(cli.kind);
    expect(cli.config.quick).toBe(true);
    expect([...cli.config.matrix.profiles]).toEqual(["linux", "hurd", "cygwin"]);
    expect([...cli.config.matrix.sizes]).toEqual([1, 4096, 1048576]);
    expect(cli.config.matrix.repeats).toBe(2);
    expect(cli.config.compare).toEqual(["/x/dtee"]);
    expect(cli.config.tools).toBe(true);
    expect(cli.config.progress).toBe(false);
    expect(cli.config.tmpdir).toBe("/tmp");
  });

  test("usage errors", () => {
    for (const args of [
      ["-p", "beos"],
      ["-s", "0"],
      ["-s", "big"],
      ["-r", "0"],
      ["--streams", "sideways"],
      ["extra"],
      ["--nope"],
      ["-b", "x"],
    ]) {
      expect(parseBench("dtee-bench", args, false, {}).kind).toBe("usage-error");
    }
  });

  test("help and version", () => {
    const h = parseBench("./dtee-bench", ["-h"], false, {});
    expect(h.kind).toBe("help");
    if (h.kind === "help") {
      expect(h.text).toStartWith("Usage: ./dtee-bench [OPTION]...");
      for (const line of h.text.split("\n")) expect(line.length).toBeLessThan(80);
    }
    expect(parseBench("dtee-bench", ["-V"], false, {}).kind).toBe("version");
  });

  test("a usage error exits 64 with the invoked name", () => {
    const r = run("dtee-bench", ["--profiles", "beos"]);
    expect(r.status).toBe(64);
    expect(r.stderr.toString()).toStartWith(`${prefix("dtee-bench")}: unknown profile 'beos'`);
  });

  test("units", () => {
    expect(parseSize("4k")).toBe(4096);
    expect(parseSize("1M")).toBe(1 << 20);
    expect(parseSize("4MiB")).toBe(4 << 20);
    expect(parseSize("x")).toBeUndefined();
    expect(formatBytes(4096)).toBe("4 KiB");
    expect(formatPercent(0.996)).toBe("99.6%");
    expect(formatPercent(0)).toBe("0%");
  });
});

describe("JSON schema, end to end", () => {
  test("--json prints schema 1 with balanced books, --svg draws a line per profile", () => {
    const { dir, cleanup } = tempDir();
    try {
      const svg = join(dir, "chart.svg");
      const r = run(
        "dtee-bench",
        ["-p", "linux,hurd,freebsd", "-s", "64,8192", "-r", "2", "-n", "40", "--json", "--svg", svg],
        // No bun on PATH: the compiled binary must start its producer itself.
        { env: { TMPDIR: dir, PATH: "/usr/bin:/bin" } },
      );
      expect(r.stderr.toString()).toBe("");
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout.toString());
      expect(checkDocument(doc)).toEqual([]);
      expect(doc.schema).toBe(SCHEMA);
      expect(doc.tool).toBe("dtee-bench");
      expect(typeof doc.version).toBe("string");
      expect(doc.machine.cpus).toBeGreaterThan(0);
      expect(doc.results.length).toBe(6);
      for (const res of doc.results) {
        for (const key of [
          "profile",
          "writeSize",
          "sendBuffer",
          "receiveBuffer",
          "repeats",
          "messagesPerSecond",
          "bytesPerSecond",
          "bytesWritten",
          "bytesDelivered",
          "bytesLost",
          "messagesLost",
          "writeErrors",
        ]) {
          expect(res).toHaveProperty(key);
        }
        expect(Object.keys(res.bytesPerSecond).sort()).toEqual(["max", "median", "min"]);
        expect(res.bytesWritten - res.bytesLost).toBe(res.bytesDelivered);
        expect(res.repeats).toBe(2);
      }
      const find = (p: string, s: number) =>
        doc.results.find((x: { profile: string; writeSize: number }) => x.profile === p && x.writeSize === s);
      expect(find("linux", 8192).bytesLost).toBe(0);
      expect(find("linux", 64).bytesLost).toBe(0);
      // The Hurd: nothing arrives from a known sender; the cut is still counted.
      expect(find("hurd", 64).bytesDelivered).toBe(0);
      expect(find("hurd", 64).messagesIgnored).toBe(2 * 40);
      expect(find("hurd", 64).unsupported).toContain("no sender addresses");
      expect(find("hurd", 8192).bytesTruncated).toBe(2 * 40 * (8192 - 4096));
      expect(find("hurd", 8192).bytesIgnored).toBe(2 * 40 * 4096);
      // Receive-side loss causes are present on every result (schema 1 additions).
      for (const res of doc.results) {
        for (const key of ["messagesLostBufferFull", "bytesLostBufferFull", "receiveErrors", "messagesLostReported", "messagesIgnored", "bytesIgnored"])
          expect(typeof res[key]).toBe("number");
      }
      expect(find("freebsd", 64).emulatedBuffer.hiwat).toBe(512 * KiB);
      const chart = readFileSync(svg, "utf8");
      expect(chart).toStartWith("<svg ");
      for (const p of ["linux", "hurd", "freebsd"]) expect(chart).toContain(`>${p} (`);
      // Nothing left behind in TMPDIR but the chart.
      expect(existsSync(svg)).toBe(true);
      expect(readdirSync(dir)).toEqual(["chart.svg"]);
    } finally {
      cleanup();
    }
  }, 30_000);
});
