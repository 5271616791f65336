// The relay engine on real sockets: what the receiver accepts, drops and
// reports, below the CLI.
import { describe, test, expect } from "bun:test";
import { createTrio, closeFd } from "../../src/relay/trio";
import { Receiver, STDOUT, STDERR } from "../../src/relay/receiver";
import { libc, cstring } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { sockaddrUn } from "../../src/sys/structs";
import { tempDir } from "../support/helpers";
import { join } from "node:path";

function send(fd: number, bytes: Uint8Array): number {
  return libc.send(fd, bytes, bytes.length, 0) as number;
}

describe("receiver", () => {
  test("sorts messages by sender, in order, and keeps their bytes", () => {
    const { dir, cleanup } = tempDir();
    const trio = createTrio({ tmpdir: dir });
    try {
      const r = new Receiver(trio.input, trio.stdoutAddress, trio.stderrAddress);
      send(trio.stdout, Buffer.from("a1"));
      send(trio.stderr, Buffer.from("b22"));
      send(trio.stdout, Buffer.from("c333"));
      expect(r.receive(P.MSG_DONTWAIT)).toBe(3);
      const b = r.batch;
      expect([b.stdout.count, b.stderr.count, b.all.count]).toEqual([2, 1, 3]);
      expect([b.stdout.bytes, b.stderr.bytes]).toEqual([6, 3]);
      expect([...b.allStream.subarray(0, 3)]).toEqual([STDOUT, STDERR, STDOUT]);
      expect(b.runCount).toBe(3);
      expect([0, 1, 2].map((k) => Buffer.from(r.messageBytes(k)).toString())).toEqual(["a1", "b22", "c333"]);
      expect(r.receive(P.MSG_DONTWAIT)).toBe(0);
      r.close();
    } finally {
      [trio.input, trio.stdout, trio.stderr].forEach(closeFd);
      cleanup();
    }
  });

  test("timestamps: writes queued before the receiver starts keep their send order and times", async () => {
    const { dir, cleanup } = tempDir();
    const trio = createTrio({ tmpdir: dir, timestamps: true });
    try {
      send(trio.stdout, Buffer.from("early"));
      await Bun.sleep(20);
      const r = new Receiver(trio.input, trio.stdoutAddress, trio.stderrAddress, { timestamps: true });
      send(trio.stderr, Buffer.from("late"));
      expect(r.receive(P.MSG_DONTWAIT)).toBe(2);
      const b = r.batch;
      const ns = (k: number) => BigInt(b.timeSec[k]!) * 1_000_000_000n + BigInt(b.timeNsec[k]!);
      expect(ns(0) > 0n).toBe(true);
      // At least the 20 ms sleep apart, in write order (not both stamped on receipt).
      expect(ns(1) - ns(0) >= 15_000_000n).toBe(true);
      r.close();
    } finally {
      [trio.input, trio.stdout, trio.stderr].forEach(closeFd);
      cleanup();
    }
  });

  test("a write larger than a slot is counted as truncated, never passed off as whole", () => {
    const { dir, cleanup } = tempDir();
    const trio = createTrio({ tmpdir: dir });
    try {
      const r = new Receiver(trio.input, trio.stdoutAddress, trio.stderrAddress, { slotSize: 4096, slots: 4 });
      expect(send(trio.stdout, Buffer.alloc(8192, 1))).toBe(8192);
      expect(r.receive(P.MSG_DONTWAIT)).toBe(1);
      expect(r.batch.truncated).toBe(1);
      r.close();
    } finally {
      [trio.input, trio.stdout, trio.stderr].forEach(closeFd);
      cleanup();
    }
  });

  test("a sender that is neither output socket is dropped and counted", () => {
    // Built by hand so that a stranger can connect before the names go.
    const { dir, cleanup } = tempDir();
    const fds: number[] = [];
    const sock = () => {
      const fd = libc.socket(P.AF_UNIX, P.SOCK_DGRAM | P.SOCK_CLOEXEC, 0);
      fds.push(fd);
      return fd;
    };
    try {
      const inAddr = sockaddrUn(join(dir, "i"));
      const input = sock();
      expect(libc.bind(input, inAddr.buf, inAddr.len)).toBe(0);
      const addrs = ["o", "e", "x"].map((n) => sockaddrUn(join(dir, n)));
      const [out, err, stranger] = [sock(), sock(), sock()];
      [out, err, stranger].forEach((fd, i) => {
        expect(libc.bind(fd!, addrs[i]!.buf, addrs[i]!.len)).toBe(0);
        expect(libc.connect(fd!, inAddr.buf, inAddr.len)).toBe(0);
      });
      for (const n of ["i", "o", "e", "x"]) libc.unlink(cstring(join(dir, n)));
      const r = new Receiver(
        input,
        new Uint8Array(addrs[0]!.buf.subarray(0, addrs[0]!.len)),
        new Uint8Array(addrs[1]!.buf.subarray(0, addrs[1]!.len)),
      );
      send(out!, Buffer.from("ok"));
      send(stranger!, Buffer.from("INJECTED"));
      send(err!, Buffer.from("fine"));
      expect(r.receive(P.MSG_DONTWAIT)).toBe(3);
      expect(r.batch.foreign).toBe(1);
      expect(r.batch.all.count).toBe(2);
      expect([0, 1].map((k) => Buffer.from(r.messageBytes(k)).toString())).toEqual(["ok", "fine"]);
      r.close();
    } finally {
      fds.forEach(closeFd);
      cleanup();
    }
  });
});
