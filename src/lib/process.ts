// The process object a library run returns (DteeProcess): it owns the relay
// Worker for the run, turns the Worker's messages into wake-ups of the chunk
// queue and the exit, and gives the output to one reader (the event iterator or a
// collector). Nothing here blocks: the Worker does all the waiting.
import { closeFd } from "../relay/trio";
import { releaseWorker, type RelayWorker } from "./pool";
import { ChunkQueue } from "./chunk-queue";
import { eventIterator } from "./events";
import { collect, CollectedText } from "./collect";
import { exitOf, sendSignal, signalNumber } from "./exit";
import type { WorkerMessage, EndMessage } from "./protocol";
import { RelayError } from "./errors";
import type { DteeProcess, Exit, Output, OutputEvent, TextOutput } from "./dtee";

type Consumer = "none" | "iterator" | "collector";

export class Run implements DteeProcess {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  killed = false;

  private readonly queue: ChunkQueue;
  private ended = false;
  private consumer: Consumer = "none";
  private pidfd: number;
  private reaped = false;
  private readonly cleanups: (() => void)[] = [];
  private resolveExit!: (exit: Exit) => void;
  private rejectExit!: (error: Error) => void;

  constructor(
    pid: number,
    pidfd: number,
    control: SharedArrayBuffer,
    private readonly relay: RelayWorker,
    private readonly events: boolean,
    private readonly closeOnEnd: number[],
    private readonly closeOnWorkerError: number[],
  ) {
    this.pid = pid;
    this.pidfd = pidfd;
    this.queue = new ChunkQueue(control, relay.ring);
    this.exited = new Promise<Exit>((resolve, reject) => {
      this.resolveExit = resolve;
      this.rejectExit = reject;
    });
    // Unhandled only if the caller never looks: the iterator and the
    // collectors report the failure too.
    this.exited.catch(() => {});
    const worker = relay.worker;
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.onMessage(event.data);
    worker.onerror = (event) => {
      for (const fd of this.closeOnWorkerError) closeFd(fd);
      worker.terminate();
      this.finish(undefined, new RelayError(`relay: ${event.message}`, false));
    };
  }

  /** Runs when the run is over, whichever way. */
  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === "wake") {
      this.queue.woken();
      return;
    }
    let failure: RelayError | undefined;
    if (m.relayFailure) failure = new RelayError(m.relayFailure.message, m.relayFailure.kind === "io");
    else if (m.truncated > 0 && this.events) {
      // Only when the receive slots had to be small (no address space for
      // them): the reader must not take a cut message for the whole one.
      failure = new RelayError(`${m.truncated} write${m.truncated === 1 ? "" : "s"} larger than the receive buffer arrived truncated`, true);
    }
    this.finish(m, failure);
  }

  private finish(end: EndMessage | undefined, failure: RelayError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.reaped = true;
    // What is still in the ring is copied out before the Worker, and the
    // ring with it, goes back to the pool for another run.
    this.queue.end(failure);
    if (end) releaseWorker(this.relay);
    closeFd(this.pidfd);
    this.pidfd = -1;
    for (const fd of this.closeOnEnd) closeFd(fd);
    for (const c of this.cleanups.splice(0)) c();
    // When the relay failed but the command's end is known, the exit is
    // still true; the readers get the failure after what did arrive.
    if (end?.waitStatus !== undefined) this.resolveExit(exitOf(end));
    else this.rejectExit(failure ?? new RelayError("relay: ended without an exit status", false));
  }

  kill(signal?: NodeJS.Signals | number): boolean {
    const sig = signalNumber(signal);
    if (this.reaped) return false;
    if (!sendSignal(this.pid, this.pidfd, sig)) return false;
    // Signal 0 only asks whether the process is there.
    if (sig !== 0) this.killed = true;
    return true;
  }

  private claim(consumer: Consumer): void {
    if (!this.events) throw new TypeError("this run was started with events: false; there is nothing to read");
    if (this.consumer !== "none") throw new TypeError("the output of this run is already being read");
    this.consumer = consumer;
  }

  [Symbol.asyncIterator](): AsyncIterator<OutputEvent> {
    this.claim("iterator");
    return eventIterator(this.queue);
  }

  async output(): Promise<Output> {
    this.claim("collector");
    return collect(this.queue, this.exited);
  }

  async text(): Promise<TextOutput> {
    return new CollectedText(await this.output());
  }
}
