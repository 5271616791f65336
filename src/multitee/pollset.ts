// The pollfd array for one wait, and who asked for each entry.
import { libc, errno } from "../sys/libc";
import { P } from "../sys/platform";
import type { Output } from "./output";
import type { Pump } from "./pump";

export class PollSet {
  private words = new Int32Array(32);
  count = 0;
  private pumps: Pump[] = [];
  /** The output an entry waits on; null for a pump's input. */
  private outputs: (Output | null)[] = [];

  clear(): void {
    this.count = 0;
  }

  add(fd: number, events: number, pump: Pump, output: Output | null): void {
    if (this.words.length < (this.count + 1) * 2) {
      const bigger = new Int32Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    const i = this.count++;
    this.words[i * 2] = fd;
    this.words[i * 2 + 1] = events; // revents (the high half) cleared
    this.pumps[i] = pump;
    this.outputs[i] = output;
  }

  /** poll(2) on the entries: the number ready, or -errno. */
  wait(timeoutMs: number): number {
    const r = libc.poll(this.words, this.count, timeoutMs);
    return r >= 0 ? r : -errno();
  }

  /** Tells each owner of a ready entry; returns the pumps to run. */
  dispatch(into: Set<Pump>): void {
    for (let i = 0; i < this.count; i++) {
      if (this.words[i * 2 + 1]! >>> 16 === 0) continue;
      const pump = this.pumps[i]!;
      const out = this.outputs[i]!;
      if (out) {
        out.ready = true;
        pump.outputReady();
      } else {
        pump.inputReady();
      }
      into.add(pump);
    }
  }
}

/** poll(2) on one descriptor without waiting: its revents. */
const one = new Int32Array(2);
export function pollNow(fd: number, events: number): number {
  one[0] = fd;
  one[1] = events;
  const r = libc.poll(one, 1, 0);
  return r > 0 ? one[1]! >>> 16 : 0;
}

export const READABLE = P.POLLIN;
export const WRITABLE = P.POLLOUT;
/** Revents that mean "a read will not wait": data, hang-up or error. */
export const INPUT_EVENTS = P.POLLIN | P.POLLHUP | P.POLLERR | P.POLLNVAL;
