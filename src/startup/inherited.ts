// The descriptors this process inherited from its parent. Bun marks every
// inherited fd >= 3 close-on-exec at start-up; native dtee passes them to the
// command, so we must know which ones were inherited (not Bun's own) and clear
// the flag again before spawning. The same goes for the signal dispositions
// the caller set (nohup ignores SIGHUP), which the command must inherit.
import { readSmallFile } from "../sys/read-file";
import { listDirectory, readLink } from "../sys/files";

// Bun's own descriptors at start-up are its event loop's epoll and eventfd.
const BUN_OWN = /^anon_inode:\[(eventpoll|eventfd)\]$/;

let snapshot: number[] | undefined;

/** Takes the snapshot; call it first thing, before anything opens files. */
export function snapshotInheritedFds(): number[] {
  if (snapshot) return snapshot;
  const found: number[] = [];
  // No /proc (not Linux): nothing to pass on beyond 0, 1 and 2.
  for (const name of listDirectory("/proc/self/fd") ?? []) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    const target = readLink(`/proc/self/fd/${name}`);
    if (target === undefined) continue; // the directory handle used for this very listing
    if (target.startsWith("/proc/") && target.endsWith("/fd")) continue;
    if (BUN_OWN.test(target)) continue;
    found.push(fd);
  }
  snapshot = found.sort((a, b) => a - b);
  return snapshot;
}

/** Signal state the caller gave us, as the kernel shows it for this thread. */
export interface InheritedSignals {
  /** Signals ignored (SIG_IGN) when we started: they stay ignored across exec. */
  readonly ignored: ReadonlySet<number>;
  /** The blocked-signal mask, as sigset_t bytes (bit N-1 for signal N). */
  readonly blockedMask: Uint8Array;
}

function signalSet(hex: string | undefined): bigint {
  return hex && /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`) : 0n;
}

/**
 * Reads the caller's ignored and blocked signals from /proc. Call it before
 * dtee changes any disposition. Bun ignores SIGPIPE and SIGXFSZ while it
 * starts, before our code runs: whether the caller had ignored them is lost,
 * so those two are reported as not ignored.
 */
export function inheritedSignals(bunIgnores: readonly number[], sigsetSize: number): InheritedSignals {
  // Without /proc nothing is known beyond the defaults.
  const text = readSmallFile("/proc/thread-self/status")?.toString("latin1") ?? "";
  const field = (name: string) => new RegExp(`^${name}:\\s*([0-9a-fA-F]+)`, "m").exec(text)?.[1];
  const ignoredBits = signalSet(field("SigIgn"));
  const blockedBits = signalSet(field("SigBlk"));
  const ignored = new Set<number>();
  for (let sig = 1; sig <= 64; sig++) {
    if ((ignoredBits >> BigInt(sig - 1)) & 1n && !bunIgnores.includes(sig)) ignored.add(sig);
  }
  const blockedMask = new Uint8Array(sigsetSize);
  for (let byte = 0; byte < 8 && byte < sigsetSize; byte++) blockedMask[byte] = Number((blockedBits >> BigInt(byte * 8)) & 0xffn);
  return { ignored, blockedMask };
}
