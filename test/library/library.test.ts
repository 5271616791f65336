// The library entry (import { run } from "dtee"): real commands through the
// real relay. The writes must come back as written: one event per write, in
// the order made, byte for byte, with the right stream; nothing lost when
// the reader is slow; exits, signals, kill, abort and start-up failures
// reported as the dtee command reports them; nothing left open or on disk.
import { describe, test, expect, beforeAll, afterAll, setDefaultTimeout } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  run,
  output,
  text,
  DteeError,
  CommandNotFoundError,
  CommandNotExecutableError,
  WorkingDirectoryError,
  OutputFileError,
  SocketsUnavailableError,
  type OutputEvent,
} from "../../src/lib/index";
import { closeIdleWorkers } from "../../src/lib/pool";
import { writeNanos } from "../../src/lib/protocol";
import { BUN, ROOT, tempDir, skipTitle } from "../support/helpers";
import { mulberry32 } from "../support/reliability-common";
import { randomPlan, savePlan, WRITER, type Plan } from "../support/write-plans";

// Real processes on a busy machine: room beyond bun test's 5 s default.
setDefaultTimeout(30_000);

const LIBRARY = join(ROOT, "src/lib/index.ts");

let dir: string;
let cleanup: () => void;
/** Our own TMPDIR for the socket directories, to prove none is left behind. */
let sockets: string;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  sockets = join(dir, "sockets");
  mkdirSync(sockets);
});
afterAll(() => cleanup());
const file = (name: string) => join(dir, name);


/** The command that performs `plan` write by write (test/support/writer.ts). */
function writerCommand(name: string, plan: Plan): string[] {
  return [BUN, WRITER, savePlan(file(name), plan)];
}

const streamOf = (fd: 1 | 2) => (fd === 1 ? "stdout" : "stderr");
const joined = (plan: Plan, fd?: 1 | 2) => Buffer.concat(plan.filter(([f]) => fd === undefined || f === fd).map(([, b]) => b));

/** Events equal the plan: same count, streams, bytes, in order; times in order. */
function expectEvents(events: OutputEvent[], plan: Plan): void {
  expect(events.length).toBe(plan.length);
  let last = 0n;
  events.forEach((e, i) => {
    const [fd, bytes] = plan[i]!;
    if (e.stream !== streamOf(fd) || Buffer.compare(Buffer.from(e.bytes), bytes) !== 0) {
      throw new Error(`write ${i}: expected ${streamOf(fd)} ${bytes.length} bytes, got ${e.stream} ${e.bytes.length} bytes`);
    }
    expect(e.time >= last).toBe(true);
    last = e.time;
  });
}

async function collect(iterable: AsyncIterable<OutputEvent>): Promise<OutputEvent[]> {
  const events: OutputEvent[] = [];
  for await (const e of iterable) events.push(e);
  return events;
}

