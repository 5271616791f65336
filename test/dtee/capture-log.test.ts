// The capture log (--log), annotated combined files (--tag, --timestamps)
// and dtee-replay: order, bytes and times of every write.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, sh, tempDir, BUN, prefix, toolCmd } from "../support/helpers";
import { randomPlan, savePlan, WRITER, type Plan } from "../support/write-plans";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());
const file = (name: string) => join(dir, name);

function writePlan(name: string, plan: Plan): string {
  return savePlan(file(name), plan);
}

interface LogRecord {
  type: string;
  seq?: number;
  stream?: string;
  time_ns?: string;
  time?: string;
  length?: number;
  text?: string;
  base64?: string;
  [k: string]: unknown;
}

function readLog(name: string): LogRecord[] {
  return readFileSync(file(name), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LogRecord);
}

function recordBytes(r: LogRecord): Buffer {
  return r.text !== undefined ? Buffer.from(r.text, "utf8") : Buffer.from(r.base64!, "base64");
}

describe("capture log", () => {
  for (const seed of [1, 2, 3]) {
    test(`random interleaving ${seed}: every write, in order, byte-exact, with sane times`, () => {
      const plan = randomPlan(seed, 400);
      const planPath = writePlan(`plan${seed}.json`, plan);
      const before = BigInt(Date.now()) * 1_000_000n;
      const r = run("dtee", ["--log", file(`log${seed}.jsonl`), BUN, WRITER, planPath]);
      const after = BigInt(Date.now() + 1) * 1_000_000n;
      expect(r.status).toBe(0);
      const records = readLog(`log${seed}.jsonl`);
      expect(records[0]).toEqual({ type: "log", schema: 1, tool: "dtee" });
      const writes = records.filter((x) => x.type === "write");
      expect(writes.length).toBe(plan.length);
      writes.forEach((w, i) => {
        expect(w.seq).toBe(i);
        expect(w.stream).toBe(plan[i]![0] === 1 ? "stdout" : "stderr");
        expect(w.length).toBe(plan[i]![1].length);
        expect(Buffer.compare(recordBytes(w), plan[i]![1])).toBe(0);
      });
      const exit = records.at(-1)!;
      expect(exit.type).toBe("exit");
      expect(exit.status).toBe(0);
      expect(exit.writes).toBe(plan.length);
      const start = BigInt(exit.start_ns as string);
      const end = BigInt(exit.end_ns as string);
      expect(start >= before - 10_000_000n && end <= after).toBe(true);
      let last = start;
      for (const w of writes) {
        const t = BigInt(w.time_ns!);
        expect(t >= last).toBe(true);
        expect(t <= end).toBe(true);
        last = t;
      }
      // The terminal side is unchanged by logging.
      const out = Buffer.concat(plan.filter(([fd]) => fd === 1).map(([, b]) => b));
      const err = Buffer.concat(plan.filter(([fd]) => fd === 2).map(([, b]) => b));
      expect(Buffer.compare(r.stdout, out)).toBe(0);
      expect(Buffer.compare(r.stderr, err)).toBe(0);
    });
  }

  test("ISO-8601 times agree with the nanosecond times", () => {
    const r = run("dtee", ["--log", file("iso.jsonl"), "echo", "x"]);
    expect(r.status).toBe(0);
    for (const rec of readLog("iso.jsonl").filter((x) => x.type === "write")) {
      const ns = BigInt(rec.time_ns!);
      const iso = rec.time!;
      expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(BigInt(Date.parse(iso.slice(0, 19) + "Z")) * 1_000_000n + BigInt(iso.slice(20, 29))).toBe(ns);
    }
  });

  test("exit record: status, signal, core dump", () => {
    run("dtee", ["--log", file("e42.jsonl"), "sh", "-c", "exit 42"]);
    const e42 = readLog("e42.jsonl").at(-1)!;
    expect(e42).toMatchObject({ type: "exit", command: ["sh", "-c", "exit 42"], status: 42, signal: null, core_dumped: false });
    run("dtee", ["--log", file("term.jsonl"), "sh", "-c", "kill -TERM $$"]);
    expect(readLog("term.jsonl").at(-1)!).toMatchObject({ status: null, signal: 15, signal_name: "Terminated", core_dumped: false });
    const q = sh(`cd ${dir}; ulimit -c unlimited; $DTEE --log ${file("quit.jsonl")} sh -c 'kill -QUIT $$'`);
    expect(q.status).toBe(131);
    const quit = readLog("quit.jsonl").at(-1)!;
    expect(quit).toMatchObject({ status: null, signal: 3, signal_name: "Quit" });
    expect(typeof quit.core_dumped).toBe("boolean");
    sh(`ulimit -c 0; $DTEE --log ${file("quit0.jsonl")} sh -c 'kill -QUIT $$'`);
    expect(readLog("quit0.jsonl").at(-1)!).toMatchObject({ signal: 3, core_dumped: false });
  });

  test("a command that cannot be executed is logged with its message and status 66", () => {
    const r = run("dtee", ["--log", file("nx.jsonl"), "dtee-no-such-command"]);
    expect(r.status).toBe(66);
    const recs = readLog("nx.jsonl");
    expect(recs[1]).toMatchObject({ type: "write", stream: "stderr", text: `${prefix("dtee")}: dtee-no-such-command: No such file or directory\n` });
    expect(recs.at(-1)).toMatchObject({ type: "exit", status: 66 });
  });

  test("--log-append appends; an unopenable log is 73", () => {
    run("dtee", ["--log-append", file("app.jsonl"), "echo", "one"]);
    run("dtee", ["--log-append", file("app.jsonl"), "echo", "two"]);
    const recs = readLog("app.jsonl");
    expect(recs.filter((r) => r.type === "exit").length).toBe(2);
    expect(recs.filter((r) => r.type === "write").map((r) => r.text)).toEqual(["one\n", "two\n"]);
    const bad = run("dtee", ["--log", join(dir, "nodir", "x.jsonl"), "true"]);
    expect(bad.status).toBe(73);
  });
});

