// dtee-bench: the profile table against the Limitations page, the accounting
// (with synthetic runs and with real sockets and real relay runs), the
// command line, and the JSON schema of a real end-to-end run.
import { describe, expect, test } from "bun:test";
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PROFILES, PROFILE_NAMES, profileByName } from "../../src/bench/profiles";
import { aggregate, checkBooks, median, summarize, type Stat } from "../../src/bench/accounting";
import type { TimeStat } from "../../src/bench/repeat";
import { defaultMatrix, messagesFor, planScenarios, QUICK_SIZES, ALL_SIZES } from "../../src/bench/matrix";
import { forceBuffer, readBuffer } from "../../src/bench/buffers";
import { produce, type ProducerReport } from "../../src/bench/producer";
import { runOnce, type RunRecord, type Scenario } from "../../src/bench/relay-run";
import { benchCommand } from "../../src/bench/self";
import { SCHEMA } from "../../src/bench/document";
import { renderResults } from "../../src/bench/report-table";
import { parseSize, formatBytes, formatPercent } from "../../src/bench/units";
import { parseBench } from "../../src/cli/bench";
import { createTrio } from "../../src/relay/trio";
import { libc, cstring } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { run, tempDir, prefix } from "../support/helpers";

const KiB = 1024;
/** Run-time statistics for records no mitata run timed (the books do not use them). */
const UNTIMED: TimeStat = { min: Number.NaN, median: Number.NaN, max: Number.NaN, avg: Number.NaN, p75: Number.NaN, p99: Number.NaN };

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


function profile(name: string) {
  const p = profileByName(name);
  if (!p) throw new Error(`no profile ${name}`);
  return p;
}

describe("profile table", () => {
  test("one row per profile, in the issue's order", () => {
    expect(PROFILES.map((p) => p.name)).toEqual([...PROFILE_NAMES]);
    expect(PROFILE_NAMES).toEqual([
      "native",
      "linux",
      "freebsd",
      "openbsd",
      "darwin",
      "netbsd",
      "dragonfly",
      "hurd",
      "cygwin",
    ]);
  });

  test("Linux blocks and raises the buffer to the system maximum", () => {
    const p = profile("linux");
    expect(p.whenFull).toBe("block");
    expect(p.sendBuffer).toBe("max");
    expect(p.truncateAbove).toBe(0);
  });

  test("FreeBSD, OpenBSD and Darwin drop, with 512 KB to receive and 256 KB to send", () => {
    for (const name of ["freebsd", "openbsd", "darwin"]) {
      const p = profile(name);
      expect(p.whenFull).toBe("drop");
      expect(p.receiveBuffer).toBe(512 * KiB);
      expect(p.sendBuffer).toBe(256 * KiB);
    }
  });

  test("NetBSD drops at 128 KB, but the receiver hears of it", () => {
    const p = profile("netbsd");
    expect(p.whenFull).toBe("error");
    expect(p.sendBuffer).toBe(128 * KiB);
    expect(p.receiveBuffer).toBe(128 * KiB);
  });

  test("DragonFly drops even with 512 KB", () => {
    const p = profile("dragonfly");
    expect(p.whenFull).toBe("drop");
    expect(p.receiveBuffer).toBe(512 * KiB);
  });

  test("the Hurd blocks, truncates above 4 KB, cannot change its buffer, and has no sender addresses: unsupported", () => {
    const p = profile("hurd");
    expect(p.whenFull).toBe("block");
    expect(p.truncateAbove).toBe(4096);
    expect(p.fixedBuffer).toBe(true);
    expect(p.sendBuffer).toBe("default");
    expect(p.senderAddresses).toBe(false);
    expect(p.unsupported).toContain("no sender addresses");
  });

  test("Cygwin blocks with a 2 MB buffer, and its security warning is carried", () => {
    const p = profile("cygwin");
    expect(p.whenFull).toBe("block");
    expect(p.sendBuffer).toBe(2048 * KiB);
    expect(p.kernel).toBeNull();
    expect(p.caveat).toContain("UDP on localhost");
  });

  test("each BSD row's receive side follows its own kernel; the rest use Linux's queue for real", () => {
    for (const p of PROFILES) {
      const bsd = ["freebsd", "openbsd", "darwin", "netbsd", "dragonfly"].includes(p.name);
      expect(p.kernel).toBe(bsd ? (p.name as never) : null);
      expect(p.unsupported === null).toBe(p.name !== "hurd");
    }
  });

  test("native is the only row that emulates nothing", () => {
    expect(PROFILES.filter((p) => !p.emulated).map((p) => p.name)).toEqual(["native"]);
  });
});