describe("order and bytes", () => {
  for (const seed of [1, 2, 3]) {
    test(`seeded random interleaving ${seed}: every write, in order, byte-exact, timed`, async () => {
      const plan = randomPlan(seed, 500, { large: true });
      const before = BigInt(Date.now()) * 1_000_000n;
      const proc = run(writerCommand(`plan${seed}.json`, plan), { tmpdir: sockets });
      expect(proc.pid).toBeGreaterThan(0);
      const events = await collect(proc);
      const exit = await proc.exited;
      const after = BigInt(Date.now() + 1) * 1_000_000n;
      expectEvents(events, plan);
      expect(events[0]!.time >= before - 10_000_000n && events.at(-1)!.time <= after).toBe(true);
      expect(exit).toMatchObject({ status: 0, signal: null, code: 0, coreDumped: false, teeFailed: false });
    });
  }

  test("output(): stdout, stderr and both in the order written", async () => {
    const plan = randomPlan(4, 300, { large: true });
    const o = await output(writerCommand("plan4.json", plan), { tmpdir: sockets });
    expect(Buffer.compare(Buffer.from(o.combined), joined(plan))).toBe(0);
    expect(Buffer.compare(Buffer.from(o.stdout), joined(plan, 1))).toBe(0);
    expect(Buffer.compare(Buffer.from(o.stderr), joined(plan, 2))).toBe(0);
    expect(o.exit.code).toBe(0);
  });

  test("text(): decoded whole, each stream on its own", async () => {
    // A character split across two writes of one stream, with the other stream in between.
    const t = await text(["sh", "-c", "printf '\\342\\202'; printf 'x' >&2; printf '\\254!\\n'; echo done >&2"], { tmpdir: sockets });
    expect(t.stdout).toBe("€!\n");
    expect(t.stderr).toBe("xdone\n");
    expect(t.exit.description).toBe("exited with status 0");
    expect(JSON.parse(JSON.stringify(t))).toMatchObject({ stdout: "€!\n", stderr: "xdone\n" });
  });

  test("binary data: every byte value, NULs, empty writes, and single writes of 1 MiB and 4 MiB", async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(1 << 20);
    const huge = Buffer.alloc(4 << 20);
    const rnd = mulberry32(9);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rnd() * 256);
    for (let i = 0; i < huge.length; i += 997) huge[i] = i & 0xff;
    const plan: Plan = [
      [1, all],
      [2, Buffer.from([0, 0, 0])],
      [1, big],
      [2, all],
      [2, huge],
      [1, Buffer.from([0xff, 0xfe, 0x00, 0x0a])],
    ];
    const events = await collect(run(writerCommand("binary.json", plan), { tmpdir: sockets }));
    expectEvents(events, plan);
  });

  test("a zero-length write is an event with no bytes", async () => {
    const events = await collect(
      run([BUN, "-e", "require('fs').writeSync(1, 'a'); require('fs').writeSync(2, Buffer.alloc(0)); require('fs').writeSync(1, 'b')"], {
        tmpdir: sockets,
      }),
    );
    // A datagram socket delivers an empty write as an empty message (a pipe could not show it).
    expect(events.map((e) => [e.stream, Buffer.from(e.bytes).toString()])).toEqual([
      ["stdout", "a"],
      ["stderr", ""],
      ["stdout", "b"],
    ]);
  });

  test("kernel receive times: exact nanoseconds from the two 32-bit halves", () => {
    const words = new Uint32Array(2);
    const view = new BigInt64Array(words.buffer);
    const rnd = mulberry32(5);
    const cases: [number, number][] = [
      [0, 0],
      [1, 999_999_999],
      // The last nanosecond a signed 64-bit count holds (April 2262).
      [9_223_372_035, 854_775_807],
      [1_796_031_486, 841_804_925],
    ];
    for (let i = 0; i < 2000; i++) cases.push([Math.floor(rnd() * 9_223_372_035), Math.floor(rnd() * 1e9)]);
    for (const [sec, nsec] of cases) {
      writeNanos(words, 0, sec, nsec);
      expect(view[0]).toBe(BigInt(sec) * 1_000_000_000n + BigInt(nsec));
    }
  });
});

