// dtee's batch router in-process (src/dtee/router.ts, with the same-file
// groups of src/dtee/output-groups.ts), no dtee child: real batches from a
// real trio and receiver, real outputs. Regular files are read back;
// pipe-like outputs are datagram sockets of a WriteRecorder, which sees
// every write of every output on one timeline, so the order across outputs
// (terminal side, then files, run by run) is asserted write by write.
// Messages the router prints go to fd 2, which the tests capture.
import { describe, test, expect, afterAll } from "bun:test";
import { readFileSync, openSync, closeSync } from "node:fs";
import { Router, type RoutePlan } from "../../src/dtee/router";
import { openSpool } from "../../src/dtee/cron-spool";
import { BatchSource, out, err, type Message } from "../support/batches";
import { WriteRecorder, scratchDirectory, captureStderr, openOutputFile, isOpen, pipeWithoutReader, makePipe, drain } from "../support/descriptors";

const scratch = scratchDirectory();
afterAll(() => scratch.cleanup());

type FileSpec = { name: string; stream: "stdout" | "stderr" | "combined"; mode?: "append" | "overwrite" };

/**
 * One router with its outputs: stdout and stderr are recorder sockets
 * ("stdout", "stderr") unless given; each file is a regular file under the
 * scratch directory, or a recorder socket when its name starts with "pipe:".
 */
function setUp(options: {
  files?: FileSpec[];
  stdoutFd?: number;
  stderrFd?: number;
  sharedStdio?: boolean;
  cron?: boolean;
  extraRecorded?: string[];
  tagging?: { tag: boolean; timestamps: boolean };
}) {
  const files = options.files ?? [];
  const recorded = ["stdout", "stderr", ...files.filter((f) => f.name.startsWith("pipe:")).map((f) => f.name), ...(options.extraRecorded ?? [])];
  const recorder = new WriteRecorder([...new Set(recorded)]);
  const fdOf = (name: string) => recorder.fds[[...new Set(recorded)].indexOf(name)]!;
  const opened: number[] = [];
  const planFiles = files.map((f) => {
    if (f.name.startsWith("pipe:")) return { fd: fdOf(f.name), path: f.name, stream: f.stream };
    const fd = openOutputFile(scratch.path(f.name), f.mode ?? "append");
    opened.push(fd);
    return { fd, path: scratch.path(f.name), stream: f.stream };
  });
  let spoolFd: number | undefined;
  if (options.cron) {
    const spool = openSpool(scratch.dir);
    if ("error" in spool) throw new Error(spool.error);
    spoolFd = spool.fd;
  }
  const plan: RoutePlan = {
    argv0: options.cron ? "cronty" : "dtee",
    stdoutFd: options.stdoutFd ?? fdOf("stdout"),
    stderrFd: options.stderrFd ?? fdOf("stderr"),
    sharedStdio: options.sharedStdio,
    files: planFiles,
    spoolFd,
    spoolDir: options.cron ? scratch.dir : undefined,
    tagging: options.tagging,
  };
  const router = new Router(plan);
  // As runSession sets it: cron mode stops on a broken stdout or stderr.
  router.stopOnBrokenPipe = options.cron === true;
  const source = new BatchSource();
  router.setByteSource(source.bytesOf);
  return {
    router,
    recorder,
    spoolFd,
    fdOf,
    /** Delivers one batch of these messages; returns deliver's result and what was printed on fd 2. */
    deliver(messages: readonly Message[]): { go: boolean; stderr: string } {
      const batch = source.receive(messages);
      const { result, stderr } = captureStderr(() => router.deliver(batch));
      return { go: result, stderr };
    },
    file: (name: string) => readFileSync(scratch.path(name), "latin1"),
    flags: () => ({ ioError: router.ioError, stdError: router.stdError, sawStderr: router.sawStderr, brokenPipe: router.brokenPipe }),
    close() {
      source.close();
      recorder.close();
      for (const fd of opened) closeSync(fd);
    },
  };
}

const QUIET = { ioError: false, stdError: false, sawStderr: true, brokenPipe: false };

