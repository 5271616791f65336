// A one-line progress indicator on stderr, redrawn in place. Written with
// write(2) directly: between runs the thread is blocked in the relay's poll,
// so anything queued on Bun's stream would only show at the end.
import { writeText } from "../sys/write-all";

export interface ProgressSink {
  /** Announces the next step (done counts steps finished so far). */
  step(label: string): void;
  /** Clears the line. */
  done(): void;
}

const WIDTH = 24;

export class TerminalProgress implements ProgressSink {
  private finished = -1;
  private readonly started = performance.now();
  constructor(private readonly total: number) {}

  step(label: string): void {
    this.finished++;
    const ratio = this.total > 0 ? Math.min(1, this.finished / this.total) : 0;
    const filled = Math.round(ratio * WIDTH);
    const bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
    const secs = Math.round((performance.now() - this.started) / 1000);
    const columns = process.stderr.columns || 80;
    const line = `[${bar}] ${String(this.finished).padStart(String(this.total).length)}/${this.total} ${secs}s ${label}`;
    writeText(2, `\r\x1b[K${line.slice(0, columns - 1)}`);
  }

  done(): void {
    writeText(2, "\r\x1b[K");
  }
}

/** For when stderr is not a terminal: says nothing. */
export const silentProgress: ProgressSink = {
  step() {},
  done() {},
};
