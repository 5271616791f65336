// Starts the library's command with the relay's spawnCommand (posix_spawnp,
// execvp's /bin/sh fallback, fd 1 and 2 on the output sockets, every signal
// back to its default action). spawnCommand cannot yet set the command's
// working directory or its standard input: for those, and only for those,
// the command is started through /bin/sh, which changes directory and
// redirects fd 0, then execs the command (same process, same pid). The
// command is looked up first, as execvp would look it up from the new
// directory, so a missing or non-executable command is still reported as
// its errno and not as the shell's 127 or 126.
//
// What the shell changes, and is put back: PWD and OLDPWD (dash sets them;
// with a working directory PWD is the new directory, as a shell gives it).
// What it cannot put back: environment entries whose names are not shell
// identifiers (dash drops them), and the stdin pipe stays open in the
// command on one more descriptor (dash redirects only from fds 0-9; the
// pipe is reopened by its /proc/self/fd name).
import { accessSync, statSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import { resolve } from "node:path";
import { spawnCommand, ExecError } from "../relay/spawn";
import { libc } from "../sys/libc";
import { P } from "../sys/platform";

export type StdinPlan = { kind: "inherit" } | { kind: "ignore" } | { kind: "pipe"; fd: number };

export interface StartRequest {
  command: readonly string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  stdin: StdinPlan;
  stdout: number;
  stderr: number;
}

/** The working directory could not be used (errno in `code`). */
export class DirectoryError extends Error {
  constructor(
    readonly code: number,
    readonly path: string,
  ) {
    super(`${path}: errno ${code}`);
  }
}

const ENOENT = osConstants.errno.ENOENT;
const EACCES = osConstants.errno.EACCES;

function errnoOf(e: unknown): number {
  const code = (e as { code?: string }).code;
  const n = code ? (osConstants.errno as Record<string, number>)[code] : undefined;
  return n ?? ENOENT;
}

/** 0 when `path` is a file we may execute, else the errno execve would give. */
function checkExecutable(path: string): number {
  try {
    if (statSync(path).isDirectory()) return EACCES;
    accessSync(path, fsConstants.X_OK);
    return 0;
  } catch (e) {
    return errnoOf(e);
  }
}

/**
 * The errno execvp would fail with for `name` run from `cwd`, or 0: a name
 * with a slash is a path; otherwise each PATH entry in turn (an empty one is
 * the directory itself), EACCES if some candidate exists but cannot be run.
 */
export function lookUp(name: string, cwd: string, env: Record<string, string | undefined>): number {
  if (name.length === 0) return ENOENT;
  if (name.includes("/")) return checkExecutable(resolve(cwd, name));
  let sawDenied = false;
  for (const dir of (env.PATH ?? "/bin:/usr/bin").split(":")) {
    const e = checkExecutable(resolve(cwd, dir, name));
    if (e === 0) return 0;
    if (e === EACCES) sawDenied = true;
  }
  return sawDenied ? EACCES : ENOENT;
}

/** Returns the pid; throws ExecError (the command), DirectoryError (cwd), ForkError or SysError. */
export function startCommand(req: StartRequest): number {
  if (req.cwd === undefined && req.stdin.kind === "inherit") {
    return spawnCommand({ command: req.command, env: req.env, stdout: req.stdout, stderr: req.stderr });
  }
  const cwd = resolve(req.cwd ?? process.cwd());
  if (req.cwd !== undefined) {
    let code = 0;
    try {
      if (!statSync(cwd).isDirectory()) code = osConstants.errno.ENOTDIR;
      else accessSync(cwd, fsConstants.X_OK);
    } catch (e) {
      code = errnoOf(e);
    }
    if (code) throw new DirectoryError(code, req.cwd);
  }
  const code = lookUp(req.command[0] ?? "", cwd, req.env);
  if (code) throw new ExecError(code);

  const words = ["/bin/sh", "-c", "", "dtee"];
  let script = "";
  if (req.cwd !== undefined) {
    script += 'cd "$1" || exit 126; shift; ';
    words.push(cwd);
  }
  // Give the command the environment it was meant to have.
  if (req.env.OLDPWD === undefined) script += "unset OLDPWD; ";
  else if (req.cwd !== undefined) script += 'OLDPWD="$1"; export OLDPWD; shift; ';
  if (req.env.OLDPWD !== undefined && req.cwd !== undefined) words.push(req.env.OLDPWD);
  if (req.env.PWD === undefined && req.cwd === undefined) script += "unset PWD; ";
  script += 'exec "$@"';
  if (req.stdin.kind === "ignore") script += " </dev/null";
  else if (req.stdin.kind === "pipe") script += ` </proc/self/fd/${req.stdin.fd}`;
  words[2] = script;
  words.push(...req.command);
  const passFds = req.stdin.kind === "pipe" ? [req.stdin.fd] : [];
  try {
    return spawnCommand({ command: words, env: req.env, stdout: req.stdout, stderr: req.stderr, passFds });
  } finally {
    // spawnCommand cleared the flag for the command; other commands must not inherit the pipe.
    for (const fd of passFds) libc.fcntl(fd, P.F_SETFD, P.FD_CLOEXEC);
  }
}
