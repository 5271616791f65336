// From parsed specs to a plan: one entry per input descriptor (several
// arguments may name the same input; their outputs and end-of-file links add
// up, in the order given), and the distinct outputs.
import type { Spec } from "./config";

export interface RoutePlan {
  readonly out: number;
  readonly exitOnBrokenPipe: boolean;
}

export interface InputPlan {
  readonly fd: number;
  readonly routes: RoutePlan[];
  /** Inputs that reach end of file when this one does (`eFD`). */
  readonly endsWith: number[];
  /** The arguments that named this input, for messages. */
  readonly specs: string[];
}

export interface Plan {
  readonly inputs: InputPlan[];
  /** Every descriptor written to, once each, in order of first mention. */
  readonly outputs: number[];
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; message: string };

export function buildPlan(specs: readonly Spec[]): PlanResult {
  const byFd = new Map<number, InputPlan>();
  const inputs: InputPlan[] = [];
  const outputs: number[] = [];
  for (const spec of specs) {
    let input = byFd.get(spec.input);
    if (!input) {
      input = { fd: spec.input, routes: [], endsWith: [], specs: [] };
      byFd.set(spec.input, input);
      inputs.push(input);
    }
    input.specs.push(spec.text);
    for (const r of spec.routes) {
      input.routes.push({ out: r.fd, exitOnBrokenPipe: r.exitOnBrokenPipe });
      if (!outputs.includes(r.fd)) outputs.push(r.fd);
    }
    for (const fd of spec.endsWith) if (!input.endsWith.includes(fd)) input.endsWith.push(fd);
  }
  // multitee 3.0 indexed its input table with the e-target unchecked; an
  // e-target that is no input has nothing to end, so say so.
  for (const spec of specs) {
    for (const fd of spec.endsWith) {
      if (!byFd.has(fd)) {
        return { ok: false, message: `bad spec '${spec.text}': e${fd}: descriptor ${fd} is not an input of any spec, so it cannot be ended` };
      }
    }
  }
  return { ok: true, plan: { inputs, outputs } };
}
