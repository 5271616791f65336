// Struct codecs for the libc layer: byte layouts only, as the platform table
// describes them.
import { P } from "./platform";
import { addressOf } from "./libc";

/** Bytes of a path or argument: strings as UTF-8, byte arrays as they are. */
export function bytesOf(value: string | Uint8Array): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value.buffer, value.byteOffset, value.length);
}

/** Encodes a filesystem sockaddr_un; returns the buffer and the length to pass. */
export function sockaddrUn(path: string | Uint8Array): { buf: Buffer; len: number } {
  const bytes = bytesOf(path);
  const { size, pathOffset, hasLenByte } = P.sockaddrUn;
  if (bytes.length + 1 > size - pathOffset) throw new RangeError("socket path too long");
  const buf = Buffer.alloc(size);
  if (hasLenByte) {
    buf[0] = size;
    buf[1] = P.AF_UNIX;
  } else {
    buf.writeUInt16LE(P.AF_UNIX, 0);
  }
  bytes.copy(buf, pathOffset);
  // Length including the trailing NUL: the form the kernel reports for a
  // bound sender, so addresses can be compared byte for byte.
  return { buf, len: pathOffset + bytes.length + 1 };
}

/** The longest socket path (in bytes) a sockaddr_un can hold with its NUL. */
export const MAX_SOCKET_PATH = P.sockaddrUn.size - P.sockaddrUn.pathOffset - 1;

/**
 * A NULL-terminated array of pointers to C strings (argv, envp). The returned
 * object keeps every buffer referenced for as long as it lives.
 */
export class CStringArray {
  /** Every string, NUL-terminated, one after another. */
  private readonly block: Buffer;
  readonly table: BigUint64Array;
  /** The address of the first string (argv[0]: the file posix_spawnp looks for). */
  readonly first: number;
  constructor(values: readonly (string | Uint8Array)[]) {
    // One block and one address taken, not one buffer per string: each
    // address taken moves a small array's bytes out of the JavaScript heap,
    // which made a 40-entry environment cost milliseconds at start-up.
    const parts = values.map(bytesOf);
    let total = 0;
    for (const p of parts) total += p.length + 1;
    this.block = Buffer.alloc(Math.max(total, 1));
    const base = addressOf(this.block);
    this.table = new BigUint64Array(values.length + 1);
    let offset = 0;
    parts.forEach((p, i) => {
      this.block.set(p, offset);
      this.table[i] = BigInt(base + offset);
      offset += p.length + 1;
    });
    this.first = base;
  }
  get address(): number {
    return addressOf(this.table);
  }
}

/** Splits a pointer into the two 32-bit halves of a little-endian u64. */
export function writePointer(words: Uint32Array, wordIndex: number, address: number): void {
  words[wordIndex] = address >>> 0;
  words[wordIndex + 1] = Math.floor(address / 0x100000000);
}
