// Behaviour a first-time user relies on, found by running real programs the
// way people do (dtee 1.1.3 is the reference): a command that reads its
// stdout or stderr, scripts without #!, nohup and background jobs, two
// outputs on one file, the terminal side before the files, low memory limits.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readFileSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { run, sh, runSync, prefix, tempDir, skipTitle, toolCmd } from "../support/helpers";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const P = prefix("dtee");
const C = prefix("cronty");
const file = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(file(name), "utf8");
const has = (cmd: string) => runSync(["sh", "-c", `command -v ${cmd}`]).status === 0;

describe("a command that reads its stdout or stderr", () => {
  for (const tool of ["dtee", "cronty"] as const) {
    test(`${tool}: reading fd 1 and fd 2 gives end of file at once, nothing hangs`, () => {
      const r = run(tool, ["sh", "-c", 'read a <&1; echo "fd1 $?"; read b <&2; echo "fd2 $?" >&2'], { input: "stdin line\n", timeoutMs: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.stdout.toString()).toBe("fd1 1\n");
      expect(r.stderr.toString()).toBe(tool === "dtee" ? "fd2 1\n" : `fd2 1\n${C}: sh: exited with status 0\n`);
      expect(r.status).toBe(0);
    });
  }

  const noVim = has("vim") ? undefined : "no vim on PATH";
  test.skipIf(noVim !== undefined)(skipTitle("vim reading keys from fd 2 (stdin a pipe) exits instead of hanging", noVim), () => {
    const r = sh(`echo hi | timeout 20 $DTEE -C ${file("vim.log")} vim -u NONE -i NONE -es -c q - >/dev/null 2>&1; echo "status $?"`, { timeoutMs: 30_000 });
    expect(r.stdout.toString()).not.toBe("status 124\n");
  });
});

describe("scripts without #! run as execvp runs them, with /bin/sh", () => {
  beforeAll(() => {
    writeFileSync(file("job"), 'echo "ran $# $1"\necho "err" >&2\nexit 4\n');
    chmodSync(file("job"), 0o755);
  });

  test("by path", () => {
    const r = run("dtee", [file("job"), "arg"]);
    expect(r.stdout.toString()).toBe("ran 1 arg\n");
    expect(r.stderr.toString()).toBe("err\n");
    expect(r.status).toBe(4);
  });

  test("found through PATH", () => {
    const r = run("dtee", ["job", "x"], { env: { PATH: `${dir}:${process.env.PATH}` } });
    expect(r.stdout.toString()).toBe("ran 1 x\n");
    expect(r.status).toBe(4);
  });

  test("cronty reports the script's own status, not an exec error", () => {
    const r = run("cronty", [file("job")]);
    expect(r.stdout.toString()).toBe("ran 0 \n");
    expect(r.stderr.toString()).toBe(`err\n${C}: ${file("job")}: exited with status 4\n`);
    expect(r.status).toBe(4);
  });

  test("a file that is not executable is still an exec error (66)", () => {
    writeFileSync(file("plain"), "echo no\n");
    const r = run("dtee", [file("plain")]);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.toString()).toBe(`${P}: ${file("plain")}: Permission denied\n`);
    expect(r.status).toBe(66);
  });
});

