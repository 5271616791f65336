// Cron mode's spool in-process (src/dtee/cron-spool.ts): held stdout goes
// into an unnamed file, comes out whole and in order on release, or is
// thrown away unseen on discard; a spool that cannot take a run or cannot be
// read back says so in dtee's words. Real batches from a real receiver, a
// real O_TMPFILE spool, real output descriptors.
import { describe, test, expect, afterAll } from "bun:test";
import { readFileSync, readdirSync, openSync, closeSync, writeFileSync, mkdirSync, fstatSync } from "node:fs";
import { openSpool, CronSpool } from "../../src/dtee/cron-spool";
import { Sink } from "../../src/relay/sink";
import { P } from "../../src/sys/platform";
import { BatchSource, iovecListOf, out, err } from "../support/batches";
import { scratchDirectory, isOpen, makePipe, pipeWithoutReader, withFileSizeLimit } from "../support/descriptors";

const scratch = scratchDirectory();
afterAll(() => scratch.cleanup());

/** A spool under `dir` whose messages are recorded. */
function spoolIn(dir: string) {
  const opened = openSpool(dir);
  if ("error" in opened) throw new Error(opened.error);
  const messages: string[] = [];
  return { fd: opened.fd, spool: new CronSpool(opened.fd, dir, (m) => messages.push(m)), messages };
}

/** A sink on a regular file, and what the file holds. */
function fileSink(name: string) {
  const path = scratch.path(name);
  const fd = openSync(path, "w");
  const failures: number[] = [];
  const sink = new Sink(fd, "stdout", { onFailure: (_s, code) => failures.push(code) });
  return { sink, failures, text: () => readFileSync(path, "latin1"), close: () => closeSync(fd) };
}

describe("openSpool", () => {
  test("an unnamed 0600 file: nothing appears in the directory", () => {
    const dir = scratch.path("spool-dir");
    mkdirSync(dir);
    const { fd, spool } = spoolIn(dir);
    expect(readdirSync(dir)).toEqual([]);
    expect(fstatSync(fd).mode & 0o777).toBe(0o600);
    spool.discard();
  });

  test("a directory that does not exist: dtee's message, no descriptor", () => {
    expect(openSpool(scratch.path("missing"))).toEqual({ error: `unable to create temporary file in ${scratch.path("missing")}: No such file or directory` });
  });
});

