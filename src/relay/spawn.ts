// Starts the command the way execvp would (posix_spawnp, then /bin/sh for a
// file that is not a binary), with fd 1 and 2 on the output sockets. Ignored
// signals survive exec: the caller says which signals go back to their
// default action (those dtee or Bun changed), the rest stay as inherited.
import { libc, errno, asPointer, hasBinding } from "../sys/libc";
import { P } from "../sys/platform";
import { CStringArray, bytesOf } from "../sys/structs";
import { SysError, check } from "../sys/errors";
import { statPath, isRegularFile, mayExecute } from "../sys/files";

export interface SpawnRequest {
  /** Strings are passed as UTF-8; byte arrays exactly as they are. */
  command: readonly (string | Uint8Array)[];
  /** Descriptor to become the child's fd 0 (undefined: inherit ours). */
  stdin?: number;
  /**
   * The command's working directory (undefined: ours). Relative command
   * names and PATH entries are then found from there, as execvp after
   * chdir would. A directory that cannot be entered fails like exec does
   * (ExecError with chdir's errno): check it first to tell the two apart.
   */
  cwd?: string | Uint8Array;
  /** Descriptor to become the child's fd 1 (undefined: inherit ours). */
  stdout?: number;
  /** Descriptor to become the child's fd 2 (undefined: inherit ours). */
  stderr?: number;
  /** Inherited descriptors to pass on (their close-on-exec flag is cleared). */
  passFds?: readonly number[];
  /** The environment: a record, or raw NAME=VALUE entries (default: process.env). */
  env?: Record<string, string | undefined> | readonly Uint8Array[];
  /** Signals to put back to their default action (default: every signal). */
  defaultSignals?: readonly number[];
  /** The command's blocked-signal mask as sigset_t bytes (default: none blocked). */
  signalMask?: Uint8Array;
}

/**
 * posix_spawnp's errors that mean no process could be made (as fork's
 * would), not that the command could not be executed.
 */
const PROCESS_CREATION_ERRORS = new Set([P.errno.EAGAIN, P.ENOMEM]);

