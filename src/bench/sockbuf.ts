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
  /** The system and release the facts describe. */
  readonly system: string;
  /** Bytes one mbuf counts in sb_mbcnt. */
  readonly msize: number;
  /** kern.ipc.maxsockbuf (sb_max) by default. */
  readonly sbMax: number;
  /** What sbreserve() does with a size above sb_max_adj. */
  readonly oversize: "fail" | "clamp";
  /** Who hears of a datagram lost to a full buffer: only the writer (ENOBUFS), or also the receiver. */
  readonly overflow: "writer" | "receiver";
  /** sb_mbmax for a given sb_hiwat. */
  mbmax(hiwat: number): number;
  /** The data mbufs of a write of `size` bytes. */
  dataMbufs(size: number): MbufChain;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** The standard mbuf cluster: 2 KiB on every one of these kernels. */
const MCLBYTES = 2048;

/** One mbuf of a chain: the data it holds and the cluster bytes it counts. */
interface Mbuf {
  room: number;
  cluster: number;
}

const cluster = (bytes: number): Mbuf => ({ room: bytes, cluster: bytes });
/** A plain mbuf: MHLEN bytes of room if it is the first (it carries the packet header), else MLEN. */
const plain = (first: boolean, mhlen: number, mlen: number): Mbuf => ({ room: first ? mhlen : mlen, cluster: 0 });

/**
 * Fills `size` bytes (plus `lead` bytes of header room in the first mbuf)
 * with mbufs chosen by `pick`, given what is left and whether it is the first.
 */
