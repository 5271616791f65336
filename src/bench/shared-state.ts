// Two counters the producer and the relay share during an emulated run, in
// a small file both map (MAP_SHARED): how many datagrams the relay has taken
// off its socket (which frees room in the emulated receive buffer), and how
// many the producer lost to a full buffer (which the NetBSD receiver is told
// of). 32-bit counters, written by one side each, read with Atomics.
import { existsSync, writeFileSync } from "node:fs";

const CONSUMED = 0;
const OVERFLOWS = 1;
const WORDS = 16;

export class SharedState {
  private constructor(private readonly words: Int32Array) {}

  /** Maps `path`, creating it (zeroed) if it does not exist. The file must never be truncated while mapped. */
  static open(path: string): SharedState {
    if (!existsSync(path)) writeFileSync(path, new Uint8Array(WORDS * 4));
    const map = Bun.mmap(path);
    return new SharedState(new Int32Array(map.buffer, map.byteOffset, WORDS));
  }

  reset(): void {
    Atomics.store(this.words, CONSUMED, 0);
    Atomics.store(this.words, OVERFLOWS, 0);
  }

  /** Datagrams the relay has taken off the socket so far. */
  consumed(): number {
    return Atomics.load(this.words, CONSUMED);
  }

  publishConsumed(n: number): void {
    Atomics.store(this.words, CONSUMED, n);
  }

  /** Datagrams lost to a full receive buffer so far. */
  overflows(): number {
    return Atomics.load(this.words, OVERFLOWS);
  }

  addOverflow(): void {
    Atomics.add(this.words, OVERFLOWS, 1);
  }
}

const byDir = new Map<string, SharedState>();

/** The state file of a bench directory (one per directory, mapped once per process). */
export function stateFor(dir: string): { path: string; state: SharedState } {
  const path = `${dir}/state`;
  let state = byDir.get(path);
  // A directory removed since (a finished bench, a test's temporary one) needs a new file.
  if (!state || !existsSync(path)) {
    state = SharedState.open(path);
    byDir.set(path, state);
  }
  return { path, state };
}
