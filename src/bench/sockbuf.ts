// The receive buffer of dtee's input socket as a BSD-family kernel accounts
// for it, so the dropping profiles lose what those systems lose rather than
// what Linux's datagram queue would. Facts read from each kernel's sources
// (uipc_usrreq.c, uipc_socket.c, uipc_socket2.c / uipc_sockbuf.c, mbuf.h,
// param.h); no kernel code is carried, only the numbers and the rules:
//
// - A datagram on an AF_UNIX socket is one record in the receiver's socket
//   buffer: an MT_SONAME mbuf holding the sender's address, then the data
//   mbufs sosend() built from the write. sbappendaddr() accepts it only if its
//   bytes (address length + data) are at most sbspace(), which is
//   min(sb_hiwat - sb_cc, sb_mbmax - sb_mbcnt); otherwise the send fails with
//   ENOBUFS and the datagram is gone (the writer never blocks for room).
// - sb_cc counts the bytes of every mbuf of the record, the address included;
//   sb_mbcnt counts MSIZE per mbuf plus the cluster size of those with one.
// - sbreserve() sets sb_hiwat to the size asked for (SO_RCVBUF) and sb_mbmax
//   from it; sizes above sb_max * MCLBYTES / (MSIZE + MCLBYTES) fail (FreeBSD,
//   NetBSD, Darwin, OpenBSD: sb_max) or are clamped to it (DragonFly).
// - A write larger than the sender's SO_SNDBUF fails with EMSGSIZE (sosend's
//   `atomic && resid > so_snd.sb_hiwat`).
//
// The capacities (sb_hiwat, sb_mbmax, MSIZE, cluster sizes) are the kernels'
// own numbers. Where a small write stops being a plain mbuf and becomes a
// cluster (MINCLSIZE, MHLEN: header sizes that vary by release) is given to
// within some tens of bytes; it matters only for writes of a few hundred bytes.

export type KernelName = "freebsd" | "openbsd" | "darwin" | "netbsd" | "dragonfly";

/** The data mbufs sosend() builds for one write: how many, and their cluster bytes. */
export interface MbufChain {
  mbufs: number;
  clusterBytes: number;
}

