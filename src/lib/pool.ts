// Relay Workers, kept for the next run. Starting one costs tens of
// milliseconds (a thread, a JavaScript realm, and linking the C library's
// functions again); a finished run gives its Worker back here, where it waits,
// unreferenced (it never keeps the process alive), for the next run or until
// it has been idle for IDLE_MS.
const MAX_IDLE = 4;
const IDLE_MS = 10_000;

/** A relay Worker with its ring (protocol.ts: shared memory, reused run after run). */
export interface RelayWorker {
  worker: Worker;
  ring: SharedArrayBuffer;
}

interface Idle {
  relay: RelayWorker;
  timer: ReturnType<typeof setTimeout>;
}

const idle: Idle[] = [];

function workerUrl(): URL {
  return new URL("./relay-worker.ts", import.meta.url);
}

/** A Worker for one run, referenced until released; its ring holds `ringBytes`. */
export function acquireWorker(ringBytes: number): RelayWorker {
  const entry = idle.pop();
  if (entry) {
    clearTimeout(entry.timer);
    entry.relay.worker.ref();
    if (entry.relay.ring.byteLength === ringBytes) return entry.relay;
    return { worker: entry.relay.worker, ring: new SharedArrayBuffer(ringBytes) };
  }
  return { worker: new Worker(workerUrl()), ring: new SharedArrayBuffer(ringBytes) };
}

/** Gives a Worker back after a clean end (its loop returned and it posted its end message). */
export function releaseWorker(relay: RelayWorker): void {
  const worker = relay.worker;
  worker.onmessage = null;
  worker.onerror = null;
  if (idle.length >= MAX_IDLE) {
    worker.terminate();
    return;
  }
  worker.unref();
  const entry: Idle = {
    relay,
    timer: setTimeout(() => {
      const at = idle.indexOf(entry);
      if (at >= 0) idle.splice(at, 1);
      worker.terminate();
    }, IDLE_MS),
  };
  entry.timer.unref?.();
  idle.push(entry);
}

/** Ends every idle Worker now (tests use it to count descriptors and threads). */
export function closeIdleWorkers(): void {
  for (const entry of idle.splice(0)) {
    clearTimeout(entry.timer);
    entry.relay.worker.terminate();
  }
}
