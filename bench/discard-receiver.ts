// The ceiling for this design: the same socket trio and recvmmsg loop as
// dtee, but every message is discarded instead of written. Usage:
//   bun bench/discard-receiver.ts COMMAND [ARG]...
import { createTrio, closeFd } from "../src/relay/trio";
import { spawnCommand, openPidfd } from "../src/relay/spawn";
import { Receiver } from "../src/relay/receiver";
import { runLoop } from "../src/relay/loop";
import { decodeWaitStatus, shellStatus } from "../src/dtee/status";

const trio = createTrio({ tmpdir: process.env.TMPDIR || "/tmp" });
const pid = spawnCommand({ command: process.argv.slice(2), stdout: trio.stdout, stderr: trio.stderr });
closeFd(trio.stdout);
closeFd(trio.stderr);
const receiver = new Receiver(trio.input, trio.stdoutAddress, trio.stderrAddress);
let messages = 0;
const end = runLoop({
  receiver,
  input: trio.input,
  pid,
  pidfd: openPidfd(pid),
  wakefd: -1,
  deliver: (b) => {
    messages += b.all.count;
    return true;
  },
});
if (process.env.DISCARD_VERBOSE) console.error(`discarded ${messages} messages`);
process.exit(end.kind === "exited" ? shellStatus(decodeWaitStatus(end.status)) : 70);
