// The runtime half of verify commute: each generated test is run on the real TypeScript.
//
// 1. The spec itself, in both orders, once per sequence of its choices: the test must commute
//    there too (some choices give equal results and equivalent states). A test that does not is
//    a toolchain bug, reported, never counted as a test.
// 2. Each implementation variant, from the state the solver related to the setup by equiv:
//    op0 on core 0, then op1 on core 1 (what the prelude's cpu() answers), on the same instance,
//    each through the footprint recorder (MTRACE's protocol: sequential, fstest -c style).
//    Conflict-free when no cell one writes is touched by the other. The results in both orders must be ones the spec allows.

import { everyChoice } from '../choices.ts';
import { CPU_HOOK } from '../prelude.ts';
import { deepEqual, plain, widen } from '../counterexample.ts';
import { recordAccesses, conflicts, type Granularity } from './footprint.ts';
import type { GeneratedTest } from './testgen.ts';
import type { Json, TestVerdict } from './types.ts';

type Fn = (...args: unknown[]) => unknown;
type Module = Record<string, unknown>;

export interface Runtimes {
  spec: Module;
  /** implementation variant name → its module */
  impls: Map<string, Module>;
  /** for tests of a small scope: the real init() states their states are widened with */
  inits?: { spec: unknown; impls: Map<string, unknown> };
}

/** The test's spec setup and a variant's starting state at the real sizes. */
function specSetup(rt: Runtimes, t: GeneratedTest): unknown {
  return rt.inits ? widen(t.setup(), rt.inits.spec, false) : t.setup();
}

function implSetup(rt: Runtimes, t: GeneratedTest, variant: string): unknown {
  return rt.inits ? widen(t.implSetup(variant), rt.inits.impls.get(variant), false) : t.implSetup(variant);
}

interface Run {
  results: [unknown, unknown];
  state: unknown;
}

function fn(m: Module, name: string): Fn {
  const f = m[name];
  if (typeof f !== 'function') throw new Error(`${name} is not exported at run time`);
  return f as Fn;
}

/** Runs `f` with the prelude's cpu() answering `core`: op0 of a test runs on core 0, op1 on core 1. */
function onCore<R>(core: number, f: () => R): R {
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[CPU_HOOK];
  g[CPU_HOOK] = core;
  try {
    return f();
  } finally {
    g[CPU_HOOK] = previous;
  }
}

/** Runs the two calls in one order on a fresh copy of the setup. */
function runOrder(mod: Module, t: GeneratedTest, state: unknown, order: 'ab' | 'ba'): Run {
  const [aArgs, bArgs] = t.args();
  const [a, b] = t.test.calls;
  const results: [unknown, unknown] = [undefined, undefined];
  const callA = () => (results[0] = onCore(0, () => fn(mod, a.op)(state, ...aArgs)));
  const callB = () => (results[1] = onCore(1, () => fn(mod, b.op)(state, ...bArgs)));
  if (order === 'ab') {
    callA();
    callB();
  } else {
    callB();
    callA();
  }
  return { results, state };
}

/** Every run of the spec in each order (one per sequence of its choices): computed once a test. */
export interface SpecRuns {
  ab: Run[];
  ba: Run[];
}

export function runSpec(rt: Runtimes, t: GeneratedTest): SpecRuns {
  const runs = (order: 'ab' | 'ba') => everyChoice(() => runOrder(rt.spec, t, specSetup(rt, t), order)).runs;
  return { ab: runs('ab'), ba: runs('ba') };
}

function equivalent(spec: Module, x: unknown, y: unknown): boolean {
  const eq = spec.equivalent;
  return typeof eq === 'function' ? eq(x, y) === true : deepEqual(x, y);
}

/**
 * Fills in the test's expected results from the spec (the lowest choices that make the orders
 * agree). Returns why the test does not commute at run time, if it does not.
 */
export function expectFromSpec(rt: Runtimes, t: GeneratedTest, runs: SpecRuns): string | undefined {
  const spec = rt.spec;
  const { ab, ba } = runs;
  for (const x of ab) {
    for (const y of ba) {
      if (deepEqual(x.results, y.results) && equivalent(spec, x.state, y.state)) {
        const json = (r: Run) => r.results.map((v) => t.json(v)) as [Json, Json];
        t.test.expect = { ab: json(x), ba: json(y) };
        const distinct = (runs: Run[]) => [...new Map(runs.map((r) => [JSON.stringify(json(r)), json(r)])).values()];
        if (ab.length > 1 || ba.length > 1) t.test.allowed = { ab: distinct(ab), ba: distinct(ba) };
        return undefined;
      }
    }
  }
  return `no choices of the spec make ${t.test.calls[0].op};${t.test.calls[1].op} and ${t.test.calls[1].op};${t.test.calls[0].op} agree at run time (${ab.length}×${ba.length} runs)`;
}

/**
 * The variant's starting state is related by its equiv to the test's setup, at run time: the
 * solver's word for it is not taken (a weakened or misdecoded state would blame the
 * implementation for the toolchain's mistake).
 */
export function startsRelated(rt: Runtimes, variant: string, t: GeneratedTest): boolean {
  return fn(rt.impls.get(variant)!, 'equiv')(implSetup(rt, t, variant), specSetup(rt, t)) === true;
}

/** The conflict check of one test on one implementation variant. */
export function checkTest(rt: Runtimes, variant: string, t: GeneratedTest, runs: SpecRuns, granularity: Granularity = 'cell'): TestVerdict {
  const impl = rt.impls.get(variant)!;
  const [a, b] = t.test.calls;
  const [aArgs, bArgs] = t.args();
  // op0 then op1 on one instance, each recorded on its own
  const state = implSetup(rt, t, variant) as object;
  const names = new WeakMap<object, string>();
  const r0 = recordAccesses(state, (s) => onCore(0, () => fn(impl, a.op)(s, ...aArgs)), { granularity, names });
  const r1 = recordAccesses(state, (s) => onCore(1, () => fn(impl, b.op)(s, ...bArgs)), { granularity, names });
  const verdict: TestVerdict = { id: t.test.id, impl: variant, resultsOk: true, conflicts: conflicts(r0.accesses, r1.accesses) };
  // both orders must give what the spec allows: some run of the spec with the same results and
  // a state the implementation's equiv relates to the implementation's
  const equiv = fn(impl, 'equiv');
  const allowed = (order: 'ab' | 'ba', got: Run): boolean => runs[order].some((r) => deepEqual(r.results, got.results) && equiv(got.state, r.state) === true);
  const ab: Run = { results: [r0.result, r1.result], state };
  const ba = runOrder(impl, t, implSetup(rt, t, variant), 'ba');
  for (const [order, got] of [['ab', ab], ['ba', ba]] as const) {
    if (!allowed(order, got)) {
      verdict.resultsOk = false;
      verdict.mismatch = `${order === 'ab' ? `${a.op};${b.op}` : `${b.op};${a.op}`} returned ${JSON.stringify(plain(got.results))}, which no run of the spec gives with a related state`;
      break;
    }
  }
  return verdict;
}