describe("back-pressure", () => {
  test("a slow reader: the command waits, nothing is lost", async () => {
    // 48 MiB in 64 KiB writes is far more than the kernel queue and the
    // relay's window hold, so the command must wait for the reader.
    const marker = file("writer-done");
    const proc = run(
      ["sh", "-c", `dd if=/dev/zero bs=65536 count=384 status=none & dd if=/dev/zero bs=65536 count=384 status=none >&2; wait; : > ${marker}`],
      { tmpdir: sockets },
    );
    const it = proc[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await Bun.sleep(400);
    // Held back: the writers cannot have finished while nobody read.
    expect(existsSync(marker)).toBe(false);
    let bytes = first.value!.bytes.length;
    let events = 1;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      bytes += r.value.bytes.length;
      events++;
      if (events % 200 === 0) await Bun.sleep(10);
    }
    expect((await proc.exited).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(events).toBe(768);
    expect(bytes).toBe(768 * 65536);
  });

  test("a slow reader of a random interleaving gets every write in order", async () => {
    const plan = randomPlan(6, 3000, { large: true });
    const proc = run(writerCommand("plan6.json", plan), { tmpdir: sockets });
    const events: OutputEvent[] = [];
    for await (const e of proc) {
      events.push(e);
      if (events.length % 250 === 0) await Bun.sleep(15);
    }
    expectEvents(events, plan);
  });

  test("the shared ring: more writes than it has places, writes that skip a lap's end, many laps, a reader that stalls", async () => {
    // protocol.ts's ring: 65,536 places and 8 MiB. 70,000 small writes
    // fill the places while the reader sleeps; 3 MiB writes cannot all fit
    // before a lap's end and start the next lap.
    const rnd = mulberry32(11);
    const plan: Plan = [];
    for (let i = 0; i < 70_000; i++) plan.push([rnd() < 0.5 ? 1 : 2, Buffer.from([i & 0xff, (i >> 8) & 0xff, i >> 16])]);
    for (let i = 0; i < 7; i++) {
      const big = Buffer.alloc((3 << 20) + i * 1000);
      for (let j = 0; j < big.length; j += 61) big[j] = (i * 31 + j) & 0xff;
      plan.push([i % 2 ? 1 : 2, big], [1, Buffer.from(`after ${i}\n`)]);
    }
    const proc = run(writerCommand("ring.json", plan), { tmpdir: sockets });
    const events: OutputEvent[] = [];
    for await (const e of proc) {
      events.push(e);
      if (events.length === 1) await Bun.sleep(1500);
      if (events.length === 70_003) await Bun.sleep(300);
    }
    expectEvents(events, plan);
    expect((await proc.exited).code).toBe(0);
  });

  test("a reader that stops early: the rest is discarded and the command still ends", async () => {
    const proc = run(["sh", "-c", "dd if=/dev/zero bs=65536 count=512 status=none; exit 7"], { tmpdir: sockets });
    let n = 0;
    for await (const _ of proc) if (++n === 3) break;
    expect((await proc.exited).status).toBe(7);
  });

  test("events: false runs with nothing to read", async () => {
    const proc = run(["sh", "-c", "dd if=/dev/zero bs=65536 count=256 status=none"], { tmpdir: sockets, events: false });
    expect((await proc.exited).code).toBe(0);
    expect(() => proc.output()).toThrow(TypeError);
  });

  test("the output can be read only once", async () => {
    const proc = run(["echo", "x"], { tmpdir: sockets });
    const o = await proc.output();
    expect(Buffer.from(o.stdout).toString()).toBe("x\n");
    expect(() => proc[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});

describe("exit, signals, kill and abort", () => {
  test("exit statuses", async () => {
    for (const status of [0, 1, 42, 255]) {
      const exit = await run(["sh", "-c", `exit ${status}`], { tmpdir: sockets, events: false }).exited;
      expect(exit).toEqual({
        status,
        signal: null,
        signalName: null,
        coreDumped: false,
        code: status,
        description: `exited with status ${status}`,
        teeFailed: false,
      });
    }
  });

  test("death by signal, as the shell and dtee report it", async () => {
    const o = await output(["sh", "-c", "echo before; ulimit -c 0; kill -TERM $$; echo after"], { tmpdir: sockets });
    expect(Buffer.from(o.stdout).toString()).toBe("before\n");
    expect(o.exit).toMatchObject({ status: null, signal: 15, signalName: "SIGTERM", coreDumped: false, code: 143 });
    expect(o.exit.description).toBe("process terminated by signal 15: Terminated");
  });

  test("core dump flag", async () => {
    const cores = join(dir, "cores");
    mkdirSync(cores);
    try {
      const exit = await run(["sh", "-c", "ulimit -c unlimited 2>/dev/null; kill -QUIT $$"], { tmpdir: sockets, cwd: cores, events: false }).exited;
      expect(exit.signal).toBe(3);
      expect(exit.code).toBe(131);
      // Whether a core is written is the system's choice (core_pattern, limits).
      let pattern = "";
      try {
        pattern = readFileSync("/proc/sys/kernel/core_pattern", "utf8").trim();
      } catch {}
      if (pattern === "core" && readdirSync(cores).some((n) => n.startsWith("core"))) expect(exit.coreDumped).toBe(true);
      expect(exit.description).toBe(`process terminated by signal 3: Quit${exit.coreDumped ? " (core dumped)" : ""}`);
    } finally {
      rmSync(cores, { recursive: true, force: true });
    }
  });

  test("kill(): SIGTERM by default, or the signal given; false once it has ended", async () => {
    const proc = run(["sleep", "30"], { tmpdir: sockets });
    expect(proc.killed).toBe(false);
    expect(proc.kill()).toBe(true);
    expect(proc.killed).toBe(true);
    const o = await proc.output();
    expect(o.exit).toMatchObject({ signal: 15, code: 143 });
    expect(proc.kill()).toBe(false);

    const k = run(["sleep", "30"], { tmpdir: sockets, events: false });
    expect(k.kill("SIGKILL")).toBe(true);
    expect((await k.exited).signalName).toBe("SIGKILL");
    expect(() => k.kill("SIGNOPE" as NodeJS.Signals)).toThrow(RangeError);
  });

  test("output written before the kill is all there", async () => {
    const proc = run(["sh", "-c", "i=0; while [ $i -lt 200 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done; exec sleep 30"], {
      tmpdir: sockets,
    });
    const events: OutputEvent[] = [];
    for await (const e of proc) {
      events.push(e);
      if (events.length === 400) proc.kill("SIGINT");
    }
    expect((await proc.exited).signal).toBe(2);
    const lines = events.map((e) => `${e.stream} ${Buffer.from(e.bytes).toString()}`);
    const want: string[] = [];
    for (let i = 0; i < 200; i++) want.push(`stdout out ${i}\n`, `stderr err ${i}\n`);
    expect(lines).toEqual(want);
  });

  test("AbortSignal: abort kills with killSignal; an aborted signal starts nothing", async () => {
    const ac = new AbortController();
    const proc = run(["sleep", "30"], { tmpdir: sockets, signal: ac.signal, events: false });
    setTimeout(() => ac.abort(), 50);
    expect((await proc.exited).signal).toBe(15);
    expect(proc.killed).toBe(true);

    const ac2 = new AbortController();
    const p2 = run(["sleep", "30"], { tmpdir: sockets, signal: ac2.signal, killSignal: "SIGKILL", events: false });
    ac2.abort();
    expect((await p2.exited).signal).toBe(9);

    const marker = file("never");
    expect(() => run(["touch", marker], { signal: AbortSignal.abort() })).toThrow();
    await Bun.sleep(50);
    expect(existsSync(marker)).toBe(false);
  });

  test("timeout kills", async () => {
    const started = Date.now();
    const exit = await run(["sleep", "30"], { tmpdir: sockets, timeout: 100, killSignal: 9, events: false }).exited;
    expect(exit.signal).toBe(9);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("start-up failures are typed, with dtee's exit statuses", () => {
  test("command not found (66), also through PATH and with a working directory or stdin", () => {
    for (const opts of [{}, { cwd: dir }, { stdin: "ignore" as const }]) {
      for (const name of ["no-such-command-dtee", "./no-such-file", "/no/such/path"]) {
        let error: unknown;
        try {
          run([name], { tmpdir: sockets, ...opts });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(CommandNotFoundError);
        expect(error).toBeInstanceOf(DteeError);
        expect(error).toMatchObject({ exitCode: 66, code: "ENOENT", errno: 2, path: name });
        expect((error as Error).message).toBe(`${name}: No such file or directory`);
      }
    }
  });

  test("not executable (66): a file without the x bit, a directory", () => {
    const plain = file("not-executable");
    writeFileSync(plain, "echo hi\n");
    chmodSync(plain, 0o644);
    for (const opts of [{}, { stdin: "ignore" as const }]) {
      for (const name of [plain, dir]) {
        expect(() => run([name], { tmpdir: sockets, ...opts })).toThrow(CommandNotExecutableError);
        try {
          run([name], { tmpdir: sockets, ...opts });
        } catch (e) {
          expect(e).toMatchObject({ exitCode: 66, code: "EACCES" });
        }
      }
    }
  });

  test("a script without #! runs with /bin/sh, as execvp runs it", async () => {
    const script = file("plain-script");
    writeFileSync(script, "echo from script; echo to err >&2\n");
    chmodSync(script, 0o755);
    for (const opts of [{}, { stdin: "ignore" as const }]) {
      const t = await text([script], { tmpdir: sockets, ...opts });
      expect(t.combined).toBe("from script\nto err\n");
    }
  });

  test("a working directory that cannot be entered (66)", () => {
    expect(() => run(["true"], { tmpdir: sockets, cwd: join(dir, "missing") })).toThrow(WorkingDirectoryError);
  });

  test("an output file that cannot be opened (73): nothing runs", async () => {
    const marker = file("not-run");
    let error: unknown;
    try {
      run(["touch", marker], { tmpdir: sockets, files: [{ path: join(dir, "missing", "out"), stream: "stdout" }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputFileError);
    expect(error).toMatchObject({ exitCode: 73, code: "ENOENT" });
    await Bun.sleep(50);
    expect(existsSync(marker)).toBe(false);
  });

  test("no sockets (69): the socket directory cannot be made", () => {
    let error: unknown;
    try {
      run(["true"], { tmpdir: join(dir, "no-such-tmpdir") });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SocketsUnavailableError);
    expect(error).toMatchObject({ exitCode: 69 });
    expect((error as Error).message).toContain("unable to create temporary directory");
  });

  test("no bun:ffi (no JIT under a low address-space limit): sockets unavailable (69)", () => {
    const script = file("no-jit.ts");
    writeFileSync(
      script,
      `import { run, SocketsUnavailableError } from ${JSON.stringify(LIBRARY)};
try { await run(["true"]).exited; console.log("ran"); } catch (e) { console.log(e instanceof SocketsUnavailableError, (e as SocketsUnavailableError).exitCode); }`,
    );
    const r = Bun.spawnSync(["/bin/sh", "-c", 'ulimit -v 2000000 && exec "$0" "$1"', BUN, script], { stdout: "pipe", stderr: "pipe" });
    // Where the limit does not take the JIT away, the command simply runs.
    expect(["true 69\n", "ran\n"]).toContain(r.stdout.toString());
  });

  test("a command must be a non-empty list of strings", () => {
    expect(() => run([])).toThrow(TypeError);
  });
});

describe("input, environment, directory", () => {
  test("stdin: text, bytes, a stream, an async iterable, ignore", async () => {
    const cat = ["cat"];
    expect((await text(cat, { tmpdir: sockets, stdin: "héllo\n" })).stdout).toBe("héllo\n");
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    const o = await output(cat, { tmpdir: sockets, stdin: new Uint8Array(bytes) });
    expect(Buffer.compare(Buffer.from(o.stdout), bytes)).toBe(0);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("a\n"));
        c.enqueue(new TextEncoder().encode("b\n"));
        c.close();
      },
    });
    expect((await text(cat, { tmpdir: sockets, stdin: stream })).stdout).toBe("a\nb\n");
    async function* gen() {
      yield "x";
      await Bun.sleep(10);
      yield new TextEncoder().encode("y\n");
    }
    expect((await text(cat, { tmpdir: sockets, stdin: gen() })).stdout).toBe("xy\n");
    expect((await text(cat, { tmpdir: sockets, stdin: "ignore" })).stdout).toBe("");
  });

  test("stdin the command does not read: the run still ends", async () => {
    const exit = await run(["true"], { tmpdir: sockets, stdin: Buffer.alloc(1 << 20), events: false }).exited;
    expect(exit.code).toBe(0);
  });

  test("cwd and env, with the environment passed exactly: names that are no shell identifiers, no PWD or OLDPWD added", async () => {
    const env = { PATH: process.env.PATH, ONLY: "this one", "WITH SPACE": "kept", "WITH-DASH": "kept too", "1DIGIT": "first" };
    const expected = [`PATH=${process.env.PATH}`, "ONLY=this one", "WITH SPACE=kept", "WITH-DASH=kept too", "1DIGIT=first"].sort();
    for (const opts of [{}, { cwd: dir }, { stdin: "ignore" as const }, { stdin: "in" }, { cwd: dir, stdin: "in" }]) {
      const t = await text(["sh", "-c", "pwd"], { tmpdir: sockets, env, ...opts });
      expect(t.stdout).toBe(`${"cwd" in opts ? dir : process.cwd()}\n`);
      const e = await text(["env"], { tmpdir: sockets, env, ...opts });
      expect(e.stdout.split("\n").filter(Boolean).sort()).toEqual(expected);
    }
    // The caller's PWD and OLDPWD pass as they are, with or without a directory.
    const withPwd = { ...env, PWD: "/given", OLDPWD: "/before" };
    for (const opts of [{}, { cwd: dir }]) {
      const e = await text(["env"], { tmpdir: sockets, env: withPwd, ...opts });
      expect(e.stdout.split("\n").filter(Boolean).sort()).toEqual([...expected, "PWD=/given", "OLDPWD=/before"].sort());
    }
  });

  test("a relative cwd is taken from the caller's directory, a relative command from cwd", async () => {
    const sub = file("sub");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "here.sh"), "#!/bin/sh\necho here; pwd\n");
    chmodSync(join(sub, "here.sh"), 0o755);
    const t = await text(["./here.sh"], { tmpdir: sockets, cwd: relative(process.cwd(), sub) });
    expect(t.stdout).toBe(`here\n${sub}\n`);
    expect(() => run(["./here.sh"], { tmpdir: sockets, cwd: dir })).toThrow(CommandNotFoundError);
  });

  test("a command name is looked up along env.PATH, as execvp in the command's process would, not along ours", async () => {
    const bin = file("path-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "only-here"), "#!/bin/sh\necho only-here \"$@\"\n");
    chmodSync(join(bin, "only-here"), 0o755);
    writeFileSync(join(bin, "no-shebang"), "echo no-shebang\n");
    chmodSync(join(bin, "no-shebang"), 0o755);
    writeFileSync(join(bin, "not-executable"), "echo never\n");
    const env = { ...process.env, PATH: `${bin}:/usr/bin:/bin` };
    expect((await text(["only-here", "a b"], { tmpdir: sockets, env })).stdout).toBe("only-here a b\n");
    // A script without #! runs with /bin/sh, found along the same PATH.
    expect((await text(["no-shebang"], { tmpdir: sockets, env })).stdout).toBe("no-shebang\n");
    expect(() => run(["not-executable"], { tmpdir: sockets, env })).toThrow(CommandNotExecutableError);
    expect(() => run(["nowhere-at-all"], { tmpdir: sockets, env })).toThrow(CommandNotFoundError);
    // Not along this process's PATH, which does not have the directory.
    expect(() => run(["only-here"], { tmpdir: sockets })).toThrow(CommandNotFoundError);
  });

  test("the stdin pipe is open in the command on fd 0 only", async () => {
    for (const stdin of ["data", "ignore"] as const) {
      const t = await text(["ls", "-l", "/proc/self/fd/"], { tmpdir: sockets, stdin });
      const targets = new Map<string, string>();
      for (const m of t.stdout.matchAll(/ (\d+) -> (.*)$/gm)) targets.set(m[1]!, m[2]!);
      if (stdin === "ignore") expect(targets.get("0")).toBe("/dev/null");
      else expect(targets.get("0")).toMatch(/^pipe:\[\d+\]$/);
      // Nothing else of ours refers to the same file: 0, 1, 2, and ls's own directory.
      expect([...targets.entries()].filter(([fd, target]) => target === targets.get("0") && fd !== "0")).toEqual([]);
      expect([...targets.keys()].filter((fd) => Number(fd) > 2).length).toBeLessThanOrEqual(1);
    }
  });
});

describe("lineBuffered: dtee's --line-buffered", () => {
  // awk's print goes through C stdio: block-buffered on a socket unless
  // libstdbuf.so makes it line-buffered; its /dev/stderr is written at once.
  const AWK = Bun.which("mawk") ?? Bun.which("awk");
  const program = 'BEGIN { for (i = 0; i < 200; i++) { print "out " i; print "err " i > "/dev/stderr" } }';
  const want = Array.from({ length: 200 }, (_, i) => `out ${i}\nerr ${i}\n`).join("");

  const noAwk = !AWK ? "no awk here" : !Bun.which("stdbuf") ? "no stdbuf (coreutils) here" : undefined;
  test.skipIf(noAwk !== undefined)(skipTitle("a C stdio program's lines keep their printed order", noAwk), async () => {
    expect((await text([AWK!, program], { tmpdir: sockets, lineBuffered: true })).combined).toBe(want);
    // Without it stdout goes out in blocks, after the errors.
    const plain = await collect(run([AWK!, program], { tmpdir: sockets }));
    expect(plain[0]!.stream).toBe("stderr");
  });

  test("the environment as the dtee command sets it", async () => {
    const t = await text(["env"], { tmpdir: sockets, env: { PATH: process.env.PATH, KEEP: "1" }, lineBuffered: true });
    const lines = t.stdout.split("\n");
    expect(lines).toContain("KEEP=1");
    expect(lines).toContain("PYTHONUNBUFFERED=1");
    if (Bun.which("stdbuf")) {
      expect(lines).toContain("_STDBUF_O=L");
      expect(lines.some((l) => /^LD_PRELOAD=.*libstdbuf\.so$/.test(l))).toBe(true);
    }
  });
});

describe("tees: files as -o/-e/-c, and our own stdout and stderr", () => {
  test("stdout, stderr and combined files, overwrite and append; one file for two outputs keeps the order", async () => {
    const plan = randomPlan(7, 200, { large: true });
    writeFileSync(file("append.out"), "previous\n");
    writeFileSync(file("trunc.out"), "previous\n");
    const o = await output(writerCommand("plan7.json", plan), {
      tmpdir: sockets,
      files: [
        { path: file("trunc.out"), stream: "stdout" },
        { path: file("append.out"), stream: "stdout", append: true },
        { path: file("err.out"), stream: "stderr" },
        { path: file("all.out"), stream: "combined" },
        { path: file("shared.out"), stream: "stdout" },
        { path: file("shared.out"), stream: "stderr" },
      ],
    });
    expect(o.exit.teeFailed).toBe(false);
    expect(Buffer.compare(readFileSync(file("trunc.out")), joined(plan, 1))).toBe(0);
    expect(Buffer.compare(readFileSync(file("append.out")), Buffer.concat([Buffer.from("previous\n"), joined(plan, 1)]))).toBe(0);
    expect(Buffer.compare(readFileSync(file("err.out")), joined(plan, 2))).toBe(0);
    expect(Buffer.compare(readFileSync(file("all.out")), joined(plan))).toBe(0);
    expect(Buffer.compare(readFileSync(file("shared.out")), joined(plan))).toBe(0);
    expect(Buffer.compare(Buffer.from(o.combined), joined(plan))).toBe(0);
  });

  test("tee to our own stdout and stderr, with events off", () => {
    const script = `import { run } from ${JSON.stringify(LIBRARY)};
const exit = await run(["sh", "-c", "echo one; echo two >&2; echo three"], { tee: true, events: false }).exited;
process.exitCode = exit.code;`;
    const scriptPath = file("tee.ts");
    writeFileSync(scriptPath, script);
    const r = Bun.spawnSync([BUN, scriptPath], { stdout: "pipe", stderr: "pipe" });
    expect(r.stdout.toString()).toBe("one\nthree\n");
    expect(r.stderr.toString()).toBe("two\n");
    expect(r.exitCode).toBe(0);
    // One open file for both (2>&1): the order written.
    const both = Bun.spawnSync(["sh", "-c", `${BUN} ${scriptPath} 2>&1`], { stdout: "pipe" });
    expect(both.stdout.toString()).toBe("one\ntwo\nthree\n");
  });
});

describe("many at once, and nothing left behind", () => {
  test("16 concurrent runs, each byte-exact", async () => {
    const plans = Array.from({ length: 16 }, (_, i) => randomPlan(100 + i, 300, { large: true }));
    const results = await Promise.all(
      plans.map(async (plan, i) => {
        const proc = run(writerCommand(`c${i}.json`, plan), { tmpdir: sockets });
        return { events: await collect(proc), exit: await proc.exited };
      }),
    );
    results.forEach((r, i) => {
      expectEvents(r.events, plans[i]!);
      expect(r.exit.code).toBe(0);
    });
  });

  test("no descriptors, threads or socket directories left over", async () => {
    const fds = () =>
      readdirSync("/proc/self/fd")
        .map((n) => {
          try {
            return `${n} ${readlinkSync(`/proc/self/fd/${n}`)}`;
          } catch {
            return undefined;
          }
        })
        .filter((x): x is string => x !== undefined && !x.includes("/proc/"))
        .sort();
    // Worker threads (Bun names them "Worker"; its own pool and JIT threads come and go).
    const threads = () =>
      readdirSync("/proc/self/task").filter((t) => {
        try {
          return readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() === "Worker";
        } catch {
          return false;
        }
      }).length;
    // Bun tears a terminated Worker's thread (and its event loop's
    // descriptors) down asynchronously: wait until nothing is open that was
    // not open before. Whatever closes late only makes the "after" smaller.
    const leaked = (before: string[]) => fds().filter((x) => !before.includes(x));
    const settle = async (before: string[], beforeThreads: number) => {
      for (let i = 0; i < 250 && (leaked(before).length > 0 || threads() > beforeThreads); i++) await Bun.sleep(20);
    };
    // ... and take the "before" picture once it has stopped changing.
    const quiet = async () => {
      let last = "";
      for (let same = 0, i = 0; same < 4 && i < 100; i++) {
        const now = `${threads()} ${fds().join()}`;
        same = now === last ? same + 1 : 0;
        last = now;
        await Bun.sleep(25);
      }
    };
    closeIdleWorkers();
    await quiet();
    const before = fds();
    const threadsBefore = threads();
    await Promise.all([
      output(["sh", "-c", "echo a; echo b >&2"], { tmpdir: sockets }),
      output(["cat"], { tmpdir: sockets, stdin: "in" }),
      run(["sh", "-c", "exit 3"], { tmpdir: sockets, events: false, files: [{ path: file("leak.out"), stream: "combined" }], tee: { stdout: false } }).exited,
      run(["sleep", "5"], { tmpdir: sockets, timeout: 20, events: false }).exited,
      // stdin from an endless stream, and a command that stops reading it.
      output(["head", "-c", "5"], {
        tmpdir: sockets,
        stdin: new ReadableStream({
          pull: (c) => c.enqueue(new Uint8Array(4096).fill(0x61)),
        }),
      }),
      output(["true"], {
        tmpdir: sockets,
        stdin: (async function* () {
          for (;;) {
            yield "y";
            await Bun.sleep(5);
          }
        })(),
      }),
      (async () => {
        const p = run(["sh", "-c", "dd if=/dev/zero bs=65536 count=200 status=none"], { tmpdir: sockets });
        for await (const _ of p) break;
        await p.exited;
      })(),
    ]);
    for (const name of ["no-such-command-dtee", dir]) expect(() => run([name], { tmpdir: sockets, stdin: "x" })).toThrow(DteeError);
    expect(() => run(["true"], { tmpdir: sockets, files: [{ path: join(dir, "missing", "f"), stream: "stdout" }] })).toThrow(OutputFileError);
    closeIdleWorkers();
    await settle(before, threadsBefore);
    // With each leak's flags (O_WRONLY|O_NONBLOCK: a stdin pipe's write end) to say whose it is.
    const flags = (x: string) => /flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${x.split(" ")[0]}`, "utf8"))?.[1];
    expect(leaked(before).map((x) => `${x} flags ${flags(x)}`)).toEqual([]);
    expect(threads()).toBeLessThanOrEqual(threadsBefore);
    expect(readdirSync(sockets)).toEqual([]);
  });
});
