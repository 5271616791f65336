// Reliability of dtee and cronty under load and faults: real processes, exact
// bytes (SHA-256 checksums streamed, never a large output in memory), exit
// statuses and signals. Bounded: every process has a time limit and every
// test its own timeout. The figures printed as "FIGURE ..." lines are the
// ones the README's Reliability section reports.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import {
  readFileSync,
  writeFileSync,
  readdirSync,
  existsSync,
  mkdirSync,
  statSync,
  lstatSync,
  rmSync,
  chmodSync,
} from "node:fs";
import { join } from "node:path";
import { toolArgv, prefix, tempDir, ROOT, shq, skipTitle, start, runTool, runProc, sha256Stream, sha256OfCommand, watchPeakRss, type Digest } from "../support/helpers";
import {
  sha256File,
  sha256Bytes,
  closedPipe,
  procEnded,
  waitUntil,
  readPid,
  makePipe,
  asNobody,
  cleanupNobody,
  which,
  MiB,
  fmtMiB,
  figure,
  useSuiteDirectory,
} from "../support/reliability-common";

let dir: string;
useSuiteDirectory((d) => (dir = d));

const P = prefix("dtee");
const C = prefix("cronty");
const DTEE = toolArgv("dtee");
const CRONTY = toolArgv("cronty");
const file = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(file(name), "latin1");

