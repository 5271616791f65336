// multitee's typed configuration: what the command line asked for, before any
// descriptor has been looked at.
import { MULTITEE_EXIT } from "../exit-status";

/** 0 quiet (-q: never touch stderr), 1 normal (-Q), 2 verbose (-v). */
export type Verbosity = 0 | 1 | 2;

/** One output named in a spec: `-fd` / `,fd` (forget on error) or `:fd` (exit on SIGPIPE). */
export interface RouteSpec {
  readonly fd: number;
  /** `:fd`: a broken pipe on this output ends multitee by SIGPIPE. */
  readonly exitOnBrokenPipe: boolean;
}

/** One `fdin-fdout,fdout...` argument, parsed. */
export interface Spec {
  /** The argument as typed, for messages. */
  readonly text: string;
  readonly input: number;
  readonly routes: readonly RouteSpec[];
  /** `eFD`: descriptors considered at end of file as soon as `input` is. */
  readonly endsWith: readonly number[];
}

export interface MultiteeConfig {
  /** Input buffer size for the read/write path (-b). */
  readonly bufferSize: number;
  readonly verbosity: Verbosity;
  readonly specs: readonly Spec[];
}

export const DEFAULT_BUFFER_SIZE = 8192;

/** The largest -b accepted: read(2) moves at most about 2 GiB per call. */
export const MAX_BUFFER_SIZE = 0x7fff_f000;

/** multitee 3.0's exit statuses (one table for every tool: ../exit-status.ts). */
export const EXIT = MULTITEE_EXIT;
