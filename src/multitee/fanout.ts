// The Linux fast path: a pipe fanned out to pipes with tee(2) and splice(2),
// so the bytes never enter userspace. tee duplicates the input pipe's
// contents into an output without consuming them; splice moves them.
//
// tee always starts at the head of the input pipe, so every output's progress
// is kept as `ahead`: how many bytes past the head it already has. Only an
// output with nothing ahead can be teed to; the head is consumed (spliced
// into the last output, which so never needs a tee) only as far as every
// other output has got. Partial tees are therefore harmless: each output gets
// the same bytes in the same order, and one that is full holds back only the
// consumption of this input, never other inputs. The input is never consumed
// past what all its outputs have, so the bytes an output is behind stay in
// the input pipe, and the writer upstream blocks, rather than in memory.
//
// SPLICE_F_NONBLOCK makes both calls non-blocking on pipes without changing
// any descriptor's flags, which other processes share.
import { libc, errno } from "../sys/libc";
import { P } from "../sys/platform";
import { discardFromPipe } from "./discard";
import type { Output } from "./output";
import type { OutputTable } from "./outputs";
import { INPUT_EVENTS, READABLE, WRITABLE, pollNow, type PollSet } from "./pollset";
import type { EndListener, Pump, PumpState } from "./pump";
import type { Reporter } from "./report";

interface SpliceRoute {
  readonly out: Output;
  readonly exitOnBrokenPipe: boolean;
  /** Bytes past the input's head this output already has (tee routes). */
  ahead: number;
  /** Its last tee or splice would have blocked. */
  blocked: boolean;
}

/** The most one call is asked to move; the pipes' sizes are the real limit. */
const CHUNK = 1 << 30;
/** Bytes one run may consume before letting the other inputs have a turn. */
const BUDGET = 8 << 20;
const FLAGS = P.SPLICE_F_NONBLOCK;

const BLOCKED = -1;
const AGAIN = -2;

const WOKE_INPUT = 1;
const WOKE_OUTPUT = 2;

export class SplicePump implements Pump {
  state: PumpState = "open";
  private readonly tees: SpliceRoute[];
  /** Receives the input by splice: consuming it. Null once forgotten. */
  private last: SpliceRoute | null;
  /** While finishing: bytes still to be consumed before every output has all that any has. */
  private remaining = 0;
  private inputWaiting = false;
  /** What the last poll reported for this pump. */
  private woke = 0;
  private total = 0;

  constructor(
    readonly fd: number,
    routes: readonly { out: Output; exitOnBrokenPipe: boolean }[],
    private readonly outputs: OutputTable,
    private readonly report: Reporter,
    private readonly onEnd: EndListener,
  ) {
    const all = routes.map((r) => ({ out: r.out, exitOnBrokenPipe: r.exitOnBrokenPipe, ahead: 0, blocked: false }));
    this.last = all.pop() ?? null;
    this.tees = all;
  }

  run(): boolean {
    const woke = this.woke;
    this.woke = 0;
    let budget = BUDGET;
    let moved = false;
    for (;;) {
      let progress = false;
      const limit = this.state === "open" ? CHUNK : this.remaining;

      // Give each output that is level with the head what the pipe holds.
      if (limit > 0) {
        for (const t of this.tees) {
          if (t.out.dead || t.ahead > 0) continue;
          const n = libc.tee(this.fd, t.out.fd, limit, FLAGS) as number;
          if (n > 0) {
            t.ahead = n;
            t.blocked = false;
            progress = true;
          } else if (n === 0) {
            // Empty with no writer left: end of file (nothing can be ahead).
            this.reachEnd("end of file");
            this.state = "closed";
            return false;
          } else {
            const e = errno();
            if (e === P.errno.EAGAIN) t.blocked = true;
            else {
              // EINTR, or the output was forgotten: either way, go round again.
              if (e !== P.errno.EINTR) this.outputs.failed(t.out, e, t.exitOnBrokenPipe);
              progress = true;
            }
          }
        }
      }

      // Consume the head as far as every teed output has got.
      let m = limit;
      for (const t of this.tees) if (!t.out.dead && t.ahead < m) m = t.ahead;
      if (m > 0) {
        const s = this.consume(m);
        if (s > 0) {
          for (const t of this.tees) t.ahead = t.out.dead ? 0 : t.ahead - s;
          this.total += s;
          budget -= s;
          if (this.state === "finishing") this.remaining -= s;
          progress = true;
        } else if (s === 0) {
          this.reachEnd("end of file");
          this.state = "closed";
          return false;
        } else if (s === AGAIN) {
          progress = true;
        }
        if (this.state === "closed") return false;
      }

      if (this.state === "finishing" && this.remaining <= 0) {
        this.state = "closed";
        return false;
      }
      if (!progress) {
        this.decideWait(moved ? 0 : woke);
        return false;
      }
      moved = true;
      if (budget <= 0) return true;
    }
  }

