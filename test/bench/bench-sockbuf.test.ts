// dtee-bench's emulated BSD receive buffers: each kernel's numbers and
// sbappendaddr()'s accounting (sockbuf.ts), then the writer on real sockets
// with nobody reading, where what fits is exact: the emulation's admission
// test, and Linux's own refusals and buffer sizes.
import { describe, expect, test } from "bun:test";
import {
  EmulatedSockbuf,
  KERNELS,
  capacity,
  maxReserve,
  recordCost,
  reserve,
} from "../../src/bench/sockbuf";
import { createLink } from "../../src/bench/link";
import { SharedState } from "../../src/bench/shared-state";
import { produce, type ProducerConfig } from "../../src/bench/producer";
import { forceBuffer, readBuffer } from "../../src/bench/buffers";
import { libc } from "../../src/sys/libc";
import { P } from "../../src/sys/platform";
import { tempDir } from "../support/helpers";
import { KiB, producerConfig, withTrio } from "./fixtures";

const MiB = 1024 * KiB;
// A sockaddr_un for a short path, as its sun_len would be there.
const ADDRESS = 32;

describe("each kernel's receive buffer for dtee's input socket", () => {
  test("FreeBSD: 512 KiB as asked, 2 MiB of mbufs (8x, capped by sb_max); 4,096 one-byte datagrams", () => {
    const k = KERNELS.freebsd;
    expect(reserve(k, 512 * KiB)).toBe(512 * KiB);
    expect(k.mbmax(512 * KiB)).toBe(2 * MiB);
    // Address mbuf and one data mbuf, MSIZE 256 each.
    expect(recordCost(k, 1, ADDRESS)).toEqual({ bytes: ADDRESS + 1, mbufBytes: 512 });
    expect(capacity(512 * KiB, 2 * MiB, recordCost(k, 1, ADDRESS))).toBe(4096);
    // 4096 bytes plus max_hdr: a page cluster and a small mbuf.
    expect(recordCost(k, 4096, ADDRESS).mbufBytes).toBe(256 + (256 + 4096) + 256);
    // Above 2 MiB * 2048 / 2304 the kernel refuses.
    expect(maxReserve(k)).toBe(1864135);
    expect(reserve(k, 2 * MiB)).toBeNull();
  });

  test("NetBSD: 256 KiB refused (sb_max 256 KiB, MSIZE 512), 128 KiB with 256 KiB of mbufs; 256 one-byte datagrams", () => {
    const k = KERNELS.netbsd;
    expect(maxReserve(k)).toBe(209715);
    expect(reserve(k, 256 * KiB)).toBeNull();
    expect(reserve(k, 128 * KiB)).toBe(128 * KiB);
    expect(k.mbmax(128 * KiB)).toBe(256 * KiB);
    expect(recordCost(k, 1, ADDRESS).mbufBytes).toBe(1024);
    expect(capacity(128 * KiB, 256 * KiB, recordCost(k, 1, ADDRESS))).toBe(256);
    // 4 KiB writes are held by bytes first: 128 KiB / (4096 + address).
    expect(capacity(128 * KiB, 256 * KiB, recordCost(k, 4096, ADDRESS))).toBe(Math.floor((128 * KiB) / (4096 + ADDRESS)));
    expect(k.overflow).toBe("receiver");
  });

  test("DragonFly: 512 KiB asked is clamped to 419,430 bytes; 512 KiB of mbufs; 2 KiB clusters only", () => {
    const k = KERNELS.dragonfly;
    expect(reserve(k, 512 * KiB)).toBe(419430);
    expect(k.mbmax(419430)).toBe(512 * KiB);
    expect(k.dataMbufs(4096)).toEqual({ mbufs: 2, clusterBytes: 4096 });
    expect(k.dataMbufs(8192)).toEqual({ mbufs: 4, clusterBytes: 8192 });
    const four = recordCost(k, 4096, ADDRESS);
    const eight = recordCost(k, 8192, ADDRESS);
    expect(four.mbufBytes).toBe(512 + 2 * (512 + 2048));
    // About the same bytes either way: 8 KiB writes are not held better, only half as many.
    const held4 = capacity(419430, 512 * KiB, four) * 4096;
    const held8 = capacity(419430, 512 * KiB, eight) * 8192;
    expect(Math.abs(held8 - held4)).toBeLessThan(32 * KiB);
  });

  test("OpenBSD and Darwin: 4 MiB of mbufs for 512 KiB; OpenBSD never below 3 x 64 KiB", () => {
    expect(KERNELS.openbsd.mbmax(512 * KiB)).toBe(4 * MiB);
    expect(KERNELS.openbsd.mbmax(16 * KiB)).toBe(3 * 64 * KiB);
    expect(KERNELS.darwin.mbmax(512 * KiB)).toBe(4 * MiB);
    expect(KERNELS.darwin.mbmax(2 * MiB)).toBe(8 * MiB);
    // OpenBSD puts a 4 KiB write in one 4 KiB cluster.
    expect(KERNELS.openbsd.dataMbufs(4096)).toEqual({ mbufs: 1, clusterBytes: 4096 });
  });
});

