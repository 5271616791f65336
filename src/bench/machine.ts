// What the results were measured on: the facts that move the numbers.
import { readFileSync } from "node:fs";
import { arch, cpus, release, totalmem, type } from "node:os";
import { P } from "../sys/platform";
import { isCompiled } from "../runtime";

export interface MachineInfo {
  os: string;
  kernel: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  bun: string;
  /** True when dtee-bench ran as a compiled binary. */
  compiled: boolean;
  pipeBuf: number;
  bufsiz: number;
  /** Kernel socket limits (null where the system does not say). */
  limits: {
    sendBufferMax: number | null;
    receiveBufferMax: number | null;
    sendBufferDefault: number | null;
    receiveBufferDefault: number | null;
    /** Linux: datagrams an AF_UNIX socket queues before writers block or drop. */
    maxDatagramQueue: number | null;
  };
}

function readNumber(path: string): number | null {
  if (!path) return null;
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  const linux = process.platform === "linux";
  return {
    os: type(),
    kernel: release(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    bun: Bun.version,
    compiled: isCompiled(),
    pipeBuf: P.PIPE_BUF,
    bufsiz: P.BUFSIZ,
    limits: {
      sendBufferMax: readNumber(P.wmemMaxPath),
      receiveBufferMax: readNumber(P.rmemMaxPath),
      sendBufferDefault: linux ? readNumber("/proc/sys/net/core/wmem_default") : null,
      receiveBufferDefault: linux ? readNumber("/proc/sys/net/core/rmem_default") : null,
      maxDatagramQueue: linux ? readNumber("/proc/sys/net/unix/max_dgram_qlen") : null,
    },
  };
}
