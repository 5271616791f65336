// The poll loop over every input's pump: run the pumps that can move bytes,
// pass end of file along the `eFD` links, then sleep in poll(2) on exactly
// what the pumps wait for. Ends when every input is closed.
import { P } from "../sys/platform";
import { strerror } from "../sys/libc";
import { EXIT } from "./config";
import { PollSet } from "./pollset";
import { normalJit } from "../startup/runtime";
import type { Pump } from "./pump";
import type { Reporter } from "./report";

export class Loop {
  private readonly pumps: Pump[] = [];
  private readonly byFd = new Map<number, Pump>();
  private readonly toRun = new Set<Pump>();

  constructor(
    /** input fd -> the inputs that reach end of file with it */
    private readonly endsWith: ReadonlyMap<number, readonly number[]>,
    private readonly report: Reporter,
  ) {}

  add(pump: Pump): void {
    this.pumps.push(pump);
    this.byFd.set(pump.fd, pump);
    this.toRun.add(pump);
  }

  /** Given to each pump: its input reached end of file. */
  readonly inputEnded = (fd: number): void => {
    for (const target of this.endsWith.get(fd) ?? []) {
      const pump = this.byFd.get(target);
      if (!pump || pump.state !== "open") continue;
      pump.end(); // which passes it on in turn
      this.toRun.add(pump);
    }
  };

  /** Runs until every input is closed; returns the exit status. */
  run(): number {
    normalJit();
    const set = new PollSet();
    const hot = new Set<Pump>();
    for (;;) {
      // Pumps ended by another's end of file (eFD) while this runs are
      // queued again and run in this same pass.
      while (this.toRun.size > 0) {
        const batch = [...this.toRun];
        this.toRun.clear();
        for (const pump of batch) {
          if (pump.state !== "closed" && pump.run()) hot.add(pump);
        }
      }
      if (this.pumps.every((p) => p.state === "closed")) return EXIT.OK;

      set.clear();
      for (const pump of this.pumps) pump.wants(set);
      if (set.count === 0 && hot.size === 0) {
        this.report.error("fatal: internal error: inputs open but nothing to wait for");
        return EXIT.IMPOSSIBLE;
      }
      const r = set.wait(hot.size > 0 ? 0 : -1);
      if (r < 0) {
        const e = -r;
        if (e === P.errno.EINTR) continue;
        if (e === P.ENOMEM) {
          this.report.error("fatal: out of memory");
          return EXIT.NO_MEMORY;
        }
        this.report.error(`fatal: poll: ${strerror(e)}`);
        return EXIT.IMPOSSIBLE;
      }
      set.dispatch(this.toRun);
      for (const pump of hot) this.toRun.add(pump);
      hot.clear();
    }
  }
}
