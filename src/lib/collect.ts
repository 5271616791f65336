// The collectors behind output() and text(): every chunk of a run kept as
// it came, and stdout, stderr and the combined output assembled from them on
// first use, so a caller who wants only the combined output never pays for
// the separate streams, and the other way round.
import { inspect } from "node:util";
import type { ChunkQueue, Chunk } from "./chunk-queue";
import type { Exit, Output, TextOutput } from "./dtee";

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const decoder = new TextDecoder();

/** Reads the queue to its end, then waits for the exit. */
export async function collect(queue: ChunkQueue, exited: Promise<Exit>): Promise<Output> {
  const chunks: Chunk[] = [];
  for (;;) {
    const c = await queue.next();
    if (!c) break;
    chunks.push(c);
  }
  return new Collected(chunks, await exited);
}

class Collected implements Output {
  private cache: { stdout?: Uint8Array; stderr?: Uint8Array; combined?: Uint8Array } = {};
  constructor(
    private readonly chunks: readonly Chunk[],
    readonly exit: Exit,
  ) {}

  get combined(): Uint8Array {
    return (this.cache.combined ??= concat(
      this.chunks.map((c) => c.data),
      this.chunks.reduce((n, c) => n + c.bytes, 0),
    ));
  }

  get stdout(): Uint8Array {
    return (this.cache.stdout ??= this.stream(1));
  }

  get stderr(): Uint8Array {
    return (this.cache.stderr ??= this.stream(2));
  }

  /** One stream's messages, each same-stream run taken as one piece. */
  private stream(wanted: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const c of this.chunks) {
      let at = 0;
      let k = 0;
      while (k < c.count) {
        const stream = c.streams[k]!;
        const start = at;
        while (k < c.count && c.streams[k] === stream) at += c.lengths[k++]!;
        if (stream === wanted && at > start) {
          parts.push(c.data.subarray(start, at));
          total += at - start;
        }
      }
    }
    return concat(parts, total);
  }

  toJSON() {
    return { stdout: this.stdout, stderr: this.stderr, combined: this.combined, exit: this.exit };
  }

  [inspect.custom]() {
    return this.toJSON();
  }
}

/** The same output as text, each part decoded whole (a character split across writes survives). */
export class CollectedText implements TextOutput {
  private cache: { stdout?: string; stderr?: string; combined?: string } = {};
  constructor(private readonly bytes: Output) {}
  get exit(): Exit {
    return this.bytes.exit;
  }
  get stdout(): string {
    return (this.cache.stdout ??= decoder.decode(this.bytes.stdout));
  }
  get stderr(): string {
    return (this.cache.stderr ??= decoder.decode(this.bytes.stderr));
  }
  get combined(): string {
    return (this.cache.combined ??= decoder.decode(this.bytes.combined));
  }
  toJSON() {
    return { stdout: this.stdout, stderr: this.stderr, combined: this.combined, exit: this.exit };
  }

  [inspect.custom]() {
    return this.toJSON();
  }
}
