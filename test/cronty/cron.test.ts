// Cron mode (cronty, dtee -q): silence on success, everything in order plus
// the status on failure, and the signal handling around it.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { run, sh, prefix, tempDir, toolArgv, startRaw, waitForFile, waitStatus } from "../support/helpers";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const C = prefix("cronty");
const file = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(file(name), "utf8");

/** Runs cronty with stdout and stderr merged in write order. */
function merged(args: string, env: Record<string, string> = {}) {
  return sh(`$CRONTY ${args} 2>&1`, { env });
}

describe("cron mode output", () => {
  test("exit 0 with stdout only prints nothing at all", () => {
    const r = run("cronty", ["sh", "-c", "echo one; echo two"]);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.length).toBe(0);
  });

  test("dtee -q is the same as cronty", () => {
    const r = run("dtee", ["-q", "sh", "-c", "echo one"]);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(0);
    const r2 = sh(`$DTEE -q sh -c 'echo a; echo b >&2' 2>&1`);
    expect(r2.stdout.toString()).toBe(`a\nb\n${prefix("dtee")}: sh: exited with status 0\n`);
  });

  test("output on stderr: everything in order, then the status line", () => {
    const r = merged(`sh -c 'echo a; echo b; echo c >&2; echo d; echo e >&2'`);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(`a\nb\nc\nd\ne\n${C}: sh: exited with status 0\n`);
  });

  test("streams stay apart: held stdout goes to stdout, the report to stderr", () => {
    const r = run("cronty", ["sh", "-c", "echo a; echo b >&2; echo c"]);
    expect(r.stdout.toString()).toBe("a\nc\n");
    expect(r.stderr.toString()).toBe(`b\n${C}: sh: exited with status 0\n`);
  });

  test("exit 42 without stderr", () => {
    const r = merged(`sh -c 'echo out; exit 42'`);
    expect(r.status).toBe(42);
    expect(r.stdout.toString()).toBe(`out\n${C}: sh: exited with status 42\n`);
  });

  test("exit 42 with stderr", () => {
    const r = merged(`sh -c 'echo out; echo err >&2; exit 42'`);
    expect(r.status).toBe(42);
    expect(r.stdout.toString()).toBe(`out\nerr\n${C}: sh: exited with status 42\n`);
  });

  test("output files are written live and in full", () => {
    const r = run("cronty", ["-O", file("live.o"), "-C", file("live.c"), "sh", "-c", "echo a; echo b >&2"]);
    expect(r.status).toBe(0);
    expect(read("live.o")).toBe("a\n");
    expect(read("live.c")).toBe("a\nb\n");
  });

  test("a command killed by SIGTERM", () => {
    const r = merged(`sh -c 'echo before; kill -TERM $$'`);
    expect(r.status).toBe(143);
    expect(r.stdout.toString()).toBe(`before\n${C}: sh: process terminated by signal 15: Terminated\n`);
  });

  test("a command killed by SIGKILL", () => {
    const r = merged(`sh -c 'kill -KILL $$'`);
    expect(r.status).toBe(137);
    expect(r.stdout.toString()).toBe(`${C}: sh: process terminated by signal 9: Killed\n`);
  });

  test("a command killed by SIGQUIT, with and without a core dump", async () => {
    const noCore = sh(`ulimit -c 0; $CRONTY sh -c 'kill -QUIT $$' 2>&1`);
    expect(noCore.stdout.toString()).toBe(`${C}: sh: process terminated by signal 3: Quit\n`);
    expect(noCore.status).toBe(131);
    // Whether a core is written depends on the machine (core_pattern); the
    // report must agree with the real wait status of the same command.
    const coreDir = file("cores");
    mkdirSync(coreDir);
    const probe = await startRaw(["/bin/sh", "-c", `cd ${coreDir}; ulimit -c unlimited; exec sh -c 'kill -QUIT $$'`]);
    const dumped = waitStatus(await probe.wait()).core;
    const r = sh(`cd ${coreDir}; ulimit -c unlimited; $CRONTY sh -c 'kill -QUIT $$' 2>&1`);
    expect(r.stdout.toString()).toBe(`${C}: sh: process terminated by signal 3: Quit${dumped ? " (core dumped)" : ""}\n`);
  });

  test("an output file that cannot be opened: reported, the command still runs, status 73", () => {
    const bad = join(dir, "no-such-dir", "x");
    const r = merged(`-o ${bad} sh -c 'echo ran'`);
    expect(r.status).toBe(73);
    expect(r.stdout.toString()).toBe(`${C}: ${bad}: No such file or directory\nran\n${C}: sh: exited with status 0\n`);
  });

  test("a command that cannot be executed: its message, then status 66", () => {
    const r = merged("dtee-no-such-command");
    expect(r.status).toBe(66);
    expect(r.stdout.toString()).toBe(
      `${C}: dtee-no-such-command: No such file or directory\n${C}: dtee-no-such-command: exited with status 66\n`,
    );
  });

  test("no usable TMPDIR: a message, and the command still runs on plain stdout/stderr", () => {
    const r = merged(`sh -c 'echo ran; exit 5'`, { TMPDIR: join(dir, "missing-tmp") });
    expect(r.status).toBe(5);
    const lines = r.stdout.toString().split("\n");
    expect(lines).toContain("ran");
    expect(lines.filter((l) => l.startsWith(`${C}: unable to create temporary`)).length).toBeGreaterThan(0);
  });

  test("outside cron mode, no usable TMPDIR is 69 and the command does not run", () => {
    const r = run("dtee", ["sh", "-c", "echo ran"], { env: { TMPDIR: join(dir, "missing-tmp") } });
    expect(r.status).toBe(69);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.toString()).toMatch(new RegExp(`^${prefix("dtee")}: unable to create temporary directory .*missing-tmp/dtee[0-9A-F]{8}IXXXXXX: No such file or directory\n$`));
  });

  test("the spool is unnamed, 0600, and under TMPDIR while the command runs", () => {
    const t = file("spool-tmp");
    mkdirSync(t);
    // The command lists its parent's (cronty's) descriptors under TMPDIR.
    const script =
      'for f in /proc/$PPID/fd/*; do l=$(readlink "$f"); case "$l" in "$TMPDIR"/*) echo "$l $(stat -L -c %a "$f")";; esac; done; exit 1';
    const r = run("cronty", ["sh", "-c", script], { env: { TMPDIR: t } });
    expect(r.status).toBe(1);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(new RegExp(`^${t}/#\\d+ \\(deleted\\) 600$`));
    expect(readdirSync(t)).toEqual([]);
  });
});