/** A fresh empty directory under the test directory. */
function freshDir(name: string, mode = 0o755): string {
  const d = file(name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  chmodSync(d, mode);
  return d;
}

// `seq 1 N` is the producer for the big runs: native (so the peak RSS
// measured for dtee is dtee's), fast, and every line distinct, so a lost,
// repeated or reordered write changes the checksum.
const SEQ_1GIB = 118_485_293; // 1,073,741,828 bytes: just over 1 GiB
const SEQ_10MB = 1_500_000; // 10,888,896 bytes

/** The writes of a shell loop: one write(2) per line, lines of varying length. */
function lineLoop(from: number, to: number, errAt?: number): { script: string; out: string; err: string; all: string } {
  const script =
    `i=${from}; while [ $i -le ${to} ]; do echo "line $i"; ` +
    (errAt !== undefined ? `[ $i -eq ${errAt} ] && echo "err at $i" >&2; ` : "") +
    "i=$((i+1)); done";
  let out = "";
  let err = "";
  let all = "";
  for (let i = from; i <= to; i++) {
    out += `line ${i}\n`;
    all += `line ${i}\n`;
    if (i === errAt) {
      err += `err at ${i}\n`;
      all += `err at ${i}\n`;
    }
  }
  return { script, out, err, all };
}

interface LoadResult {
  status: number | null;
  signal: string | null;
  stdout: Digest;
  stderr: string;
  maxRSS: number;
  ms: number;
}

/** Runs a tool with stdout hashed as it streams (so 1 GiB never sits in memory). */
async function hashedRun(argv: string[], timeoutMs: number, env?: Record<string, string>): Promise<LoadResult> {
  const r = await runProc(argv, { stdin: "ignore", digestStdout: true, env, timeoutMs });
  return { status: r.status, signal: r.signal, stdout: r.stdoutDigest!, stderr: r.stderr.toString(), maxRSS: r.maxRSS, ms: r.ms };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** dtee's message when mkdtemp fails: the template it tried (dtee, pid in hex, I, XXXXXX). */
function tempDirFailure(name: string, dir: string, error: string): RegExp {
  return new RegExp(`^${escapeRe(`${name}: unable to create temporary directory ${dir}/dtee`)}[0-9A-F]{8}IXXXXXX${escapeRe(`: ${error}`)}\n$`);
}

describe("load", () => {
  test(
    "1 GiB through dtee to stdout and two files: byte-exact, peak RSS flat against 10 MB",
    async () => {
      const results: Record<string, LoadResult> = {};
      for (const [tag, n] of [
        ["10MB", SEQ_10MB],
        ["1GiB", SEQ_1GIB],
      ] as const) {
        const o = file(`load-${tag}.O`);
        const c = file(`load-${tag}.C`);
        const r = await hashedRun([...DTEE, "-O", o, "-C", c, "seq", "1", String(n)], 150_000);
        results[tag] = r;
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const want = await sha256OfCommand(["seq", "1", String(n)]);
        expect(r.stdout).toEqual(want);
        expect(await sha256File(o)).toEqual(want);
        expect(await sha256File(c)).toEqual(want);
        rmSync(o);
        rmSync(c);
        figure(`load ${tag}`, {
          bytes: want.bytes,
          seconds: +(r.ms / 1000).toFixed(2),
          MiBps: +(want.bytes / MiB / (r.ms / 1000)).toFixed(0),
          peakRSS: fmtMiB(r.maxRSS),
        });
      }
      expect(results["1GiB"]!.stdout.bytes).toBeGreaterThanOrEqual(1 << 30);
      // Peak RSS is the same whether 10 MB or 1 GiB goes through.
      expect(results["1GiB"]!.maxRSS).toBeGreaterThan(0);
      expect(results["1GiB"]!.maxRSS - results["10MB"]!.maxRSS).toBeLessThan(32 * MiB);
    },
    300_000,
  );

  test(
    "cron mode spools to disk: 256 MiB held then shown, byte-exact, peak RSS flat against 10 MB",
    async () => {
      const sizes = { "10MB": SEQ_10MB, "256MiB": 30_000_000 } as const;
      const rss: Record<string, number> = {};
      for (const [tag, n] of Object.entries(sizes)) {
        // All of stdout is held (no stderr until the end), then shown because of exit 1.
        const r = await hashedRun([...CRONTY, "sh", "-c", `seq 1 ${n}; exit 1`], 120_000);
        expect(r.stderr).toBe(`${C}: sh: exited with status 1\n`);
        expect(r.status).toBe(1);
        expect(r.stdout).toEqual(await sha256OfCommand(["seq", "1", String(n)]));
        rss[tag] = r.maxRSS;
        figure(`cron spool ${tag}`, { bytes: r.stdout.bytes, seconds: +(r.ms / 1000).toFixed(2), peakRSS: fmtMiB(r.maxRSS) });
      }
      expect(rss["256MiB"]! - rss["10MB"]!).toBeLessThan(32 * MiB);
    },
    200_000,
  );

  test(
    "16 instances at once (8 dtee, 8 cronty), each byte-exact in its stdout, stderr and files",
    async () => {
      const runs = Array.from({ length: 16 }, (_, k) => {
        const base = k * 10_000_000;
        const parts = {
          out1: [base + 1, base + 1_500_000],
          err: [base + 2_000_001, base + 2_300_000],
          out2: [base + 3_000_001, base + 4_000_000],
        } as const;
        const seq = (p: readonly [number, number]) => `seq ${p[0]} ${p[1]}`;
        const script = `${seq(parts.out1)}; ${seq(parts.err)} >&2; ${seq(parts.out2)}`;
        const cron = k % 2 === 1;
        const o = file(`par${k}.O`);
        const cfile = file(`par${k}.C`);
        const argv = [...(cron ? CRONTY : DTEE), "-O", o, "-C", cfile, "sh", "-c", script];
        const done = runProc(argv, { stdin: "ignore", digestStdout: true, timeoutMs: 150_000 }).then((r) => ({
          out: r.stdoutDigest!,
          err: sha256Bytes(r.stderr),
          status: r.status,
          signal: r.signal,
          ms: r.ms,
        }));
        return { k, cron, parts, o, cfile, done };
      });
      const finished = await Promise.all(runs.map((r) => r.done));
      let total = 0;
      let slowest = 0;
      for (const r of runs) {
        const got = finished[r.k]!;
        // The expected stream: the seq pieces in order, then the tail (cron mode's report).
        const hashOf = (pieces: (readonly [number, number])[], tail = "") =>
          sha256OfCommand(["sh", "-c", `${pieces.map(([a, b]) => `seq ${a} ${b}`).join("; ")}; printf %s ${shq(tail)}`]);
        const report = r.cron ? `${C}: sh: exited with status 0\n` : "";
        expect({ k: r.k, status: got.status, signal: got.signal }).toEqual({ k: r.k, status: 0, signal: null });
        const wantOut = await hashOf([r.parts.out1, r.parts.out2]);
        expect(got.out).toEqual(wantOut);
        expect(got.err).toEqual(await hashOf([r.parts.err], report));
        expect(await sha256File(r.o)).toEqual(wantOut);
        expect(await sha256File(r.cfile)).toEqual(await hashOf([r.parts.out1, r.parts.err, r.parts.out2]));
        total += (await sha256File(r.cfile)).bytes;
        slowest = Math.max(slowest, got.ms);
        rmSync(r.o);
        rmSync(r.cfile);
      }
      figure("16 at once", { bytesPerInstance: Math.round(total / 16), slowestSeconds: +(slowest / 1000).toFixed(2) });
    },
    200_000,
  );
});

describe("faults: an output on a full disk (/dev/full)", () => {
  const loop = lineLoop(1, 3000, 1500);

  test("an output file on /dev/full: one message, status 74, the command runs to its end", async () => {
    const marker = file("full-ran-to-end");
    const r = await runTool("dtee", ["-O", "/dev/full", "-o", file("full.o"), "sh", "-c", `${loop.script}; touch ${marker}`], {
      timeoutMs: 60_000,
    });
    expect(r.status).toBe(74);
    const lines = r.stderr.toString("latin1").split("\n");
    expect(lines.filter((l) => l === `${P}: /dev/full: No space left on device`).length).toBe(1);
    expect(lines[0]).toBe(`${P}: /dev/full: No space left on device`);
    expect(existsSync(marker)).toBe(true);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  // BUG (reported): once any output fails or is written in part, dtee's
  // writev reads a stale copy of its iovec array (Sink.complete calls
  // words.subarray() on a small Uint32Array whose address was cached by
  // ptr(); JSC then moves its storage), so the OTHER outputs get wrong bytes.
  // Repro: bun bin/dtee.ts -O /dev/full -O ok sh -c 'i=1; while [ $i -le 3000 ];
  //   do echo $i; i=$((i+1)); done' >out; cmp out ok; cmp ok <(seq 3000)
  test("an output file on /dev/full: stdout, stderr and the other files are byte-exact", async () => {
    const r = await runTool("dtee", ["-O", "/dev/full", "-o", file("fullx.o"), "-C", file("fullx.c"), "sh", "-c", loop.script], {
      timeoutMs: 60_000,
    });
    expect(r.status).toBe(74);
    expect(r.stderr.toString("latin1")).toBe(`${P}: /dev/full: No space left on device\n${loop.err}`);
    expect(r.stdout.toString("latin1")).toBe(loop.out);
    expect(text("fullx.o")).toBe(loop.out);
    expect(text("fullx.c")).toBe(loop.all);
  });

  test("stdout on /dev/full: a message for each failed write, status 74, the files complete", async () => {
    const r = await runTool("dtee", ["-O", file("sfull.o"), "-C", file("sfull.c"), "sh", "-c", "echo a; echo b >&2; echo c"], {
      stdout: { path: "/dev/full" },
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(74);
    const msg = `${P}: stdout: write: No space left on device\n`;
    expect(r.stderr.toString()).toBe(`${msg}b\n${msg}`);
    expect(text("sfull.o")).toBe("a\nc\n");
    expect(text("sfull.c")).toBe("a\nb\nc\n");
  });

  // Same bug as above, from the other side: stdout fails, the files get stale bytes.
  test("stdout on /dev/full with many writes: the files are byte-exact", async () => {
    const r = await runTool("dtee", ["-O", file("sfullx.o"), "-C", file("sfullx.c"), "sh", "-c", loop.script], {
      stdout: { path: "/dev/full" },
      timeoutMs: 60_000,
    });
    expect(r.status).toBe(74);
    expect(text("sfullx.o")).toBe(loop.out);
    expect(text("sfullx.c")).toBe(loop.all);
  });

  test("cron mode: a failing file alone is reported once, not as a failed run; status 74", async () => {
    const r = await runTool("cronty", ["-o", "/dev/full", "sh", "-c", "seq 1 1000"], { timeoutMs: 30_000 });
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.toString()).toBe(`${C}: /dev/full: No space left on device\n`);
    expect(r.status).toBe(74);
  });

  test("cron mode: a failing file with a failing command: message, output in order, report, status 74", async () => {
    const r = await runTool("cronty", ["-o", "/dev/full", "sh", "-c", "echo a; echo b >&2; echo c; exit 3"], { timeoutMs: 30_000 });
    expect(r.stdout.toString()).toBe("a\nc\n");
    expect(r.stderr.toString()).toBe(`${C}: /dev/full: No space left on device\nb\n${C}: sh: exited with status 3\n`);
    expect(r.status).toBe(74);
  });

  const noPrlimit = which("prlimit") ? undefined : "no prlimit on PATH";
  test.skipIf(noPrlimit !== undefined)(skipTitle("a file over the file-size limit (EFBIG): one message, status 74, the file holds exactly the limit", noPrlimit), async () => {
    // prlimit sets RLIMIT_FSIZE for dtee (and the command, which writes no files).
    const limit = 4096;
    const r = await runProc(["prlimit", `--fsize=${limit}`, "--", ...DTEE, "-O", file("efbig.o"), "sh", "-c", loop.script], {
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(74);
    expect(r.stderr.toString("latin1")).toBe(`${P}: ${file("efbig.o")}: File too large\n${loop.err}`);
    expect(text("efbig.o")).toBe(loop.out.slice(0, limit));
  });

  // Same bug: the partial write at the limit leaves stdout reading stale iovecs.
  test("a file over the file-size limit: stdout still byte-exact", async () => {
    const r = await runProc(["prlimit", "--fsize=4096", "--", ...DTEE, "-O", file("efbigx.o"), "sh", "-c", loop.script], { timeoutMs: 30_000 });
    expect(r.status).toBe(74);
    expect(r.stdout.toString("latin1")).toBe(loop.out);
  });
});

describe("faults: stdout or stderr a closed pipe", () => {
  test("dtee dies of SIGPIPE like any filter, silently; the orphaned command does not hang", async () => {
    const pipe = closedPipe();
    const pidf = file("epipe.pid");
    const o = file("epipe.o");
    try {
      const run = start([...DTEE, "-O", o, "sh", "-c", `echo $$ > ${pidf}; exec seq 1 100000000`], {
        stdout: pipe.fd,
        timeoutMs: 30_000,
      });
      pipe.close();
      const r = await run.done;
      expect(r.timedOut).toBe(false);
      expect(r.signal).toBe("SIGPIPE");
      expect(r.stderr.toString()).toBe("");
      // The file got what was read before dtee died: exactly the start of the output.
      const got = await sha256File(o);
      expect(got.bytes).toBeLessThan(16 * MiB);
      expect(await sha256OfCommand(["sh", "-c", `seq 1 100000000 | head -c ${got.bytes}`])).toEqual(got);
      // With dtee gone, the command's next write fails and it ends.
      const pid = readPid(pidf);
      await waitUntil("the orphaned command to end", () => procEnded(pid), 10_000);
    } finally {
      pipe.close();
    }
  });

  test("stderr a closed pipe: dtee dies of SIGPIPE", async () => {
    const pipe = closedPipe();
    try {
      const run = start([...DTEE, "sh", "-c", "echo to-stdout; echo to-stderr >&2"], { stderr: pipe.fd, timeoutMs: 30_000 });
      pipe.close();
      const r = await run.done;
      expect(r.signal).toBe("SIGPIPE");
      expect(r.stdout.toString()).toBe("to-stdout\n");
    } finally {
      pipe.close();
    }
  });

  test("cron mode: the held output fails with EPIPE: message, received-signal line, death by SIGPIPE", async () => {
    const pipe = closedPipe();
    try {
      const run = start([...CRONTY, "sh", "-c", "echo a; echo b >&2"], { stdout: pipe.fd, timeoutMs: 30_000 });
      pipe.close();
      const r = await run.done;
      expect(r.signal).toBe("SIGPIPE");
      const err = r.stderr.toString();
      const head = `${C}: stdout: write: Broken pipe\nb\n${C}: received signal 13: Broken pipe\n`;
      expect([head, `${head}${C}: sh: exited with status 0\n`]).toContain(err);
    } finally {
      pipe.close();
    }
  });
});

describe("faults: the command killed mid-write", () => {
  for (const cron of [false, true]) {
    test(
      `${cron ? "cronty" : "dtee"}: SIGKILL to a fast writer: status 137, every output holds the same exact prefix`,
      async () => {
        const tag = cron ? "kill-cron" : "kill";
        const pidf = file(`${tag}.pid`);
        const o = file(`${tag}.o`);
        const c = file(`${tag}.c`);
        const term = file(`${tag}.term`);
        const run = start([...(cron ? CRONTY : DTEE), "-O", o, "-C", c, "sh", "-c", `echo $$ > ${pidf}; exec seq 1 1000000000`], {
          stdout: { path: term },
          timeoutMs: 60_000,
        });
        await waitUntil("8 MiB of output", () => existsSync(o) && statSync(o).size > 8 * MiB, 30_000);
        process.kill(readPid(pidf), "SIGKILL");
        const r = await run.done;
        expect(r.timedOut).toBe(false);
        expect(r.status).toBe(137);
        expect(r.stderr.toString()).toBe(cron ? `${C}: sh: process terminated by signal 9: Killed\n` : "");
        const got = await sha256File(o);
        expect(got.bytes).toBeGreaterThan(8 * MiB);
        expect(await sha256File(c)).toEqual(got);
        expect(await sha256File(term)).toEqual(got);
        // What came through is exactly the start of seq's output: nothing lost or repeated.
        expect(await sha256OfCommand(["sh", "-c", `seq 1 1000000000 | head -c ${got.bytes}`])).toEqual(got);
        for (const f of [o, c, term]) rmSync(f);
      },
      90_000,
    );
  }
});

describe("faults: a command that leaves a background child writing", () => {
  test("dtee ends with the command; the late writer's write fails instead of blocking or reaching the output", async () => {
    const marker = file("late.marker");
    const r = await runTool(
      "dtee",
      ["-O", file("late.o"), "sh", "-c", `( sleep 1; echo late || echo "late write failed" > ${marker} ) & echo early`],
      { timeoutMs: 30_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("early\n");
    expect(r.stderr.toString()).toBe("");
    expect(text("late.o")).toBe("early\n");
    await waitUntil("the background child to give up", () => existsSync(marker), 10_000);
    expect(text("late.marker")).toBe("late write failed\n");
  });

  for (const cron of [false, true]) {
    test(`${cron ? "cronty" : "dtee"}: a background child writing without pause does not keep it alive or hang`, async () => {
      const tag = cron ? "bgc" : "bg";
      const bgpid = file(`${tag}.pid`);
      const script = `( while echo bg; do :; done ) & echo $! > ${bgpid}; sleep 0.2; echo done; exit 7`;
      const r = await runTool(cron ? "cronty" : "dtee", ["-O", file(`${tag}.o`), "-C", file(`${tag}.c`), "sh", "-c", script], {
        timeoutMs: 30_000,
      });
      expect(r.timedOut).toBe(false);
      expect(r.status).toBe(7);
      const out = r.stdout.toString();
      // Whole lines only, each "bg" or the one "done", in the same order everywhere.
      expect(out).toMatch(/^(bg\n)*done\n(bg\n)*$/);
      expect(text(`${tag}.o`)).toBe(out);
      expect(text(`${tag}.c`)).toBe(out);
      const errLines = r.stderr.toString().split("\n").filter(Boolean);
      expect(errLines.filter((l) => !/^(sh: .*: echo: I\/O error|.*Connection refused)$/.test(l))).toEqual(
        cron ? [`${C}: sh: exited with status 7`] : [],
      );
      // The writer notices dtee has gone (its write fails) and stops.
      const pid = readPid(file(`${tag}.pid`));
      await waitUntil("the background writer to stop", () => procEnded(pid), 10_000);
    });
  }
});

describe("faults: dtee itself killed with SIGKILL", () => {
  for (const cron of [false, true]) {
    test(`${cron ? "cronty" : "dtee"} killed while the command runs: nothing left in TMPDIR, a later run unaffected`, async () => {
      const t = freshDir(cron ? "kill9-cron-tmp" : "kill9-tmp", 0o1777);
      const pidf = file(cron ? "kill9c.pid" : "kill9.pid");
      const run = start([...(cron ? CRONTY : DTEE), "sh", "-c", `echo held; echo $$ > ${pidf}; exec sleep 30`], {
        env: { TMPDIR: t },
        timeoutMs: 30_000,
      });
      await waitUntil("the command to start", () => existsSync(pidf) && readFileSync(pidf, "utf8").endsWith("\n"), 10_000);
      expect(readdirSync(t)).toEqual([]); // nothing named while it runs (the spool has no name)
      run.proc.kill(9);
      const r = await run.done;
      expect(r.signal).toBe("SIGKILL");
      expect(readdirSync(t)).toEqual([]);
      process.kill(readPid(pidf), "SIGKILL");
      // A later run in the same TMPDIR is unaffected.
      const again = await runTool(cron ? "cronty" : "dtee", ["-C", file("after-kill.c"), "sh", "-c", "echo a; echo b >&2; exit 2"], {
        env: { TMPDIR: t },
        timeoutMs: 30_000,
      });
      expect(again.status).toBe(2);
      expect(again.stdout.toString()).toBe("a\n");
      expect(again.stderr.toString()).toBe(cron ? `b\n${C}: sh: exited with status 2\n` : "b\n");
      expect(text("after-kill.c")).toBe("a\nb\n");
      expect(readdirSync(t)).toEqual([]);
    });
  }

  test(
    "killed at 40 moments during start-up: at worst an empty 0700 socket directory, never a file; later runs unaffected",
    async () => {
      const t = freshDir("kill-sweep-tmp", 0o1777);
      const pids = file("kill-sweep.pids");
      writeFileSync(pids, "");
      let killed = 0;
      for (let i = 0; i < 40; i++) {
        const run = start([...(i % 2 ? CRONTY : DTEE), "sh", "-c", `echo $$ >> ${pids}; exec sleep 5`], {
          env: { TMPDIR: t },
          stdout: "ignore",
          stderr: "ignore",
          timeoutMs: 20_000,
        });
        await Bun.sleep(2 + i); // 2..41 ms: spans Bun's start-up and dtee's set-up
        run.proc.kill(9);
        const r = await run.done;
        if (r.signal === "SIGKILL") killed++;
      }
      for (const line of readFileSync(pids, "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(line), "SIGKILL");
        } catch {}
      }
      expect(killed).toBe(40);
      const left = readdirSync(t);
      for (const name of left) {
        const p = join(t, name);
        const st = lstatSync(p);
        expect(name).toMatch(/^dtee[0-9A-F]{8}I[A-Za-z0-9]{6}$/);
        expect(st.isDirectory()).toBe(true);
        expect(st.mode & 0o777).toBe(0o700);
        for (const inner of readdirSync(p)) {
          expect(["i", "o", "e"]).toContain(inner);
          expect(lstatSync(join(p, inner)).isSocket()).toBe(true);
        }
      }
      figure("SIGKILL during start-up", { kills: 40, leftoverSocketDirectories: left.length });
      const again = await runTool("dtee", ["sh", "-c", "echo fine"], { env: { TMPDIR: t }, timeoutMs: 30_000 });
      expect(again.status).toBe(0);
      expect(again.stdout.toString()).toBe("fine\n");
      expect(readdirSync(t).sort()).toEqual(left.sort());
    },
    60_000,
  );
});

describe("faults: TMPDIR unusable", () => {
  const script = (marker: string) => `echo out; echo err >&2; touch ${marker}; exit 3`;

  async function both(tmp: string, tag: string, wrap: string[] = [], markerDir = dir) {
    const dm = join(markerDir, `${tag}.dtee-ran`);
    const cm = join(markerDir, `${tag}.cronty-ran`);
    const d = await runProc([...wrap, ...DTEE, "sh", "-c", script(dm)], { env: { TMPDIR: tmp }, timeoutMs: 30_000 });
    const c = await runProc([...wrap, ...CRONTY, "sh", "-c", script(cm)], { env: { TMPDIR: tmp }, timeoutMs: 30_000 });
    return { d, c, dRan: existsSync(dm), cRan: existsSync(cm) };
  }

  test("missing: dtee 69 without running the command; cronty runs it with its own status", async () => {
    const t = file("no-such-tmp");
    const { d, c, dRan, cRan } = await both(t, "missing");
    expect(d.status).toBe(69);
    expect(d.stdout.toString()).toBe("");
    expect(d.stderr.toString()).toMatch(tempDirFailure(P, t, "No such file or directory"));
    expect(dRan).toBe(false);
    expect(c.status).toBe(3);
    expect(c.stdout.toString()).toBe("out\n");
    expect(c.stderr.toString()).toMatch(
      new RegExp(`^${escapeRe(`${C}: unable to create temporary file in ${t}: No such file or directory\n`)}${tempDirFailure(C, t, "No such file or directory").source.slice(1, -1)}err\n$`),
    );
    expect(cRan).toBe(true);
  });

  test("not a directory: the same, with ENOTDIR", async () => {
    const t = file("tmp-is-a-file");
    writeFileSync(t, "");
    const { d, c, dRan, cRan } = await both(t, "notdir");
    expect(d.status).toBe(69);
    expect(d.stderr.toString()).toMatch(tempDirFailure(P, t, "Not a directory"));
    expect(dRan).toBe(false);
    expect(c.status).toBe(3);
    expect(c.stdout.toString()).toBe("out\n");
    expect(c.stderr.toString()).toMatch(
      new RegExp(`^${escapeRe(`${C}: unable to create temporary file in ${t}: Not a directory\n`)}${tempDirFailure(C, t, "Not a directory").source.slice(1, -1)}err\n$`),
    );
    expect(cRan).toBe(true);
  });

  const nobodyPrefix = asNobody();
  test.skipIf(!nobodyPrefix)(skipTitle("unwritable (run as nobody): dtee 69 with EACCES; cronty runs the command", nobodyPrefix ? undefined : "cannot run as nobody here"), async () => {
    const nobody = nobodyPrefix!;
    const t = freshDir("root-only-tmp", 0o755);
    const markers = freshDir("nobody-markers", 0o777);
    const { d, c, dRan, cRan } = await both(t, "unwritable", nobody, markers);
    expect(d.status).toBe(69);
    expect(d.stderr.toString()).toMatch(tempDirFailure(P, t, "Permission denied"));
    expect(dRan).toBe(false);
    expect(c.status).toBe(3);
    expect(c.stdout.toString()).toBe("out\n");
    expect(c.stderr.toString()).toMatch(
      new RegExp(`^${escapeRe(`${C}: unable to create temporary file in ${t}: Permission denied\n`)}${tempDirFailure(C, t, "Permission denied").source.slice(1, -1)}err\n$`),
    );
    expect(cRan).toBe(true);
    expect(readdirSync(t)).toEqual([]);
  });

  test("too long for a socket path (> 108 bytes): dtee 69 and a clear message; cronty runs the command; nothing created", async () => {
    let t = file("deep");
    while (t.length <= 120) t = join(t, "d".repeat(20));
    mkdirSync(t, { recursive: true });
    const { d, c, dRan, cRan } = await both(t, "toolong");
    expect(d.status).toBe(69);
    expect(d.stderr.toString()).toBe(`${P}: input socket: File name too long\n`);
    expect(dRan).toBe(false);
    expect(c.status).toBe(3);
    expect(c.stdout.toString()).toBe("out\n");
    expect(c.stderr.toString()).toBe(`${C}: input socket: File name too long\nerr\n`);
    expect(cRan).toBe(true);
    expect(readdirSync(t)).toEqual([]);
  });

  test("socket path length boundary: every TMPDIR length either works byte-exact or fails cleanly, with one cut-off", async () => {
    const base = file("len");
    mkdirSync(base, { recursive: true });
    const outcomes: { len: number; ok: boolean }[] = [];
    for (let len = 85; len <= 101; len++) {
      const pad = len - base.length - 1;
      if (pad < 1) continue;
      const t = join(base, "x".repeat(pad));
      mkdirSync(t, { recursive: true });
      expect(t.length).toBe(len);
      const r = await runTool("dtee", ["-C", file("len.c"), "sh", "-c", "echo o; echo e >&2"], { env: { TMPDIR: t }, timeoutMs: 30_000 });
      if (r.status === 0) {
        expect(r.stdout.toString()).toBe("o\n");
        expect(r.stderr.toString()).toBe("e\n");
        expect(text("len.c")).toBe("o\ne\n");
        outcomes.push({ len, ok: true });
      } else {
        expect(r.status).toBe(69);
        expect(r.stderr.toString()).toBe(`${P}: input socket: File name too long\n`);
        outcomes.push({ len, ok: false });
      }
      expect(readdirSync(t)).toEqual([]);
    }
    const firstBad = outcomes.findIndex((o) => !o.ok);
    expect(firstBad).toBeGreaterThan(0); // some lengths work...
    expect(outcomes.slice(firstBad).every((o) => !o.ok)).toBe(true); // ...and all longer ones fail
    figure("longest working TMPDIR", `${outcomes[firstBad - 1]!.len} bytes`);
  });

  test("a relative TMPDIR and one with trailing slashes work and leave nothing behind", async () => {
    const t = freshDir("rel-tmp");
    const r1 = await runTool("dtee", ["sh", "-c", "echo rel"], { env: { TMPDIR: "." }, cwd: t, timeoutMs: 30_000 });
    expect(r1.status).toBe(0);
    expect(r1.stdout.toString()).toBe("rel\n");
    const r2 = await runTool("cronty", ["sh", "-c", "echo slash; exit 1"], { env: { TMPDIR: `${t}///` }, timeoutMs: 30_000 });
    expect(r2.status).toBe(1);
    expect(r2.stdout.toString()).toBe("slash\n");
    expect(readdirSync(t)).toEqual([]);
  });
});

describe("bytes other than UTF-8", () => {
  // BUG (reported): Bun decodes argv and environ as UTF-8, so a byte that is
  // not valid UTF-8 becomes U+FFFD before dtee sees it: the command, its
  // arguments, its environment and file names are all altered. Native dtee
  // passes bytes through. Repro: bun bin/dtee.ts sh -c 'printf %s "$1" | od -An -tx1' sh "$(printf 'a\377b')"
  // prints 61 ef bf bd 62 instead of 61 ff 62.
  test("arguments, environment and file names pass through byte for byte", async () => {
    const t = freshDir("latin1");
    const r = await runProc(
      ["sh", "-c", `${DTEE.join(" ")} -O "$(printf 'out\\377')" sh -c 'printf %s "$1$FOO" | od -An -tx1' sh "$(printf 'a\\351b')"`],
      { cwd: t, env: { FOO: "x" }, timeoutMs: 30_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.toString().trim()).toBe("61 e9 62 78");
    expect(readdirSync(t, { encoding: "buffer" }).map((b) => b.toString("hex"))).toEqual([Buffer.from("out\xff", "latin1").toString("hex")]);
  });

  test("the command's output bytes are never re-encoded", async () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    writeFileSync(file("allbytes"), all);
    const r = await runTool("cronty", ["-C", file("allbytes.c"), "sh", "-c", `cat ${file("allbytes")}; cat ${file("allbytes")} >&2; exit 1`], {
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout.equals(all)).toBe(true);
    expect(r.stderr.equals(Buffer.concat([all, Buffer.from(`${C}: sh: exited with status 1\n`)]))).toBe(true);
    expect(readFileSync(file("allbytes.c")).equals(Buffer.concat([all, all]))).toBe(true);
  });
});

// multitee: the same kinds of load and fault, where they apply (it has no
// sockets, temporary files or spool). Written against its documented
// behaviour: a write error warns and drops that output, ':' outputs end it
// by SIGPIPE, it ends when every input has ended.
const HAVE_MULTITEE = existsSync(join(ROOT, "bin", "multitee.ts"));

describe.skipIf(!HAVE_MULTITEE)(skipTitle("multitee", HAVE_MULTITEE ? undefined : "no bin/multitee.ts"), () => {
  const M = "multitee"; // its messages name it so, whatever path ran it
  const MT = () => toolArgv("multitee").map(shq).join(" ");

  /**
   * producer | multitee SPEC... REDIRS, with the producer native (so the
   * peak RSS is multitee's own), stdout hashed as it streams, and an
   * optional extra descriptor as fd 4.
   */
  async function fanOut(producer: string[], specs: string[], redirs: string, opts: { fd4?: number; timeoutMs: number }) {
    const pipe = makePipe();
    const prod = Bun.spawn(producer, { stdio: ["ignore", pipe.w, "inherit"] });
    const t0 = performance.now();
    const mt = Bun.spawn(["sh", "-c", `exec ${MT()} ${specs.map(shq).join(" ")} ${redirs}`], {
      stdio: [pipe.r, "pipe", "pipe", ...(opts.fd4 !== undefined ? (["ignore", opts.fd4] as const) : [])],
    });
    pipe.close();
    const rss = watchPeakRss(mt.pid);
    const timer = setTimeout(() => {
      mt.kill(9);
      prod.kill(9);
    }, opts.timeoutMs);
    const [out, err] = await Promise.all([sha256Stream(mt.stdout as ReadableStream<Uint8Array>), new Response(mt.stderr as ReadableStream).text()]);
    const maxRSS = rss.stop();
    await mt.exited;
    const ms = performance.now() - t0;
    await prod.exited;
    clearTimeout(timer);
    return { status: mt.signalCode ? null : mt.exitCode, signal: mt.signalCode ?? null, out, err, maxRSS, ms };
  }

  test(
    "256 MiB fanned out to stdout and two files: byte-exact, peak RSS flat against 10 MB",
    async () => {
      const rss: Record<string, number> = {};
      for (const [tag, n] of [
        ["10MB", SEQ_10MB],
        ["256MiB", 30_000_000],
      ] as const) {
        const a = file(`mt-${tag}.4`);
        const b = file(`mt-${tag}.5`);
        const r = await fanOut(["seq", "1", String(n)], ["0-1,4,5"], `4>${shq(a)} 5>${shq(b)}`, { timeoutMs: 120_000 });
        expect(r.err).toBe("");
        expect(r.status).toBe(0);
        const want = await sha256OfCommand(["seq", "1", String(n)]);
        expect(r.out).toEqual(want);
        expect(await sha256File(a)).toEqual(want);
        expect(await sha256File(b)).toEqual(want);
        rmSync(a);
        rmSync(b);
        rss[tag] = r.maxRSS;
        figure(`multitee ${tag}`, { bytes: want.bytes, seconds: +(r.ms / 1000).toFixed(2), peakRSS: fmtMiB(r.maxRSS) });
      }
      expect(rss["256MiB"]!).toBeGreaterThan(0);
      expect(rss["256MiB"]! - rss["10MB"]!).toBeLessThan(32 * MiB);
    },
    200_000,
  );

  test("an output on /dev/full: one warning, that output dropped, the others complete, status 0", async () => {
    const ok = file("mt-full.ok");
    const r = await fanOut(["seq", "1", "100000"], ["0-1,4,5"], `4>/dev/full 5>${shq(ok)}`, { timeoutMs: 30_000 });
    expect(r.err).toBe(`${M}: warning: cannot write descriptor 4: No space left on device\n`);
    expect(r.status).toBe(0);
    const want = await sha256OfCommand(["seq", "1", "100000"]);
    expect(r.out).toEqual(want);
    expect(await sha256File(ok)).toEqual(want);
  });

  test("an output pipe whose reader is gone: one warning, the others complete; with ':' multitee dies of SIGPIPE", async () => {
    const want = await sha256OfCommand(["seq", "1", "100000"]);
    const dash = closedPipe();
    try {
      const r = await fanOut(["seq", "1", "100000"], ["0-1,4"], "", { fd4: dash.fd, timeoutMs: 30_000 });
      expect(r.err).toBe(`${M}: warning: cannot write descriptor 4: Broken pipe\n`);
      expect(r.status).toBe(0);
      expect(r.out).toEqual(want);
    } finally {
      dash.close();
    }
    const colon = closedPipe();
    try {
      const r = await fanOut(["seq", "1", "100000"], ["0-1:4"], "", { fd4: colon.fd, timeoutMs: 30_000 });
      expect(r.signal).toBe("SIGPIPE");
      expect(["", `${M}: warning: cannot write descriptor 4: Broken pipe\n`]).toContain(r.err);
      expect(r.out.bytes).toBeLessThan(want.bytes);
    } finally {
      colon.close();
    }
  });

  test(
    "the writer of its input killed mid-stream: multitee ends at end of file, every output the same exact prefix",
    async () => {
      const pidf = file("mt-kill.pid");
      const o = file("mt-kill.4");
      const run = fanOut(["sh", "-c", `echo $$ > ${pidf}; exec seq 1 1000000000`], ["0-1,4"], `4>${shq(o)}`, { timeoutMs: 60_000 });
      await waitUntil("8 MiB of output", () => existsSync(o) && statSync(o).size > 8 * MiB, 30_000);
      process.kill(readPid(pidf), "SIGKILL");
      const r = await run;
      expect(r.status).toBe(0);
      expect(r.err).toBe("");
      const got = await sha256File(o);
      expect(r.out).toEqual(got);
      expect(await sha256OfCommand(["sh", "-c", `seq 1 1000000000 | head -c ${got.bytes}`])).toEqual(got);
      rmSync(o);
    },
    90_000,
  );
});