describe("the terminal side and regular files", () => {
  test("stdout and stderr get their runs in arrival order, one write per run; -o, -e and -c files get their streams whole", () => {
    const r = setUp({ files: [{ name: "t1.o", stream: "stdout" }, { name: "t1.e", stream: "stderr" }, { name: "t1.c", stream: "combined" }] });
    try {
      expect(r.deliver([out("a"), err("b"), out("c"), out("d"), err("e")])).toEqual({ go: true, stderr: "" });
      expect(r.recorder.take()).toEqual([
        ["stdout", "a"],
        ["stderr", "b"],
        ["stdout", "cd"],
        ["stderr", "e"],
      ]);
      expect([r.file("t1.o"), r.file("t1.e"), r.file("t1.c")]).toEqual(["acd", "be", "abcde"]);
      expect(r.flags()).toEqual(QUIET);
    } finally {
      r.close();
    }
  });

  test("a batch of one run: one write to the terminal side; a later batch appends", () => {
    const r = setUp({ files: [{ name: "t2.c", stream: "combined", mode: "overwrite" }] });
    try {
      expect(r.deliver([out("1"), out("2"), out("3")]).go).toBe(true);
      expect(r.deliver([err("x"), err("y")]).go).toBe(true);
      expect(r.recorder.take()).toEqual([
        ["stdout", "123"],
        ["stderr", "xy"],
      ]);
      expect(r.file("t2.c")).toBe("123xy");
    } finally {
      r.close();
    }
  });

  test("our stdout and stderr one file (2>&1, sharedStdio): the whole batch in one write, in arrival order", () => {
    const recorder = new WriteRecorder(["terminal"]);
    const fd = recorder.fds[0]!;
    const r = setUp({ stdoutFd: fd, stderrFd: fd, sharedStdio: true });
    try {
      expect(r.deliver([out("a"), err("b"), out("c")]).go).toBe(true);
      expect(recorder.take()).toEqual([["terminal", "abc"]]);
      expect(r.recorder.take()).toEqual([]);
    } finally {
      r.close();
      recorder.close();
    }
  });
});

