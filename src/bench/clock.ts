// One monotonic clock shared by every process on the machine, so the producer's
// first write and the relay's last delivery can be compared directly (Bun's
// own high-resolution timers count from each process's start).
import { libc, addressOf } from "../sys/libc";
import { P } from "../sys/platform";

const timespec = new BigInt64Array(2);
const timespecAddress = addressOf(timespec);

/** CLOCK_MONOTONIC in nanoseconds (as a double: exact to the nanosecond for 104 days of uptime). */
export function monotonicNs(): number {
  libc.clock_gettime(P.CLOCK_MONOTONIC, timespecAddress);
  return Number(timespec[0]!) * 1e9 + Number(timespec[1]!);
}
