// What a test written by `verify commute --emit-vitest` checks (emit-tests.ts writes the files;
// they import this module). For one test and one implementation variant:
//   1. results: in each order, results some run of the spec gives in that order (with a spec that
//      makes no choice, the same results in both orders, since the test commutes on the spec;
//      with choices the orders may differ, as the spec allows: anyslot's two allocations);
//   2. states: the implementation's final state after each order is related by its `equiv` to a
//      final state of the spec's run in that order with the same results (results alone do not
//      show a state the later operations would see differently); where the spec makes no choice
//      on the test, its two final states must also be ones its `equivalent` (or structural
//      equality) cannot tell apart, i.e. the test still commutes on the spec as it is now. (With
//      choices an implementation may take another in each order, anyslot's alloc/free: the
//      orders then leave different states, each one the spec allows.)
//   3. conflict-freedom: op0 on core 0 then op1 on core 1, each through the footprint recorder
//      (footprint.ts, as the conflict check of verify commute does): no cell one writes is read or
//      written by the other, except the cells the run that generated the test saw conflict on
//      that variant (a non-scalable variant's known conflicts are not failures; a new one is).
// The same runs as check.ts's, in the test process instead of the sandbox: the emitted file is
// the user's, run by vitest on the implementation as it is then.

import { everyChoice } from '../choices.ts';
import { cloneValue, deepEqual, plain, widen } from '../counterexample.ts';
import { onCore, revive } from '../prelude.ts';
import { conflicts, recordAccesses } from './footprint.ts';
import type { TestCase } from './types.ts';

type Module = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

/** A test as an emitted file holds it: the test case and, per variant, the cells it conflicted on when generated. */
export interface EmittedTest extends TestCase {
  conflicted?: Record<string, string[]>;
}

/** The two calls' results in one order, and the state they left. */
export interface Run {
  results: [unknown, unknown];
  state: unknown;
}

/** An exported function of a module, by name. */
export function fn(m: Module, name: string): Fn {
  const f = m[name];
  if (typeof f !== 'function') throw new Error(`${name} is not exported at run time`);
  return f as Fn;
}

/**
 * The two calls in one order on `state`, the first-named on core 0 and the second on core 1 (as
 * the conflict check places them). Shared by the conflict check (check.ts) and emitted files.
 */
export function runCalls(m: Module, ops: [string, string], args: [unknown[], unknown[]], state: unknown, order: 'ab' | 'ba'): Run {
  const results: [unknown, unknown] = [undefined, undefined];
  const callA = () => (results[0] = onCore(0, () => fn(m, ops[0])(state, ...args[0])));
  const callB = () => (results[1] = onCore(1, () => fn(m, ops[1])(state, ...args[1])));
  if (order === 'ab') {
    callA();
    callB();
  } else {
    callB();
    callA();
  }
  return { results, state };
}

/** A test case's two calls in one order on `state`, its arguments revived from their JSON. */
function runOrder(m: Module, t: TestCase, state: unknown, order: 'ab' | 'ba'): Run {
  const [a, b] = t.calls;
  return runCalls(m, [a.op, b.op], [revive(a.args) as unknown[], revive(b.args) as unknown[]], state, order);
}

/** A starting state: the saved one, widened to the real sizes with init()'s elements for a spec of a small scope. */
function start(m: Module, saved: unknown, scoped: boolean): unknown {
  const v = revive(cloneValue(saved));
  return scoped ? widen(v, fn(m, 'init')(), false) : v;
}

/**
 * What is wrong with `variant` on test `t`: one line per problem, empty when the test passes.
 * `scoped`: the tests are of the spec's small scope (states are widened to the real sizes).
 */
export function checkEmitted(spec: Module, impl: Module, variant: string, t: EmittedTest, scoped: boolean): string[] {
  const problems: string[] = [];
  const [a, b] = t.calls;
  const ab = `${a.op};${b.op}`, ba = `${b.op};${a.op}`;
  const specRuns = (order: 'ab' | 'ba') => everyChoice(() => runOrder(spec, t, start(spec, t.setup, scoped), order)).runs;
  const runs = { ab: specRuns('ab'), ba: specRuns('ba') };
  // a spec with no implementation yet is run as its own (emit-tests.ts): from the setup, related by equivalent
  const implStart = () => start(impl, t.impl?.[variant] ?? t.setup, scoped) as object;
  // A;B through the footprint recorder, on one instance
  const state = implStart();
  const names = new WeakMap<object, string>();
  const aArgs = revive(a.args) as unknown[], bArgs = revive(b.args) as unknown[];
  const r0 = recordAccesses(state, (s) => onCore(0, () => fn(impl, a.op)(s, ...aArgs)), { names });
  const r1 = recordAccesses(state, (s) => onCore(1, () => fn(impl, b.op)(s, ...bArgs)), { names });
  const got = { ab: { results: [r0.result, r1.result], state } as Run, ba: runOrder(impl, t, implStart(), 'ba') };
  const show = (v: unknown) => JSON.stringify(plain(v));
  // 1. results
  for (const order of ['ab', 'ba'] as const) {
    if (!runs[order].some((r) => deepEqual(r.results, got[order].results))) problems.push(`${order === 'ab' ? ab : ba} returned ${show(got[order].results)}, which no run of the spec gives`);
  }
  // 2. states: related to spec states the spec cannot tell apart
  const equivalent = typeof spec.equivalent === 'function' ? (x: unknown, y: unknown) => (spec.equivalent as Fn)(x, y) === true : deepEqual;
  const equiv = impl === spec ? equivalent : fn(impl, 'equiv');
  const related = (order: 'ab' | 'ba') => runs[order].filter((r) => deepEqual(r.results, got[order].results) && equiv(got[order].state, r.state) === true);
  const [relAB, relBA] = [related('ab'), related('ba')];
  if (relAB.length === 0) problems.push(`the state ${ab} leaves is related by equiv to no final state of the spec's ${ab}`);
  if (relBA.length === 0) problems.push(`the state ${ba} leaves is related by equiv to no final state of the spec's ${ba}`);
  const deterministic = runs.ab.length === 1 && runs.ba.length === 1;
  if (deterministic && relAB.length && relBA.length && !equivalent(relAB[0].state, relBA[0].state)) {
    problems.push(`the spec's final states of ${ab} and ${ba} are told apart by ${typeof spec.equivalent === 'function' ? "the spec's equivalent" : 'structural equality'}: the test no longer commutes on the spec`);
  }
  // 3. conflict-freedom, but for the conflicts seen when the test was generated
  const known = new Set(t.conflicted?.[variant] ?? []);
  for (const c of conflicts(r0.accesses, r1.accesses)) {
    if (!known.has(c.cell)) problems.push(`conflict on ${c.cell} (${a.op} ${c.a}s it, ${b.op} ${c.b}s it), which the run that generated this test did not see`);
  }
  return problems;
}
