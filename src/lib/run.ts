// run(): starts a library run the way the dtee command starts one: output
// files first (if one cannot be opened nothing runs), the socket trio, the
// command, then the data loop handed to a relay Worker. Each start-up
// failure becomes the typed error with dtee's exit status for it.
import { constants as osConstants } from "node:os";
import { libc, errno, cstring, ffiUnavailable } from "../sys/libc";
import { P } from "../sys/platform";
import { SysError } from "../sys/errors";
import { createTrio, closeFd, TrioError } from "../relay/trio";
import { ExecError, ForkError, openPidfd } from "../relay/spawn";
import { openOutputs } from "../dtee/outputs";
import type { RoutePlan } from "../dtee/router";
import { findLibstdbuf, lineBufferedEnviron } from "../dtee/line-buffering";
import { startCommand, DirectoryError, type StdinPlan } from "./spawn";
import { openPipe, pumpStdin, type StdinData } from "./stdin";
import { acquireWorker } from "./pool";
import { CTRL, ringLayout, type WorkerPlan } from "./protocol";
import { Run } from "./process";
import { signalNumber, killOnAbortOrTimeout } from "./exit";
import {
  CommandNotFoundError,
  CommandNotExecutableError,
  WorkingDirectoryError,
  OutputFileError,
  SocketsUnavailableError,
  SpawnError,
} from "./errors";
import type { DteeProcess, RunOptions, StdinOption } from "./dtee";

function stdinPlan(option: StdinOption | undefined): { plan: StdinPlan; data?: StdinData; pipe?: { read: number; write: number } } {
  if (option === undefined || option === "inherit") return { plan: { kind: "inherit" } };
  if (option === "ignore") return { plan: { kind: "ignore" } };
  const pipe = openPipe();
  return { plan: { kind: "pipe", fd: pipe.read }, data: option, pipe };
}

export function run(command: readonly string[], options: RunOptions = {}): DteeProcess {
  if (!Array.isArray(command) || command.length === 0 || command.some((w) => typeof w !== "string")) {
    throw new TypeError("command must be a non-empty array of strings");
  }
  options.signal?.throwIfAborted();
  // Under a low address-space limit Bun starts without its JIT, and bun:ffi with it.
  if (ffiUnavailable) throw new SocketsUnavailableError(`bun:ffi: ${ffiUnavailable}`);
  const killSignal = signalNumber(options.killSignal);
  const events = options.events !== false;
  const env = options.lineBuffered ? lineBuffered(options.env ?? process.env) : (options.env ?? process.env);
  const tmpdir = options.tmpdir ?? (process.env.TMPDIR || "/tmp");
  const tee = options.tee === true ? { stdout: true, stderr: true } : options.tee || {};

  const opened: number[] = [];
  const closeAll = (fds: number[]) => fds.forEach(closeFd);
  // Output files first, as dtee does: if one cannot be opened nothing runs.
  const files: { fd: number; path: string; stream: "stdout" | "stderr" | "combined" }[] = [];
  for (const f of options.files ?? []) {
    const r = openOutputs([{ stream: f.stream, path: f.path, append: f.append === true }]);
    const code = errno();
    if (r.failures.length) {
      closeAll(opened);
      throw new OutputFileError(f.path, code);
    }
    const o = r.opened[0]!;
    opened.push(o.fd);
    files.push({ fd: o.fd, path: o.path, stream: o.stream });
  }

  let trio;
  try {
    trio = createTrio({ tmpdir, timestamps: events });
  } catch (e) {
    closeAll(opened);
    if (e instanceof TrioError) throw new SocketsUnavailableError(e.message);
    throw e;
  }

  let stdin: ReturnType<typeof stdinPlan>;
  try {
    stdin = stdinPlan(options.stdin);
  } catch (e) {
    closeAll([...opened, trio.input, trio.stdout, trio.stderr]);
    throw e;
  }
  let pid: number;
  try {
    pid = startCommand({ command, env, cwd: options.cwd, stdin: stdin.plan, stdout: trio.stdout, stderr: trio.stderr });
  } catch (e) {
    closeAll([...opened, trio.input]);
    if (stdin.pipe) closeAll([stdin.pipe.write]);
    throw translateStartError(e, command[0]!);
  } finally {
    closeAll([trio.stdout, trio.stderr]);
    if (stdin.pipe) closeFd(stdin.pipe.read);
  }

  const pidfd = openPidfd(pid);
  let route: RoutePlan | undefined;
  if (files.length || tee.stdout || tee.stderr) {
    const devNull = tee.stdout && tee.stderr ? -1 : libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
    if (devNull >= 0) opened.push(devNull);
    route = {
      argv0: "dtee",
      stdoutFd: tee.stdout ? 1 : devNull,
      stderrFd: tee.stderr ? 2 : devNull,
      files,
    };
  }
  const control = new SharedArrayBuffer(CTRL.SIZE * 4);
  const relay = acquireWorker(ringLayout().size);
  const plan: WorkerPlan = {
    input: trio.input,
    stdoutAddress: trio.stdoutAddress,
    stderrAddress: trio.stderrAddress,
    pid,
    pidfd,
    control,
    ring: relay.ring,
    events,
    timestamps: events,
    route,
  };
  const proc = new Run(pid, pidfd, control, relay, events, opened, [trio.input]);
  relay.worker.postMessage(plan);

  if (stdin.pipe) {
    const pump = pumpStdin(stdin.pipe.write, stdin.data!);
    proc.onEnd(() => pump.stop());
  }
  killOnAbortOrTimeout(proc, options, killSignal);
  return proc;
}

/**
 * dtee's --line-buffered for the environment given: coreutils' libstdbuf.so
 * preloaded with _STDBUF_O=L (C stdio) and PYTHONUNBUFFERED=1, as the dtee
 * command sets them. Without libstdbuf.so only Python is switched (the dtee
 * command prints a warning then; a library stays quiet).
 */
function lineBuffered(env: Record<string, string | undefined>): Record<string, string> {
  const entries = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => Buffer.from(`${k}=${v}`));
  const lib = findLibstdbuf(entries);
  const out: Record<string, string> = {};
  for (const entry of lineBufferedEnviron(entries, "path" in lib ? lib.path : undefined)) {
    const text = entry.toString();
    const at = text.indexOf("=");
    out[text.slice(0, at)] = text.slice(at + 1);
  }
  return out;
}

function translateStartError(e: unknown, name: string): Error {
  if (e instanceof ExecError) {
    return e.code === osConstants.errno.ENOENT ? new CommandNotFoundError(name, e.code) : new CommandNotExecutableError(name, e.code);
  }
  if (e instanceof DirectoryError) return new WorkingDirectoryError(e.path, e.code);
  if (e instanceof ForkError) return new SpawnError(e.message, e.code);
  if (e instanceof SysError) return new SpawnError(e.message, e.code);
  return e instanceof Error ? e : new Error(String(e));
}