describe("signal dispositions the caller set reach the command", () => {
  const ignoredMask = (status: string) => BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(status)![1]}`);
  const bit = (sig: number) => 1n << BigInt(sig - 1);
  const SHOW = "grep -E '^Sig(Ign|Blk)' /proc/self/status";

  test("a plain run: nothing ignored or blocked (Bun's SIGPIPE and SIGXFSZ are put back)", () => {
    const r = sh(`$DTEE sh -c "${SHOW}"`);
    expect(ignoredMask(r.stdout.toString())).toBe(0n);
    expect(r.stdout.toString()).toMatch(/SigBlk:\s*0+\n/);
  });

  test("ignored by the caller (trap '', as nohup and background jobs do): still ignored", () => {
    const r = sh(`trap '' HUP INT QUIT; $DTEE sh -c "${SHOW}"`);
    expect(ignoredMask(r.stdout.toString())).toBe(bit(1) | bit(2) | bit(3));
  });

  test("nohup dtee: the command survives SIGHUP", () => {
    const r = sh(`nohup $DTEE sh -c 'kill -HUP $$; echo survived' 2>/dev/null`, { env: { HOME: dir } });
    expect(r.stdout.toString()).toBe("survived\n");
    expect(r.status).toBe(0);
  });

  test("-i ignores SIGINT in dtee only: the command gets the default action", () => {
    const r = sh(`$CRONTY -i sh -c "${SHOW}; exit 1" 2>/dev/null`);
    expect(ignoredMask(r.stdout.toString())).toBe(0n);
  });
});

describe("cron mode's signal handling is in place before the command runs", () => {
  test("a command that signals cronty at once (kill -TERM $PPID) finds the handler: flush, report, die of it", () => {
    for (let i = 0; i < 5; i++) {
      const r = sh(`$CRONTY sh -c 'echo e >&2; kill -TERM $PPID; sleep 2'; echo "status=$?"`, { timeoutMs: 30_000 });
      expect(r.stdout.toString()).toBe("status=143\n");
      // (then, maybe, the calling shell's own "Terminated" note)
      expect(r.stderr.toString()).toStartWith(`e\n${C}: received signal 15: Terminated\n`);
    }
  });
});

describe("outputs that are one file get every message once per output, in the order written", () => {
  const SCRIPT = "for i in 0 1 2 3 4 5 6 7 8 9; do echo o$i; echo e$i >&2; done";
  const order = (...streams: ("o" | "e" | "oo" | "ee" | "ooo")[]) => {
    let s = "";
    for (let i = 0; i < 10; i++) for (const x of streams) for (const c of x) s += `${c}${i}\n`;
    return s;
  };

  test("-o f -e f", () => {
    sh(`$DTEE -o ${file("same1")} -e ${file("same1")} sh -c '${SCRIPT}' >/dev/null 2>&1`);
    expect(text("same1")).toBe(order("o", "e"));
  });

  test("-c f -c f: two copies of each message, in order", () => {
    sh(`$DTEE -c ${file("same2")} -c ${file("same2")} sh -c '${SCRIPT}' >/dev/null 2>&1`);
    expect(text("same2")).toBe(order("oo", "ee"));
  });

  test("a file that is also stdout and stderr (>>f 2>&1 with -o f -c f): terminal copy first, then each file's", () => {
    sh(`$DTEE -o ${file("same3")} -c ${file("same3")} sh -c '${SCRIPT}' >>${file("same3")} 2>&1`);
    expect(text("same3")).toBe(order("ooo", "ee"));
  });

  test("-O f -E f (both truncating): nothing overwritten", () => {
    sh(`$DTEE -O ${file("same4")} -E ${file("same4")} sh -c '${SCRIPT}' >/dev/null 2>&1`);
    expect(text("same4")).toBe(order("o", "e"));
  });
});

describe("the terminal side is written before the files", () => {
  test("a file output whose reader is gone: dtee dies of SIGPIPE after the terminal saw the first message", () => {
    const r = runSync(
      ["bash", "-c", `exec 3> >(exec true); sleep 0.3; $DTEE -o /dev/fd/3 sh -c 'echo first; echo second >&2; echo third'; echo "status $?"`],
      { env: { DTEE: toolCmd("dtee") }, timeoutMs: 30_000 },
    );
    expect(r.stdout.toString()).toBe("first\nstatus 141\n");
    expect(r.stderr.toString()).toBe("");
  });

  test("cron mode: a failing file is reported where native dtee reports it, before the output that follows", () => {
    const r = run("cronty", ["-o", "/dev/full", "sh", "-c", "echo a; echo b >&2; echo c; exit 3"]);
    expect(r.stdout.toString()).toBe("a\nc\n");
    expect(r.stderr.toString()).toBe(`${C}: /dev/full: No space left on device\nb\n${C}: sh: exited with status 3\n`);
    expect(r.status).toBe(74);
  });
});

describe("--tag", () => {
  const noPython = existsSync("/usr/bin/python3") ? undefined : "no /usr/bin/python3";
  test.skipIf(noPython !== undefined)(skipTitle("a zero-length write of the other stream does not split a line", noPython), () => {
    const py = "import os; os.write(1, b'abc'); os.write(2, b''); os.write(1, b'def\\n'); os.write(2, b'x\\n')";
    const r = run("dtee", ["--tag", "-C", file("tag.c"), "python3", "-c", py]);
    expect(r.status).toBe(0);
    expect(text("tag.c")).toBe("O abcdef\nE x\n");
  });
});

describe("a low address-space limit (ulimit -v)", () => {
  // Bun starts without its JIT under such a limit and bun:ffi cannot work:
  // the command must still run, with its status, and one line says so.
  test("dtee: the command runs with its own status; at most one line of ours", () => {
    const r = sh(`ulimit -v 2000000; $DTEE -o ${file("lowmem.o")} sh -c 'echo out; echo err >&2; exit 3'`, { timeoutMs: 30_000 });
    expect(r.status).toBe(3);
    expect(r.stdout.toString()).toBe("out\n");
    const err = r.stderr.toString();
    if (err !== "err\n") {
      expect(err).toBe(`${P}: bun:ffi requires the JIT (is the address-space limit too low?): running sh without copying its output\nerr\n`);
    } else {
      expect(text("lowmem.o")).toBe("out\n");
    }
  });

  test("cronty: the job still runs and its failure still shows", () => {
    const r = sh(`ulimit -v 2000000; $CRONTY sh -c 'echo out; exit 2'`, { timeoutMs: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout.toString()).toBe("out\n");
    expect(r.stderr.toString()).toMatch(new RegExp(`^(${C}: bun:ffi requires the JIT .*\\n|${C}: sh: exited with status 2\\n)$`));
  });
});