describe("matrix", () => {
  test("--quick covers every profile and the required write sizes", () => {
    const m = defaultMatrix(true);
    expect([...m.profiles]).toEqual([...PROFILE_NAMES]);
    for (const size of [1, 4096, 65536, 1048576]) expect(m.sizes).toContain(size);
    const planned = planScenarios(m);
    expect(planned.length).toBe(PROFILE_NAMES.length * QUICK_SIZES.length);
  });

  test("the full matrix has PIPE_BUF and BUFSIZ among nine sizes up to 4 MiB", () => {
    expect([...ALL_SIZES]).toEqual([1, 64, 512, 4096, 8192, 65536, 262144, 1048576, 4194304]);
  });

  test("writes per run follow the byte budget within bounds", () => {
    const o = { budgetBytes: 1 << 20, minMessages: 8, maxMessages: 1000 };
    expect(messagesFor(1, 0, o)).toBe(1000);
    expect(messagesFor(4096, 0, o)).toBe(256);
    expect(messagesFor(4 << 20, 0, o)).toBe(8);
    expect(messagesFor(1, 100, o)).toBe(50); // paced: about half a second
  });

  test("buffer overrides skip profiles whose buffer is fixed", () => {
    const m = { ...defaultMatrix(true), buffers: ["profile", 65536] as ("profile" | number)[], sizes: [1] };
    const planned = planScenarios(m);
    const byProfile = (name: string) => planned.filter((p) => p.scenario.profile.name === name);
    expect(byProfile("hurd").length).toBe(1);
    expect(byProfile("native").length).toBe(1);
    const fbsd = byProfile("freebsd");
    expect(fbsd.map((p) => p.bufferSetting)).toEqual(["profile", 65536]);
    expect(fbsd[1]!.scenario.sendBuffer).toBe(65536);
  });
});

function fakeReport(over: Partial<ProducerReport> = {}): ProducerReport {
  return {
    startNs: 1_000,
    endNs: 2_000,
    sent: 0,
    sentBytes: 0,
    truncated: 0,
    truncatedBytes: 0,
    dropped: 0,
    droppedBytes: 0,
    errors: 0,
    errorBytes: 0,
    errnos: {},
    overflows: 0,
    stalls: 0,
    stallNs: 0,
    ...over,
  };
}

function fakeRun(over: Partial<RunRecord>): RunRecord {
  return {
    elapsedNs: 1e9,
    sendBuffer: 262144,
    receiveBuffer: 524288,
    messagesWritten: 100,
    bytesWritten: 100 * 4096,
    messagesDelivered: 100,
    bytesDelivered: 100 * 4096,
    bytesRelayed: 100 * 4096,
    messagesShort: 0,
    producer: fakeReport(),
    receive: { taken: 100, ignored: 0, ignoredBytes: 0, errors: 0, lossReported: 0 },
    emulation: null,
    ...over,
  };
}

function scenario(name: string, writeSize: number, count: number): Scenario {
  const p = profile(name);
  return {
    profile: p,
    writeSize,
    count,
    sendBuffer: p.sendBuffer,
    receiveBuffer: p.receiveBuffer,
    rate: 0,
    streams: "out",
  };
}