describe("CronSpool", () => {
  test("hold, hold, release: the held runs come out in order, once, and the spool is closed", () => {
    const source = new BatchSource();
    const { fd, spool, messages } = spoolIn(scratch.dir);
    const stdout = fileSink("released");
    try {
      const b1 = source.receive([out("one\n"), out("two\n"), err("E\n"), out("three\n")]);
      // Run 0 (entries 0-1) and run 2 (entry 3): the stdout runs.
      expect(spool.hold(b1.all, b1.runStart[0]!, b1.runLength[0]!, b1.runBytes[0]!)).toBe(true);
      expect(spool.hold(b1.all, b1.runStart[2]!, b1.runLength[2]!, b1.runBytes[2]!)).toBe(true);
      const b2 = source.receive([out("four\n")]);
      expect(spool.hold(b2.stdout, 0, b2.stdout.count, b2.stdout.bytes)).toBe(true);
      expect([spool.holding, stdout.text()]).toEqual([true, ""]);
      spool.release(stdout.sink);
      expect(stdout.text()).toBe("one\ntwo\nthree\nfour\n");
      expect([spool.holding, spool.unreadable, isOpen(fd), messages, stdout.failures]).toEqual([false, false, false, [], []]);
      // A second release (or a discard) does nothing.
      spool.release(stdout.sink);
      spool.discard();
      expect(stdout.text()).toBe("one\ntwo\nthree\nfour\n");
    } finally {
      stdout.close();
      source.close();
    }
  });

  test("discard: nothing comes out, the spool is closed, and a release after it writes nothing", () => {
    const source = new BatchSource();
    const { fd, spool, messages } = spoolIn(scratch.dir);
    const stdout = fileSink("discarded");
    try {
      const b = source.receive([out("secret\n")]);
      expect(spool.hold(b.stdout, 0, 1, b.stdout.bytes)).toBe(true);
      spool.discard();
      expect([spool.holding, isOpen(fd)]).toEqual([false, false]);
      spool.release(stdout.sink);
      expect([stdout.text(), messages]).toEqual(["", []]);
    } finally {
      stdout.close();
      source.close();
    }
  });

  test("3 MiB held (more than one 1 MiB copy chunk): released byte for byte", () => {
    const parts = Array.from({ length: 12 }, (_, k) => Buffer.alloc(262_144 + k, 0x41 + k));
    const { list, keep } = iovecListOf(parts);
    const { spool, messages } = spoolIn(scratch.dir);
    const stdout = fileSink("large");
    try {
      expect(spool.hold(list, 0, 6, parts.slice(0, 6).reduce((n, b) => n + b.length, 0))).toBe(true);
      expect(spool.hold(list, 6, 6, parts.slice(6).reduce((n, b) => n + b.length, 0))).toBe(true);
      spool.release(stdout.sink);
      expect(readFileSync(scratch.path("large")).equals(Buffer.concat(parts))).toBe(true);
      expect([messages, stdout.failures]).toEqual([[], []]);
      void keep;
    } finally {
      stdout.close();
    }
  });

  test("a spool that cannot take a run: hold says false and the message is dtee's; what it held before still comes out", () => {
    // A read-only descriptor on a file already holding a run: the next write fails (EBADF).
    const path = scratch.path("readonly-spool");
    writeFileSync(path, "held before\n");
    const fd = openSync(path, "r");
    const messages: string[] = [];
    const spool = new CronSpool(fd, "/the/tmpdir", (m) => messages.push(m));
    const stdout = fileSink("after-failed-hold");
    const source = new BatchSource();
    try {
      const b = source.receive([out("not held\n")]);
      expect(spool.hold(b.stdout, 0, 1, b.stdout.bytes)).toBe(false);
      expect(messages).toEqual(["error writing to buffer file in /the/tmpdir: Bad file descriptor"]);
      spool.release(stdout.sink);
      expect([stdout.text(), spool.unreadable, isOpen(fd)]).toEqual(["held before\n", false, false]);
    } finally {
      stdout.close();
      source.close();
    }
  });

  test("a run the spool takes only in part (file-size limit: a short write, then EFBIG) is taken back whole; what was held before stays", () => {
    const source = new BatchSource();
    const { spool, messages } = spoolIn(scratch.dir);
    const stdout = fileSink("taken-back");
    try {
      const first = source.receive([out("first\n")]);
      expect(spool.hold(first.stdout, 0, 1, first.stdout.bytes)).toBe(true);
      const second = source.receive([out("0123456789abcdef\n")]);
      // 6 bytes held; a limit of 10 lets 4 more in, then the write fails.
      const held = withFileSizeLimit(10, () => spool.hold(second.stdout, 0, 1, second.stdout.bytes));
      expect([held, messages]).toEqual([false, [`error writing to buffer file in ${scratch.dir}: File too large`]]);
      spool.release(stdout.sink);
      expect([stdout.text(), spool.unreadable]).toEqual(["first\n", false]);
    } finally {
      stdout.close();
      source.close();
    }
  });

  test("a spool that cannot be read back (read fails: EBADF): unreadable, and dtee's message", () => {
    const path = scratch.path("writeonly-spool");
    const fd = openSync(path, "w");
    const messages: string[] = [];
    const spool = new CronSpool(fd, "/the/tmpdir", (m) => messages.push(m));
    const stdout = fileSink("unreadable");
    const source = new BatchSource();
    try {
      const b = source.receive([out("held\n")]);
      expect(spool.hold(b.stdout, 0, 1, b.stdout.bytes)).toBe(true);
      spool.release(stdout.sink);
      expect([stdout.text(), spool.unreadable, messages, isOpen(fd)]).toEqual([
        "",
        true,
        ["error reading buffer file in /the/tmpdir: Bad file descriptor"],
        false,
      ]);
    } finally {
      stdout.close();
      source.close();
    }
  });

  test("a spool that cannot seek (a pipe: ESPIPE): unreadable, and dtee's message", () => {
    const pipe = makePipe();
    const messages: string[] = [];
    const spool = new CronSpool(pipe.write, "/the/tmpdir", (m) => messages.push(m));
    const stdout = fileSink("unseekable");
    const source = new BatchSource();
    try {
      const b = source.receive([out("held\n")]);
      expect(spool.hold(b.stdout, 0, 1, b.stdout.bytes)).toBe(true);
      spool.release(stdout.sink);
      expect([stdout.text(), spool.unreadable, messages]).toEqual(["", true, ["error seeking to start of buffer file in /the/tmpdir: Illegal seek"]]);
    } finally {
      pipe.closeRead();
      // release() closed the write end.
      stdout.close();
      source.close();
    }
  });

  test("release to a stdout whose reader is gone: the failure is the sink's (EPIPE, reported once), not the spool's", () => {
    const source = new BatchSource();
    const { fd, spool, messages } = spoolIn(scratch.dir);
    const broken = pipeWithoutReader();
    const failures: number[] = [];
    const stdout = new Sink(broken.write, "stdout", { onFailure: (_s, code) => failures.push(code) });
    try {
      const b = source.receive([out("a\n"), out("b\n")]);
      expect(spool.hold(b.stdout, 0, 2, b.stdout.bytes)).toBe(true);
      spool.release(stdout);
      expect([failures, messages, spool.unreadable, isOpen(fd)]).toEqual([[P.errno.EPIPE], [], false, false]);
    } finally {
      broken.close();
      source.close();
    }
  });
});