describe("signals to cronty itself", () => {
  for (const [name, num, text] of [
    ["SIGTERM", 15, "Terminated"],
    ["SIGHUP", 1, "Hangup"],
    ["SIGINT", 2, "Interrupt"],
  ] as const) {
    test(`${name} while the command runs: held output, the received-signal line, death by ${name}`, async () => {
      const ready = file(`ready-${name}`);
      const out = file(`sig-${name}.out`);
      const err = file(`sig-${name}.err`);
      const child = await startRaw(
        [...toolArgv("cronty"), "sh", "-c", `echo held; touch ${ready}; sleep 5; echo never`],
        { stdout: out, stderr: err },
      );
      await waitForFile(ready);
      await Bun.sleep(50);
      process.kill(child.pid, name);
      const status = waitStatus(await child.wait());
      expect(status.signal).toBe(num);
      expect(readFileSync(out, "utf8")).toBe("held\n");
      expect(readFileSync(err, "utf8")).toBe(`${C}: received signal ${num}: ${text}\n`);
    });
  }

  // Cron mode relays on the main thread in time slices, between which its
  // signal handlers run: a signal must stop it while data is pouring in,
  // not only while it waits.
  test("SIGTERM while the command floods stderr: the relay stops, the received-signal line comes last, death by SIGTERM", async () => {
    const ready = file("ready-flood");
    const out = file("sig-flood.out");
    const err = file("sig-flood.err");
    const child = await startRaw([...toolArgv("cronty"), "sh", "-c", `echo held; touch ${ready}; exec yes flood >&2`], {
      stdout: out,
      stderr: err,
    });
    await waitForFile(ready);
    await Bun.sleep(100);
    process.kill(child.pid, "SIGTERM");
    const status = waitStatus(await child.wait());
    expect(status.signal).toBe(15);
    expect(readFileSync(out, "utf8")).toBe("held\n");
    const text = readFileSync(err, "latin1");
    const line = `${C}: received signal 15: Terminated\n`;
    expect(text.endsWith(line)).toBe(true);
    // Before it, what the command wrote, in order and with nothing missing
    // in between: a prefix of yes's endless "flood\n" (a write may end mid-line).
    const relayed = text.slice(0, -line.length);
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed).toBe("flood\n".repeat(Math.ceil(relayed.length / 6)).slice(0, relayed.length));
  });

  test("-i: SIGINT to cronty is ignored and the command finishes", async () => {
    const ready = file("ready-i");
    const out = file("sig-i.out");
    const err = file("sig-i.err");
    const child = await startRaw(
      [...toolArgv("cronty"), "-i", "sh", "-c", `touch ${ready}; sleep 0.3; echo done`],
      { stdout: out, stderr: err },
    );
    await waitForFile(ready);
    process.kill(child.pid, "SIGINT");
    const status = waitStatus(await child.wait());
    expect(status).toEqual({ code: 0, core: false });
    expect(readFileSync(out, "utf8")).toBe("");
    expect(readFileSync(err, "utf8")).toBe("");
  });

  test("-i outside cron mode too", async () => {
    const ready = file("ready-i2");
    const out = file("sig-i2.out");
    const child = await startRaw([...toolArgv("dtee"), "-i", "sh", "-c", `touch ${ready}; sleep 0.3; echo done`], {
      stdout: out,
      stderr: file("sig-i2.err"),
    });
    await waitForFile(ready);
    process.kill(child.pid, "SIGINT");
    expect(waitStatus(await child.wait())).toEqual({ code: 0, core: false });
    expect(readFileSync(out, "utf8")).toBe("done\n");
  });

  test("cronty's stdout a closed pipe: the write error, SIGPIPE reported, death by SIGPIPE", () => {
    // The reader is gone before cronty starts; the held "x" meets the broken
    // pipe when stderr output releases it.
    const r = sh(`( sleep 0.2; $CRONTY sh -c 'echo x; echo y >&2; echo z' 2>${file("pipe.err")}; echo $? >${file("pipe.status")} ) | true`);
    expect(r.status).toBe(0);
    expect(read("pipe.status").trim()).toBe("141");
    expect(read("pipe.err")).toBe(`${C}: stdout: write: Broken pipe\ny\n${C}: received signal 13: Broken pipe\n`);
  });
});