describe("outputs that are one file (output-groups.ts)", () => {
  test("-o f -e f: f holds the messages in arrival order, each once", () => {
    const r = setUp({ files: [{ name: "g1", stream: "stdout" }, { name: "g1", stream: "stderr" }] });
    try {
      r.deliver([out("a"), err("b"), out("c"), out("d"), err("e")]);
      expect(r.file("g1")).toBe("abcde");
    } finally {
      r.close();
    }
  });

  test("-c f -c f: every message twice in a row; -o g -c g: stdout messages twice, stderr once, in order", () => {
    const r = setUp({
      files: [
        { name: "g2", stream: "combined" },
        { name: "g3", stream: "stdout" },
        { name: "g2", stream: "combined" },
        { name: "g3", stream: "combined" },
      ],
    });
    try {
      r.deliver([out("a"), err("b"), out("c"), out("d"), err("e")]);
      expect(r.file("g2")).toBe("aabbccddee");
      expect(r.file("g3")).toBe("aabccdde");
    } finally {
      r.close();
    }
  });

  test("-O f -o f -e f (truncated once, then appended): every stdout message twice and every stderr message once, in order", () => {
    const r = setUp({
      files: [
        { name: "g4", stream: "stdout", mode: "overwrite" },
        { name: "g4", stream: "stdout" },
        { name: "g4", stream: "stderr" },
      ],
    });
    try {
      r.deliver([out("a"), err("b"), out("c")]);
      r.deliver([err("d"), out("e")]);
      expect(r.file("g4")).toBe("aabccdee");
    } finally {
      r.close();
    }
  });

  test("a file that is also our stdout (-o with stdout on it): each stdout run written twice in one write, before the next run", () => {
    const recorder = new WriteRecorder(["stdout", "stderr"]);
    const [stdoutFd, stderrFd] = recorder.fds as [number, number];
    // The -o file is stdout's own socket (the same file, by device and inode).
    const router = new Router({ argv0: "dtee", stdoutFd, stderrFd, files: [{ fd: stdoutFd, path: "stdout-file", stream: "stdout" }] });
    const source = new BatchSource();
    try {
      const batch = source.receive([out("a"), out("b"), err("c"), out("d")]);
      const { result, stderr } = captureStderr(() => router.deliver(batch));
      expect([result, stderr]).toEqual([true, ""]);
      expect(recorder.take()).toEqual([
        ["stdout", "aabb"],
        ["stderr", "c"],
        ["stdout", "dd"],
      ]);
    } finally {
      source.close();
      recorder.close();
    }
  });
  // Found here (fixed in src/dtee/router.ts): our stdout appended to a
  // regular file that is also an -e output got a batch's stdout messages
  // before its stderr ones, because a unit of stdout's sink and the -e file
  // was taken for the plain 2>&1 pair. End to end, when the three writes
  // arrive in one batch:
  //   : > f; dtee -e f sh -c 'echo a; echo b >&2; echo c' >> f 2>/dev/null; cat f
  // printed a, c, b; dtee prints a, b, c.
  test("-e f with our stdout appended to f: f holds the messages in arrival order", () => {
    const recorder = new WriteRecorder(["stderr"]);
    const stdoutFd = openOutputFile(scratch.path("bug-e"), "append");
    const fileFd = openOutputFile(scratch.path("bug-e"), "append");
    const router = new Router({ argv0: "dtee", stdoutFd, stderrFd: recorder.fds[0]!, files: [{ fd: fileFd, path: scratch.path("bug-e"), stream: "stderr" }] });
    const source = new BatchSource();
    try {
      const { result } = captureStderr(() => router.deliver(source.receive([out("a"), err("b"), out("c")])));
      expect(result).toBe(true);
      expect(recorder.take()).toEqual([["stderr", "b"]]);
      expect(readFileSync(scratch.path("bug-e"), "latin1")).toBe("abc");
    } finally {
      source.close();
      recorder.close();
      closeSync(stdoutFd);
      closeSync(fileFd);
    }
  });

  test("-o f with our stdout appended to f (the case beside the bug above): every stdout message twice, in order", () => {
    const recorder = new WriteRecorder(["stderr"]);
    const stdoutFd = openOutputFile(scratch.path("same-o"), "append");
    const fileFd = openOutputFile(scratch.path("same-o"), "append");
    const router = new Router({ argv0: "dtee", stdoutFd, stderrFd: recorder.fds[0]!, files: [{ fd: fileFd, path: scratch.path("same-o"), stream: "stdout" }] });
    const source = new BatchSource();
    try {
      captureStderr(() => router.deliver(source.receive([out("a"), err("b"), out("c")])));
      expect(recorder.take()).toEqual([["stderr", "b"]]);
      expect(readFileSync(scratch.path("same-o"), "latin1")).toBe("aacc");
    } finally {
      source.close();
      recorder.close();
      closeSync(stdoutFd);
      closeSync(fileFd);
    }
  });
});

describe("--tag: combined files get tagged lines, read from the receive slots", () => {
  test("each line prefixed O or E; a line cut by the other stream is ended and continued on a new tagged line; plain files untouched", () => {
    const r = setUp({ tagging: { tag: true, timestamps: false }, files: [{ name: "tag.c", stream: "combined" }, { name: "tag.o", stream: "stdout" }] });
    try {
      expect(r.deliver([out("a\nb"), err("x\n"), out("c\n")])).toEqual({ go: true, stderr: "" });
      expect(r.deliver([out("d"), out("e\n"), err("")])).toEqual({ go: true, stderr: "" });
      expect(r.file("tag.c")).toBe("O a\nO b\nE x\nO c\nO de\n");
      expect(r.file("tag.o")).toBe("a\nbc\nde\n");
      expect(r.recorder.take()).toEqual([
        ["stdout", "a\nb"],
        ["stderr", "x\n"],
        ["stdout", "c\n"],
        ["stdout", "de\n"],
      ]);
    } finally {
      r.close();
    }
  });
});

