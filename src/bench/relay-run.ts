// One run of one scenario, for real: the socket trio with the profile's
// buffers, the producer process on its output sockets, and dtee's own relay
// (Receiver, runLoop, Router) delivering to /dev/null and an output file in
// the bench's directory, as `dtee -O FILE` does. Delivered bytes are the size
// of that file afterwards; delivered messages are counted as batches pass.
import { fstatSync, readFileSync, rmSync } from "node:fs";
import { libc, cstring, errno, strerror } from "../sys/libc";
import { P } from "../sys/platform";
import { createTrio, closeFd } from "../relay/trio";
import { spawnCommand, openPidfd } from "../relay/spawn";
import { Receiver, type Batch } from "../relay/receiver";
import { runLoop } from "../relay/loop";
import { Router } from "../dtee/router";
import { applyBuffer, trioOptions } from "./buffers";
import { monotonicNs } from "./clock";
import type { Profile, BufferSetting } from "./profiles";
import type { ProducerConfig, ProducerReport } from "./producer";

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
}

export class RunFailure extends Error {}

function openOutput(path: string): number {
  const fd = libc.open(cstring(path), P.O_WRONLY | P.O_CREAT | P.O_TRUNC | P.O_CLOEXEC, 0o600);
  if (fd < 0) throw new RunFailure(`${path}: ${strerror(errno())}`);
  return fd;
}

export function runOnce(s: Scenario, ctx: RunContext, sequence: number): RunRecord {
  const outputPath = `${ctx.dir}/output`;
  const reportPath = `${ctx.dir}/producer-${sequence}.json`;
  const p = s.profile;
  const trio = p.emulated
    ? createTrio(trioOptions(ctx.dir, s.sendBuffer, s.receiveBuffer))
    : createTrio({ tmpdir: ctx.dir });
  let outputFd = -1;
  let pidfd = -1;
  // The output sockets are the producer's; ours close once it has them.
  let childOut = trio.stdout;
  let childErr = trio.stderr;
  let receiver: Receiver | undefined;
  let running = 0;
  try {
    const sendBuffer = applyBuffer(trio.stdout, P.SO_SNDBUF, p.emulated ? s.sendBuffer : "max");
    applyBuffer(trio.stderr, P.SO_SNDBUF, p.emulated ? s.sendBuffer : "max");
    const receiveBuffer = applyBuffer(trio.input, P.SO_RCVBUF, p.emulated ? s.receiveBuffer : "max");
    outputFd = openOutput(outputPath);
    const router = new Router({
      argv0: "dtee-bench",
      stdoutFd: ctx.nullFd,
      stderrFd: ctx.nullFd,
      files: [{ fd: outputFd, path: outputPath, stream: s.streams === "out" ? "stdout" : "combined" }],
    });
    // Ready to receive before the producer exists, so it never waits on us.
    receiver = new Receiver(trio.input, trio.stdoutAddress, trio.stderrAddress);
    const source = receiver;
    router.setByteSource((index) => source.messageBytes(index)); // as runSession wires it
    const config: ProducerConfig = {
      size: s.writeSize,
      count: s.count,
      mode: p.whenFull === "block" ? "block" : "dontwait",
      truncateAbove: p.truncateAbove,
      syscall: p.emulated ? "send" : "write",
      streams: s.streams,
      rate: s.rate,
      report: reportPath,
    };
    const pid = spawnCommand({
      command: [...ctx.benchCommand, "--producer", JSON.stringify(config)],
      stdout: trio.stdout,
      // Writing to stdout only, the producer keeps our stderr for its own complaints.
      stderr: s.streams === "both" ? trio.stderr : undefined,
    });
    running = pid;
    closeFd(childOut);
    closeFd(childErr);
    childOut = childErr = -1;
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
    const end = runLoop({ receiver, input: trio.input, pid, pidfd, wakefd: -1, deliver });
    if (end.kind !== "exited") throw new RunFailure("the relay stopped before the producer exited");
    running = 0;
    if (end.status !== 0) throw new RunFailure(`the producer failed (wait status ${end.status})`);
    if (router.ioError) throw new RunFailure("writing the output failed");
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
    closeFd(trio.input);
    closeFd(childOut);
    closeFd(childErr);
  }
}
