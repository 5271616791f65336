// The arguments and environment exactly as the kernel handed them over. Bun
// decodes argv and environ as UTF-8, which turns bytes that are not UTF-8
// into U+FFFD; dtee must pass file names, commands and the environment on
// byte for byte, as the C original does.
import { readSmallFile } from "../sys/read-file";
import { realPath } from "../sys/files";

function splitNul(data: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      parts.push(data.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < data.length) parts.push(data.subarray(start));
  return parts;
}

function sameFile(a: Buffer, b: string): boolean {
  const x = realPath(a);
  const y = realPath(b);
  return x !== undefined && y !== undefined && x.equals(y);
}

/**
 * The raw bytes of the user's arguments (those in process.argv.slice(2)), and
 * of the program name. Undefined where /proc is missing. A "--" that Bun took
 * for itself right after the script's name (as when a bin script is run
 * `dtee -- cmd`) is given back: it was meant for us.
 */
export function rawArgv(): { argv0: Buffer; args: Buffer[] } | undefined {
  const data = readSmallFile("/proc/self/cmdline");
  if (!data) return undefined;
  const cmdline = splitNul(data);
  const count = process.argv.length - 2;
  if (count < 0 || cmdline.length < count + 1) return undefined;
  let start = cmdline.length - count;
  const before = cmdline[start - 1];
  if (before && before.length === 2 && before.toString() === "--" && start >= 2 && sameFile(cmdline[start - 2]!, process.argv[1] ?? "")) {
    start--;
  }
  return { argv0: cmdline[0]!, args: cmdline.slice(start) };
}

let environ: Buffer[] | undefined;

/** The environment's NAME=VALUE entries as raw bytes (falls back to process.env). */
export function rawEnviron(): Buffer[] {
  if (environ) return environ;
  const data = readSmallFile("/proc/self/environ");
  if (data) environ = splitNul(data);
  else {
    environ = Object.entries(process.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => Buffer.from(`${k}=${v}`, "utf8"));
  }
  return environ;
}

/** One variable's raw value, or undefined. */
export function rawEnv(name: string): Buffer | undefined {
  const prefix = Buffer.from(name + "=");
  for (const entry of rawEnviron()) {
    if (entry.length >= prefix.length && entry.subarray(0, prefix.length).equals(prefix)) return entry.subarray(prefix.length);
  }
  return undefined;
}
