// Fault injection for the calls dtee 1.1.3's own preload tests cannot see
// (we call recvmmsg, writev, posix_spawnp, pidfd_open, ... where dtee calls
// recv, write, fork): test/fault/fault.c, built here with cc, is preloaded
// into dtee and fails the Nth call dtee's own code makes (see the C file for
// DTEE_FAULT's syntax). For each fault: the message, the exit status
// (sysexits), nothing the command wrote lost where it can be kept, nothing
// left in TMPDIR, no stack trace, no hang. Every test also checks from the
// preload's log that the fault was really injected.
//
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolArgv, prefix, ROOT, runSync, type RunResult, type ToolName } from "../support/helpers";
import { which, looksLikeCrash } from "../support/reliability-common";

const CC = which("cc") ?? which("gcc");
const NO_CC = "no C compiler (cc) on PATH to build the fault-injection preload";
const SOURCE = join(ROOT, "test/fault/fault.c");

/**
 * Builds the preload (at load time, so a missing compiler can skip the
 * tests) and checks that the dynamic loader really loads it: a rule that
 * does not parse makes the library exit 125 in any process it is loaded in.
 */
function buildPreload(): { work: string; library: string; problem?: string } | undefined {
  if (!CC) return undefined;
  const work = mkdtempSync(join(tmpdir(), "dtee-fault-"));
  const library = join(work, "fault.so");
  let built: RunResult;
  try {
    built = runSync([CC, "-shared", "-fPIC", "-O2", "-Wall", "-o", library, SOURCE, "-ldl"], { timeoutMs: 60_000 });
  } catch (e) {
    return { work, library, problem: `${CC} could not build ${SOURCE}: ${e}` };
  }
  if (built.status !== 0) return { work, library, problem: `${CC} could not build ${SOURCE}:\n${built.stderr}` };
  const probe = runSync(["/bin/sh", "-c", "exit 0"], { env: { LD_PRELOAD: library, DTEE_FAULT: "no-such-function:1:EIO" }, timeoutMs: 10_000 });
  if (probe.status !== 125) return { work, library, problem: `${library} is not preloaded (status ${probe.status}): ${probe.stderr}` };
  return { work, library };
}

const preload = buildPreload();
const work = preload?.work ?? "";
const library = preload?.library ?? "";
let runs = 0;

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface FaultRun {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The preload's log: "FUNC N ACTION" for every call that matched a rule. */
  log: string[];
  /** Entries left in the run's TMPDIR. */
  left: string[];
  /** The run's own directory (output files go here). */
  dir: string;
}

interface FaultOptions {
  tool?: ToolName;
  /** stdout and stderr are one open file (as after 2>&1); the run's stdout holds both. */
  sharedStdio?: boolean;
  /** Time limit (the run is killed and the test fails as a hang). */
  timeoutMs?: number;
}

function newRunDir(): { dir: string; tmp: string; logPath: string } {
  const dir = join(work, `run-${++runs}`);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp, { recursive: true });
  return { dir, tmp, logPath: join(dir, "fault.log") };
}

function faultEnv(fault: string, tmp: string, logPath: string): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    TMPDIR: tmp,
    LD_PRELOAD: library,
    DTEE_FAULT: fault,
    // Only dtee itself (our child) injects; the command it runs inherits
    // the environment and the preload but is left alone.
    DTEE_FAULT_PPID: String(process.pid),
    DTEE_FAULT_LOG: logPath,
  };
}

function readLog(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "latin1").split("\n").filter(Boolean) : [];
}

/** Runs dtee (or cronty) under the preload; `$DIR` in an argument is the run's directory. */
function runFault(fault: string, args: string[], opts: FaultOptions = {}): FaultRun {
  const { dir, tmp, logPath } = newRunDir();
  const argv = [...toolArgv(opts.tool ?? "dtee"), ...args.map((a) => a.replaceAll("$DIR", dir))];
  let shared: number | undefined;
  const sharedPath = join(dir, "stdio");
  if (opts.sharedStdio) shared = openSync(sharedPath, "w");
  let r: RunResult;
  try {
    r = runSync(argv, {
      env: faultEnv(fault, tmp, logPath),
      stdin: "ignore",
      stdout: shared ?? "pipe",
      stderr: shared ?? "pipe",
      timeoutMs: opts.timeoutMs ?? 20_000,
    });
  } finally {
    if (shared !== undefined) closeSync(shared);
  }
  return {
    status: r.status,
    signal: r.signal,
    stdout: shared !== undefined ? readFileSync(sharedPath, "latin1") : r.stdout.toString("latin1"),
    stderr: r.stderr.toString("latin1"),
    log: readLog(logPath),
    left: readdirSync(tmp),
    dir,
  };
}

