// When bun:ffi cannot work at all (Bun starts without its JIT under a low
// address-space limit, `ulimit -v`), dtee can neither build its sockets nor
// copy anything. The job still matters more than the copy: as cron mode does
// when TMPDIR is unusable, the command runs on our own stdout and stderr,
// one line says that nothing is copied and why, and its status is ours.
import { constants } from "node:os";
import { printError } from "./messages";
import { EX, type DteeConfig } from "./config";
import { signalExitStatus } from "../exit-status";

export function runWithoutFfi(cfg: DteeConfig, reason: string): never {
  const copies = cfg.outputs.length > 0 || cfg.log !== undefined;
  printError(
    cfg.argv0,
    `${reason} (is the address-space limit too low?): running ${cfg.command[0]} without ${copies ? "copying its output" : "the relay"}`,
  );
  // Byte strings (see config.ts) back to the bytes they stand for.
  const argv = cfg.command.map((word) => Buffer.from(word, "latin1").toString("utf8"));
  let result: ReturnType<typeof Bun.spawnSync>;
  try {
    result = Bun.spawnSync(argv, { stdin: "inherit", stdout: "inherit", stderr: "inherit" });
  } catch (e) {
    printError(cfg.argv0, `${cfg.command[0]}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(EX.NOINPUT);
  }
  if (result.signalCode) {
    process.kill(process.pid, result.signalCode);
    // Only reached if the signal did not kill us (Bun may ignore it).
    process.exit(signalExitStatus(constants.signals[result.signalCode as keyof typeof constants.signals] ?? 0));
  }
  process.exit(result.exitCode ?? EX.SOFTWARE);
}