describe("sbappendaddr's accounting", () => {
  test("a record is admitted when its bytes fit sbspace, mbufs are not compared, so sb_mbcnt may go over", () => {
    const b = new EmulatedSockbuf(1000, 1000, { bytes: 10, mbufBytes: 600 });
    expect(b.append()).toBe(true);
    expect(b.space()).toBe(400);
    expect(b.append()).toBe(true); // 10 <= min(980, 400)
    expect(b.mbufBytes).toBe(1200);
    expect(b.space()).toBe(-200);
    expect(b.append()).toBe(false);
    expect(b.records).toBe(2);
  });

  test("records give back exactly what they took", () => {
    const b = new EmulatedSockbuf(1 << 20, 1 << 20, { bytes: 7, mbufBytes: 14 });
    for (let i = 1; i <= 200; i++) expect(b.append()).toBe(true);
    expect(b.bytes).toBe(200 * 7);
    expect(b.remove()).toBe(true);
    expect(b.bytes).toBe(199 * 7);
    expect(b.mbufBytes).toBe(199 * 14);
    while (b.remove());
    expect([b.bytes, b.mbufBytes, b.records]).toEqual([0, 0, 0]);
    expect(b.remove()).toBe(false);
  });
});

describe("the writer's admission test on real sockets", () => {
  function setup(dir: string) {
    const link = createLink(dir, "t", { addresses: true, connectBack: true, raiseSendBuffer: true, drop: true });
    const statePath = `${dir}/state`;
    const state = SharedState.open(statePath);
    state.reset();
    return { link, statePath, state };
  }

  function config(size: number, count: number, statePath: string, drop: number): ProducerConfig {
    const k = KERNELS.freebsd;
    const cost = recordCost(k, size, ADDRESS);
    return producerConfig(size, count, {
      sockbuf: {
        hiwat: 512 * KiB,
        mbmax: k.mbmax(512 * KiB),
        recordBytes: cost.bytes,
        recordMbufs: cost.mbufBytes,
        sendLimit: 256 * KiB,
        state: statePath,
        drop,
      },
    });
  }

  test("with nobody reading, exactly what the buffer holds is sent, the rest is lost there, and Linux never made it wait", () => {
    const { dir, cleanup } = tempDir();
    try {
      const { link, statePath, state } = setup(dir);
      try {
        const held = capacity(512 * KiB, KERNELS.freebsd.mbmax(512 * KiB), recordCost(KERNELS.freebsd, 4096, ADDRESS));
        const r = produce(config(4096, held + 100, statePath, link.drop), link.stdout, link.stderr);
        expect(r.sent).toBe(held);
        expect(r.dropped).toBe(100);
        expect(r.overflows).toBe(100);
        expect(state.overflows()).toBe(100);
        expect(r.stalls).toBe(0);
        expect(r.errnos).toEqual({ [P.errno.ENOBUFS]: 100 });
        // A write larger than the 256 KiB send buffer fails before anything is queued.
        const big = produce(config(300 * KiB, 2, statePath, link.drop), link.stdout, link.stderr);
        expect(big.errnos).toEqual({ [P.errno.EMSGSIZE]: 2 });
        expect(big.sent).toBe(0);
      } finally {
        for (const fd of [link.input, link.stdout, link.stderr, link.drop, link.sink]) libc.close(fd);
      }
    } finally {
      cleanup();
    }
  });
});

describe("the writer on Linux's own sockets", () => {
  test("forceBuffer makes the kernel use exactly the profile's size", () => {
    withTrio({ sendBuffer: 1, receiveBuffer: 1 }, (trio) => {
      expect(forceBuffer(trio.stdout, P.SO_SNDBUF, 256 * KiB)).toBe(256 * KiB);
      expect(readBuffer(trio.stdout, P.SO_SNDBUF)).toBe(256 * KiB);
      expect(forceBuffer(trio.input, P.SO_RCVBUF, 128 * KiB)).toBe(128 * KiB);
    });
  });

  test("a writer that may not block counts every refused write, and the rest arrive", () => {
    withTrio({}, (trio) => {
      // Nobody reads: the queue fills, and every write after that is refused.
      const report = produce(producerConfig(100, 200), trio.stdout, trio.stderr);
      expect(report.dropped).toBeGreaterThan(0);
      expect(report.sent + report.dropped).toBe(200);
      expect(report.droppedBytes).toBe(report.dropped * 100);
      expect(report.errors).toBe(0);
      // What was accepted is exactly what is queued.
      const buf = new Uint8Array(1000);
      let queued = 0;
      let bytes = 0;
      const pfd = new Int32Array([trio.input, P.POLLIN]);
      while (libc.poll(pfd, 1, 0) > 0) {
        const n = libc.read(trio.input, buf, buf.length) as number;
        if (n < 0) break;
        queued++;
        bytes += n;
      }
      expect(queued).toBe(report.sent);
      expect(bytes).toBe(report.sentBytes);
    });
  });

  test("a write larger than the send buffer fails with EMSGSIZE and is counted", () => {
    withTrio({ sendBuffer: 1 }, (trio) => {
      forceBuffer(trio.stdout, P.SO_SNDBUF, 64 * KiB);
      const report = produce(producerConfig(128 * KiB, 3, { mode: "block" }), trio.stdout, trio.stderr);
      expect(report.errors).toBe(3);
      expect(report.errorBytes).toBe(3 * 128 * KiB);
      expect(report.errnos).toEqual({ [P.errno.EMSGSIZE]: 3 });
    });
  });
});
