// One run of one scenario, for real: the socket trio with the profile's
// buffers, the producer process on its output sockets, and dtee's own relay
// (Receiver, runLoop, Router) delivering to /dev/null and an output file in
// the bench's directory, as `dtee -O FILE` does. Delivered bytes are the size
// of that file afterwards; delivered messages are counted as batches pass.
// The BSD profiles run on link.ts's sockets with their kernel's receive
// buffer emulated (sockbuf.ts); the Hurd's on sockets without addresses.
import { fstatSync, readFileSync, rmSync } from "node:fs";
import { libc, cstring, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { createTrio, closeFd } from "../relay/trio";
import { spawnCommand, openPidfd } from "../relay/spawn";
import type { Batch } from "../relay/receiver";
import { runLoop } from "../relay/loop";
import { Router } from "../dtee/router";
import { applyBuffer, trioOptions } from "./buffers";
import { monotonicNs } from "./clock";
import { BenchReceiver } from "./bench-receiver";
import { createLink, type Link } from "./link";
import { stateFor } from "./shared-state";
import { KERNELS, capacity, maxReserve, recordCost, reserve, type KernelModel } from "./sockbuf";
import type { Profile, BufferSetting } from "./profiles";
import type { ProducerConfig, ProducerReport, SockbufEmulation } from "./producer";

export interface Scenario {
  profile: Profile;
  writeSize: number;
  /** Writes per run. */
  count: number;
  /** The buffers in force: the profile's own, or a --buffers override. */
  sendBuffer: BufferSetting;
  receiveBuffer: BufferSetting;
  /** Messages per second the producer paces at (0: as fast as it can). */
  rate: number;
  /** The bytes per second `rate` was made from (--byte-rates); 0 when paced by writes. */
  byteRate?: number;
  /** Datagrams per receive call (0 or absent: the relay's own batch). */
  batch?: number;
  streams: "out" | "both";
}

/** What the runner sets up once and every run shares. */
export interface RunContext {
  /** Private directory: output file, producer reports, sockets, links. */
  dir: string;
  /** An open /dev/null, standing in for dtee's own stdout and stderr. */
  nullFd: number;
  /** argv that starts dtee-bench (the producer is its hidden mode). */
  benchCommand: readonly string[];
}

/** What one run measured, before any arithmetic. */
export interface RunRecord {
  /** From the producer's first write to the last delivery (or its last write, if later). */
  elapsedNs: number;
  /** The buffers the kernel used (getsockopt). */
  sendBuffer: number;
  receiveBuffer: number;
  messagesWritten: number;
  bytesWritten: number;
  /** Messages the relay received from the producer and delivered. */
  messagesDelivered: number;
  /** Bytes in the output file after the run. */
  bytesDelivered: number;
  /** Bytes the relay handed to the outputs (a cross-check of bytesDelivered). */
  bytesRelayed: number;
  /** Delivered messages shorter than the write (truncated on the way). */
  messagesShort: number;
  producer: ProducerReport;
  /** What the relay's receive calls saw. */
  receive: {
    /** Datagrams without a sender address the relay knows (ignored), and their bytes. */
    ignored: number;
    ignoredBytes: number;
    /** Receive calls failing with ENOBUFS (NetBSD), and the losses they reported. */
    errors: number;
    lossReported: number;
  };
  /** The emulated receive buffer, for the BSD profiles. */
  emulation: EmulatedBuffer | null;
}

/** A BSD kernel's receive buffer as a run used it. */
export interface EmulatedBuffer {
  system: string;
  /** sb_hiwat and sb_mbmax of the input socket; the send buffer's sb_hiwat (the largest write). */
  hiwat: number;
  mbmax: number;
  sendLimit: number;
  /** What one datagram of the run cost in sb_cc and sb_mbcnt, and how many fit in an empty buffer. */
  recordBytes: number;
  recordMbufs: number;
  records: number;
}

/** The kernel's sizes for a setting; sizes it would refuse are held to its largest. */
function kernelSize(k: KernelModel, setting: BufferSetting): number {
  const asked = typeof setting === "number" ? setting : maxReserve(k);
  return reserve(k, asked) ?? maxReserve(k);
}

function emulatedBuffer(k: KernelModel, s: Scenario, addressLength: number): EmulatedBuffer {
  const hiwat = kernelSize(k, s.receiveBuffer);
  const mbmax = k.mbmax(hiwat);
  const cost = recordCost(k, s.writeSize, addressLength);
  return {
    system: k.system,
    hiwat,
    mbmax,
    sendLimit: kernelSize(k, s.sendBuffer),
    recordBytes: cost.bytes,
    recordMbufs: cost.mbufBytes,
    records: capacity(hiwat, mbmax, cost),
  };
}

function openOutput(path: string): number {
  const fd = libc.open(cstring(path), P.O_WRONLY | P.O_CREAT | P.O_TRUNC | P.O_CLOEXEC, 0o600);
  if (fd < 0) throw new Error(`${path}: ${strerror(errno())}`);
  return fd;
}

export function runOnce(s: Scenario, ctx: RunContext, sequence: number): RunRecord {
  const outputPath = `${ctx.dir}/output`;
  const reportPath = `${ctx.dir}/producer-${sequence}.json`;
  const p = s.profile;
  const kernel = p.kernel ? KERNELS[p.kernel] : null;
  const sockets: Link =
    kernel || !p.senderAddresses
      ? createLink(ctx.dir, `l${sequence}`, {
          addresses: p.senderAddresses,
          connectBack: kernel !== null && s.streams === "out",
          raiseSendBuffer: kernel !== null,
          drop: kernel !== null,
        })
      : {
          ...createTrio(p.emulated ? trioOptions(ctx.dir, s.sendBuffer, s.receiveBuffer) : { tmpdir: ctx.dir }),
          drop: -1,
          sink: -1,
        };
  let outputFd = -1;
  let pidfd = -1;
  // The output sockets are the producer's; ours close once it has them.
  let childOut = sockets.stdout;
  let childErr = sockets.stderr;
  let childDrop = sockets.drop;
  let receiver: BenchReceiver | undefined;
  let running = 0;
  try {
    const emulation = kernel ? emulatedBuffer(kernel, s, sockets.stdoutAddress.length) : null;
    let sendBuffer: number;
    let receiveBuffer: number;
    if (emulation) {
      sendBuffer = emulation.sendLimit;
      receiveBuffer = emulation.hiwat;
    } else {
      const own = p.emulated;
      sendBuffer = applyBuffer(sockets.stdout, P.SO_SNDBUF, own ? s.sendBuffer : "max");
      applyBuffer(sockets.stderr, P.SO_SNDBUF, own ? s.sendBuffer : "max");
      receiveBuffer = applyBuffer(sockets.input, P.SO_RCVBUF, own ? s.receiveBuffer : "max");
    }
    const shared = emulation ? stateFor(ctx.dir) : null;
    shared?.state.reset();
    outputFd = openOutput(outputPath);
    const router = new Router({
      argv0: "dtee-bench",
      stdoutFd: ctx.nullFd,
      stderrFd: ctx.nullFd,
      files: [{ fd: outputFd, path: outputPath, stream: s.streams === "out" ? "stdout" : "combined" }],
    });
    // Ready to receive before the producer exists, so it never waits on us.
    receiver = new BenchReceiver(
      sockets.input,
      sockets.stdoutAddress,
      sockets.stderrAddress,
      shared?.state ?? null,
      kernel?.overflow === "receiver",
      s.batch || undefined,
    );
    const source = receiver;
    router.setByteSource((index) => source.messageBytes(index)); // as runSession wires it
    const sockbuf: SockbufEmulation | undefined =
      emulation && shared ? { ...emulation, state: shared.path, drop: sockets.drop } : undefined;
    const config: ProducerConfig = {
      size: s.writeSize,
      count: s.count,
      mode: p.whenFull === "block" ? "block" : "dontwait",
      sockbuf,
      truncateAbove: p.truncateAbove,
      syscall: p.emulated ? "send" : "write",
      streams: s.streams,
      rate: s.rate,
      report: reportPath,
    };
    const pid = spawnCommand({
      command: [...ctx.benchCommand, "--producer", JSON.stringify(config)],
      stdout: sockets.stdout,
      // Writing to stdout only, the producer keeps our stderr for its own complaints.
      stderr: s.streams === "both" ? sockets.stderr : undefined,
      passFds: sockbuf ? [sockbuf.drop] : [],
    });
    running = pid;
    closeFd(childOut);
    closeFd(childErr);
    closeFd(childDrop);
    childOut = childErr = childDrop = -1;
    pidfd = openPidfd(pid);

    let messages = 0;
    let relayed = 0;
    let short = 0;
    let lastDelivery = 0;
    const size = s.writeSize;
    const deliver = (b: Batch): boolean => {
      const ok = router.deliver(b);
      lastDelivery = monotonicNs();
      const n = b.all.count;
      messages += n;
      relayed += b.all.bytes;
      const words = b.all.words;
      for (let i = 0; i < n; i++) if (words[i * 4 + 2]! < size) short++;
      return ok;
    };
    const end = runLoop({ receiver, input: sockets.input, pid, pidfd, wakefd: -1, deliver });
    if (end.kind !== "exited") throw new Error("the relay stopped before the producer exited");
    running = 0;
    if (end.status !== 0) throw new Error(`the producer failed (wait status ${end.status})`);
    if (router.ioError) throw new Error("writing the output failed");
    const producer = JSON.parse(readFileSync(reportPath, "utf8")) as ProducerReport;
    rmSync(reportPath, { force: true });
    const bytesDelivered = fstatSync(outputFd).size;
    return {
      elapsedNs: Math.max(lastDelivery, producer.endNs) - producer.startNs,
      sendBuffer,
      receiveBuffer,
      messagesWritten: s.count,
      bytesWritten: s.count * s.writeSize,
      messagesDelivered: messages,
      bytesDelivered,
      bytesRelayed: relayed,
      messagesShort: short,
      producer,
      receive: {
        ignored: receiver.ignored,
        ignoredBytes: receiver.ignored > 0 ? producer.sentBytes - relayed : 0,
        errors: receiver.receiveErrors,
        lossReported: receiver.lossReported,
      },
      emulation,
    };
  } finally {
    if (running > 0) {
      // Something went wrong mid-run: do not leave the producer behind.
      libc.kill(running, P.signals.SIGKILL);
      libc.waitpid(running, new Int32Array(1), 0);
    }
    receiver?.close();
    closeFd(pidfd);
    closeFd(outputFd);
    closeFd(sockets.input);
    closeFd(childDrop);
    closeFd(sockets.sink);
    closeFd(childOut);
    closeFd(childErr);
  }
}
