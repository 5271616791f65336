// How this process was started, and the runtime settings its start-up
// chose: a `bun build --compile` binary (whose entry lives in Bun's
// embedded file system) or a script run by bun; the JIT policy.

/** True inside a compiled binary. Decided from argv[1], which names the embedded entry there. */
export function isCompiled(): boolean {
  const entry = process.argv[1] ?? "";
  return entry.startsWith("/$bunfs/") || entry.startsWith("B:/~BUN/");
}

/**
 * The compiled binary starts with a raised JIT threshold (build flag
 * --compile-jit-policy) so run-once start-up code is not compiled; the data
 * loops are the hot path and get the normal policy back.
 */
export function normalJit(): void {
  (Bun as unknown as { unsafe?: { setJITPolicy?: (scale: number) => void } }).unsafe?.setJITPolicy?.(1);
}
