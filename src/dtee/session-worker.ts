// Starts the Worker that runs a cron-mode session (see worker.ts), from the
// code this program was started with: the source tree when run as a script,
// the binary itself when compiled.
//
// `new URL("./worker.ts", import.meta.url)` is not enough in a compiled binary:
// Bun fixes import.meta.url at build time to the build machine's source path,
// so the binary would load the Worker from that tree while it exists (running
// whatever is on disk now) and fail with ModuleNotFound once it is gone.
// scripts/build.ts makes worker.ts a second entry point of the binary and
// defines DTEE_COMPILED_WORKER as its name inside the binary's embedded file
// system, relative to that file system's root, where the main entry point
// (process.argv[1], e.g. /$bunfs/root/dtee) also lives. An absolute embedded
// path is never looked up on disk.
declare const DTEE_COMPILED_WORKER: string | undefined;

/** The module specifier of the session Worker. */
export function sessionWorkerSpecifier(): string {
  if (typeof DTEE_COMPILED_WORKER === "string") {
    // The entry point's directory (no node:path: it costs start-up time).
    const entry = process.argv[1] ?? "";
    const root = entry.slice(0, Math.max(entry.lastIndexOf("/"), 0));
    return `${root}/${DTEE_COMPILED_WORKER}`;
  }
  return new URL("./worker.ts", import.meta.url).href;
}

export function startSessionWorker(): Worker {
  return new Worker(sessionWorkerSpecifier());
}
