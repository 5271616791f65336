// Outputs that are one file: `-o f -e f`, `-c f -c f`, or a file that is also
// our stdout. Written one output at a time per batch, such a file would hold
// a batch's stdout messages, then its stderr messages; dtee writes message by
// message, so the file holds them in the order written. Here each set of
// outputs on one file becomes one unit that writes a batch in a single
// writev, message by message, one copy per output that takes the message.
import { statFd } from "../sys/files";
import { Sink } from "../relay/sink";
import { IovecList, STDOUT, STDERR, type Batch } from "../relay/batch";

/** Which streams an output takes: STDOUT, STDERR or both (a bit mask). */
export type StreamMask = number;
export const BOTH_STREAMS: StreamMask = STDOUT | STDERR;

export interface OutputTarget {
  sink: Sink;
  streams: StreamMask;
}

const IOV_WORDS = 4;

/** One file and the outputs writing to it, in the order they were given. */
export class OutputUnit {
  private list?: IovecList;
  /** Each message goes out exactly once, in order: the batch's own list will do. */
  private readonly onceEach: boolean;

  constructor(
    readonly sink: Sink,
    readonly members: readonly StreamMask[],
    /** The outputs' own sinks, one per member (the unit writes through the first). */
    readonly memberSinks: readonly Sink[] = [sink],
  ) {
    const overlap = members.reduce((seen, m) => (seen === -1 || seen & m ? -1 : seen | m), 0);
    this.onceEach = overlap === BOTH_STREAMS;
  }

  write(b: Batch): boolean {
    if (this.members.length === 1 || this.onceEach) {
      const streams = this.members.length === 1 ? this.members[0]! : BOTH_STREAMS;
      if (streams === BOTH_STREAMS) return this.sink.writeAll(b.all);
      return this.sink.writeAll(streams === STDOUT ? b.stdout : b.stderr);
    }
    return this.sink.writeAll(this.expand(b, 0, b.all.count));
  }

  /** Entries [start, start + count) of the batch, all from one stream. */
  writeRun(b: Batch, start: number, count: number, bytes: number, stream: number): boolean {
    let copies = 0;
    for (const m of this.members) if (m & stream) copies++;
    if (copies === 0) return true;
    if (copies === 1) return this.sink.writeRange(b.all, start, count, bytes);
    return this.sink.writeAll(this.expand(b, start, start + count));
  }

  private listFor(entries: number): IovecList {
    if (!this.list || this.list.words.length < entries * IOV_WORDS) this.list = new IovecList(Math.max(entries, 64));
    return this.list;
  }

  /** Entries [from, to) of the batch in order, each repeated once per member that takes it (no allocation per message). */
  private expand(b: Batch, first: number, end: number): IovecList {
    const out = this.listFor((end - first) * this.members.length);
    const from = b.all.words;
    const to = out.words;
    let count = 0;
    let bytes = 0;
    for (let k = first; k < end; k++) {
      const stream = b.allStream[k]!;
      const at = k * IOV_WORDS;
      for (const m of this.members) {
        if (!(m & stream)) continue;
        const dest = count * IOV_WORDS;
        to[dest] = from[at]!;
        to[dest + 1] = from[at + 1]!;
        to[dest + 2] = from[at + 2]!;
        to[dest + 3] = from[at + 3]!;
        bytes += from[at + 2]! + from[at + 3]! * 0x100000000;
        count++;
      }
    }
    out.count = count;
    out.bytes = bytes;
    return out;
  }
}

/** The file an output descriptor writes to, or undefined when unknown. */
function fileIdentity(fd: number): string | undefined {
  return statFd(fd)?.identity;
}

/**
 * Groups the outputs by the file they write to, keeping the order given
 * (each unit sits where its first output was); a unit writes through its
 * first output's descriptor.
 */
export function groupBySharedFile(targets: readonly OutputTarget[]): OutputUnit[] {
  const byFile = new Map<string, { sink: Sink; members: StreamMask[]; sinks: Sink[] }>();
  const order: { sink: Sink; members: StreamMask[]; sinks: Sink[] }[] = [];
  for (const t of targets) {
    const id = fileIdentity(t.sink.fd);
    const existing = id === undefined ? undefined : byFile.get(id);
    if (existing) {
      existing.members.push(t.streams);
      existing.sinks.push(t.sink);
      continue;
    }
    const entry = { sink: t.sink, members: [t.streams], sinks: [t.sink] };
    if (id !== undefined) byFile.set(id, entry);
    order.push(entry);
  }
  return order.map((e) => new OutputUnit(e.sink, e.members, e.sinks));
}