/** Thrown when no process could be made for the command; named as dtee names it. */
export class ForkError extends SysError {
  constructor(code: number) {
    super("fork", code);
    this.name = "ForkError";
  }
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

/** A sigset_t with the given signals set. */
function sigset(signals: readonly number[]): Uint8Array {
  const set = new Uint8Array(P.sigsetSize);
  for (const sig of signals) set[(sig - 1) >> 3]! |= 1 << ((sig - 1) & 7);
  return set;
}

/** The environment's PATH entry, raw, or undefined. */
function pathVariable(env: readonly Uint8Array[]): Buffer | undefined {
  for (const entry of env) {
    const b = bytesOf(entry);
    if (b.length >= 5 && b.subarray(0, 5).toString("latin1") === "PATH=") return b.subarray(5);
  }
  return undefined;
}

/** A NUL-terminated copy of a path given as a string (UTF-8) or bytes. */
function cstringBytes(path: string | Uint8Array): Buffer {
  return Buffer.concat([bytesOf(path), Buffer.alloc(1)]);
}

/** glibc's execvp search path when PATH is unset. */
const DEFAULT_PATH = Buffer.from("/bin:/usr/bin");

function isExecutableFile(path: Buffer): boolean {
  return mayExecute(path) && isRegularFile(statPath(path));
}

/**
 * The file execvp would have run for `name`: the name itself when it has a
 * slash, else the first executable regular file along PATH.
 */
function resolveCommand(name: Uint8Array, env: readonly Uint8Array[], cwd: Uint8Array | undefined): Buffer | undefined {
  const found = findCommand(name, env, cwd);
  return "file" in found ? found.file : undefined;
}

/**
 * Looks `name` up as execvp would: a name with a slash is the file itself;
 * otherwise the first executable regular file along PATH (an empty entry
 * is the directory itself), found from `cwd`. Not found: EACCES when some
 * candidate exists but cannot be run, else ENOENT.
 */
function findCommand(name: Uint8Array, env: readonly Uint8Array[], cwd: Uint8Array | undefined): { file: Buffer } | { error: number } {
  // Relative candidates are looked at from the command's directory.
  const fromCwd = (candidate: Buffer) => (cwd && candidate[0] !== 0x2f ? Buffer.concat([bytesOf(cwd), Buffer.from("/"), candidate]) : candidate);
  const file = bytesOf(name);
  if (file.includes(0x2f)) return { file };
  const path = pathVariable(env) ?? DEFAULT_PATH;
  let denied = false;
  let start = 0;
  for (;;) {
    const end = path.indexOf(0x3a, start);
    const dir = path.subarray(start, end < 0 ? path.length : end);
    const candidate = dir.length ? Buffer.concat([dir, Buffer.from("/"), file]) : file;
    if (isExecutableFile(fromCwd(candidate))) return { file: candidate };
    if (statPath(fromCwd(candidate)) !== undefined) denied = true;
    if (end < 0) return { error: denied ? P.errno.EACCES : P.errno.ENOENT };
    start = end + 1;
  }
}


/**
 * True when `env` has another PATH than this process: posix_spawnp looks
 * the command up along ours, execvp in a child given `env` along its own.
 */
function hasOtherPath(env: readonly Uint8Array[]): boolean {
  const theirs = pathVariable(env);
  const ours = process.env.PATH;
  if (theirs === undefined || ours === undefined) return (theirs === undefined) !== (ours === undefined);
  return !theirs.equals(Buffer.from(ours, "utf8"));
}

/** Returns the child's pid; throws ExecError when exec failed, ForkError when no process could be made, SysError otherwise. */
export function spawnCommand(req: SpawnRequest): number {
  const env = req.env ?? process.env;
  const envEntries: readonly (string | Uint8Array)[] = Array.isArray(env) ? env : environment(env as Record<string, string | undefined>);
  let file: string | Uint8Array | undefined = req.command[0];
  // An environment with its own PATH (the library's env option): find the
  // command along it ourselves and give posix_spawnp the file.
  const name = file === undefined ? undefined : bytesOf(file);
  if (name && !name.includes(0x2f) && hasOtherPath(envEntries.map((x) => bytesOf(x)))) {
    const found = findCommand(name, envEntries.map((x) => bytesOf(x)), req.cwd === undefined ? undefined : bytesOf(req.cwd));
    if ("error" in found) throw new ExecError(found.error);
    file = found.file;
  }
  try {
    return spawnWith(req, file, req.command, envEntries);
  } catch (e) {
    // execvp runs a file the kernel cannot execute (a script without "#!")
    // with /bin/sh; posix_spawnp does not.
    if (!(e instanceof ExecError) || e.code !== P.errno.ENOEXEC || req.command.length === 0) throw e;
    const cwd = req.cwd === undefined ? undefined : bytesOf(req.cwd);
    const script = resolveCommand(bytesOf(req.command[0]!), envEntries.map((x) => bytesOf(x)), cwd);
    if (!script) throw e;
    return spawnWith(req, "/bin/sh", ["/bin/sh", script, ...req.command.slice(1)], envEntries);
  }
}

/** posix_spawnp of `file` (looked up along our PATH when it has no slash) with `command` as its argv. */
function spawnWith(
  req: SpawnRequest,
  file: string | Uint8Array | undefined,
  command: readonly (string | Uint8Array)[],
  envEntries: readonly (string | Uint8Array)[],
): number {
  for (const fd of req.passFds ?? []) libc.fcntl(fd, P.F_SETFD, 0);

  const actions = new Uint8Array(P.spawnFileActionsSize);
  const attr = new Uint8Array(P.spawnAttrSize);
  // Every bit set means every signal, including glibc's internal 32 and 33
  // that sigfillset leaves out.
  const toDefault = req.defaultSignals ? sigset(req.defaultSignals) : new Uint8Array(P.sigsetSize).fill(0xff);
  const mask = req.signalMask ?? new Uint8Array(P.sigsetSize);
  const argv = new CStringArray(command);
  const envp = new CStringArray(envEntries);
  const pid = new Int32Array(1);

  check("posix_spawn_file_actions_init", libc.posix_spawn_file_actions_init(actions));
  try {
    if (req.cwd !== undefined) {
      if (!hasBinding("posix_spawn_file_actions_addchdir_np")) throw new SysError("posix_spawn_file_actions_addchdir_np", P.errno.EINVAL);
      check("posix_spawn_file_actions_addchdir_np", libc.posix_spawn_file_actions_addchdir_np(actions, cstringBytes(req.cwd)));
    }
    if (req.stdin !== undefined) check("posix_spawn_file_actions_adddup2", libc.posix_spawn_file_actions_adddup2(actions, req.stdin, 0));
    if (req.stdout !== undefined) check("posix_spawn_file_actions_adddup2", libc.posix_spawn_file_actions_adddup2(actions, req.stdout, 1));
    if (req.stderr !== undefined) check("posix_spawn_file_actions_adddup2", libc.posix_spawn_file_actions_adddup2(actions, req.stderr, 2));
    check("posix_spawnattr_init", libc.posix_spawnattr_init(attr));
    try {
      check("posix_spawnattr_setsigdefault", libc.posix_spawnattr_setsigdefault(attr, toDefault));
      check("posix_spawnattr_setsigmask", libc.posix_spawnattr_setsigmask(attr, mask));
      check("posix_spawnattr_setflags", libc.posix_spawnattr_setflags(attr, P.POSIX_SPAWN_SETSIGDEF | P.POSIX_SPAWN_SETSIGMASK));
      const rc = libc.posix_spawnp(pid, file === undefined || file === command[0] ? asPointer(argv.first) : cstringBytes(file), actions, attr, asPointer(argv.address), asPointer(envp.address));
      if (rc !== 0) throw PROCESS_CREATION_ERRORS.has(rc) ? new ForkError(rc) : new ExecError(rc);
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

/**
 * Collects a child whose exit was signalled (its pidfd polled readable):
 * the raw status, or why it could not be had (errno, or 0 when waitpid saw
 * no change).
 */
export function collectExit(pid: number): { status: number } | { lost: number } {
  const status = new Int32Array(1);
  for (;;) {
    const r = libc.waitpid(pid, status, P.WNOHANG);
    if (r === pid) return { status: status[0]! };
    if (r === 0) return { lost: 0 };
    const e = errno();
    if (e !== P.errno.EINTR) return { lost: e };
  }
}

/** Non-blocking check: the raw status, or undefined if still running. */
export function pollExit(pid: number): number | undefined {
  const status = new Int32Array(1);
  const r = libc.waitpid(pid, status, P.WNOHANG);
  return r === pid ? status[0]! : undefined;
}
