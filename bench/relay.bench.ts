// mitata suite (bun run bench): time per delivered message through dtee's real
// relay, for the profiles that block, across write sizes. Each sample is one
// full relay run (a producer process writing to the socket trio, the relay
// delivering to an output file); the sample's time is the run's own clock,
// from the producer's first write to the last delivery, divided by the
// messages delivered. Loss across all profiles is dtee-bench's job:
//   bun bin/dtee-bench.ts --quick
//
//   bun run bench [--filter REGEX]
import { bench, group, lineplot, run } from "mitata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libc, cstring } from "../src/sys/libc";
import { P } from "../src/sys/platform";
import { profileByName } from "../src/bench/profiles";
import { messagesFor } from "../src/bench/matrix";
import { runOnce, type RunContext, type Scenario } from "../src/bench/relay-run";
import { benchCommand } from "../src/bench/self";
import { formatBytes } from "../src/bench/units";

const filterAt = process.argv.indexOf("--filter");
const filter = filterAt >= 0 ? new RegExp(process.argv[filterAt + 1] ?? "") : undefined;

const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "dtee-bench."));
const nullFd = libc.open(cstring("/dev/null"), P.O_WRONLY | P.O_CLOEXEC, 0);
const ctx: RunContext = { dir, nullFd, benchCommand: benchCommand(dir) };
const limits = { budgetBytes: 8 << 20, minMessages: 8, maxMessages: 20_000 };
let sequence = 0;

function scenario(name: string, size: number): Scenario {
  const profile = profileByName(name)!;
  return {
    profile,
    writeSize: size,
    count: messagesFor(size, 0, limits),
    sendBuffer: profile.sendBuffer,
    receiveBuffer: profile.receiveBuffer,
    rate: 0,
    streams: "out",
  };
}

for (const name of ["native", "linux", "cygwin", "hurd"]) {
  lineplot(() => {
    group(`${name}: time per delivered message`, () => {
      for (const size of [1, 64, 4096, 65536, 1048576]) {
        const s = scenario(name, size);
        bench(`${name} ${formatBytes(size)}`, function* () {
          yield {
            manual() {
              const r = runOnce(s, ctx, sequence++);
              return r.elapsedNs / Math.max(1, r.messagesDelivered);
            },
          };
        });
      }
    });
  });
}

try {
  await run({ filter });
} finally {
  libc.close(nullFd);
  rmSync(dir, { recursive: true, force: true });
}