function chain(size: number, lead: number, pick: (left: number, first: boolean) => Mbuf): MbufChain {
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
 * sosend() on FreeBSD and Darwin: page-size (4 KiB) clusters while more than
 * MCLBYTES is left, MCLBYTES clusters down to MINCLSIZE, then a plain mbuf;
 * `lead` bytes of header room are reserved in the first mbuf.
 */
const pageClusters = (lead: number, minclsize: number, mhlen: number, mlen: number) => (size: number) =>
  chain(size, lead, (left, first) =>
    left > MCLBYTES ? cluster(4096) : left >= minclsize ? cluster(MCLBYTES) : plain(first, mhlen, mlen),
  );

/**
 * sosend() on NetBSD and DragonFly: MCLBYTES clusters while MINCLSIZE bytes
 * are left (the first keeping `lead` bytes of header room), then a plain mbuf.
 */
const clusters = (lead: number, minclsize: number, mhlen: number, mlen: number) => (size: number) =>
  chain(size, 0, (left, first) =>
    left >= minclsize ? { room: MCLBYTES - (first ? lead : 0), cluster: MCLBYTES } : plain(first, mhlen, mlen),
  );

/** sb_mbmax = min(sb_hiwat x sb_efficiency, sb_max), as most of these kernels set it. */
const efficiency = (factor: number, sbMax: number) => (hiwat: number) => Math.min(hiwat * factor, sbMax);

/** A kernel whose sbreserve() refuses sizes above sb_max_adj, with sb_efficiency 8, where only the writer hears of a loss, unless said otherwise. */
const kernel = (k: Pick<KernelModel, "system" | "msize" | "sbMax" | "dataMbufs"> & Partial<KernelModel>): KernelModel => ({
  oversize: "fail",
  overflow: "writer",
  mbmax: efficiency(8, k.sbMax),
  ...k,
});

/**
 * FreeBSD 11-13, the system the Limitations page describes: sosend_generic()
 * copies a datagram with m_uiotombuf(..., max_hdr, M_PKTHDR), whose m_getm2()
 * takes page-size clusters (MJUMPAGESIZE) while more than MCLBYTES is left,
 * MCLBYTES clusters down to MINCLSIZE (MHLEN + 1), then a plain mbuf.
 * uipc_send() appends to the receiver's so_rcv with sbappendaddr_locked().
 * amd64: MSIZE 256, MLEN 224, MHLEN 168; max_hdr 76 (16 link + 60 IPv6/TCP).
 * (FreeBSD 14 rewrote unix/dgram: connected datagrams queue in the sender's
 * send buffer, capped by net.local.dgram.maxdgram; not what the page measured.)
 * Sources: sys/kern/uipc_usrreq.c uipc_send (SOCK_DGRAM, ENOBUFS to the
 * writer); sys/kern/uipc_sockbuf.c sbreserve_locked (sb_mbmax = min(cc *
 * sb_efficiency 8, sb_max)), sballoc; sys/sys/sockbuf.h sbspace, SB_MAX 2 MiB;
 * sys/kern/uipc_mbuf.c m_uiotombuf, m_getm2.
 */
const freebsd = kernel({
  system: "FreeBSD 11-13 (amd64)",
  msize: 256,
  sbMax: 2 * MiB,
  dataMbufs: pageClusters(76, 169, 168, 224),
});

/**
 * OpenBSD 6-7: sosend()'s m_getuio() puts up to MAXMCLBYTES (64 KiB) of a
 * write in one cluster from the smallest pool that holds it (2, 4, 6, 8, 9,
 * 12, 16, 64 KiB); below MINCLSIZE (MHLEN + MLEN + 1) a plain mbuf.
 * sbreserve() gives sb_mbmax = max(3 * MAXMCLBYTES, cc * 8), with no sb_max
 * cap. Sources: sys/kern/uipc_usrreq.c uipc_usrreq PRU_SEND (sbappendaddr,
 * ENOBUFS to the writer); sys/kern/uipc_socket2.c sbreserve, sbspace,
 * sballoc; sys/kern/uipc_socket.c m_getuio.
 */
const OPENBSD_POOLS = [2048, 4096, 6144, 8192, 9216, 12288, 16384, 65536];
const openbsd = kernel({
  system: "OpenBSD 6-7 (amd64)",
  msize: 256,
  sbMax: 2 * MiB,
  mbmax: (hiwat) => Math.max(3 * 64 * KiB, hiwat * 8),
  dataMbufs: (size) =>
    chain(size, 0, (left, first) =>
      left < 393 ? plain(first, 168, 224) : cluster(OPENBSD_POOLS.find((p) => p >= Math.min(left, 65536)) ?? 65536),
    ),
});

/**
 * Darwin (XNU): sosend() allocates 4 KiB clusters (MBIGCLBYTES) while more
 * than MCLBYTES is left (16 KiB ones only for sockets flagged multi-page,
 * which AF_UNIX sockets are not), 2 KiB ones down to MINCLSIZE, then plain
 * mbufs. Sources: bsd/kern/uipc_usrreq.c uipc_send (sbappendaddr, ENOBUFS to
 * the writer); bsd/kern/uipc_socket2.c sbreserve (sb_mbmax = min(cc *
 * sb_efficiency 8, sb_max)), sbspace; bsd/sys/socketvar.h SB_MAX 8 MiB;
 * bsd/kern/uipc_socket.c sosend.
 */
const darwin = kernel({
  system: "macOS (XNU, x86_64/arm64)",
  msize: 256,
  sbMax: 8 * MiB,
  dataMbufs: pageClusters(0, 432, 176, 224),
});

/**
 * NetBSD 8-10 (amd64): MSIZE is 512 on _LP64; sb_max (kern.sbmax) is
 * 256 KiB, so sbreserve() refuses more than 256 KiB * 2048 / 2560 = 209,715
 * bytes and dtee settles for 128 KiB; sb_mbmax = min(cc * 2, sb_max).
 * unp_output() counts the overflow (sb_overflowed) and returns ENOBUFS;
 * since 2018 (soroverflow(), uipc_socket2.c 1.128) it also sets ENOBUFS as
 * the receiving socket's error, which soreceive() returns once the queued
 * datagrams have been read: the loss is reported to dtee. sosend() copies
 * into MCLBYTES clusters (the first with max_hdr of room) from MINCLSIZE up.
 * Sources: sys/kern/uipc_usrreq.c unp_output; sys/kern/uipc_socket2.c
 * sbreserve, soroverflow; sys/sys/socketvar.h SB_MAX;
 * sys/arch/amd64/include/param.h MSIZE.
 */
const netbsd = kernel({
  system: "NetBSD 8-10 (amd64)",
  msize: 512,
  sbMax: 256 * KiB,
  overflow: "receiver",
  mbmax: efficiency(2, 256 * KiB),
  dataMbufs: clusters(76, 889, 416, 472),
});

/**
 * DragonFly BSD 5-6 (x86_64): MSIZE 512; SB_MAX 512 KiB, and ssb_reserve()
 * clamps a larger request to sb_max_adj = 512 KiB * 2048 / 2560 = 419,430
 * bytes instead of failing (dtee's "512 KB" is that); sb_mbmax =
 * min(cc * 8, sb_max) = 512 KiB. sosend()'s m_getl() takes MCLBYTES
 * clusters from MINCLSIZE (MHLEN + 1) up, so a 4 KiB write is two clusters.
 * Sources: sys/kern/uipc_usrreq.c uipc_send (ssb_appendaddr, ENOBUFS to the
 * writer); sys/kern/uipc_socket2.c ssb_reserve; sys/sys/socketvar.h
 * ssb_space; sys/sys/sockbuf.h SB_MAX, sballoc; sys/sys/param.h MSIZE.
 */
const dragonfly = kernel({
  system: "DragonFly BSD 5-6 (x86_64)",
  msize: 512,
  sbMax: 512 * KiB,
  oversize: "clamp",
  dataMbufs: clusters(0, 401, 400, 472),
});

export const KERNELS: Readonly<Record<KernelName, KernelModel>> = { freebsd, openbsd, darwin, netbsd, dragonfly };

/** sb_max_adj: the largest socket buffer sbreserve() accepts. */
export function maxReserve(k: KernelModel): number {
  return Math.floor((k.sbMax * MCLBYTES) / (k.msize + MCLBYTES));
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
 * One receive buffer, holding records of one cost (every write of a run is
 * alike): they go in as sbappendaddr() admits them and come out as the
 * relay reads them.
 */
export class EmulatedSockbuf {
  /** Records held. */
  records = 0;

  constructor(
    readonly hiwat: number,
    readonly mbmax: number,
    readonly cost: RecordCost,
  ) {}

  /** sb_cc. */
  get bytes(): number {
    return this.records * this.cost.bytes;
  }

  /** sb_mbcnt. */
  get mbufBytes(): number {
    return this.records * this.cost.mbufBytes;
  }

  /** sbspace(): min(sb_hiwat - sb_cc, sb_mbmax - sb_mbcnt), negative when overcommitted. */
  space(): number {
    return Math.min(this.hiwat - this.bytes, this.mbmax - this.mbufBytes);
  }

  /** sbappendaddr()'s test: the record's bytes against sbspace() (its mbufs are not compared); false (nothing changes) when it does not fit. */
  append(): boolean {
    if (this.cost.bytes > this.space()) return false;
    this.records++;
    return true;
  }

  /** Takes a record out (the relay read one, or its send failed after all); false when empty. */
  remove(): boolean {
    if (this.records === 0) return false;
    this.records--;
    return true;
  }
}

/** How many records of one cost an empty buffer holds. */
export function capacity(hiwat: number, mbmax: number, c: RecordCost): number {
  const b = new EmulatedSockbuf(hiwat, mbmax, c);
  // Bounded: each append adds at least one byte; stop well past any real size.
  while (b.records < 1 << 22 && b.append());
  return b.records;
}
