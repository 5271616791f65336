// The OS profiles dtee-bench emulates: one row per operating system, taken
// from dtee's Limitations page (dtee 1.1.3's documentation). A row says which
// socket buffers dtee sets there, what a writer sees when the receive queue is
// full, whose kernel accounting the receive buffer follows (sockbuf.ts), and
// where writes are truncated. Data only: the producer and the runner turn a
// row into behaviour; loss is always measured.
import type { KernelName } from "./sockbuf";

export const PROFILE_NAMES = [
  "native",
  "linux",
  "freebsd",
  "openbsd",
  "darwin",
  "netbsd",
  "dragonfly",
  "hurd",
  "cygwin",
] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * What a writer sees when the receive queue is full:
 * - block: the write waits for room (nothing lost while the buffer holds the message);
 * - drop: the write does not block and the message is discarded (the writer
 *   gets ENOBUFS, which programs writing with stdio do not look at; dtee never
 *   hears of it);
 * - error: as drop, and the reader's next receive fails with ENOBUFS (so dtee
 *   reports the loss).
 */
export type WhenFull = "block" | "drop" | "error";

/**
 * A socket buffer size: bytes (the size the kernel ends up using, emulated
 * exactly), "max" (raised to the system maximum, as dtee for Bun does), or
 * "default" (left as the kernel sets it: it cannot be changed there).
 */
export type BufferSetting = number | "max" | "default";

export interface Profile {
  readonly name: ProfileName;
  /** The operating system(s) the row describes. */
  readonly system: string;
  readonly whenFull: WhenFull;
  /** SO_SNDBUF of the output sockets (the child's stdout and stderr). */
  readonly sendBuffer: BufferSetting;
  /** SO_RCVBUF of the input socket. */
  readonly receiveBuffer: BufferSetting;
  /** Writes larger than this are cut to this size (0: no truncation). */
  readonly truncateAbove: number;
  /** The buffer cannot be changed there, so --buffers does not apply. */
  readonly fixedBuffer: boolean;
  /** False only for native: this machine exactly as dtee runs, with plain write(2). */
  readonly emulated: boolean;
  /** When and what the Limitations page says is lost. */
  readonly knownLoss: string;
  /**
   * The kernel whose socket buffer accounting the receive side follows
   * (bytes and mbufs, sockbuf.ts); null: Linux's own queue, for real.
   */
  readonly kernel: KernelName | null;
  /** False where recvmsg returns no sender address for Unix sockets (dtee cannot tell stdout from stderr). */
  readonly senderAddresses: boolean;
  /** Why dtee's design does not work there at all; null where it does. */
  readonly unsupported: string | null;
  /** What else the page warns of there (not measured). */
  readonly caveat: string | null;
}

const KiB = 1024;

/** What most rows share, in the order the JSON document lists a row's fields. */
const ROW: Profile = {
  name: "linux",
  system: "",
  whenFull: "block",
  sendBuffer: "max",
  receiveBuffer: "max",
  truncateAbove: 0,
  fixedBuffer: false,
  emulated: true,
  knownLoss: "",
  kernel: null,
  senderAddresses: true,
  unsupported: null,
  caveat: null,
};

const row = (r: Pick<Profile, "name" | "system" | "knownLoss"> & Partial<Profile>): Profile => ({ ...ROW, ...r });

/** FreeBSD, OpenBSD and Darwin: the page's 512 KB to receive and 256 KB to send; a full queue loses the write. */
const BSD = {
  whenFull: "drop",
  sendBuffer: 256 * KiB,
  receiveBuffer: 512 * KiB,
  knownLoss: "fast writers of more than 128-256 KB, and 1-byte writes",
} as const;

export const PROFILES: readonly Profile[] = [
  row({
    name: "native",
    system: "this machine, no emulation",
    fixedBuffer: true,
    emulated: false,
    knownLoss: "whatever this system does (dtee for Bun as shipped)",
  }),
  row({ name: "linux", system: "Linux", knownLoss: "only writes larger than the socket buffer" }),
  row({ name: "freebsd", system: "FreeBSD", ...BSD, kernel: "freebsd" }),
  row({ name: "openbsd", system: "OpenBSD", ...BSD, kernel: "openbsd" }),
  row({ name: "darwin", system: "macOS (Darwin)", ...BSD, kernel: "darwin" }),
  row({
    name: "netbsd",
    system: "NetBSD",
    whenFull: "error",
    sendBuffer: 128 * KiB,
    receiveBuffer: 128 * KiB,
    knownLoss: "very likely when written quickly; reported by the receive call",
    kernel: "netbsd",
  }),
  row({
    name: "dragonfly",
    system: "DragonFly BSD",
    whenFull: "drop",
    sendBuffer: 512 * KiB,
    receiveBuffer: 512 * KiB,
    knownLoss: "PIPE_BUF-sized writes written quickly",
    kernel: "dragonfly",
  }),
  row({
    name: "hurd",
    system: "GNU Hurd",
    sendBuffer: "default",
    receiveBuffer: "default",
    truncateAbove: 4096,
    fixedBuffer: true,
    knownLoss: "everything (no sender addresses); writes larger than 4 KB are also truncated",
    senderAddresses: false,
    unsupported:
      "no sender addresses for Unix sockets: dtee cannot tell its streams apart, so none of the output works " +
      "(dtee 1.1.3 refuses to start there)",
  }),
  row({
    name: "cygwin",
    system: "Cygwin",
    sendBuffer: 2048 * KiB,
    receiveBuffer: 2048 * KiB,
    knownLoss: "writes larger than the 2 MB buffer (and UDP on localhost: port hijack risk)",
    caveat:
      "Unix sockets are UDP on localhost there: once dtee or the command exits (or dtee is killed), " +
      "another process can bind the port, write input for dtee or read the command's output",
  }),
];

export function profileByName(name: string): Profile | undefined {
  return PROFILES.find((p) => p.name === name);
}

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}
