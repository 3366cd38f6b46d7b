// The half of a verify rid replay that runs the user's function: in the sandbox's child process
// only (sandbox/tasks.ts). replay.ts sends the witness (the model, the parameters, the outcomes
// the primitives hand out) and gets back what the run did, with everything that depends on object
// identity (which argument a counter change was on, where the result sits) worked out here.

import type { Input } from '../theorems.ts';
import { RID_HOOK, MAKE_ARRAY } from '../prelude.ts';
import { Model } from '../solver/model.ts';
import { decode, checkedArray } from '../counterexample.ts';
import { toWire } from '../sandbox/wire.ts';
import type { TaskContext } from '../sandbox/tasks.ts';

export interface SideItem {
  /** the function, by name (exported, or a helper exported as `__rid_NAME` by the emitter) */
  fn: string;
  /** the function's parameters, as decodable inputs */
  inputs: Input[];
  model: string;
  /** the primitives' outcomes, in the order the path asks for them */
  outcomes: unknown[];
}

export interface SideChange {
  how: string;
  counter: string;
  /** an object's place in the arguments after the run (`t.devs[1]`), `?object` when not found there */
  object?: string;
  /** a scalar handle's value (wire-encoded) */
  x?: unknown;
  /** the change is on the very value the run returns */
  onResult: boolean;
}

export interface SideAnswer {
  /** wire-encoded */
  result?: unknown;
  error?: string;
  /** the run asked for more outcomes than the path has, or left some */
  overrun: boolean;
  left: number;
  changes: SideChange[];
  /** the arguments after the run, wire-encoded */
  after: unknown[];
  /** where the returned object sits in the arguments after the run, `a new object`; undefined for a scalar */
  resultPlace?: string;
  /** places in the arguments that hold, after the run, an object the arguments did not hold before */
  newObjects: string[];
}

/** The task (sandbox/tasks.ts): one run of one path of a finding, on the module `mod`. */
export function runSideTask(ctx: TaskContext, item: SideItem): SideAnswer {
  const mod = ctx.modules.mod;
  const f = (mod[item.fn] ?? mod[`__rid_${item.fn}`]) as ((...args: unknown[]) => unknown) | undefined;
  if (typeof f !== 'function') throw new Error(`${item.fn} is not a function at run time`);
  const model = Model.parse(item.model);
  const queue = [...item.outcomes];
  const changes: { how: string; x: unknown; counter: string }[] = [];
  let overrun = false;
  const g = globalThis as Record<symbol, unknown>;
  const prevHook = g[RID_HOOK], prevArr = g[MAKE_ARRAY];
  g[RID_HOOK] = {
    // a NULL handle (0) is never counted (docs/rid.md), as the analysis takes it
    change: (how: string, x: unknown, counter: string) => {
      if (x !== 0) changes.push({ how, x, counter });
    },
    result: () => {
      if (queue.length === 0) overrun = true;
      return queue.length ? queue.shift() : 0;
    },
  };
  g[MAKE_ARRAY] = checkedArray;
  const args = item.inputs.map((inp) => decode(model, inp));
  const out: SideAnswer = { overrun: false, left: 0, changes: [], after: [], newObjects: [] };
  // the objects the caller holds before the run: a record the run puts in their place is another
  // object to the caller (records are compared by identity), whatever its fields
  const before = new Set<unknown>();
  const collect = (v: unknown) => {
    if (!v || typeof v !== 'object' || before.has(v)) return;
    before.add(v);
    Object.values(v).forEach(collect);
  };
  args.forEach(collect);
  let result: unknown;
  try {
    result = f(...args);
  } catch (e) {
    out.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    g[RID_HOOK] = prevHook;
    g[MAKE_ARRAY] = prevArr;
  }
  out.overrun = overrun;
  out.left = queue.length;
  // objects are named by the place they first have in the arguments after the run
  const objects = new Map<unknown, string>();
  const walk = (v: unknown, name: string) => {
    if (!v || typeof v !== 'object' || objects.has(v)) return;
    objects.set(v, name);
    if (!before.has(v)) out.newObjects.push(name);
    if (Array.isArray(v)) v.forEach((x, k) => walk(x, `${name}[${k}]`));
    else for (const [k, x] of Object.entries(v)) walk(x, `${name}.${k}`);
  };
  item.inputs.forEach((p, i) => walk(args[i], p.param));
  out.changes = changes.map((c) => ({
    how: c.how,
    counter: c.counter,
    onResult: c.x === result,
    ...(c.x && typeof c.x === 'object' ? { object: objects.get(c.x) ?? '?object' } : { x: toWire(c.x) }),
  }));
  out.result = toWire(result);
  out.after = args.map((a) => toWire(a));
  if (result && typeof result === 'object') out.resultPlace = objects.get(result) ?? 'a new object';
  return out;
}
