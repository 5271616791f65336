// The producer: the program whose output the relay carries. It runs as its own
// process (dtee-bench's hidden --producer mode) with fd 1 and fd 2 on the
// socket trio's output sockets, writes `count` messages of `size` bytes the
// way the profile's OS would let it, and reports what happened to each write
// in a small JSON file. What reached the outputs is measured by the relay
// side; this only says what the writer saw.
import { writeFileSync } from "node:fs";
import { libc, errno, addressOf } from "../sys/libc";
import { P } from "../sys/platform";
import { waitWritable } from "../sys/write-all";
import { SYSEXITS } from "../exit-status";
import { monotonicNs } from "./clock";
import { EmulatedSockbuf } from "./sockbuf";
import { SharedState } from "./shared-state";

/**
 * A BSD kernel's receive buffer, checked where that kernel checks it: in the
 * sending call (sbappendaddr), against what the receiver has not read yet.
 * The relay publishes how many datagrams it has taken (SharedState).
 */
export interface SockbufEmulation {
  /** sb_hiwat and sb_mbmax of the receiving socket. */
  hiwat: number;
  mbmax: number;
  /** What one datagram of this run costs there (all writes of a run are alike). */
  recordBytes: number;
  recordMbufs: number;
  /** Writes larger than this fail with EMSGSIZE (the sender's SO_SNDBUF there). */
  sendLimit: number;
  /** The shared counters' file. */
  state: string;
  /** The producer's descriptor for refused writes (link.ts's drop socket). */
  drop: number;
}

export interface ProducerConfig {
  /** Bytes per write. */
  size: number;
  /** Number of writes. */
  count: number;
  /** block: plain blocking writes; dontwait: MSG_DONTWAIT, a full queue loses the message. */
  mode: "block" | "dontwait";
  /** The emulated receive buffer decides what is lost (then Linux's queue only carries). */
  sockbuf?: SockbufEmulation;
  /** Writes larger than this are cut to it, the rest counted as lost (0: none). */
  truncateAbove: number;
  /** write(2), as programs do (native), or send(2) with the profile's flags. */
  syscall: "write" | "send";
  /** Write everything to fd 1, or alternate between fd 1 and fd 2. */
  streams: "out" | "both";
  /** Messages per second to pace at; 0 writes as fast as possible. */
  rate: number;
  /** Where to write the ProducerReport. */
  report: string;
}

export interface ProducerReport {
  /** CLOCK_MONOTONIC at the first write and after the last one. */
  startNs: number;
  endNs: number;
  /** Writes that went through whole, and their bytes. */
  sent: number;
  sentBytes: number;
  /** Writes cut to truncateAbove, and the bytes cut off. */
  truncated: number;
  truncatedBytes: number;
  /** Writes refused because the queue was full (EAGAIN, ENOBUFS): lost. */
  dropped: number;
  droppedBytes: number;
  /** Writes that failed for another reason (EMSGSIZE: larger than the buffer). */
  errors: number;
  errorBytes: number;
  /** Failed writes by errno number. */
  errnos: Record<string, number>;
  /** Writes the emulated receive buffer had no room for (ENOBUFS there); counted in dropped too. */
  overflows: number;
  /** Times an admitted write waited for Linux's transport: the emulation's own limit. */
  stalls: number;
}

/** A report of no writes yet. */
export function emptyReport(): ProducerReport {
  return {
    startNs: 0,
    endNs: 0,
    sent: 0,
    sentBytes: 0,
    truncated: 0,
    truncatedBytes: 0,
    dropped: 0,
    droppedBytes: 0,
    errors: 0,
    errorBytes: 0,
    errnos: {},
    overflows: 0,
    stalls: 0,
  };
}

/** The hidden --producer mode: argument is the JSON of a ProducerConfig. */
export function producerMain(json: string | undefined): never {
  let cfg: ProducerConfig;
  try {
    cfg = JSON.parse(json ?? "") as ProducerConfig;
  } catch {
    process.stderr.write("dtee-bench --producer: expected a JSON configuration\n");
    process.exit(SYSEXITS.SOFTWARE);
  }
  const report = produce(cfg);
  writeFileSync(cfg.report, JSON.stringify(report));
  process.exit(SYSEXITS.OK);
}

function makeBlocking(fd: number): void {
  const flags = libc.fcntl(fd, P.F_GETFL, 0);
  if (flags >= 0 && flags & P.O_NONBLOCK) libc.fcntl(fd, P.F_SETFL, flags & ~P.O_NONBLOCK);
}