  /**
   * Moves up to `m` bytes off the input's head: bytes moved, 0 at end of
   * file, BLOCKED if it would block, AGAIN if something changed (EINTR, an
   * output forgotten) and it is worth another go.
   */
  private consume(m: number): number {
    const last = this.last;
    if (last && !last.out.dead) {
      const s = libc.splice(this.fd, null, last.out.fd, null, m, FLAGS) as number;
      if (s >= 0) {
        last.blocked = false;
        return s;
      }
      const e = errno();
      if (e === P.errno.EAGAIN) {
        last.blocked = true;
        return BLOCKED;
      }
      if (e !== P.errno.EINTR) this.outputs.failed(last.out, e, last.exitOnBrokenPipe);
      return AGAIN;
    }
    const s = discardFromPipe(this.fd, m);
    if (s >= 0) return s;
    if (s === -P.errno.EAGAIN) return BLOCKED;
    if (s === -P.errno.EINTR) return AGAIN;
    this.report.cannotRead(this.fd, -s);
    this.reachEnd("read error, taken as end of file");
    this.state = "closed";
    return BLOCKED;
  }

  /**
   * Nothing moved: either the input is empty or the outputs that could take
   * more are full. A tee that would block does not say which, so decide from
   * what is known, and ask poll when nothing is.
   */
  private decideWait(woke: number): void {
    if (this.state === "closed") return;
    let dataKnown = this.state === "finishing";
    for (const t of this.tees) if (!t.out.dead && t.ahead > 0) dataKnown = true;
    let hasData: boolean;
    if (dataKnown || woke === WOKE_INPUT) hasData = true;
    else if (woke === WOKE_OUTPUT) hasData = false;
    else hasData = (pollNow(this.fd, READABLE) & INPUT_EVENTS) !== 0;
    this.inputWaiting = !hasData;
  }

  wants(set: PollSet): void {
    if (this.state === "closed") return;
    const before = set.count;
    if (!this.inputWaiting) {
      for (const t of this.tees) {
        if (t.blocked && !t.out.dead && t.ahead === 0) set.add(t.out.fd, WRITABLE, this, t.out);
      }
      const last = this.last;
      if (last && last.blocked && !last.out.dead) set.add(last.out.fd, WRITABLE, this, last.out);
    }
    // Waiting for input, or (should the outputs have freed up meanwhile)
    // nothing known to wait for: the input wakes us, at worst at once.
    if (set.count === before) set.add(this.fd, READABLE, this, null);
  }

  inputReady(): void {
    this.inputWaiting = false;
    this.woke |= WOKE_INPUT;
  }

  outputReady(): void {
    this.woke |= WOKE_OUTPUT;
  }

  end(): void {
    if (this.state !== "open") return;
    let most = 0;
    for (const t of this.tees) if (!t.out.dead && t.ahead > most) most = t.ahead;
    this.reachEnd("end of file (forced)");
    this.remaining = most;
    if (most === 0) this.state = "closed";
  }

  private reachEnd(why: string): void {
    if (this.state === "open") {
      this.state = "finishing";
      this.report.info(`${this.fd}: ${why} after ${this.total} bytes`);
      this.onEnd(this.fd);
    }
  }
}
