// Socket buffer sizes for a profile: what to ask createTrio for, how to make
// the kernel use exactly the profile's size (Linux doubles what is asked for,
// and createTrio only ever raises buffers), and what the kernel really uses.
import { libc } from "../sys/libc";
import { P } from "../sys/platform";
import type { TrioOptions } from "../relay/trio";
import type { BufferSetting } from "./profiles";

/** createTrio's size for a setting: 0 raises to the system maximum; 1 leaves the default. */
function trioSize(setting: BufferSetting): number {
  if (setting === "max") return 0;
  if (setting === "default") return 1; // createTrio never lowers a buffer
  return setting;
}

export function trioOptions(tmpdir: string, send: BufferSetting, receive: BufferSetting): TrioOptions {
  return { tmpdir, sendBuffer: trioSize(send), receiveBuffer: trioSize(receive) };
}

/** The size the kernel uses for `option` on `fd` (what getsockopt reports). */
export function readBuffer(fd: number, option: number): number {
  const value = new Int32Array(1);
  const len = new Uint32Array([4]);
  return libc.getsockopt(fd, P.SOL_SOCKET, option, value, len) === 0 ? value[0]! : -1;
}

function setRaw(fd: number, option: number, bytes: number): void {
  libc.setsockopt(fd, P.SOL_SOCKET, option, new Int32Array([Math.max(1, Math.floor(bytes))]), 4);
}

/**
 * Makes the kernel use `bytes` for `option`, as an OS that takes the size
 * literally would. Where the kernel scales the request (Linux doubles it for
 * bookkeeping), ask for the size that scales to `bytes`. Returns what it uses.
 */
export function forceBuffer(fd: number, option: number, bytes: number): number {
  setRaw(fd, option, bytes);
  let effective = readBuffer(fd, option);
  if (effective > bytes) {
    setRaw(fd, option, (bytes * bytes) / effective);
    effective = readBuffer(fd, option);
  }
  return effective;
}

/** Applies a setting to a created socket; numbers are forced exactly, the rest were done by createTrio. */
export function applyBuffer(fd: number, option: number, setting: BufferSetting): number {
  return typeof setting === "number" ? forceBuffer(fd, option, setting) : readBuffer(fd, option);
}