/**
 * Waits until `deadline` (ns). Sleeps only: a spinning writer would take a
 * core from the relay on a small machine. The schedule is absolute, so a late
 * wake-up is made up by the next writes.
 */
function pace(deadline: number): void {
  const left = deadline - monotonicNs();
  if (left > 100_000) Bun.sleepSync(left / 1e6);
}

/**
 * Writes as `cfg` says to `out` (and `err`, alternating, with streams "both").
 * On a BSD profile (cfg.sockbuf) the emulated receive buffer decides first: a
 * write larger than the send buffer fails (EMSGSIZE); a datagram the buffer
 * has no room for is lost at once (ENOBUFS; the writer never waits for the
 * relay); the rest go to the relay through Linux, which holds all of them
 * (link.ts). Should Linux's transport fill up all the same, the write waits
 * and the wait is counted as a stall.
 */
export function produce(cfg: ProducerConfig, out = 1, err = 2): ProducerReport {
  const { size, sockbuf: sb } = cfg;
  const length = cfg.truncateAbove > 0 && size > cfg.truncateAbove ? cfg.truncateAbove : size;
  const cut = size - length;
  // Printable bytes ending in a newline, like the output of a real program.
  const buf = new Uint8Array(Math.max(length, 1)).fill(0x61);
  buf[buf.length - 1] = 0x0a;
  const address = addressOf(buf);
  const dontwait = cfg.mode === "dontwait";
  const flags = dontwait ? P.MSG_DONTWAIT : 0;
  const useWrite = cfg.syscall === "write";
  const both = cfg.streams === "both";
  if (!dontwait) {
    makeBlocking(out);
    if (both) makeBlocking(err);
  }
  const state = sb ? SharedState.open(sb.state) : null;
  const buffer = sb ? new EmulatedSockbuf(sb.hiwat, sb.mbmax, { bytes: sb.recordBytes, mbufBytes: sb.recordMbufs }) : null;
  const { EAGAIN, EINTR, EMSGSIZE, ENOBUFS } = P.errno;
  const r = emptyReport();
  const lost = (e: number, as: "dropped" | "failed") => {
    r.errnos[e] = (r.errnos[e] ?? 0) + 1;
    if (as === "dropped") {
      r.dropped++;
      r.droppedBytes += size;
    } else {
      r.errors++;
      r.errorBytes += size;
    }
  };
  const interval = cfg.rate > 0 ? 1e9 / cfg.rate : 0;
  let released = 0;
  r.startNs = monotonicNs();
  for (let i = 0; i < cfg.count; i++) {
    if (interval > 0) pace(r.startNs + i * interval);
    if (sb && state && buffer) {
      if (length > sb.sendLimit) {
        lost(EMSGSIZE, "failed");
        continue;
      }
      // Room the relay has made since the last write.
      const consumed = state.consumed();
      while (released < consumed && buffer.remove()) released++;
      if (!buffer.append()) {
        // Copied, then refused, as there.
        libc.send(sb.drop, address, length, P.MSG_DONTWAIT);
        lost(ENOBUFS, "dropped");
        r.overflows++;
        state.addOverflow();
        continue;
      }
    }
    const fd = both && i & 1 ? err : out;
    for (;;) {
      const n = (useWrite ? libc.write(fd, address, length) : libc.send(fd, address, length, flags)) as number;
      if (n >= 0) {
        // A datagram goes whole or not at all; count what the call said.
        r.sent++;
        r.sentBytes += n;
        if (cut > 0) {
          r.truncated++;
          r.truncatedBytes += cut;
        }
        if (n < length) {
          r.errors++;
          r.errorBytes += length - n;
        }
        break;
      }
      const e = errno();
      if (e === EINTR) continue;
      if (e === EAGAIN && (buffer || !dontwait)) {
        // Linux's transport is full (an emulated run: a stall), or someone made
        // the socket non-blocking after all: wait as a blocking write would.
        waitWritable(fd);
        if (buffer) r.stalls++;
        continue;
      }
      if (!buffer && dontwait && (e === EAGAIN || e === ENOBUFS)) lost(e, "dropped");
      else {
        buffer?.remove();
        lost(e, "failed");
      }
      break;
    }
  }
  r.endNs = monotonicNs();
  return r;
}
