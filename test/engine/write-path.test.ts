// The write path in-process, below the CLI: src/sys/write-all.ts (one buffer)
// and src/relay/sink.ts (iovec lists, as the router writes batches), on real
// descriptors. Short writes are completed in order, EAGAIN on a full
// non-blocking pipe is waited out (not spun on) until a reader drains it,
// EPIPE on a pipe whose reader is gone is returned or reported, never thrown.
// End-to-end tests reach these paths only through a whole dtee run.
import { describe, test, expect, afterAll } from "bun:test";
import { readFileSync, openSync, closeSync, writeFileSync } from "node:fs";
import { writeFully, writeAll, writeText } from "../../src/sys/write-all";
import { Sink } from "../../src/relay/sink";
import { P } from "../../src/sys/platform";
import { makePipe, pipeWithoutReader, fillUntilEagain, readerProcess, scratchDirectory } from "../support/descriptors";
import { iovecListOf } from "../support/batches";

const scratch = scratchDirectory();
afterAll(() => scratch.cleanup());

/** `length` bytes of a pattern that shows any reordering or loss (a counter, not a repeated byte). */
function patterned(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 31 + i * 7 + (i >> 8)) & 0xff;
  return b;
}

/** A sink that records its failure reports instead of printing them. */
function recordingSink(fd: number, name: string, reportEveryFailure = false) {
  const failures: [string, number][] = [];
  const sink = new Sink(fd, name, { onFailure: (s, code) => failures.push([s.name, code]), reportEveryFailure });
  return { sink, failures };
}

