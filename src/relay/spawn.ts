// Starts the command with posix_spawnp: fd 1 and 2 on the output sockets,
// every signal back to its default action and unblocked (Bun ignores SIGPIPE
// and SIGXFSZ, and ignored signals survive exec).
import { libc, errno, asPointer } from "../sys/libc";
import { P } from "../sys/platform";
import { CStringArray } from "../sys/structs";
import { SysError } from "../sys/errors";

export interface SpawnRequest {
  /** Strings are passed as UTF-8; byte arrays exactly as they are. */
  command: readonly (string | Uint8Array)[];
  /** Descriptor to become the child's fd 1 (undefined: inherit ours). */
  stdout?: number;
  /** Descriptor to become the child's fd 2 (undefined: inherit ours). */
  stderr?: number;
  /** Inherited descriptors to pass on (their close-on-exec flag is cleared). */
  passFds?: readonly number[];
  /** The environment: a record, or raw NAME=VALUE entries (default: process.env). */
  env?: Record<string, string | undefined> | readonly Uint8Array[];
}

/** Thrown when the command itself could not be executed (exec errno). */
export class ExecError extends Error {
  constructor(readonly code: number) {
    super(`exec failed: ${code}`);
  }
}

function environment(env: Record<string, string | undefined>): string[] {
  const entries: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) entries.push(`${k}=${v}`);
  return entries;
}

/** Returns the child's pid; throws ExecError when exec failed, SysError otherwise. */
export function spawnCommand(req: SpawnRequest): number {
  for (const fd of req.passFds ?? []) libc.fcntl(fd, P.F_SETFD, 0);

  const actions = new Uint8Array(P.spawnFileActionsSize);
  const attr = new Uint8Array(P.spawnAttrSize);
  // Every bit set, including glibc's internal 32 and 33 that sigfillset leaves out.
  const allSignals = new Uint8Array(P.sigsetSize).fill(0xff);
  const noSignals = new Uint8Array(P.sigsetSize);
  const argv = new CStringArray(req.command);
  const env = req.env ?? process.env;
  const envp = new CStringArray(Array.isArray(env) ? env : environment(env as Record<string, string | undefined>));
  const pid = new Int32Array(1);

  let rc = libc.posix_spawn_file_actions_init(actions);
  if (rc !== 0) throw new SysError("posix_spawn_file_actions_init", rc);
  try {
    if (req.stdout !== undefined && (rc = libc.posix_spawn_file_actions_adddup2(actions, req.stdout, 1)) !== 0)
      throw new SysError("posix_spawn_file_actions_adddup2", rc);
    if (req.stderr !== undefined && (rc = libc.posix_spawn_file_actions_adddup2(actions, req.stderr, 2)) !== 0)
      throw new SysError("posix_spawn_file_actions_adddup2", rc);
    if ((rc = libc.posix_spawnattr_init(attr)) !== 0) throw new SysError("posix_spawnattr_init", rc);
    try {
      libc.posix_spawnattr_setsigdefault(attr, allSignals);
      libc.posix_spawnattr_setsigmask(attr, noSignals);
      rc = libc.posix_spawnattr_setflags(attr, P.POSIX_SPAWN_SETSIGDEF | P.POSIX_SPAWN_SETSIGMASK);
      if (rc !== 0) throw new SysError("posix_spawnattr_setflags", rc);
      rc = libc.posix_spawnp(pid, argv.strings[0]!, actions, attr, asPointer(argv.address), asPointer(envp.address));
      if (rc !== 0) throw new ExecError(rc);
    } finally {
      libc.posix_spawnattr_destroy(attr);
    }
  } finally {
    libc.posix_spawn_file_actions_destroy(actions);
  }
  return pid[0]!;
}

/** An fd that polls readable when the child exits, or -1 where unsupported. */
export function openPidfd(pid: number): number {
  if (!P.SYS_pidfd_open) return -1;
  const fd = Number(libc.syscall(P.SYS_pidfd_open, pid, 0, 0, 0, 0));
  if (fd >= 0) libc.fcntl(fd, P.F_SETFD, P.FD_CLOEXEC);
  return fd;
}

/** Blocks until the child has exited; returns the raw wait status. */
export function waitForExit(pid: number): number {
  const status = new Int32Array(1);
  for (;;) {
    const r = libc.waitpid(pid, status, 0);
    if (r === pid) return status[0]!;
    const e = errno();
    if (r < 0 && e === P.errno.EINTR) continue;
    throw new SysError("waitpid", e);
  }
}

/** Non-blocking check: the raw status, or undefined if still running. */
export function pollExit(pid: number): number | undefined {
  const status = new Int32Array(1);
  const r = libc.waitpid(pid, status, P.WNOHANG);
  return r === pid ? status[0]! : undefined;
}
