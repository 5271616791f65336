// multitee from a parsed command line to an exit status: plan the routes,
// check every descriptor named (a closed one is an error now, not a silent
// hang later), give each input the fastest pump its descriptors allow, and
// run the loop.
import { P } from "../sys/platform";
import { EXIT, type MultiteeConfig } from "./config";
import { CopyPump } from "./copy";
import { probe, type FdInfo } from "./descriptors";
import { SplicePump } from "./fanout";
import { Loop } from "./loop";
import { OutputTable } from "./outputs";
import { buildPlan, type InputPlan, type Plan } from "./plan";
import type { Pump } from "./pump";
import { Reporter } from "./report";
import { Source } from "./source";

export interface RunContext {
  /** The name to prefix messages with, as invoked. */
  readonly argv0: string;
  /** Descriptors above 2 that the process inherited (Bun opens its own). */
  readonly inheritedFds: readonly number[];
}

export type CheckResult = { ok: true; infos: Map<number, FdInfo> } | { ok: false; message: string };

/** Every descriptor named must be open, inputs for reading and outputs for writing. */
export function checkDescriptors(plan: Plan, inherited: ReadonlySet<number>): CheckResult {
  const infos = new Map<number, FdInfo>();
  const info = (fd: number) => {
    let i = infos.get(fd);
    if (!i) infos.set(fd, (i = probe(fd, inherited)));
    return i;
  };
  for (const input of plan.inputs) {
    const where = `'${input.specs[0]}'`;
    const i = info(input.fd);
    if (!i.open) return { ok: false, message: `descriptor ${input.fd} is not open (input of ${where})` };
    if (!i.readable) return { ok: false, message: `descriptor ${input.fd} is not open for reading (input of ${where})` };
    for (const r of input.routes) {
      const o = info(r.out);
      if (!o.open) return { ok: false, message: `descriptor ${r.out} is not open (output of ${where})` };
      if (!o.writable) return { ok: false, message: `descriptor ${r.out} is not open for writing (output of ${where})` };
    }
  }
  return { ok: true, infos };
}

function describe(input: InputPlan): string {
  if (input.routes.length === 0) return "nowhere (read and discarded)";
  return input.routes.map((r) => (r.exitOnBrokenPipe ? `:${r.out}` : `${r.out}`)).join(", ");
}

function isOutOfMemory(err: unknown): boolean {
  return err instanceof RangeError && /memory|allocat/i.test(err.message);
}

export function runMultitee(config: MultiteeConfig, ctx: RunContext): number {
  const report = new Reporter(ctx.argv0, config.verbosity);
  try {
    return run(config, ctx, report);
  } catch (err) {
    if (isOutOfMemory(err)) {
      report.error("fatal: out of memory");
      return EXIT.NO_MEMORY;
    }
    report.error(`fatal: internal error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.IMPOSSIBLE;
  }
}

function run(config: MultiteeConfig, ctx: RunContext, report: Reporter): number {
  const planned = buildPlan(config.specs);
  if (!planned.ok) {
    report.error(planned.message);
    return EXIT.USAGE;
  }
  const plan = planned.plan;
  if (plan.inputs.length === 0) return EXIT.OK;
  const checked = checkDescriptors(plan, new Set(ctx.inheritedFds));
  if (!checked.ok) {
    report.error(checked.message);
    return EXIT.USAGE;
  }
  const infos = checked.infos;
  const kind = (fd: number) => infos.get(fd)!.kind;

  const outputs = new OutputTable(report);
  const loop = new Loop(new Map(plan.inputs.map((i) => [i.fd, i.endsWith])), report);
  for (const input of plan.inputs) {
    const routes = input.routes.map((r) => ({ out: outputs.get(r.out, kind(r.out)), exitOnBrokenPipe: r.exitOnBrokenPipe }));
    const spliced = P.hasTeeSplice && kind(input.fd) === "pipe" && routes.every((r) => r.out.kind === "pipe");
    let pump: Pump;
    if (spliced) {
      pump = new SplicePump(input.fd, routes, outputs, report, loop.inputEnded);
      report.info(`${input.fd}: tee/splice to ${describe(input)}`);
    } else {
      const source = new Source(input.fd, kind(input.fd));
      pump = new CopyPump(source, routes, config.bufferSize, outputs, report, loop.inputEnded);
      report.info(`${input.fd}: read/write (${config.bufferSize}-byte buffer, ${source.mode} reads) to ${describe(input)}`);
    }
    loop.add(pump);
  }
  return loop.run();
}