describe("accounting", () => {
  test("median and {min, median, max}", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summarize([5, 1, 9])).toEqual({ min: 1, median: 5, max: 9 });
    expect(Number.isNaN(summarize([]).median)).toBe(true);
  });

  test("loss is written minus delivered, summed over the repeats", () => {
    const EAGAIN = P.errno.EAGAIN;
    const runs = [
      fakeRun({
        messagesDelivered: 90,
        bytesDelivered: 90 * 4096,
        producer: fakeReport({ dropped: 10, droppedBytes: 10 * 4096, errnos: { [EAGAIN]: 10 } }),
      }),
      fakeRun({
        elapsedNs: 2e9,
        messagesDelivered: 80,
        bytesDelivered: 80 * 4096,
        producer: fakeReport({ dropped: 20, droppedBytes: 20 * 4096, errnos: { [EAGAIN]: 20 } }),
      }),
    ];
    const r = aggregate(scenario("freebsd", 4096, 100), "profile", runs, UNTIMED);
    expect(r.repeats).toBe(2);
    expect(r.bytesWritten).toBe(200 * 4096);
    expect(r.bytesDelivered).toBe(170 * 4096);
    expect(r.bytesLost).toBe(30 * 4096);
    expect(r.messagesLost).toBe(30);
    expect(r.messagesDropped).toBe(30);
    expect(r.errors).toEqual({ EAGAIN: 30 });
    expect(r.writeErrors).toBe(0);
    expect(r.bytesUnaccounted).toBe(0);
    expect(r.bytesWritten - r.bytesLost).toBe(r.bytesDelivered);
    expect(r.messagesPerSecond).toEqual({ min: 40, median: 65, max: 90 });
    expect(r.lossRatio).toBeCloseTo(0.15);
    expect(checkBooks(r)).toEqual([]);
  });

  test("truncated and failed writes explain the loss; anything else is unaccounted", () => {
    const EMSGSIZE = P.errno.EMSGSIZE;
    const cut = fakeRun({
      bytesWritten: 10 * 8192,
      messagesWritten: 10,
      messagesDelivered: 10,
      bytesDelivered: 10 * 4096,
      messagesShort: 10,
      producer: fakeReport({ truncated: 10, truncatedBytes: 10 * 4096 }),
    });
    const hurd = aggregate(scenario("hurd", 8192, 10), "profile", [cut], UNTIMED);
    expect(hurd.bytesLost).toBe(10 * 4096);
    expect(hurd.messagesLost).toBe(0);
    expect(hurd.messagesTruncated).toBe(10);
    expect(checkBooks(hurd)).toEqual([]);

    const failed = fakeRun({
      messagesDelivered: 99,
      bytesDelivered: 99 * 4096,
      producer: fakeReport({ errors: 1, errorBytes: 4096, errnos: { [EMSGSIZE]: 1 } }),
    });
    const r = aggregate(scenario("linux", 4096, 100), "profile", [failed], UNTIMED);
    expect(r.writeErrors).toBe(1);
    expect(r.errors).toEqual({ EMSGSIZE: 1 });
    expect(r.bytesUnaccounted).toBe(0);

    const leaky = fakeRun({ messagesDelivered: 99, bytesDelivered: 99 * 4096 });
    const bad = aggregate(scenario("linux", 4096, 100), "profile", [leaky], UNTIMED);
    expect(bad.bytesUnaccounted).toBe(4096);
    expect(checkBooks(bad).join()).toContain("without the writer seeing it");
  });
});

describe("real sockets", () => {
  test("forceBuffer makes the kernel use exactly the profile's size", () => {
    const { dir, cleanup } = tempDir();
    try {
      const trio = createTrio({ tmpdir: dir, sendBuffer: 1, receiveBuffer: 1 });
      try {
        expect(forceBuffer(trio.stdout, P.SO_SNDBUF, 256 * KiB)).toBe(256 * KiB);
        expect(readBuffer(trio.stdout, P.SO_SNDBUF)).toBe(256 * KiB);
        expect(forceBuffer(trio.input, P.SO_RCVBUF, 128 * KiB)).toBe(128 * KiB);
      } finally {
        for (const fd of [trio.input, trio.stdout, trio.stderr]) libc.close(fd);
      }
    } finally {
      cleanup();
    }
  });

  test("a writer that may not block counts every refused write, and the rest arrive", () => {
    const { dir, cleanup } = tempDir();
    try {
      const trio = createTrio({ tmpdir: dir });
      try {
        // Nobody reads: the queue fills, and every write after that is refused.
        const report = produce(
          {
            size: 100,
            count: 200,
            mode: "dontwait",
            truncateAbove: 0,
            syscall: "send",
            streams: "out",
            rate: 0,
            report: "",
          },
          trio.stdout,
          trio.stderr,
        );
        expect(report.dropped).toBeGreaterThan(0);
        expect(report.sent + report.dropped).toBe(200);
        expect(report.droppedBytes).toBe(report.dropped * 100);
        expect(report.errors).toBe(0);
        // What was accepted is exactly what is queued.
        const buf = new Uint8Array(1000);
        let queued = 0;
        let bytes = 0;
        const pfd = new Int32Array([trio.input, P.POLLIN]);
        while (libc.poll(pfd, 1, 0) > 0) {
          const n = libc.read(trio.input, buf, buf.length) as number;
          if (n < 0) break;
          queued++;
          bytes += n;
        }
        expect(queued).toBe(report.sent);
        expect(bytes).toBe(report.sentBytes);
      } finally {
        for (const fd of [trio.input, trio.stdout, trio.stderr]) libc.close(fd);
      }
    } finally {
      cleanup();
    }
  });

  test("a write larger than the send buffer fails with EMSGSIZE and is counted", () => {
    const { dir, cleanup } = tempDir();
    try {
      const trio = createTrio({ tmpdir: dir, sendBuffer: 1 });
      try {
        forceBuffer(trio.stdout, P.SO_SNDBUF, 64 * KiB);
        const report = produce(
          {
            size: 128 * KiB,
            count: 3,
            mode: "block",
            truncateAbove: 0,
            syscall: "send",
            streams: "out",
            rate: 0,
            report: "",
          },
          trio.stdout,
          trio.stderr,
        );
        expect(report.errors).toBe(3);
        expect(report.errorBytes).toBe(3 * 128 * KiB);
        expect(report.errnos).toEqual({ [P.errno.EMSGSIZE]: 3 });
      } finally {
        for (const fd of [trio.input, trio.stdout, trio.stderr]) libc.close(fd);
      }
    } finally {
      cleanup();
    }
  });
});