describe("writeFully (src/sys/write-all.ts)", () => {
  test("a regular file gets exactly the bytes; an empty buffer writes nothing and succeeds", () => {
    const path = scratch.path("plain");
    const fd = openSync(path, "w");
    try {
      const data = patterned(100_000, 1);
      expect(writeFully(fd, data)).toBe(0);
      expect(writeFully(fd, new Uint8Array(0))).toBe(0);
      expect(writeText(fd, "é\n", "latin1")).toBe(true);
      expect(readFileSync(path).equals(Buffer.concat([data, Buffer.from([0xe9, 0x0a])]))).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  test("short writes and EAGAIN on a full non-blocking pipe: waits in poll until the reader drains it, then every byte arrives in order", async () => {
    const pipe = makePipe({ capacity: 4096, nonBlockingWrite: true });
    try {
      // The pipe is full: the next write would get EAGAIN at once.
      const prefill = fillUntilEagain(pipe.write);
      expect(prefill).toBe(pipe.capacity);
      const payload = patterned(10 * pipe.capacity + 123, 2);
      const outPath = scratch.path("eagain.out");
      const reader = readerProcess(pipe, outPath, 0.4);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const code = writeFully(pipe.write, payload);
      const cpu = process.cpuUsage(cpu0);
      const ms = performance.now() - t0;
      pipe.closeWrite();
      expect(await reader.exited).toBe(0);
      expect(code).toBe(0);
      const got = readFileSync(outPath);
      expect(got.length).toBe(prefill + payload.length);
      expect(got.subarray(0, prefill).equals(Buffer.alloc(prefill, 0x2e))).toBe(true);
      expect(got.subarray(prefill).equals(payload)).toBe(true);
      // It waited for the reader (which starts after 0.4 s) ...
      expect(ms).toBeGreaterThan(300);
      // ... asleep in poll, not spinning on EAGAIN (a spin would burn the whole wait).
      expect((cpu.user + cpu.system) / 1000).toBeLessThan(150);
    } finally {
      pipe.close();
    }
  });

  test("EPIPE on a pipe whose reader is gone: the errno is returned, nothing thrown", () => {
    const pipe = pipeWithoutReader();
    try {
      expect(writeFully(pipe.write, Buffer.from("lost\n"))).toBe(P.errno.EPIPE);
      expect(writeAll(pipe.write, Buffer.from("lost\n"))).toBe(false);
      expect(writeText(pipe.write, "lost\n")).toBe(false);
    } finally {
      pipe.close();
    }
  });

  test("EBADF (a descriptor opened read-only) is returned, nothing thrown", () => {
    const path = scratch.path("readonly");
    writeFileSync(path, "x");
    const fd = openSync(path, "r");
    try {
      expect(writeFully(fd, Buffer.from("y"))).toBe(P.errno.EBADF);
      expect(readFileSync(path, "latin1")).toBe("x");
    } finally {
      closeSync(fd);
    }
  });

  test("the reader leaves after part of the data: what it read is the start, in order; then EPIPE is returned", async () => {
    const pipe = makePipe({ capacity: 4096, nonBlockingWrite: true });
    try {
      const payload = patterned(64 * 1024, 3);
      const outPath = scratch.path("head.out");
      const reader = readerProcess(pipe, outPath, 0.1, "head -c 5000");
      const code = writeFully(pipe.write, payload);
      expect(await reader.exited).toBe(0);
      expect(code).toBe(P.errno.EPIPE);
      expect(readFileSync(outPath).equals(payload.subarray(0, 5000))).toBe(true);
    } finally {
      pipe.close();
    }
  });
});

describe("Sink (src/relay/sink.ts)", () => {
  test("writeAll and writeRange: one list, or entries [start, start + count) of it, to a regular file; `written` counts the bytes", () => {
    const path = scratch.path("sink-file");
    const fd = openSync(path, "w");
    try {
      const parts = ["zero|", "one|", "", "three|", "four|"].map((s) => Buffer.from(s));
      const { list, keep } = iovecListOf(parts);
      const { sink, failures } = recordingSink(fd, "sink-file");
      expect(sink.writeAll(list)).toBe(true);
      // Entries 1..3: "one|", "" and "three|" (10 bytes).
      expect(sink.writeRange(list, 1, 3, 10)).toBe(true);
      expect(sink.writeRange(list, 4, 0, 0)).toBe(true);
      expect(sink.writeBuffer(Buffer.from("buffer\n"))).toBe(true);
      expect(readFileSync(path, "latin1")).toBe("zero|one|three|four|one|three|buffer\n");
      expect([sink.written, sink.failing, failures]).toEqual([20 + 10 + 7, false, []]);
      void keep;
    } finally {
      closeSync(fd);
    }
  });

  test("short writes inside an entry and EAGAIN: 7 entries of 3,000 bytes through a 4 KiB non-blocking pipe arrive whole and in order", async () => {
    const pipe = makePipe({ capacity: 4096, nonBlockingWrite: true });
    try {
      const parts = Array.from({ length: 7 }, (_, k) => patterned(3000, 10 + k));
      const { list, keep } = iovecListOf(parts);
      const outPath = scratch.path("sink-eagain.out");
      const reader = readerProcess(pipe, outPath, 0.2);
      const { sink, failures } = recordingSink(pipe.write, "pipe");
      // 21,000 bytes into a 4,096-byte pipe: the first writev can only be
      // partial, ending inside the second entry (4,096 = 3,000 + 1,096).
      expect(list.bytes).toBeGreaterThan(pipe.capacity);
      const ok = sink.writeAll(list);
      pipe.closeWrite();
      expect(await reader.exited).toBe(0);
      expect([ok, sink.written, failures]).toEqual([true, 21_000, []]);
      expect(readFileSync(outPath).equals(Buffer.concat(parts))).toBe(true);
      void keep;
    } finally {
      pipe.close();
    }
  });

  test("a range that starts mid-list is completed from the right entry after a short write", async () => {
    const pipe = makePipe({ capacity: 4096, nonBlockingWrite: true });
    try {
      const parts = Array.from({ length: 6 }, (_, k) => patterned(2500 + k, 20 + k));
      const { list, keep } = iovecListOf(parts);
      const outPath = scratch.path("sink-range.out");
      const reader = readerProcess(pipe, outPath, 0.2);
      const { sink } = recordingSink(pipe.write, "pipe");
      const chosen = parts.slice(2, 5);
      const bytes = chosen.reduce((n, b) => n + b.length, 0);
      const ok = sink.writeRange(list, 2, 3, bytes);
      pipe.closeWrite();
      expect(await reader.exited).toBe(0);
      expect([ok, sink.written]).toEqual([true, bytes]);
      expect(readFileSync(outPath).equals(Buffer.concat(chosen))).toBe(true);
      void keep;
    } finally {
      pipe.close();
    }
  });

  test("EPIPE: false, reported once per run of failures with the errno (every time with reportEveryFailure), never thrown", () => {
    const pipe = pipeWithoutReader();
    try {
      const { list, keep } = iovecListOf([Buffer.from("a"), Buffer.from("b")]);
      const once = recordingSink(pipe.write, "stdout");
      expect(once.sink.writeAll(list)).toBe(false);
      expect(once.sink.writeBuffer(Buffer.from("c"))).toBe(false);
      expect(once.sink.writeRange(list, 1, 1, 1)).toBe(false);
      expect([once.sink.failing, once.sink.written, once.failures]).toEqual([true, 0, [["stdout", P.errno.EPIPE]]]);
      const every = recordingSink(pipe.write, "stderr", true);
      expect(every.sink.writeAll(list)).toBe(false);
      expect(every.sink.writeBuffer(Buffer.from("c"))).toBe(false);
      expect(every.failures).toEqual([
        ["stderr", P.errno.EPIPE],
        ["stderr", P.errno.EPIPE],
      ]);
      void keep;
    } finally {
      pipe.close();
    }
  });

  test("ENOSPC (/dev/full): false and reported, nothing thrown", () => {
    const fd = openSync("/dev/full", "w");
    try {
      const { list, keep } = iovecListOf([Buffer.from("x\n")]);
      const { sink, failures } = recordingSink(fd, "/dev/full");
      expect(sink.writeAll(list)).toBe(false);
      expect(failures).toEqual([["/dev/full", P.errno.ENOSPC]]);
      void keep;
    } finally {
      closeSync(fd);
    }
  });

  test("the reader leaves mid-list: the bytes it read are the list's start, in order; then EPIPE is reported", async () => {
    const pipe = makePipe({ capacity: 4096, nonBlockingWrite: true });
    try {
      const parts = Array.from({ length: 10 }, (_, k) => patterned(3001, 40 + k));
      const { list, keep } = iovecListOf(parts);
      const outPath = scratch.path("sink-head.out");
      const reader = readerProcess(pipe, outPath, 0.1, "head -c 7000");
      const { sink, failures } = recordingSink(pipe.write, "pipe");
      const ok = sink.writeAll(list);
      expect(await reader.exited).toBe(0);
      expect([ok, failures]).toEqual([false, [["pipe", P.errno.EPIPE]]]);
      expect(readFileSync(outPath).equals(Buffer.concat(parts).subarray(0, 7000))).toBe(true);
      // `written` counts what the kernel took, at least what was read and less than all of it.
      expect(sink.written).toBeGreaterThanOrEqual(7000);
      expect(sink.written).toBeLessThan(list.bytes);
      void keep;
    } finally {
      pipe.close();
    }
  });
});