/** What every run must show: it ended by itself, no crash, TMPDIR clean, and the fault happened. */
function expectClean(r: FaultRun, injected: string | RegExp): void {
  expect(r.signal).toBeNull(); // not killed at the time limit
  expect(looksLikeCrash(r.stderr) ? r.stderr : "").toBe("");
  expect(r.left).toEqual([]);
  const fired = r.log.filter((l) => !l.endsWith(" pass"));
  if (typeof injected === "string") expect(fired).toContain(injected);
  else expect(fired.some((l) => injected.test(l)) ? "injected" : `not injected: ${JSON.stringify(r.log)}`).toBe("injected");
}

const P = prefix("dtee");
const C = prefix("cronty");

// The commands: small shell scripts in the suite directory.
function script(name: string, body: string): string[] {
  const path = join(work, `${name}.sh`);
  writeFileSync(path, body);
  return ["sh", path];
}

const OUT = "out 1\nout 2\nout 3\n";
const ERR = "err 1\nerr 2\nerr 3\n";
const BOTH = "out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\n";
let LOREM: string[] = [];
let LOREM_OUT_FIRST: string[] = [];
let PAUSED: string[] = [];
let SPACED: string[] = [];
let MANY: string[] = [];
let MANY_OUT = "";
let MANY_ERR = "";
let MANY_BOTH = "";

beforeAll(() => {
  if (!CC) return;
  // Alternating stdout and stderr, one write each, exit 3.
  LOREM = script("lorem", 'for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done\nexit 3\n');
  // Two stdout writes before the first stderr write (cron mode spools them).
  LOREM_OUT_FIRST = script("out-first", 'echo "out 0"; for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done\nexit 3\n');
  // A pause after the first two writes, so a later receive has data waiting.
  PAUSED = script("paused", 'echo "out 1"; echo "err 1" >&2; sleep 0.3; echo "out 2"; echo "err 2" >&2; sleep 0.3\n');
  // Four stdout writes far enough apart to be four batches.
  SPACED = script("spaced", 'for i in 1 2 3 4; do echo "out $i"; sleep 0.1; done\n');
  // Many small writes: batches of many messages, runs of both streams.
  MANY = script("many", 'i=1; while [ $i -le 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done\n');
  for (let i = 1; i <= 300; i++) {
    MANY_OUT += `out ${i}\n`;
    MANY_ERR += `err ${i}\n`;
    MANY_BOTH += `out ${i}\nerr ${i}\n`;
  }
});

const read = (path: string) => readFileSync(path, "latin1");
const count = (text: string, line: string) => text.split("\n").filter((l) => l === line).length;
/** `part` is `whole` with some lines left out, the rest in order. */
function isSubsequence(part: string, whole: string): boolean {
  const want = whole.split("\n");
  let j = 0;
  for (const line of part.split("\n")) {
    while (j < want.length && want[j] !== line) j++;
    if (j === want.length) return false;
    j++;
  }
  return true;
}

/**
 * Starts dtee under the preload without waiting, to signal it mid-run. Not
 * helpers' start(): the output is read as it comes, since a command that
 * outlives dtee may hold the pipes open, and what came before must still be
 * checked.
 */
function startFault(fault: string, args: string[], tool: ToolName = "dtee") {
  const { dir, tmp, logPath } = newRunDir();
  const [cmd, ...pre] = toolArgv(tool);
  const child = spawn(cmd!, [...pre, ...args.map((a) => a.replaceAll("$DIR", dir))], {
    env: faultEnv(fault, tmp, logPath),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("latin1")));
  const exited = new Promise<{ status: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (status, signal) => resolve({ status, signal })),
  );
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    child,
    dir,
    tmp,
    exited,
    closed,
    output: () => ({ stdout, stderr, log: readLog(logPath), left: readdirSync(tmp) }),
  };
}

async function waitFor(path: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!existsSync(path) || read(path) === "") {
    if (Date.now() > end) return false;
    await Bun.sleep(10);
  }
  return true;
}

