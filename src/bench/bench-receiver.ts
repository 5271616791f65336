// dtee's own Receiver, with what the emulation needs to see on the receive
// side: every datagram taken off the socket frees its room in the emulated
// receive buffer (published to the producer), datagrams without a known
// sender (the Hurd: no addresses) are counted as the relay ignores them, and
// on NetBSD a receive call finding the queue empty after an overflow fails
// with ENOBUFS, as soreceive() returns the socket error there. The bench
// counts those errors and reads on; dtee itself stops at the first one
// ("input socket: No buffer space available", exit 74), as dtee 1.1.3 does.
import { Receiver } from "../relay/receiver";
import type { SharedState } from "./shared-state";

export class BenchReceiver extends Receiver {
  /** Datagrams taken off the socket, ignored ones included. */
  taken = 0;
  /** Datagrams from no known sender, which the relay ignores. */
  ignored = 0;
  /** Receive calls that failed with ENOBUFS (NetBSD). */
  receiveErrors = 0;
  /** Datagrams lost to a full buffer that a receive error has reported. */
  lossReported = 0;

  constructor(
    fd: number,
    stdoutAddress: Uint8Array,
    stderrAddress: Uint8Array,
    private readonly state: SharedState | null,
    private readonly reportsOverflow: boolean,
    /** Datagrams per receive call (undefined: the relay's own batch). */
    slots?: number,
  ) {
    super(fd, stdoutAddress, stderrAddress, slots ? { slots } : {});
  }

  override receive(flags: number): number {
    const n = super.receive(flags);
    if (n > 0) {
      this.taken += n;
      this.ignored += this.batch.foreign;
      this.state?.publishConsumed(this.taken);
    } else if (this.reportsOverflow && this.state) {
      // Nothing left to read: this is when NetBSD's soreceive() returns the pending ENOBUFS.
      const lost = this.state.overflows();
      if (lost > this.lossReported) {
        this.receiveErrors++;
        this.lossReported = lost;
      }
    }
    return n;
  }
}