export interface KernelModel {
  readonly name: KernelName;
  /** The system and release the facts describe. */
  readonly system: string;
  /** Where the facts come from (file: function). */
  readonly sources: readonly string[];
  /** Bytes one mbuf counts in sb_mbcnt. */
  readonly msize: number;
  readonly mclbytes: number;
  /** kern.ipc.maxsockbuf (sb_max) by default. */
  readonly sbMax: number;
  /** What sbreserve() does with a size above sb_max_adj. */
  readonly oversize: "fail" | "clamp";
  /** sb_mbmax for a given sb_hiwat. */
  mbmax(hiwat: number): number;
  /** The data mbufs of a write of `size` bytes. */
  dataMbufs(size: number): MbufChain;
  /** Who hears of a datagram lost to a full buffer: only the writer (ENOBUFS), or also the receiver. */
  readonly overflow: "writer" | "receiver";
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Fills `size` bytes (plus `lead` bytes of header room in the first mbuf)
 * with mbufs chosen by `pick`, which returns the data room and cluster bytes
 * of the next mbuf given what is left and whether it is the first.
 */
function chain(
  size: number,
  lead: number,
  pick: (left: number, first: boolean) => { room: number; cluster: number },
): MbufChain {
  let left = size + lead;
  let mbufs = 0;
  let clusterBytes = 0;
  while (left > 0) {
    const m = pick(left, mbufs === 0);
    mbufs++;
    clusterBytes += m.cluster;
    left -= m.room;
  }
  return { mbufs, clusterBytes };
}

/**
 * FreeBSD 11-13, the system the Limitations page describes: sosend_generic()
 * copies a datagram with m_uiotombuf(..., max_hdr, M_PKTHDR), whose m_getm2()
 * takes page-size clusters (MJUMPAGESIZE) while more than MCLBYTES is left,
 * MCLBYTES clusters down to MINCLSIZE (MHLEN + 1), then a plain mbuf.
 * uipc_send() appends to the receiver's so_rcv with sbappendaddr_locked().
 * amd64: MSIZE 256, MLEN 224, MHLEN 168; max_hdr 76 (16 link + 60 IPv6/TCP).
 * (FreeBSD 14 rewrote unix/dgram: connected datagrams queue in the sender's
 * send buffer, capped by net.local.dgram.maxdgram; not what the page measured.)
 */
const freebsd: KernelModel = {
  name: "freebsd",
  system: "FreeBSD 11-13 (amd64)",
  sources: [
    "sys/kern/uipc_usrreq.c: uipc_send (SOCK_DGRAM) -> sbappendaddr_locked, ENOBUFS to the writer",
    "sys/kern/uipc_sockbuf.c: sbreserve_locked (sb_mbmax = min(cc * sb_efficiency 8, sb_max)), sballoc",
    "sys/sys/sockbuf.h: sbspace = min(sb_hiwat - sb_ccc, sb_mbmax - sb_mbcnt); SB_MAX 2 MiB",
    "sys/kern/uipc_mbuf.c: m_uiotombuf / m_getm2 (page clusters above MCLBYTES)",
  ],
  msize: 256,
  mclbytes: 2048,
  sbMax: 2 * MiB,
  oversize: "fail",
  mbmax: (hiwat) => Math.min(hiwat * 8, 2 * MiB),
  dataMbufs: (size) =>
    chain(size, 76, (left, first) =>
      left > 2048
        ? { room: 4096, cluster: 4096 }
        : left >= 169
          ? { room: 2048, cluster: 2048 }
          : { room: first ? 168 : 224, cluster: 0 },
    ),
  overflow: "writer",
};

/**
 * OpenBSD: sosend()'s m_getuio() puts up to MAXMCLBYTES (64 KiB) of a write
 * in one cluster from the smallest pool that holds it (2, 4, 6, 8, 9, 12, 16,
 * 64 KiB); below MINCLSIZE (MHLEN + MLEN + 1) a plain mbuf. sbreserve()
 * gives sb_mbmax = max(3 * MAXMCLBYTES, cc * 8), with no sb_max cap.
 */
const OPENBSD_POOLS = [2048, 4096, 6144, 8192, 9216, 12288, 16384, 65536];
const openbsd: KernelModel = {
  name: "openbsd",
  system: "OpenBSD 6-7 (amd64)",
  sources: [
    "sys/kern/uipc_usrreq.c: uipc_usrreq PRU_SEND (SOCK_DGRAM) -> sbappendaddr, ENOBUFS to the writer",
    "sys/kern/uipc_socket2.c: sbreserve (sb_mbmax = max(3 * MAXMCLBYTES, cc * 8)), sbspace, sballoc",
    "sys/kern/uipc_socket.c: m_getuio (one cluster per up to 64 KiB, sized to fit)",
  ],
  msize: 256,
  mclbytes: 2048,
  sbMax: 2 * MiB,
  oversize: "fail",
  mbmax: (hiwat) => Math.max(3 * 64 * KiB, hiwat * 8),
  dataMbufs: (size) =>
    chain(size, 0, (left, first) => {
      if (left < 393) return { room: first ? 168 : 224, cluster: 0 };
      const want = Math.min(left, 65536);
      const pool = OPENBSD_POOLS.find((p) => p >= want) ?? 65536;
      return { room: pool, cluster: pool };
    }),
  overflow: "writer",
};

/**
 * Darwin (XNU): sosend() allocates 4 KiB clusters (MBIGCLBYTES) while more
 * than MCLBYTES is left (16 KiB ones only for sockets flagged multi-page,
 * which AF_UNIX sockets are not), 2 KiB ones down to MINCLSIZE, then plain
 * mbufs. sb_max (kern.ipc.maxsockbuf) is 8 MiB.
 */
const darwin: KernelModel = {
  name: "darwin",
  system: "macOS (XNU, x86_64/arm64)",
  sources: [
    "bsd/kern/uipc_usrreq.c: uipc_send (SOCK_DGRAM) -> sbappendaddr, ENOBUFS to the writer",
    "bsd/kern/uipc_socket2.c: sbreserve (sb_mbmax = min(cc * sb_efficiency 8, sb_max)), sbspace",
    "bsd/sys/socketvar.h: SB_MAX 8 MiB; bsd/kern/uipc_socket.c: sosend cluster sizes",
  ],
  msize: 256,
  mclbytes: 2048,
  sbMax: 8 * MiB,
  oversize: "fail",
  mbmax: (hiwat) => Math.min(hiwat * 8, 8 * MiB),
  dataMbufs: (size) =>
    chain(size, 0, (left, first) =>
      left > 2048
        ? { room: 4096, cluster: 4096 }
        : left >= 432
          ? { room: 2048, cluster: 2048 }
          : { room: first ? 176 : 224, cluster: 0 },
    ),
  overflow: "writer",
};

/**
 * NetBSD 8-10 (amd64): MSIZE is 512 on _LP64; sb_max (kern.sbmax) is
 * 256 KiB, so sbreserve() refuses more than 256 KiB * 2048 / 2560 = 209,715
 * bytes and dtee settles for 128 KiB; sb_mbmax = min(cc * 2, sb_max).
 * unp_output() counts the overflow (sb_overflowed) and returns ENOBUFS;
 * since 2018 (soroverflow(), uipc_socket2.c 1.128) it also sets ENOBUFS as
 * the receiving socket's error, which soreceive() returns once the queued
 * datagrams have been read: the loss is reported to dtee. sosend() copies
 * into MCLBYTES clusters (the first with max_hdr of room) from MINCLSIZE up.
 */
const netbsd: KernelModel = {
  name: "netbsd",
  system: "NetBSD 8-10 (amd64)",
  sources: [
    "sys/kern/uipc_usrreq.c: unp_output -> sbappendaddr; on failure sb_overflowed++, ENOBUFS",
    "sys/kern/uipc_socket2.c: sbreserve (sb_mbmax = min(cc * 2, sb_max)); soroverflow (2018): so_error = ENOBUFS",
    "sys/sys/socketvar.h: SB_MAX 256 KiB; sys/arch/amd64/include/param.h: MSIZE 512 (_LP64)",
  ],
  msize: 512,
  mclbytes: 2048,
  sbMax: 256 * KiB,
  oversize: "fail",
  mbmax: (hiwat) => Math.min(hiwat * 2, 256 * KiB),
  dataMbufs: (size) =>
    chain(size, 0, (left, first) =>
      left >= 889
        ? { room: first ? 2048 - 76 : 2048, cluster: 2048 }
        : { room: first ? 416 : 472, cluster: 0 },
    ),
  overflow: "receiver",
};

/**
 * DragonFly BSD 5-6 (x86_64): MSIZE 512; SB_MAX 512 KiB, and ssb_reserve()
 * clamps a larger request to sb_max_adj = 512 KiB * 2048 / 2560 = 419,430
 * bytes instead of failing (dtee's "512 KB" is that); sb_mbmax =
 * min(cc * 8, sb_max) = 512 KiB. sosend()'s m_getl() takes MCLBYTES
 * clusters from MINCLSIZE (MHLEN + 1) up, so a 4 KiB write is two clusters.
 */
const dragonfly: KernelModel = {
  name: "dragonfly",
  system: "DragonFly BSD 5-6 (x86_64)",
  sources: [
    "sys/kern/uipc_usrreq.c: uipc_send (SOCK_DGRAM) -> ssb_appendaddr, ENOBUFS to the writer",
    "sys/kern/uipc_socket2.c: ssb_reserve (clamps to sb_max_adj; ssb_mbmax = min(cc * 8, sb_max))",
    "sys/sys/socketvar.h: ssb_space; sys/sys/sockbuf.h: SB_MAX 512 KiB, sballoc; sys/sys/param.h: MSIZE 512",
  ],
  msize: 512,
  mclbytes: 2048,
  sbMax: 512 * KiB,
  oversize: "clamp",
  mbmax: (hiwat) => Math.min(hiwat * 8, 512 * KiB),
  dataMbufs: (size) =>
    chain(size, 0, (left, first) => (left >= 401 ? { room: 2048, cluster: 2048 } : { room: first ? 400 : 472, cluster: 0 })),
  overflow: "writer",
};

export const KERNELS: Readonly<Record<KernelName, KernelModel>> = { freebsd, openbsd, darwin, netbsd, dragonfly };

/** sb_max_adj: the largest socket buffer sbreserve() accepts. */
export function maxReserve(k: KernelModel): number {
  return Math.floor((k.sbMax * k.mclbytes) / (k.msize + k.mclbytes));
}

/** sb_hiwat after setsockopt(SO_RCVBUF or SO_SNDBUF, asked); null when the kernel refuses it. */
export function reserve(k: KernelModel, asked: number): number | null {
  const max = maxReserve(k);
  if (asked <= max) return asked;
  return k.oversize === "clamp" ? max : null;
}

/** What one datagram costs in the receive buffer. */
export interface RecordCost {
  /** Bytes counted in sb_cc: the sender's address and the data. */
  bytes: number;
  /** Bytes counted in sb_mbcnt: MSIZE per mbuf plus clusters. */
  mbufBytes: number;
}

/** The record a write of `size` bytes from a sender with an `addressLength`-byte address makes. */
export function recordCost(k: KernelModel, size: number, addressLength: number): RecordCost {
  const data = k.dataMbufs(size);
  return {
    bytes: addressLength + size,
    // The MT_SONAME mbuf, then the data.
    mbufBytes: k.msize + data.mbufs * k.msize + data.clusterBytes,
  };
}

/**
 * One receive buffer: records go in as sbappendaddr() admits them and come
 * out in order as the receiver reads them.
 */
export class EmulatedSockbuf {
  /** sb_cc and sb_mbcnt. */
  bytes = 0;
  mbufBytes = 0;
  private costBytes = new Float64Array(64);
  private costMbufs = new Float64Array(64);
  private head = 0;
  private count = 0;