/** Resolves with the exit, or with "hung" after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "hung"> {
  return Promise.race([p, Bun.sleep(ms).then(() => "hung" as const)]);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

if (!CC) console.warn(`fault-injection tests skipped: ${NO_CC}`);

describe.skipIf(!CC)(CC ? "fault injection" : `fault injection (skipped: ${NO_CC})`, () => {
  test("the preload builds and the dynamic loader loads it", () => {
    expect(preload?.problem ?? "").toBe("");
  });

  test("the preload leaves dtee and the command alone without a rule that fires", () => {
    // The command loads the preload too (LD_PRELOAD is inherited): it must not
    // count or fail anything there; in dtee, calls are counted but pass.
    const rules = "writev:1000:EIO;recvmmsg:1000:EIO;mmap:1000:ENOMEM;prctl:1000:EINVAL;posix_spawnp:1000:EAGAIN;pidfd_open:1000:ENOSYS;eventfd:1000:EMFILE;kcmp:1000:EPERM";
    const r = runFault(rules, ["-c", "$DIR/c", ...LOREM]);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe(OUT);
    expect(r.stderr).toBe(ERR);
    expect(read(join(r.dir, "c"))).toBe(BOTH);
    expect(r.left).toEqual([]);
    expect(r.log.every((l) => l.endsWith(" pass"))).toBe(true);
    // Only dtee's own calls count, not the Bun runtime's (it calls mmap,
    // prctl and eventfd too): one reservation, one prctl, one spawn, one
    // pidfd, one kcmp, and no eventfd outside cron mode.
    const calls = (name: string) => r.log.filter((l) => l.startsWith(`${name} `)).length;
    expect(["mmap", "prctl", "posix_spawnp", "pidfd_open", "kcmp", "eventfd"].map((n) => [n, calls(n)])).toEqual([
      ["mmap", 1],
      ["prctl", 1],
      ["posix_spawnp", 1],
      ["pidfd_open", 1],
      ["kcmp", 1],
      ["eventfd", 0],
    ]);
  });

  describe("recvmmsg", () => {
    test("EINTR is retried: nothing lost, no message", () => {
      const r = runFault("recvmmsg:1-3:EINTR", ["-c", "$DIR/c", ...LOREM]);
      expectClean(r, "recvmmsg 1 EINTR");
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toBe(ERR);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });

    test("one message per call: everything, in order", () => {
      const r = runFault("recvmmsg:1+:one", ["-c", "$DIR/c", ...MANY]);
      expectClean(r, "recvmmsg 1 one");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_OUT);
      expect(r.stderr).toBe(MANY_ERR);
      expect(read(join(r.dir, "c"))).toBe(MANY_BOTH);
    });

    // Today: the ReceiveError escapes runDtee (script: stack trace, exit 1;
    // compiled: "internal error: input socket: ...", exit 70).
    test("EIO: 'input socket: strerror', exit 74, what was received is kept", () => {
      const r = runFault("recvmmsg@ready:2:EIO", ["-c", "$DIR/c", ...PAUSED]);
      expectClean(r, "recvmmsg 2 EIO");
      expect(r.status).toBe(74);
      expect(count(r.stderr, `${P}: input socket: Input/output error`)).toBe(1);
      expect(r.stdout.startsWith("out 1\n")).toBe(true);
      expect(read(join(r.dir, "c")).startsWith("out 1\n")).toBe(true);
    });

    test("EIO in cron mode: the held stdout is shown, then 'input socket: strerror', exit 74", () => {
      const r = runFault("recvmmsg@ready:2:EIO", ["-c", "$DIR/c", ...PAUSED], { tool: "cronty" });
      expectClean(r, "recvmmsg 2 EIO");
      expect(r.status).toBe(74);
      expect(count(r.stderr, `${C}: input socket: Input/output error`)).toBe(1);
      expect(r.stdout.startsWith("out 1\n")).toBe(true);
    });
  });

  describe("writev", () => {
    test("EIO on stdout: 'stdout: write: strerror', exit 74, the files get everything", () => {
      const r = runFault("writev@fd=1:1:EIO", ["-o", "$DIR/o", "-c", "$DIR/c", ...LOREM]);
      expectClean(r, "writev 1 EIO");
      expect(r.status).toBe(74);
      expect(count(r.stderr, `${P}: stdout: write: Input/output error`)).toBe(1);
      expect(r.stderr.replace(`${P}: stdout: write: Input/output error\n`, "")).toBe(ERR);
      expect(isSubsequence(r.stdout, OUT)).toBe(true);
      expect(read(join(r.dir, "o"))).toBe(OUT);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });

    test("ENOSPC on a file, every write: one message naming it, exit 74, the other outputs get everything", () => {
      const r = runFault("writev@path=/o:1+:ENOSPC", ["-o", "$DIR/o", "-e", "$DIR/e", "-c", "$DIR/c", ...LOREM]);
      expectClean(r, "writev 1 ENOSPC");
      expect(r.status).toBe(74);
      const message = `${P}: ${join(r.dir, "o")}: No space left on device`;
      expect(count(r.stderr, message)).toBe(1);
      expect(r.stderr.replace(`${message}\n`, "")).toBe(ERR);
      expect(r.stdout).toBe(OUT);
      expect(read(join(r.dir, "o"))).toBe("");
      expect(read(join(r.dir, "e"))).toBe(ERR);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });

    test("ENOSPC, recovery, ENOSPC again: reported once per run of failures", () => {
      const r = runFault("writev@path=/o:1:ENOSPC;writev@path=/o:3:ENOSPC", ["-o", "$DIR/o", ...SPACED]);
      expectClean(r, "writev 3 ENOSPC");
      expect(r.status).toBe(74);
      expect(count(r.stderr, `${P}: ${join(r.dir, "o")}: No space left on device`)).toBe(2);
      expect(r.stdout).toBe("out 1\nout 2\nout 3\nout 4\n");
      const file = read(join(r.dir, "o"));
      expect(file).toContain("out 4\n");
      expect(isSubsequence(file, "out 1\nout 2\nout 3\nout 4\n")).toBe(true);
    });

    test("EAGAIN (someone else's non-blocking flag) is waited out: nothing lost, no message", () => {
      const r = runFault("writev@fd=1:1-3:EAGAIN;writev@reg:1-2:EAGAIN", ["-o", "$DIR/o", "-c", "$DIR/c", ...LOREM]);
      expectClean(r, "writev 1 EAGAIN");
      expect(r.log.filter((l) => l.endsWith(" EAGAIN")).length).toBeGreaterThanOrEqual(3);
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toBe(ERR);
      expect(read(join(r.dir, "o"))).toBe(OUT);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });

    test("short writes everywhere are completed: exact bytes, no message", () => {
      const r = runFault("writev:1+:short", ["-o", "$DIR/o", "-e", "$DIR/e", "-c", "$DIR/c", ...MANY]);
      expectClean(r, "writev 1 short");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_OUT);
      expect(r.stderr).toBe(MANY_ERR);
      expect(read(join(r.dir, "o"))).toBe(MANY_OUT);
      expect(read(join(r.dir, "e"))).toBe(MANY_ERR);
      expect(read(join(r.dir, "c"))).toBe(MANY_BOTH);
    });

    test("short writes when stdout and stderr are one file (one writev for both)", () => {
      const r = runFault("writev:1+:short", [...MANY], { sharedStdio: true });
      expectClean(r, "writev 1 short");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_BOTH);
    });

    // Today: the batch that could not be spooled is dropped (stdout lacks
    // "out 0", "out 1"); dtee 1.1.3 falls back to passing stdout through.
    test("ENOSPC on the cron spool: reported, exit 74, the stdout it held still reaches stdout", () => {
      const r = runFault("writev@tmp:1:ENOSPC", ["-C", "$DIR/c", ...LOREM_OUT_FIRST], { tool: "cronty" });
      expectClean(r, "writev 1 ENOSPC");
      expect(r.status).toBe(74);
      expect(r.stderr).toMatch(new RegExp(`^${escape(C)}: [^\\n]*No space left on device$`, "m"));
      expect(r.stdout).toBe(`out 0\n${OUT}`);
      expect(r.stderr).toContain(ERR);
      expect(read(join(r.dir, "c"))).toBe(`out 0\n${BOTH}`);
    });
  });

  describe("write (messages, cron spool copy, capture log)", () => {
    test("ENOSPC on the capture log: one message naming it, exit 74, every other output complete", () => {
      const r = runFault("write@path=/log:1+:ENOSPC", ["--log", "$DIR/log", "-c", "$DIR/c", ...LOREM]);
      expectClean(r, "write 1 ENOSPC");
      expect(r.status).toBe(74);
      const message = `${P}: ${join(r.dir, "log")}: No space left on device`;
      expect(count(r.stderr, message)).toBe(1);
      expect(r.stderr.replace(`${message}\n`, "")).toBe(ERR);
      expect(r.stdout).toBe(OUT);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });

    test("a short write to the capture log is completed: every record whole", () => {
      const r = runFault("write@path=/log:1+:short", ["--log", "$DIR/log", ...LOREM]);
      expectClean(r, "write 1 short");
      expect(r.status).toBe(3);
      const records = read(join(r.dir, "log")).trimEnd().split("\n").map((l) => JSON.parse(l));
      expect(records.filter((x) => x.type === "write").map((x) => x.text).join("")).toBe(BOTH);
      expect(records.at(-1).status).toBe(3);
    });

    test("EIO copying the cron spool to stdout: 'stdout: write: strerror', exit 74", () => {
      const r = runFault("write@fd=1:1:EIO", ["-c", "$DIR/c", ...LOREM_OUT_FIRST], { tool: "cronty" });
      expectClean(r, "write 1 EIO");
      expect(r.status).toBe(74);
      expect(count(r.stderr, `${C}: stdout: write: Input/output error`)).toBe(1);
      expect(read(join(r.dir, "c"))).toBe(`out 0\n${BOTH}`);
    });
  });

  describe("read (the cron spool)", () => {
    // Today: copySpool stops at the failed read without a word; the held
    // stdout is lost and the exit status is the command's (3).
    test("EIO reading the spool back: reported, exit 74", () => {
      const r = runFault("read@tmp:1:EIO", ["-C", "$DIR/c", ...LOREM_OUT_FIRST], { tool: "cronty" });
      expectClean(r, "read 1 EIO");
      expect(r.status).toBe(74);
      expect(r.stderr).toMatch(new RegExp(`^${escape(C)}: [^\\n]*Input/output error$`, "m"));
      expect(read(join(r.dir, "c"))).toBe(`out 0\n${BOTH}`);
    });
  });

  describe("pidfd_open (syscall 434)", () => {
    for (const e of ["ENOSYS", "EMFILE"]) {
      test(`${e}: the exit is found by waiting instead; nothing lost, no message`, () => {
        const r = runFault(`pidfd_open:1:${e}`, ["-c", "$DIR/c", ...LOREM]);
        expectClean(r, `pidfd_open 1 ${e}`);
        expect(r.status).toBe(3);
        expect(r.stdout).toBe(OUT);
        expect(r.stderr).toBe(ERR);
        expect(read(join(r.dir, "c"))).toBe(BOTH);
      });
    }

    test("ENOSYS in cron mode, with a late write after a pause", () => {
      const r = runFault("pidfd_open:1:ENOSYS", ["-c", "$DIR/c", ...PAUSED], { tool: "cronty" });
      expectClean(r, "pidfd_open 1 ENOSYS");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("out 1\nout 2\n");
      expect(r.stderr).toBe(`err 1\nerr 2\n${C}: sh: exited with status 0\n`);
    });
  });

  describe("eventfd (cron mode's wake-up)", () => {
    // Today: the failure is not checked; the run looks normal, but a signal
    // can no longer stop the relay (see the next test).
    test("EMFILE: 'eventfd: strerror', the command still runs, nothing lost", () => {
      const r = runFault("eventfd:1:EMFILE", ["-c", "$DIR/c", ...LOREM], { tool: "cronty" });
      expectClean(r, "eventfd 1 EMFILE");
      expect(r.stderr).toMatch(new RegExp(`^${escape(C)}: eventfd: Too many open files$`, "m"));
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toContain("err 1\n");
    });

    // Today: SIGTERM is caught, but the handler writes to fd -1; the data
    // thread never wakes and dtee waits for the command to end (10 s here).
    // Relayed or run straight on dtee's own streams (as dtee 1.1.3 does
    // when its signal set-up fails in cron mode), either is right here.
    test("EMFILE: a SIGTERM still ends dtee at once", async () => {
      await expectSigtermEnds("eventfd:1:EMFILE", "eventfd 1 EMFILE", { relayed: false });
    }, 20_000);

    test("SIGTERM in cron mode without a fault ends dtee at once (the baseline of the test above)", async () => {
      await expectSigtermEnds("eventfd:1000:EMFILE", "eventfd 1 pass");
    }, 20_000);
  });

  describe("mmap (the receiver's slots)", () => {
    test("the first reservation refused: fewer slots, nothing lost, no message", () => {
      const r = runFault("mmap@noreserve:1:ENOMEM", ["-c", "$DIR/c", ...MANY]);
      expectClean(r, "mmap 1 ENOMEM");
      expect(r.log).toContain("mmap 2 pass");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_OUT);
      expect(r.stderr).toBe(MANY_ERR);
      expect(read(join(r.dir, "c"))).toBe(MANY_BOTH);
    });

    test("every reservation refused: slots from the heap, nothing lost, no message", () => {
      const r = runFault("mmap@noreserve:1+:ENOMEM", ["-c", "$DIR/c", ...MANY]);
      expectClean(r, "mmap 4 ENOMEM");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_OUT);
      expect(r.stderr).toBe(MANY_ERR);
      expect(read(join(r.dir, "c"))).toBe(MANY_BOTH);
    });

    test("every reservation refused: a 1 MB single write still arrives whole", () => {
      const big = join(work, "big");
      if (!existsSync(big)) writeFileSync(big, Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => 97 + ((i * 7) % 26))));
      const r = runFault("mmap@noreserve:1+:ENOMEM", ["-O", "$DIR/o", "dd", `if=${big}`, "bs=1000000", "count=1", "status=none"]);
      expectClean(r, "mmap 4 ENOMEM");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout === read(big)).toBe(true);
      expect(read(join(r.dir, "o")) === read(big)).toBe(true);
    });
  });

  describe("open(O_TMPFILE) (the cron spool)", () => {
    test("EOPNOTSUPP: 'unable to create temporary file in TMPDIR: strerror', output passes straight through, exit 73", () => {
      const r = runFault("open@tmpfile:1:EOPNOTSUPP", ["-c", "$DIR/c", ...LOREM_OUT_FIRST], { tool: "cronty" });
      expectClean(r, "open 1 EOPNOTSUPP");
      expect(r.status).toBe(73);
      const tmp = join(r.dir, "tmp");
      expect(r.stdout).toBe(`out 0\n${OUT}`);
      expect(r.stderr).toBe(`${C}: unable to create temporary file in ${tmp}: Operation not supported\n${ERR}${C}: sh: exited with status 3\n`);
      expect(read(join(r.dir, "c"))).toBe(`out 0\n${BOTH}`);
    });
  });

  describe("posix_spawnp", () => {
    // Today: every posix_spawnp error is taken for an exec failure: the
    // message is "dtee: sh: Resource temporarily unavailable" as the
    // command's stderr and the status 66. EAGAIN (and ENOMEM) are the
    // process not being created at all: dtee 1.1.3 says "fork: ..." and
    // exits 71 (EX_OSERR); in cron mode it runs the command anyway.
    test("EAGAIN (no process): 'fork: strerror', exit 71, nothing left in TMPDIR", () => {
      const r = runFault("posix_spawnp:1:EAGAIN", ["-C", "$DIR/c", ...LOREM]);
      expectClean(r, "posix_spawnp 1 EAGAIN");
      expect(r.status).toBe(71);
      expect(r.stderr).toMatch(new RegExp(`^${escape(P)}: (fork|posix_spawnp): Resource temporarily unavailable\\n$`));
      expect(r.stdout).toBe("");
    });

    test("EAGAIN in cron mode: reported, the command is run anyway, its status is dtee's", () => {
      const r = runFault("posix_spawnp:1:EAGAIN", [...LOREM], { tool: "cronty" });
      expectClean(r, "posix_spawnp 1 EAGAIN");
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^${escape(C)}: (fork|posix_spawnp): Resource temporarily unavailable\\n`));
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toContain(ERR);
    });

    test("ENOENT (exec failed): 'CMD: strerror' as the command's stderr, exit 66", () => {
      const r = runFault("posix_spawnp:1:ENOENT", ["-c", "$DIR/c", ...LOREM]);
      expectClean(r, "posix_spawnp 1 ENOENT");
      expect(r.status).toBe(66);
      expect(r.stderr).toBe(`${P}: sh: No such file or directory\n`);
      expect(read(join(r.dir, "c"))).toBe(`${P}: sh: No such file or directory\n`);
    });
  });

  describe("kcmp (syscall 272: is stdout the same file as stderr?)", () => {
    test("EPERM: written stream by stream instead, still in order, no message", () => {
      const r = runFault("kcmp:1:EPERM", [...MANY], { sharedStdio: true });
      expectClean(r, "kcmp 1 EPERM");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(MANY_BOTH);
    });
  });

  describe("prctl (PR_SET_DUMPABLE)", () => {
    test("EINVAL: hardening only; the run goes on, nothing lost, no message", () => {
      const r = runFault("prctl:1:EINVAL", ["-c", "$DIR/c", ...LOREM]);
      expectClean(r, "prctl 1 EINVAL");
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toBe(ERR);
      expect(read(join(r.dir, "c"))).toBe(BOTH);
    });
  });

  describe("poll (the relay's wait)", () => {
    test("EINTR is retried: nothing lost, no message", () => {
      const r = runFault("poll@sock:1-3:EINTR", ["-c", "$DIR/c", ...PAUSED]);
      expectClean(r, "poll 1 EINTR");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("out 1\nout 2\n");
      expect(r.stderr).toBe("err 1\nerr 2\n");
    });

    test("ENOMEM every time: the relay looks every few milliseconds instead; nothing lost, no message", () => {
      const r = runFault("poll@sock:1+:ENOMEM", ["-c", "$DIR/c", ...PAUSED]);
      expectClean(r, "poll 2 ENOMEM");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("out 1\nout 2\n");
      expect(r.stderr).toBe("err 1\nerr 2\n");
      expect(read(join(r.dir, "c"))).toBe("out 1\nerr 1\nout 2\nerr 2\n");
    });

    test("ENOMEM every time in cron mode: a SIGTERM still ends dtee at once", async () => {
      await expectSigtermEnds("poll@sock:1+:ENOMEM", "poll 1 ENOMEM");
    }, 20_000);

    test("EAGAIN waiting for stdout to drain is retried: nothing lost", () => {
      const r = runFault("writev@fd=1:1:EAGAIN;poll@out:1:EINTR", [...LOREM]);
      expectClean(r, "poll 1 EINTR");
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(OUT);
      expect(r.stderr).toBe(ERR);
    });

    // Today: the SysError escapes (script: a stack trace and exit 1;
    // compiled: "internal error: poll: Invalid argument", exit 70; cron
    // mode: Bun's "error: poll: ..." banner, exit 1).
    for (const tool of ["dtee", "cronty"] as const) {
      test(`EINVAL (${tool}): 'poll: strerror', exit 70 (EX_SOFTWARE), no stack trace`, () => {
        const r = runFault("poll@sock:1:EINVAL", ["-c", "$DIR/c", ...LOREM], { tool });
        expectClean(r, "poll 1 EINVAL");
        expect(r.status).toBe(70);
        expect(r.stderr).toMatch(new RegExp(`^${escape(prefix(tool))}: (internal error: )?poll: Invalid argument$`, "m"));
      });
    }
  });
});

/**
 * Cron mode under `fault`: SIGTERM while the command sleeps ends dtee within
 * 5 s, TMPDIR clean, what the command wrote shown; when `relayed`, also the
 * received-signal report and the -c file.
 */
