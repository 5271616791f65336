// The descriptors this process inherited from its parent. Bun marks every
// inherited fd >= 3 close-on-exec at start-up; native dtee passes them to the
// command, so we must know which ones were inherited (not Bun's own) and clear
// the flag again before spawning.
import { readdirSync, readlinkSync } from "node:fs";

// Bun's own descriptors at start-up are its event loop's epoll and eventfd.
const BUN_OWN = /^anon_inode:\[(eventpoll|eventfd)\]$/;

let snapshot: number[] | undefined;

/** Takes the snapshot; call it first thing, before anything opens files. */
export function snapshotInheritedFds(): number[] {
  if (snapshot) return snapshot;
  const found: number[] = [];
  let names: string[] = [];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    // No /proc (not Linux): nothing to pass on beyond 0, 1 and 2.
  }
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    let target = "";
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory handle used for this very listing
    }
    if (target.startsWith("/proc/") && target.endsWith("/fd")) continue;
    if (BUN_OWN.test(target)) continue;
    found.push(fd);
  }
  snapshot = found.sort((a, b) => a - b);
  return snapshot;
}
