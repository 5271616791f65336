// The typed configuration the CLI hands to dtee.
//
// Every string from the command line or the environment here is a *byte
// string*: one character per byte (latin1), so that names and arguments that
// are not UTF-8 pass through unchanged. Convert with toBytes() before handing
// one to the system, and print dtee's messages with the same encoding.
import { SYSEXITS } from "../exit-status";

/** The raw bytes of a byte string. */
export function toBytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** A byte string from raw bytes. */
export function byteString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
}

export type OutputStream = "stdout" | "stderr" | "combined";

export interface OutputFile {
  stream: OutputStream;
  path: string;
  append: boolean;
}

export interface DteeConfig {
  /** The invoked name, exactly as typed: the prefix of every message. */
  argv0: string;
  /** In the order they are opened: the overwrite lists, then the append lists. */
  outputs: OutputFile[];
  ignoreInterrupts: boolean;
  /** --line-buffered: ask the command's runtime for line-buffered output (see line-buffering.ts). */
  lineBuffered: boolean;
  cron: boolean;
  command: string[];
  /** --log / --log-append: the JSON Lines capture log. */
  log?: { path: string; append: boolean };
  /** --tag: prefix each line of the combined files with O or E. */
  tag: boolean;
  /** --timestamps: prefix each line of the combined files with its receive time. */
  timestamps: boolean;
}

/** sysexits.h codes for dtee's own failures (one table for every tool: ../exit-status.ts). */
export const EX = SYSEXITS;
