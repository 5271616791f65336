// dtee-bench's parts without processes: the profile table against the
// Limitations page, the matrix, the accounting (with synthetic runs), and the
// table. The writer on real sockets: bench-sockbuf.test.ts; real relay runs:
// bench-profiles.test.ts; the command line and the JSON document:
// bench-cli.test.ts.
import { describe, expect, test } from "bun:test";
import { PROFILES, PROFILE_NAMES, profileByName } from "../../src/bench/profiles";
import { aggregate, checkBooks, median, summarize } from "../../src/bench/accounting";
import { defaultMatrix, messagesFor, planScenarios, QUICK_SIZES, ALL_SIZES } from "../../src/bench/matrix";
import { emptyReport, type ProducerReport } from "../../src/bench/producer";
import type { RunRecord } from "../../src/bench/relay-run";
import { renderResults } from "../../src/bench/report-table";
import { P } from "../../src/sys/platform";
import { KiB, UNTIMED, scenario } from "./fixtures";

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
  return { ...emptyReport(), startNs: 1_000, endNs: 2_000, ...over };
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
    receive: { ignored: 0, ignoredBytes: 0, errors: 0, lossReported: 0 },
    emulation: null,
    ...over,
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

describe("report", () => {
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