describe("real relay runs", () => {
  function withContext<T>(fn: (ctx: { dir: string; nullFd: number; benchCommand: string[] }) => T): T {
    const { dir, cleanup } = tempDir();
    const nullFd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
    try {
      return fn({ dir, nullFd, benchCommand: benchCommand(dir) });
    } finally {
      libc.close(nullFd);
      cleanup();
    }
  }

  test("linux: 4 MiB writes (below the kernel cap) all arrive", () => {
    withContext((ctx) => {
      const r = runOnce(scenario("linux", 4 << 20, 4), ctx, 1);
      expect(r.bytesWritten).toBe(4 * (4 << 20));
      expect(r.bytesDelivered).toBe(r.bytesWritten);
      expect(r.messagesDelivered).toBe(4);
      expect(r.producer.errors).toBe(0);
      expect(r.bytesRelayed).toBe(r.bytesDelivered);
    });
  });

  test("hurd: no sender addresses, so the relay ignores everything; writes above 4 KiB are cut on the way", () => {
    withContext((ctx) => {
      const r = runOnce(scenario("hurd", 10_000, 20), ctx, 2);
      expect(r.messagesDelivered).toBe(0);
      expect(r.bytesDelivered).toBe(0);
      expect(r.receive.ignored).toBe(20);
      expect(r.receive.ignoredBytes).toBe(20 * 4096);
      expect(r.producer.truncatedBytes).toBe(20 * (10_000 - 4096));
      const result = aggregate(scenario("hurd", 10_000, 20), "profile", [r], UNTIMED);
      expect(result.unsupported).toContain("no sender addresses");
      expect(result.writesTruncated).toBe(20);
      expect(result.messagesIgnored).toBe(20);
      expect(checkBooks(result)).toEqual([]);
    });
  });

  test("freebsd: a 1 MiB write does not fit the 256 KiB buffer", () => {
    withContext((ctx) => {
      const r = runOnce(scenario("freebsd", 1 << 20, 5), ctx, 4);
      expect(r.sendBuffer).toBe(256 * KiB);
      expect(r.receiveBuffer).toBe(512 * KiB);
      expect(r.bytesDelivered).toBe(0);
      expect(r.producer.errors).toBe(5);
    });
  });

  test("a dropping profile's books balance: refused writes are exactly the loss", () => {
    withContext((ctx) => {
      const s = scenario("netbsd", 4096, 2000);
      const r = runOnce(s, ctx, 5);
      const result = aggregate(s, "profile", [r], UNTIMED);
      expect(result.bytesDelivered + result.bytesLost).toBe(result.bytesWritten);
      expect(result.bytesLost).toBe(r.producer.droppedBytes);
      expect(checkBooks(result)).toEqual([]);
    });
  });
});

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

  test("the table names every profile it ran", () => {
    const rows = renderResults([
      aggregate(scenario("cygwin", 4096, 10), "profile", [
        fakeRun({ messagesWritten: 10, bytesWritten: 40960, messagesDelivered: 10, bytesDelivered: 40960 }),
      ], UNTIMED),
    ]);
    expect(rows).toContain("cygwin");
    expect(rows).toContain("4 KiB");
  });
});