describe("run-by-run order where it can be seen", () => {
  test("-o and -c on pipe-like outputs: each run reaches the terminal side, then the files, before the next run", () => {
    const r = setUp({ files: [{ name: "pipe:o", stream: "stdout" }, { name: "pipe:c", stream: "combined" }] });
    try {
      expect(r.deliver([out("a"), err("b"), out("c"), out("d")])).toEqual({ go: true, stderr: "" });
      expect(r.recorder.take()).toEqual([
        ["stdout", "a"],
        ["pipe:o", "a"],
        ["pipe:c", "a"],
        ["stderr", "b"],
        ["pipe:c", "b"],
        ["stdout", "cd"],
        ["pipe:o", "cd"],
        ["pipe:c", "cd"],
      ]);
    } finally {
      r.close();
    }
  });

  test("one pipe-like file among regular ones is enough: the regular files are written run by run too, with the right bytes", () => {
    const r = setUp({ files: [{ name: "rr.c", stream: "combined" }, { name: "pipe:e", stream: "stderr" }] });
    try {
      r.deliver([err("1"), out("2"), err("3")]);
      expect(r.recorder.take()).toEqual([
        ["stderr", "1"],
        ["pipe:e", "1"],
        ["stdout", "2"],
        ["stderr", "3"],
        ["pipe:e", "3"],
      ]);
      expect(r.file("rr.c")).toBe("123");
    } finally {
      r.close();
    }
  });

  test("-c p -c p on one pipe-like output: each run's messages twice each, in one write per run", () => {
    const r = setUp({ files: [{ name: "pipe:cc", stream: "combined" }, { name: "pipe:cc", stream: "combined" }] });
    try {
      r.deliver([out("a"), out("b"), err("c")]);
      expect(r.recorder.take()).toEqual([
        ["stdout", "ab"],
        ["pipe:cc", "aabb"],
        ["stderr", "c"],
        ["pipe:cc", "cc"],
      ]);
    } finally {
      r.close();
    }
  });
});

describe("failures: reported in dtee's words, never thrown", () => {
  test("a file on /dev/full: one message per run of failures, status 74's flag set, the other outputs unharmed", () => {
    const full = openSync("/dev/full", "w");
    const r = setUp({ files: [{ name: "f1.c", stream: "combined" }] });
    const router = new Router({
      argv0: "dtee",
      stdoutFd: r.fdOf("stdout"),
      stderrFd: r.fdOf("stderr"),
      files: [
        { fd: full, path: "/dev/full", stream: "stdout" },
        { fd: openOutputFile(scratch.path("f1.ok"), "overwrite"), path: scratch.path("f1.ok"), stream: "combined" },
      ],
    });
    const source = new BatchSource();
    try {
      const first = captureStderr(() => router.deliver(source.receive([out("a"), err("b")])));
      const second = captureStderr(() => router.deliver(source.receive([out("c")])));
      expect([first, second]).toEqual([
        { result: true, stderr: "dtee: /dev/full: No space left on device\n" },
        { result: true, stderr: "" },
      ]);
      expect(r.recorder.take()).toEqual([
        ["stdout", "a"],
        ["stderr", "b"],
        ["stdout", "c"],
      ]);
      expect(readFileSync(scratch.path("f1.ok"), "latin1")).toBe("abc");
      expect([router.ioError, router.stdError, router.brokenPipe]).toEqual([true, false, false]);
    } finally {
      closeSync(full);
      source.close();
      r.close();
    }
  });

  test("our stdout a pipe without a reader (not cron mode): every failed write reported, the relay goes on", () => {
    const broken = pipeWithoutReader();
    const r = setUp({ stdoutFd: broken.write });
    try {
      const first = r.deliver([out("a"), err("b")]);
      const second = r.deliver([out("c")]);
      expect([first, second]).toEqual([
        { go: true, stderr: "dtee: stdout: write: Broken pipe\n" },
        { go: true, stderr: "dtee: stdout: write: Broken pipe\n" },
      ]);
      expect(r.recorder.take()).toEqual([["stderr", "b"]]);
      expect(r.flags()).toEqual({ ioError: true, stdError: true, sawStderr: true, brokenPipe: true });
    } finally {
      broken.close();
      r.close();
    }
  });

  test("a write larger than a receive slot: reported as truncated (never silently), the received part relayed", () => {
    const recorder = new WriteRecorder(["stdout", "stderr"]);
    const router = new Router({ argv0: "dtee", stdoutFd: recorder.fds[0]!, stderrFd: recorder.fds[1]!, files: [] });
    const source = new BatchSource({ slots: 4, slotSize: 4096 });
    try {
      const batch = source.receive([out(Buffer.alloc(6000, 0x61)), out("z")]);
      expect(batch.truncated).toBe(1);
      const { result, stderr } = captureStderr(() => router.deliver(batch));
      expect([result, stderr]).toEqual([true, "dtee: 1 write larger than the receive buffer arrived truncated\n"]);
      expect(recorder.take()).toEqual([["stdout", "a".repeat(4096) + "z"]]);
      expect(router.ioError).toBe(true);
    } finally {
      source.close();
      recorder.close();
    }
  });
});