  constructor(
    readonly hiwat: number,
    readonly mbmax: number,
  ) {}

  /** Records held. */
  get records(): number {
    return this.count;
  }

  /** sbspace(): min(sb_hiwat - sb_cc, sb_mbmax - sb_mbcnt), negative when overcommitted. */
  space(): number {
    return Math.min(this.hiwat - this.bytes, this.mbmax - this.mbufBytes);
  }

  /** sbappendaddr()'s test: the record's bytes against sbspace() (its mbufs are not compared). */
  fits(c: RecordCost): boolean {
    return c.bytes <= this.space();
  }

  /** Appends a record that fits; false (and nothing changes) when it does not. */
  append(c: RecordCost): boolean {
    if (!this.fits(c)) return false;
    if (this.count === this.costBytes.length) this.grow();
    const at = (this.head + this.count) % this.costBytes.length;
    this.costBytes[at] = c.bytes;
    this.costMbufs[at] = c.mbufBytes;
    this.count++;
    this.bytes += c.bytes;
    this.mbufBytes += c.mbufBytes;
    return true;
  }

  /** Takes the oldest record out (the receiver read it); false when empty. */
  remove(): boolean {
    if (this.count === 0) return false;
    this.bytes -= this.costBytes[this.head]!;
    this.mbufBytes -= this.costMbufs[this.head]!;
    this.head = (this.head + 1) % this.costBytes.length;
    this.count--;
    return true;
  }

  /** Takes the newest record back out (its send failed after all). */
  removeNewest(): boolean {
    if (this.count === 0) return false;
    const at = (this.head + this.count - 1) % this.costBytes.length;
    this.bytes -= this.costBytes[at]!;
    this.mbufBytes -= this.costMbufs[at]!;
    this.count--;
    return true;
  }

  private grow(): void {
    const n = this.costBytes.length;
    const bytes = new Float64Array(n * 2);
    const mbufs = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      bytes[i] = this.costBytes[(this.head + i) % n]!;
      mbufs[i] = this.costMbufs[(this.head + i) % n]!;
    }
    this.costBytes = bytes;
    this.costMbufs = mbufs;
    this.head = 0;
  }
}

/** How many records of one cost an empty buffer holds. */
export function capacity(hiwat: number, mbmax: number, c: RecordCost): number {
  const b = new EmulatedSockbuf(hiwat, mbmax);
  let n = 0;
  // Bounded: each append adds at least one byte; stop well past any real size.
  while (n < 1 << 22 && b.append(c)) n++;
  return n;
}
