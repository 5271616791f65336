// Relay Workers, kept for the next run. Starting one costs tens of
// milliseconds (a thread, a JavaScript realm, and linking the C library's
// functions again); a finished run gives its Worker back here, where it waits,
// unreferenced (it never keeps the process alive), for the next run or until
// it has been idle for IDLE_MS.
const MAX_IDLE = 4;
const IDLE_MS = 10_000;

interface Idle {
  worker: Worker;
  timer: ReturnType<typeof setTimeout>;
}

const idle: Idle[] = [];

function workerUrl(): URL {
  return new URL("./relay-worker.ts", import.meta.url);
}

/** A Worker for one run, referenced until released. */
export function acquireWorker(): Worker {
  const entry = idle.pop();
  if (entry) {
    clearTimeout(entry.timer);
    entry.worker.ref();
    return entry.worker;
  }
  return new Worker(workerUrl());
}

/** Gives a Worker back after a clean end (its loop returned and it posted its end message). */
export function releaseWorker(worker: Worker): void {
  worker.onmessage = null;
  worker.onerror = null;
  if (idle.length >= MAX_IDLE) {
    worker.terminate();
    return;
  }
  worker.unref();
  const entry: Idle = {
    worker,
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
    entry.worker.terminate();
  }
}
