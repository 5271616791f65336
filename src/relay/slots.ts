// The receive slots: one contiguous arena the kernel writes messages into.
// Address space only (MAP_NORESERVE): pages become resident as messages
// touch them, so small messages cost a page per slot while one 4 MiB write
// still fits. Under strict overcommit the reservation can be refused: then
// fewer slots, and at worst a smaller slot size (larger writes are then cut
// and reported as truncated).
import { libc, errno, addressOf } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";

export interface Slots {
  address: number;
  slots: number;
  slotSize: number;
  /** Set when the slots had to come from the JavaScript heap (keep it referenced: the kernel writes into it). */
  heap?: Uint8Array;
}

/** Reserves `slots` slots of `slotSize` bytes, with the fallbacks above; `requestedSize` is what the caller asked for, if anything. */
export function reserveSlots(slots: number, slotSize: number, requestedSize?: number): Slots {
  let mmapError = 0;
  for (;;) {
    const address = libc.mmap(
      null,
      slots * slotSize,
      P.PROT_READ | P.PROT_WRITE,
      P.MAP_PRIVATE | P.MAP_ANONYMOUS | P.MAP_NORESERVE,
      -1,
      0,
    ) as unknown as number;
    // MAP_FAILED is (void *)-1, which comes back as a number above 2^53.
    if (address && address <= Number.MAX_SAFE_INTEGER) return { address, slots, slotSize };
    mmapError = errno();
    if (slots > 4) slots = Math.max(4, slots >> 2);
    else if (slotSize > 262_144) slotSize = 262_144;
    else break;
  }
  // Every reservation was refused (the command is already running, so
  // giving up would lose its output): take the slots from the JavaScript
  // heap instead, whole-size first.
  for (const size of [requestedSize ?? 4_325_376, Math.min(requestedSize ?? 262_144, 262_144)]) {
    try {
      const heap = new Uint8Array(slots * size);
      return { address: addressOf(heap), slots, slotSize: size, heap };
    } catch {
      // too large: try the smaller size
    }
  }
  throw new SysError("mmap", mmapError || P.ENOMEM);
}