describe("cron mode: stdout held in the spool until stderr", () => {
  test("stdout is held; the first stderr run releases it first, in order; later stdout goes straight out; files are never held", () => {
    const r = setUp({ cron: true, files: [{ name: "cron.c", stream: "combined" }] });
    try {
      expect(r.deliver([out("a"), out("b")])).toEqual({ go: true, stderr: "" });
      expect(r.recorder.take()).toEqual([]);
      expect(r.file("cron.c")).toBe("ab");
      expect(r.router.cronSpool?.holding).toBe(true);
      expect(r.deliver([out("c"), err("d"), out("e")])).toEqual({ go: true, stderr: "" });
      expect(r.recorder.take()).toEqual([
        ["stdout", "abc"],
        ["stderr", "d"],
        ["stdout", "e"],
      ]);
      expect(r.file("cron.c")).toBe("abcde");
      expect([r.router.cronSpool?.holding, isOpen(r.spoolFd!)]).toEqual([false, false]);
      expect(r.flags()).toEqual(QUIET);
    } finally {
      r.close();
    }
  });

  test("a silent run: what was held is discarded unseen (the spool closed, nothing written)", () => {
    const r = setUp({ cron: true });
    try {
      r.deliver([out("secret 1")]);
      r.deliver([out("secret 2")]);
      r.router.cronSpool!.discard();
      expect([r.recorder.take(), isOpen(r.spoolFd!), r.router.sawStderr]).toEqual([[], false, false]);
    } finally {
      r.close();
    }
  });

  test("the end of a run worth reporting: releaseSpool shows what was held, once", () => {
    const r = setUp({ cron: true });
    try {
      r.deliver([out("held 1\n")]);
      r.deliver([out("held 2\n")]);
      r.router.releaseSpool();
      r.router.releaseSpool();
      expect(r.recorder.take()).toEqual([["stdout", "held 1\nheld 2\n"]]);
    } finally {
      r.close();
    }
  });

  test("dtee's own stderr message (injectStderr) releases the spool first and reaches the -e file", () => {
    const r = setUp({ cron: true, files: [{ name: "inject.e", stream: "stderr" }] });
    try {
      r.deliver([out("before\n")]);
      r.router.injectStderr("cronty: nope: No such file or directory\n");
      expect(r.recorder.take()).toEqual([
        ["stdout", "before\n"],
        ["stderr", "cronty: nope: No such file or directory\n"],
      ]);
      expect([r.file("inject.e"), r.router.sawStderr]).toEqual(["cronty: nope: No such file or directory\n", true]);
    } finally {
      r.close();
    }
  });

  test("stdout without a reader: released on the first stderr run, EPIPE reported, the relay told to stop, later runs not written", () => {
    const broken = pipeWithoutReader();
    const r = setUp({ cron: true, stdoutFd: broken.write });
    try {
      expect(r.deliver([out("a"), err("b"), out("c"), err("d")])).toEqual({ go: false, stderr: "cronty: stdout: write: Broken pipe\n" });
      expect(r.recorder.take()).toEqual([["stderr", "b"]]);
      expect(r.flags()).toEqual({ ioError: true, stdError: true, sawStderr: true, brokenPipe: true });
    } finally {
      broken.close();
      r.close();
    }
  });

  test("a pipe as our stdout drains to its reader: what was released is what a reader gets", () => {
    const pipe = makePipe();
    const r = setUp({ cron: true, stdoutFd: pipe.write });
    try {
      r.deliver([out("x\n"), out("y\n")]);
      expect(drain(pipe.read).toString()).toBe("");
      r.deliver([err("!\n")]);
      expect(drain(pipe.read).toString()).toBe("x\ny\n");
      expect(r.recorder.take()).toEqual([["stderr", "!\n"]]);
    } finally {
      pipe.close();
      r.close();
    }
  });
});
