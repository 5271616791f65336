// How this process was started: as a `bun build --compile` binary (whose
// entry lives in Bun's embedded file system) or as a script run by bun.

/** True inside a compiled binary. Decided from argv[1], which names the embedded entry there. */
export function isCompiled(): boolean {
  const entry = process.argv[1] ?? "";
  return entry.startsWith("/$bunfs/") || entry.startsWith("B:/~BUN/");
}