describe("tagged and timestamped combined files", () => {
  const script = "printf 'out1\\npart'; printf 'err1\\n' >&2; printf 'ial\\n'; printf 'e-part' >&2; printf 'o2\\n'; printf 'more\\n' >&2";
  test("--tag: each line says its stream; partial lines are finished before the other stream's line", () => {
    const r = run("dtee", ["--tag", "-C", file("tag.c"), "-O", file("tag.o"), "sh", "-c", script]);
    expect(r.status).toBe(0);
    expect(readFileSync(file("tag.c"), "utf8")).toBe(
      "O out1\nO part\nE err1\nO ial\nE e-part\nO o2\nE more\n",
    );
    // Only the combined files are annotated.
    expect(readFileSync(file("tag.o"), "utf8")).toBe("out1\npartial\no2\n");
    expect(r.stdout.toString()).toBe("out1\npartial\no2\n");
  });

  test("--timestamps with --tag: every line starts with its receive time", () => {
    const r = run("dtee", ["--tag", "--timestamps", "-C", file("ts.c"), "sh", "-c", script]);
    expect(r.status).toBe(0);
    const lines = readFileSync(file("ts.c"), "utf8").split("\n").slice(0, -1);
    expect(lines.length).toBe(7);
    const stripped = lines.map((l) => {
      expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z [OE] /);
      return l.slice(31);
    });
    expect(stripped.join("\n") + "\n").toBe("O out1\nO part\nE err1\nO ial\nE e-part\nO o2\nE more\n");
    const times = lines.map((l) => l.slice(0, 30));
    expect([...times].sort()).toEqual(times);
  });
});

describe("dtee-replay", () => {
  test("replays non-UTF-8 data byte-exact, stdout to stdout and stderr to stderr", () => {
    const plan = randomPlan(7, 300);
    const planPath = writePlan("plan7.json", plan);
    run("dtee", ["--log", file("log7.jsonl"), BUN, WRITER, planPath]);
    const r = run("dtee-replay", [file("log7.jsonl")]);
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.concat(plan.filter(([fd]) => fd === 1).map(([, b]) => b)))).toBe(0);
    expect(Buffer.compare(r.stderr, Buffer.concat(plan.filter(([fd]) => fd === 2).map(([, b]) => b)))).toBe(0);
    // Merged, the order is the original one.
    const merged = sh(`${toolCmd("dtee-replay")} ${file("log7.jsonl")} 2>&1`);
    expect(Buffer.compare(merged.stdout, Buffer.concat(plan.map(([, b]) => b)))).toBe(0);
  });

  test("--stdout and --stderr extract one stream", () => {
    run("dtee", ["--log", file("one.jsonl"), "sh", "-c", "echo a; echo b >&2; echo c"]);
    expect(run("dtee-replay", ["--stdout", file("one.jsonl")]).stdout.toString()).toBe("a\nc\n");
    const e = run("dtee-replay", ["--stderr", file("one.jsonl")]);
    expect(e.stdout.toString()).toBe("");
    expect(e.stderr.toString()).toBe("b\n");
  });

  test("--speed keeps the original timing, scaled", () => {
    run("dtee", ["--log", file("slow.jsonl"), "sh", "-c", "echo a; sleep 0.4; echo b"]);
    const t0 = performance.now();
    const r = run("dtee-replay", ["--speed", "2", file("slow.jsonl")]);
    const elapsed = performance.now() - t0;
    expect(r.stdout.toString()).toBe("a\nb\n");
    // 0.4 s at twice the speed: at least 0.2 s, well under the original 0.4 s plus start-up.
    expect(elapsed).toBeGreaterThanOrEqual(190);
  });

  test("--since and --until cut by time", () => {
    run("dtee", ["--log", file("cut.jsonl"), "sh", "-c", "echo a; sleep 0.3; echo b; sleep 0.3; echo c"]);
    expect(run("dtee-replay", ["--since", "+0.2", file("cut.jsonl")]).stdout.toString()).toBe("b\nc\n");
    expect(run("dtee-replay", ["--until", "+0.2", file("cut.jsonl")]).stdout.toString()).toBe("a\n");
    const recs = readLog("cut.jsonl").filter((x) => x.type === "write");
    expect(run("dtee-replay", ["--since", recs[1]!.time!, "--until", recs[1]!.time_ns!, file("cut.jsonl")]).stdout.toString()).toBe("b\n");
  });

  test("errors: a missing log is 66, a malformed one 65, bad options 64", () => {
    const P = prefix("dtee-replay");
    const missing = run("dtee-replay", [file("nope.jsonl")]);
    expect(missing.status).toBe(66);
    expect(missing.stderr.toString()).toBe(`${P}: ${file("nope.jsonl")}: No such file or directory\n`);
    writeFileSync(file("bad.jsonl"), '{"type":"log","schema":1}\nnot json\n');
    const bad = run("dtee-replay", [file("bad.jsonl")]);
    expect(bad.status).toBe(65);
    expect(bad.stderr.toString()).toBe(`${P}: ${file("bad.jsonl")}:2: not a dtee capture log record (not JSON)\n`);
    expect(run("dtee-replay", ["--speed", "0", file("bad.jsonl")]).status).toBe(64);
    expect(run("dtee-replay", []).status).toBe(64);
  });
});
