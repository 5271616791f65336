// Security of dtee and cronty against other local processes: the private
// socket directory (0700, gone before the command runs), no way in for
// another process of the same or another user, the cron spool unreadable,
// files created with the umask honoured, and nothing followed through a
// symlink planted in TMPDIR. Attacks run as the unprivileged user nobody
// (setpriv or su); those tests skip when that is impossible here.
import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import {
  readFileSync,
  writeFileSync,
  readdirSync,
  readlinkSync,
  existsSync,
  mkdirSync,
  statSync,
  lstatSync,
  rmSync,
  chmodSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { toolArgv, prefix, tempDir, BUN, ROOT, shq, skipTitle, start, runProc, runTool, type Proc } from "../support/helpers";
import { asNobody, cleanupNobody, which, waitUntil, readPid, Rng, useSuiteDirectory } from "../support/reliability-common";

let dir: string;
useSuiteDirectory((d) => (dir = d));

const P = prefix("dtee");
const C = prefix("cronty");
const DTEE = toolArgv("dtee");
const CRONTY = toolArgv("cronty");
const file = (name: string) => join(dir, name);
const text = (path: string) => readFileSync(path, "latin1");
const STRACE = which("strace");
const NO_STRACE = STRACE ? undefined : "no strace on PATH";
const ATTACKER = join(ROOT, "test", "support", "attacker.ts");

function freshDir(name: string, mode = 0o755): string {
  const d = file(name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  chmodSync(d, mode);
  return d;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A TMPDIR full of symlinks to a victim directory and victim files, as an attacker would plant them. */
function plantSymlinks(t: string): { victim: string; snapshot: () => string } {
  const victim = freshDir(`${t.split("/").pop()}-victim`, 0o755);
  writeFileSync(join(victim, "canary"), "canary\n");
  symlinkSync(victim, join(t, "dtee.XXXXXX"));
  symlinkSync(victim, join(t, `dtee${process.pid.toString(16).toUpperCase().padStart(8, "0")}IXXXXXX`));
  for (const name of ["i", "o", "e", "dtee", "dtee.i", "spool"]) symlinkSync(join(victim, "canary"), join(t, name));
  const rng = new Rng(0x5eed);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (let k = 0; k < 100; k++) {
    let name = "dtee.";
    for (let j = 0; j < 6; j++) name += rng.pick([...alphabet]);
    symlinkSync(victim, join(t, name));
  }
  const snapshot = () =>
    JSON.stringify({
      tmp: readdirSync(t)
        .sort()
        .map((n) => [n, lstatSync(join(t, n)).isSymbolicLink() ? readlinkSync(join(t, n)) : "NOT A SYMLINK"]),
      victim: readdirSync(victim).sort(),
      canary: text(join(victim, "canary")),
      mode: statSync(join(victim, "canary")).mode,
    });
  return { victim, snapshot };
}

/** Joins strace's "<unfinished ...>" lines with their "<... resumed>" ends. */
function straceCalls(log: string): { pid: number; call: string }[] {
  const pending = new Map<number, string>();
  const calls: { pid: number; call: string }[] = [];
  for (const line of log.split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    let call = m[2]!;
    if (call.endsWith("<unfinished ...>")) {
      pending.set(pid, call.slice(0, -"<unfinished ...>".length).trimEnd());
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(call);
    if (resumed) {
      // strace pads a short resumed tail to its result column ("<... openat
      // resumed>)             = 9"): one space before "=", as in a whole line.
      call = (pending.get(pid) ?? "") + resumed[1]!.replace(/^(\S*) +=/, "$1 =");
      pending.delete(pid);
    }
    calls.push({ pid, call });
  }
  return calls;
}

describe("the private socket directory", () => {
  for (const cron of [false, true]) {
    test.skipIf(NO_STRACE !== undefined)(
      skipTitle(
        `${cron ? "cronty" : "dtee"} (strace, umask 000, symlinks planted): one mkdtemp 0700, only i/o/e in it, gone before the command is executed; nothing else in TMPDIR touched`,
        NO_STRACE,
      ),
      async () => {
        const t = freshDir(cron ? "strace-cron-tmp" : "strace-tmp", 0o1777);
        const planted = plantSymlinks(t);
        const before = planted.snapshot();
        const log = file(cron ? "strace-cron.log" : "strace.log");
        const comb = file(cron ? "strace-cron.c" : "strace.c");
        const tool = (cron ? CRONTY : DTEE).map(shq).join(" ");
        const r = await runProc(
          [
            "sh",
            "-c",
            `umask 000; exec strace -f -qq -e signal=none -e trace=%file,bind,connect,sendto,sendmsg -o ${shq(log)} ` +
              `${tool} -C ${shq(comb)} sh -c 'echo a; echo b >&2; exit 1'`,
          ],
          { env: { TMPDIR: t }, timeoutMs: 60_000 },
        );
        expect(r.status).toBe(1);
        expect(r.stdout.toString()).toBe("a\n");
        expect(r.stderr.toString()).toBe(cron ? `b\n${C}: sh: exited with status 1\n` : "b\n");
        expect(text(comb)).toBe("a\nb\n");

        const calls = straceCalls(text(log));
        const inTmp = calls.map((c, index) => ({ ...c, index })).filter((c) => c.call.includes(`"${t}`));
        const mkdirs = inTmp.filter((c) => /^mkdir(at)?\(/.test(c.call));
        expect(mkdirs.length).toBe(1);
        const mk = new RegExp(`^mkdir\\("(${escapeRe(t)}/dtee[0-9A-F]{8}I[A-Za-z0-9]{6})", 0700\\) = 0$`).exec(mkdirs[0]!.call);
        expect(mk).not.toBeNull();
        const sockDir = mk![1]!;
        const D = escapeRe(sockDir);
        const T = escapeRe(t);
        const allowed = [
          new RegExp(`^mkdir\\("${D}", 0700\\) = 0$`),
          new RegExp(`^bind\\(\\d+, \\{sa_family=AF_UNIX, sun_path="${D}/[ioe]"\\}, \\d+\\) = 0$`),
          new RegExp(`^connect\\(\\d+, \\{sa_family=AF_UNIX, sun_path="${D}/i"\\}, \\d+\\) = 0$`),
          new RegExp(`^unlink\\("${D}/[ioe]"\\) = 0$`),
          new RegExp(`^rmdir\\("${D}"\\) = 0$`),
          // The cron spool: an unnamed file (O_TMPFILE) in TMPDIR itself, 0600.
          ...(cron ? [new RegExp(`^openat\\(AT_FDCWD, "${T}", [A-Z_|]*O_TMPFILE[A-Z_|]*, 0600\\) = \\d+$`)] : []),
        ];
        const unexpected = inTmp.filter((c) => !allowed.some((re) => re.test(c.call))).map((c) => c.call);
        expect(unexpected).toEqual([]);
        if (cron) expect(inTmp.filter((c) => c.call.includes("O_TMPFILE")).length).toBe(1);
        // Order: sockets made, names removed, directory removed, then the command.
        const rmdir = inTmp.find((c) => c.call.startsWith("rmdir("))!;
        expect(rmdir).toBeDefined();
        expect(inTmp.filter((c) => c.index > rmdir.index).every((c) => c.call.includes("O_TMPFILE"))).toBe(true);
        const exec = calls.findIndex((c) => /^execve\("[^"]*\/sh", \["sh", "-c", "echo a; /.test(c.call) && c.call.endsWith("= 0"));
        expect(exec).toBeGreaterThan(rmdir.index);
        // The planted symlinks and what they point at are untouched.
        expect(planted.snapshot()).toBe(before);
      },
      60_000,
    );
  }

  for (const cron of [false, true]) {
    test(`${cron ? "cronty" : "dtee"}: when the command starts, the names of its stdout and stderr sockets and their directory are gone`, async () => {
      const t = freshDir(cron ? "names-cron-tmp" : "names-tmp", 0o1777);
      const report = file(cron ? "names-cron.report" : "names.report");
      // For fd 1 and 2: the socket's inode, its bound name from
      // /proc/net/unix, and whether that name or its directory exists.
      const script =
        'for fd in 1 2; do ino=$(readlink /proc/$$/fd/$fd | tr -dc 0-9); ' +
        'path=$(awk -v i="$ino" \'$7 == i { print $8 }\' /proc/net/unix); ' +
        'if [ -e "$path" ]; then n=exists; else n=gone; fi; if [ -e "${path%/*}" ]; then d=exists; else d=gone; fi; ' +
        `echo "$fd $path $n $d" >> ${report}; done; ls -A "$TMPDIR" >> ${report}; exit 1`;
      const r = await runTool(cron ? "cronty" : "dtee", ["sh", "-c", script], { env: { TMPDIR: t }, timeoutMs: 30_000 });
      expect(r.status).toBe(1);
      const lines = text(report).trimEnd().split("\n");
      expect(lines.length).toBe(2);
      const re = new RegExp(`^([12]) (${escapeRe(t)}/dtee[0-9A-F]{8}I[A-Za-z0-9]{6})/([oe]) gone gone$`);
      const [m1, m2] = lines.map((l) => re.exec(l));
      expect(m1).not.toBeNull();
      expect(m2).not.toBeNull();
      expect([m1![1], m1![3], m2![1], m2![3]]).toEqual(["1", "o", "2", "e"]);
      expect(m1![2]).toBe(m2![2]!);
      expect(readdirSync(t)).toEqual([]);
    });
  }
});

describe("files and the umask", () => {
  for (const umask of [0o000, 0o002, 0o022, 0o027, 0o077, 0o377]) {
    test(`umask ${umask.toString(8).padStart(3, "0")}: every file option creates its file ${(0o666 & ~umask).toString(8).padStart(3, "0")}`, async () => {
      const d = freshDir(`umask-${umask.toString(8)}`);
      const names = ["o", "O", "e", "E", "c", "C"];
      const args = names.flatMap((n) => [`-${n}`, join(d, `f${n}`)]).map(shq).join(" ");
      const r = await runProc(["sh", "-c", `umask ${umask.toString(8)}; exec ${DTEE.map(shq).join(" ")} ${args} true`], { timeoutMs: 30_000 });
      expect(r.status).toBe(0);
      const modes = Object.fromEntries(names.map((n) => [n, (statSync(join(d, `f${n}`)).mode & 0o777).toString(8)]));
      const want = (0o666 & ~umask).toString(8);
      expect(modes).toEqual(Object.fromEntries(names.map((n) => [n, want])));
    });
  }

  test("existing files keep their mode and owner: appended or truncated, never recreated", async () => {
    const d = freshDir("existing");
    writeFileSync(join(d, "a"), "old\n");
    writeFileSync(join(d, "t"), "old\n");
    chmodSync(join(d, "a"), 0o600);
    chmodSync(join(d, "t"), 0o640);
    const inoA = statSync(join(d, "a")).ino;
    const r = await runProc(["sh", "-c", `umask 000; exec ${DTEE.map(shq).join(" ")} -o ${shq(join(d, "a"))} -O ${shq(join(d, "t"))} echo new`], {
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(0);
    expect(statSync(join(d, "a")).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, "t")).mode & 0o777).toBe(0o640);
    expect(statSync(join(d, "a")).ino).toBe(inoA);
    expect(text(join(d, "a"))).toBe("old\nnew\n");
    expect(text(join(d, "t"))).toBe("new\n");
  });

  test("the cron spool is 0600 whatever the umask (umask 000)", async () => {
    const t = freshDir("spool-umask-tmp", 0o1777);
    const script =
      'for f in /proc/$PPID/fd/*; do l=$(readlink "$f"); case "$l" in "$TMPDIR"/*) echo "$(stat -L -c %a "$f")";; esac; done; exit 1';
    const r = await runProc(["sh", "-c", `umask 000; exec ${CRONTY.map(shq).join(" ")} sh -c ${shq(script)}`], {
      env: { TMPDIR: t },
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toBe("600\n");
  });
});

describe("symlinks planted in TMPDIR", () => {
  test("dtee and cronty, five runs each, with 106 planted symlinks: nothing followed, nothing changed, outputs exact", async () => {
    const t = freshDir("planted-tmp", 0o1777);
    const planted = plantSymlinks(t);
    const before = planted.snapshot();
    for (let i = 0; i < 5; i++) {
      const d = await runTool("dtee", ["-C", file("planted.c"), "sh", "-c", `echo out${i}; echo err${i} >&2`], { env: { TMPDIR: t }, timeoutMs: 30_000 });
      expect([d.status, d.stdout.toString(), d.stderr.toString(), text(file("planted.c"))]).toEqual([0, `out${i}\n`, `err${i}\n`, `out${i}\nerr${i}\n`]);
      const c = await runTool("cronty", ["-C", file("planted-cron.c"), "sh", "-c", `echo out${i}; echo err${i} >&2`], {
        env: { TMPDIR: t },
        timeoutMs: 30_000,
      });
      expect([c.status, c.stdout.toString(), c.stderr.toString()]).toEqual([0, `out${i}\n`, `err${i}\n${C}: sh: exited with status 0\n`]);
      expect(planted.snapshot()).toBe(before);
    }
  });
});

interface Attack {
  run: Proc;
  result: {
    uid: number;
    socketPaths: string[];
    listing: string[];
    attempts: { vector: string; target: string; delivered: boolean; error?: string; read?: string }[];
  };
  comb: string;
}

/**
 * Runs dtee or cronty (as root or as nobody) on a command that waits for a
 * go file, lets the attacker (always nobody) try everything while it waits,
 * then lets the command finish.
 */
async function underAttack(opts: { cron: boolean; dteeAsNobody: boolean; getfd: boolean; tag: string }): Promise<Attack> {
  const nobody = asNobody();
  // The tests that call this are declared skipped when nobody is out of reach.
  if (!nobody) throw new Error("cannot run as nobody here (the suite should have been skipped)");
  const t = freshDir(`${opts.tag}-tmp`, 0o1777);
  const work = freshDir(`${opts.tag}-work`, 0o777);
  const pidf = join(work, "cmd.pid");
  const go = join(work, "go");
  const comb = join(work, "comb");
  const wait = `i=0; while [ ! -e ${go} ] && [ $i -lt 400 ]; do sleep 0.025; i=$((i+1)); done`;
  const script = opts.cron
    ? `echo $$ > ${pidf}; echo SECRET-7f3a9; ${wait}; echo after; exit 1`
    : `echo $$ > ${pidf}; echo before; echo before-err >&2; ${wait}; echo after; echo after-err >&2`;
  const run = start([...(opts.dteeAsNobody ? nobody : []), ...(opts.cron ? CRONTY : DTEE), "-C", comb, "sh", "-c", script], {
    env: { TMPDIR: t },
    timeoutMs: 60_000,
  });
  await waitUntil("the command to start", () => existsSync(pidf) && readFileSync(pidf, "utf8").endsWith("\n"), 15_000);
  const cmdPid = readPid(pidf);
  const stat = readFileSync(`/proc/${cmdPid}/stat`, "utf8");
  const dteePid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  const attacker = await runProc(
    [...nobody, BUN, ATTACKER, JSON.stringify({ tmpdir: t, pids: [dteePid, cmdPid], payload: "INJECTED-PAYLOAD\n", getfd: opts.getfd })],
    { timeoutMs: 30_000 },
  );
  writeFileSync(go, "");
  const r = await run.done;
  expect(attacker.status).toBe(0);
  return { run: r, result: JSON.parse(attacker.stdout.toString()), comb };
}

function expectNoEntry(a: Attack) {
  // The attack had real targets: the kernel still lists the three socket names.
  expect(a.result.uid).toBe(65534);
  expect(a.result.socketPaths.map((p) => p.slice(-2))).toEqual(["/e", "/i", "/o"]);
  expect(a.result.attempts.filter((x) => x.vector === "sendto-path").length).toBe(3);
  expect(a.result.attempts.filter((x) => x.vector === "spoof-sender").length).toBe(1);
  expect(a.result.listing).toEqual([]);
  expect(a.result.attempts.filter((x) => x.delivered)).toEqual([]);
}

// These attacks run as nobody; where nobody cannot run the tools (not root,
// or the checkout is out of nobody's reach) they show as skipped.
const NO_NOBODY = asNobody() ? undefined : "cannot run as nobody here";

describe.skipIf(NO_NOBODY !== undefined)(skipTitle("another process cannot get in", NO_NOBODY), () => {
  test("another user (nobody against root's dtee): no injection by name, abstract name, spoofed sender, /proc or pidfd_getfd", async () => {
    const a = await underAttack({ cron: false, dteeAsNobody: false, getfd: true, tag: "inj-other" });
    expectNoEntry(a);
    expect(a.result.attempts.some((x) => x.vector === "list-proc-fd" && /EACCES|permission denied/i.test(x.error ?? ""))).toBe(true);
    expect(a.result.attempts.some((x) => x.vector === "pidfd_getfd")).toBe(true);
    expect(a.run.status).toBe(0);
    expect(a.run.stdout.toString()).toBe("before\nafter\n");
    expect(a.run.stderr.toString()).toBe("before-err\nafter-err\n");
    expect(text(a.comb)).toBe("before\nbefore-err\nafter\nafter-err\n");
  }, 60_000);

  test("the same user (nobody against nobody's dtee): no injection by name, abstract name, spoofed sender or /proc", async () => {
    // pidfd_getfd and ptrace are left out: a process that may ptrace the
    // command can write with the command's own descriptors (see the README's Reliability section).
    const a = await underAttack({ cron: false, dteeAsNobody: true, getfd: false, tag: "inj-same" });
    expectNoEntry(a);
    expect(a.result.attempts.filter((x) => x.vector === "proc-fd-socket").length).toBeGreaterThan(0);
    expect(a.result.attempts.filter((x) => x.vector === "proc-fd-socket").every((x) => x.error === "No such device or address")).toBe(true);
    expect(a.run.status).toBe(0);
    expect(a.run.stdout.toString()).toBe("before\nafter\n");
    expect(a.run.stderr.toString()).toBe("before-err\nafter-err\n");
    expect(text(a.comb)).toBe("before\nbefore-err\nafter\nafter-err\n");
  }, 60_000);

  test("another user cannot read cronty's spool (no name; /proc/PID/fd refused) nor inject", async () => {
    const a = await underAttack({ cron: true, dteeAsNobody: false, getfd: true, tag: "spool-other" });
    expectNoEntry(a);
    expect(a.result.attempts.filter((x) => x.read?.includes("SECRET"))).toEqual([]);
    expect(a.result.attempts.some((x) => x.vector === "list-proc-fd" && /EACCES|permission denied/i.test(x.error ?? ""))).toBe(true);
    expect(a.run.status).toBe(1);
    expect(a.run.stdout.toString()).toBe("SECRET-7f3a9\nafter\n");
    expect(a.run.stderr.toString()).toBe(`${C}: sh: exited with status 1\n`);
  }, 60_000);

  test("the same user finds no spool by name and cannot inject into cronty", async () => {
    const a = await underAttack({ cron: true, dteeAsNobody: true, getfd: false, tag: "spool-same-name" });
    expectNoEntry(a);
    expect(a.result.attempts.filter((x) => x.vector === "open-tmpdir-entry")).toEqual([]);
    expect(a.run.status).toBe(1);
    expect(a.run.stdout.toString()).toBe("SECRET-7f3a9\nafter\n");
  }, 60_000);

  // BUG (reported): a process of the same user reads the held output through
  // /proc/<cronty>/fd/N (the O_TMPFILE spool is open there, mode 0600, owned by
  // that user). Fix: prctl(PR_SET_DUMPABLE, 0) at start-up, which makes
  // /proc/<pid>/fd root-owned (verified here with a small Bun program).
  // Repro (as any user): cronty sh -c 'echo SECRET; sleep 5; exit 1' & sleep 1;
  //   cat /proc/$!/fd/* 2>/dev/null | grep SECRET
  test("the same user cannot read cronty's spool through /proc/PID/fd", async () => {
    const a = await underAttack({ cron: true, dteeAsNobody: true, getfd: false, tag: "spool-same" });
    expect(a.result.attempts.some((x) => x.vector === "proc-fd-file" || x.vector === "list-proc-fd")).toBe(true);
    expect(a.result.attempts.filter((x) => x.read?.includes("SECRET"))).toEqual([]);
  }, 60_000);
});
