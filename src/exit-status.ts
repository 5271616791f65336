// Every exit status the tools use, in one place. dtee, cronty, dtee-replay
// and dtee-bench end their own failures with sysexits.h codes, as dtee
// 1.1.3 does; multitee keeps multitee 3.0's own small set. A death by signal
// N shows to a shell as 128 + N.

/** sysexits.h codes, by the name sysexits.h gives them (without EX_). */
export const SYSEXITS = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  OSERR: 71,
  CANTCREAT: 73,
  IOERR: 74,
} as const;

/** multitee 3.0's statuses (its manual: 0 normal, 1 usage, 3 out of memory, 4 impossible). */
export const MULTITEE_EXIT = {
  OK: 0,
  USAGE: 1,
  NO_MEMORY: 3,
  IMPOSSIBLE: 4,
} as const;

/** The status a shell reports for a process killed by `signal`. */
export function signalExitStatus(signal: number): number {
  return 128 + signal;
}
