// The runtime half of verify commute: each generated test is run on the real TypeScript.
//
// 1. The spec itself, in both orders, once per sequence of its choices: the test must commute
//    there too (some choices give equal results and equivalent states). A test that does not is
//    a toolchain bug, reported, never counted as a test.
// 2. Each implementation variant, from the state the solver related to the setup by equiv:
//    op0 on core 0, then op1 on core 1 (what the prelude's cpu() answers), on the same instance,
//    each through the footprint recorder (MTRACE's protocol: sequential, fstest -c style).
//    Conflict-free when no cell one writes is touched by the other. The results in both orders must be ones the spec allows.

//
// All of this runs in the sandbox's child process (sandbox/sandbox.ts): commuteTestTask is the
// task, one test at a time; command.ts sends the tests and reads back, with applyExpectation,
// what the spec's runs decided.

import { everyChoice } from '../choices.ts';
import { onCore } from '../prelude.ts';
import { cloneValue, deepEqual, plain, widen } from '../counterexample.ts';
import { recordAccesses, conflicts, type Granularity } from './footprint.ts';
import type { GeneratedTest } from './testgen.ts';
import { fn, runCalls, type Run } from './emitted.ts';
import type { Json, TestCase, TestVerdict } from './types.ts';
import { fromWire, toWire } from '../sandbox/wire.ts';
import type { TaskContext } from '../sandbox/tasks.ts';

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

/** Runs the two calls in one order on a fresh copy of the setup. */
function runOrder(mod: Module, t: GeneratedTest, state: unknown, order: 'ab' | 'ba'): Run {
  const [a, b] = t.test.calls;
  return runCalls(mod, [a.op, b.op], t.args(), state, order);
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
 * The runs of the spec, one per order, that agree (the lowest choices that do): their indices,
 * or why the test does not commute at run time.
 */
export function agreeingRuns(rt: Runtimes, t: GeneratedTest, runs: SpecRuns): [number, number] | string {
  const { ab, ba } = runs;
  for (const [x, r] of ab.entries()) {
    for (const [y, q] of ba.entries()) if (deepEqual(r.results, q.results) && equivalent(rt.spec, r.state, q.state)) return [x, y];
  }
  return `no choices of the spec make ${t.test.calls[0].op};${t.test.calls[1].op} and ${t.test.calls[1].op};${t.test.calls[0].op} agree at run time (${ab.length}×${ba.length} runs)`;
}

/**
 * Fills in the test's expected results from the spec (the lowest choices that make the orders
 * agree). Returns why the test does not commute at run time, if it does not.
 */
export function expectFromSpec(rt: Runtimes, t: GeneratedTest, runs: SpecRuns): string | undefined {
  const agree = agreeingRuns(rt, t, runs);
  if (typeof agree === 'string') return agree;
  applyExpectation(t, { ab: runs.ab[agree[0]].results, ba: runs.ba[agree[1]].results }, runs.ab.length > 1 || runs.ba.length > 1 ? { ab: runs.ab.map((r) => r.results), ba: runs.ba.map((r) => r.results) } : undefined);
  return undefined;
}

/** Writes the expected results (and, when the spec chooses, every pair of results it allows) as the test's JSON. */
export function applyExpectation(t: GeneratedTest, expect: { ab: unknown[]; ba: unknown[] }, allowed?: { ab: unknown[][]; ba: unknown[][] }): void {
  const json = (results: unknown[]) => results.map((v) => t.json(v)) as [Json, Json];
  t.test.expect = { ab: json(expect.ab), ba: json(expect.ba) };
  const distinct = (rs: unknown[][]) => [...new Map(rs.map((r) => [JSON.stringify(json(r)), json(r)])).values()];
  if (allowed) t.test.allowed = { ab: distinct(allowed.ab), ba: distinct(allowed.ba) };
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

// ---- the sandbox's task ------------------------------------------------------------------------

/** One test as the sandbox gets it: its values wire-encoded (sandbox/wire.ts). */
export interface TestItem {
  test: Pick<TestCase, 'id' | 'pair' | 'path' | 'calls'>;
  setup: unknown;
  args: [unknown, unknown];
  /** each variant's starting state */
  impls: Record<string, unknown>;
  variants: string[];
  granularity: Granularity;
  /** tests of a small scope: states widened with the real init() states */
  scoped: boolean;
}

/** What the sandbox found: the spec's agreeing results (wire-encoded), or why the test is set aside, and the verdicts. */
export interface TestAnswer {
  notCommuting?: string;
  /** the first variant whose equiv does not relate its starting state to the setup */
  unrelated?: string;
  expect?: { ab: unknown; ba: unknown };
  allowed?: { ab: unknown[]; ba: unknown[] };
  verdicts: TestVerdict[];
}

/** The task (sandbox/tasks.ts): the spec's runs and every variant's conflict check of one test. */
export function commuteTestTask(ctx: TaskContext, item: TestItem): TestAnswer {
  let rt = ctx.cache.get('commute') as Runtimes | undefined;
  if (!rt) {
    const impls = new Map(item.variants.map((v) => [v, ctx.modules[v]]));
    const init = (m: Record<string, unknown>) => (m.init as () => unknown)();
    rt = { spec: ctx.modules.spec, impls, inits: item.scoped ? { spec: init(ctx.modules.spec), impls: new Map([...impls].map(([name, m]) => [name, init(m)])) } : undefined };
    ctx.cache.set('commute', rt);
  }
  const setup = fromWire(item.setup);
  const args = fromWire(item.args) as [unknown[], unknown[]];
  const impls = new Map(Object.entries(item.impls).map(([v, x]) => [v, fromWire(x)]));
  const t: GeneratedTest = {
    test: { ...item.test, setup: null, expect: { ab: [null, null], ba: [null, null] } },
    setup: () => cloneValue(setup),
    args: () => cloneValue(args),
    implSetup: (v) => cloneValue(impls.get(v)),
    json: (v) => plain(v) as Json,
    atoms: [],
  };
  const runs = runSpec(rt, t);
  const agree = agreeingRuns(rt, t, runs);
  const notCommuting = typeof agree === 'string' ? agree : undefined;
  if (notCommuting && item.scoped) return { notCommuting, verdicts: [] };
  const unrelated = item.variants.find((v) => !startsRelated(rt, v, t));
  if (notCommuting || unrelated || typeof agree === 'string') return { notCommuting, unrelated, verdicts: [] };
  const results = (rs: Run[]) => rs.map((r) => toWire(r.results));
  return {
    expect: { ab: toWire(runs.ab[agree[0]].results), ba: toWire(runs.ba[agree[1]].results) },
    allowed: runs.ab.length > 1 || runs.ba.length > 1 ? { ab: results(runs.ab), ba: results(runs.ba) } : undefined,
    verdicts: item.variants.map((v) => checkTest(rt, v, t, runs, item.granularity)),
  };
}
