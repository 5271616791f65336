// What the loop drives: one pump per input descriptor, moving its bytes to
// its outputs without ever blocking, and saying what it waits for.
import type { PollSet } from "./pollset";

/**
 * open: reading; finishing: at end of file (its own, or forced by `eFD`) but
 * bytes already taken from the input are still on their way out; closed: done.
 */
export type PumpState = "open" | "finishing" | "closed";

export interface Pump {
  readonly fd: number;
  readonly state: PumpState;
  /** Moves bytes until nothing more can move now; true if it stopped only for fairness. */
  run(): boolean;
  /** Adds what it waits for (its input, blocked outputs) to the poll set. */
  wants(set: PollSet): void;
  /** Its input polled readable. */
  inputReady(): void;
  /** One of the outputs it waits for polled writable. */
  outputReady(): void;
  /** `eFD`: treat the input as at end of file from now on. */
  end(): void;
}

/** Told when an input reaches end of file, to end the inputs that follow it. */
export type EndListener = (fd: number) => void;