async function expectSigtermEnds(fault: string, injected: string, { relayed = true } = {}): Promise<void> {
  const marker = join(work, `pid-${++runs}`);
  const cmd = script(`sleeper-${runs}`, `echo "out 1"; echo "err 1" >&2; echo $$ > ${marker}; exec sleep 10\n`);
  const run = startFault(fault, ["-c", "$DIR/c", ...cmd], "cronty");
  try {
    expect(await waitFor(marker, 10_000)).toBe(true);
    await Bun.sleep(100); // the relay is waiting again
    run.child.kill("SIGTERM");
    const end = await within(run.exited, 5_000);
    expect(end).toEqual({ status: null, signal: "SIGTERM" });
    await within(run.closed, 2_000); // the output read to its end
    const o = run.output();
    expect(o.log).toContain(injected);
    expect(looksLikeCrash(o.stderr) ? o.stderr : "").toBe("");
    expect(o.left).toEqual([]);
    expect(o.stdout).toBe("out 1\n");
    expect(o.stderr).toContain("err 1\n");
    if (!relayed) return;
    expect(o.stderr).toContain(`${C}: received signal 15: Terminated\n`);
    expect(read(join(run.dir, "c"))).toBe("out 1\nerr 1\n");
  } finally {
    killQuietly(run.child.pid!);
    if (existsSync(marker)) killQuietly(Number(read(marker).trim()));
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
