// The run side of the check of `equivalent` (congruence.ts), in the sandbox's child process: the
// operation on the solver's two equivalent states, as the real spec runs it.

import { everyChoice } from '../choices.ts';
import { cloneValue, deepEqual, plain, widen } from '../counterexample.ts';
import { fromWire } from '../sandbox/wire.ts';
import type { TaskContext } from '../sandbox/tasks.ts';

export interface CongruenceItem {
  op: string;
  x: unknown;
  y: unknown;
  args: unknown;
  /** the states are of the small scope: widened with the real init() state, as tests are */
  scoped: boolean;
}

/** toldApart: what tells the two states apart in the run; otherwise why the pair does not replay. */
export interface CongruenceAnswer {
  toldApart?: string;
  why?: string;
}

type Fn = (...args: unknown[]) => unknown;

/** The task (sandbox/tasks.ts). */
export function congruenceTask(ctx: TaskContext, item: CongruenceItem): CongruenceAnswer {
  const spec = ctx.modules.spec;
  const fn = (name: string): Fn => {
    const f = spec[name];
    if (typeof f !== 'function') throw new Error(`${name} is not exported at run time`);
    return f as Fn;
  };
  const base = item.scoped ? fn('init')() : undefined;
  const state = (v: unknown) => (base === undefined ? cloneValue(fromWire(v)) : widen(fromWire(v), base, false));
  const args = fromWire(item.args) as unknown[];
  const equivalent = fn('equivalent');
  const x0 = state(item.x);
  const y0 = state(item.y);
  for (const inv of Object.keys(spec).filter((k) => k.startsWith('inv_'))) {
    if (fn(inv)(x0) !== true || fn(inv)(y0) !== true) return { why: `${inv} does not hold of both states` };
  }
  if (equivalent(x0, y0) !== true) return { why: 'equivalent(x, y) is false at run time' };
  const run = (v: unknown) => {
    const s = state(v);
    try {
      return { result: fn(item.op)(s, ...(cloneValue(args) as unknown[])), s };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e), s };
    }
  };
  // every choice the operation can make from x must be matched by some choice from y
  const fromX = everyChoice(() => run(item.x));
  const fromY = everyChoice(() => run(item.y));
  if (!fromX.complete || !fromY.complete) return { why: 'too many choices to try them all' };
  for (const rx of fromX.runs) {
    if (rx.error) return { why: `${item.op} stops on x: ${rx.error}` };
    if (fromY.runs.some((ry) => !ry.error && deepEqual(rx.result, ry.result) && equivalent(rx.s, ry.s) === true)) continue;
    const ry = fromY.runs.find((r) => !r.error);
    if (!ry) return { why: `${item.op} stops on y` };
    return {
      toldApart: deepEqual(rx.result, ry.result)
        ? `the states it leaves are not equivalent: ${JSON.stringify(plain(rx.s))} and ${JSON.stringify(plain(ry.s))}`
        : `it returns ${JSON.stringify(plain(rx.result))} from x and ${JSON.stringify(plain(ry.result))} from y`,
    };
  }
  return { why: 'every run from x is matched by a run from y' };
}
