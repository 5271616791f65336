// The events of a run as an async iterator: one { stream, bytes, time } per
// write, taken chunk by chunk from the queue. Within a chunk no waiting is
// needed, so next() answers from it at once; only between chunks does it
// wait on the queue. return() (a `break` out of for-await) discards the rest.
import type { ChunkQueue, Chunk } from "./chunk-queue";
import type { OutputEvent } from "./dtee";

const STREAM_NAMES = [undefined, "stdout", "stderr"] as const;

export function eventIterator(queue: ChunkQueue): AsyncIterator<OutputEvent> {
  let chunk: Chunk | undefined;
  let index = 0;
  let offset = 0;
  let finished = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const take = (): IteratorResult<OutputEvent> => {
    const c = chunk!;
    const len = c.lengths[index]!;
    const value: OutputEvent = {
      stream: STREAM_NAMES[c.streams[index]!]!,
      // A view of the chunk's own copy (its byteOffset is 0); cheaper to make than subarray().
      bytes: new Uint8Array(c.data.buffer, offset, len),
      time: c.times[index]!,
    };
    index++;
    offset += len;
    return { done: false, value };
  };
  const slow = async (): Promise<IteratorResult<OutputEvent>> => {
    for (;;) {
      if (finished) return done;
      try {
        chunk = await queue.next();
      } catch (e) {
        finished = true;
        throw e;
      }
      if (!chunk) {
        finished = true;
        return done;
      }
      index = 0;
      offset = 0;
      if (chunk.count > 0) return take();
    }
  };
  return {
    next: () => (chunk && index < chunk.count ? Promise.resolve(take()) : slow()),
    return: async () => {
      if (!finished) {
        finished = true;
        chunk = undefined;
        queue.discard();
      }
      return done;
    },
  };
}
