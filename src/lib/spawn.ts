// Starts the library's command with the relay's spawnCommand (posix_spawnp,
// execvp's /bin/sh fallback for a file without "#!", fd 1 and 2 on the
// output sockets, every signal back to its default action), which also sets
// the working directory (posix_spawn_file_actions_addchdir_np) and fd 0. So
// the command gets exactly the environment given and no descriptor beyond
// 0, 1 and 2 of ours. The working directory is checked first: spawnCommand
// reports a directory it cannot enter as an exec failure, and the caller
// must be told which of the two it was.
import { constants as osConstants } from "node:os";
import { spawnCommand } from "../relay/spawn";
import { errno, libc, cstring } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";
import { statPath, mayExecute } from "../sys/files";

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

/** 0 when the command can be started in `path`, else the errno chdir would fail with. */
function directoryErrno(path: string): number {
  const facts = statPath(path);
  if (!facts) return errno() || P.errno.ENOENT;
  if (facts.type !== P.fileTypes.directory) return osConstants.errno.ENOTDIR;
  if (!mayExecute(path)) return errno() || osConstants.errno.EACCES;
  return 0;
}

/** Returns the pid; throws ExecError (the command), DirectoryError (cwd), ForkError or SysError. */
export function startCommand(req: StartRequest): number {
  if (req.cwd !== undefined) {
    const code = directoryErrno(req.cwd);
    if (code) throw new DirectoryError(code, req.cwd);
  }
  let stdin: number | undefined;
  if (req.stdin.kind === "pipe") stdin = req.stdin.fd;
  else if (req.stdin.kind === "ignore") {
    // Close-on-exec: the child's fd 0 is its dup2 copy, not this descriptor.
    stdin = libc.open(cstring("/dev/null"), P.O_RDONLY | P.O_CLOEXEC, 0);
    if (stdin < 0) throw new SysError("/dev/null", errno());
  }
  try {
    return spawnCommand({ command: req.command, env: req.env, cwd: req.cwd, stdin, stdout: req.stdout, stderr: req.stderr });
  } finally {
    if (req.stdin.kind === "ignore") libc.close(stdin!);
  }
}
