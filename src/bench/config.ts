// The typed configuration src/cli/bench.ts builds from the command line.
import type { MatrixOptions } from "./matrix";

export interface BenchConfig {
  /** The invoked name: the prefix of every message. */
  argv0: string;
  quick: boolean;
  matrix: MatrixOptions;
  /** Print the JSON document instead of the table. */
  json: boolean;
  /** Write the chart here. */
  svg?: string;
  /** Other dtee binaries to run side by side (whole commands). */
  compare: string[];
  /** Add coreutils tee and multitee to the comparison when installed. */
  tools: boolean;
  /** Show the progress line (stderr is a terminal). */
  progress: boolean;
  /** Where the private working directory goes. */
  tmpdir: string;
  /** How many writes each whole-command run makes. */
  compareLimits: CompareLimits;
}

export interface CompareLimits {
  budgetBytes: number;
  minMessages: number;
  maxMessages: number;
}

/** Compare runs: fewer writes than the matrix, as each run starts whole programs. */
export function compareBudget(quick: boolean): CompareLimits {
  return quick
    ? { budgetBytes: 16 << 20, minMessages: 8, maxMessages: 20_000 }
    : { budgetBytes: 256 << 20, minMessages: 16, maxMessages: 300_000 };
}
