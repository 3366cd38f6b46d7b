// TESTGEN (COMMUTER, SOSP'13 §5): concrete test cases from each commutative path.
//
// For a path, the solver enumerates models of "the path is taken and the two orders agree",
// blocking after each model its equality pattern: which of the values the path condition reads
// are equal and which differ, per realm (one realm per opaque sort, one for integers; booleans by
// value). That is COMMUTER's "conflict coverage": two pwrites to the same page and to different
// pages are two tests. Only values the path condition itself reads are enumerated (COMMUTER's
// rule: variables of the assumption-free path condition), so the count of tests is a property of
// the spec and of this policy, stated with every result.
//
// Each model also holds a state of every implementation variant related to the spec state by its
// `equiv` (and satisfying its invariants): the conflict checker starts the implementation there.

import type { Term } from '../../symexec/term.ts';
import * as T from '../../symexec/term.ts';
import { Machine, arrayLens, type SVal } from '../../symexec/evaluate.ts';
import { Model } from '../solver/model.ts';
import type { SolverPool } from '../solver/pool.ts';
import { decode, plain } from '../counterexample.ts';
import { scalar, type Input } from '../theorems.ts';
import type { Subsystem } from '../subsystem.ts';
import { queryJob, type NamedTerm, type QueryGoal } from './query.ts';
import { agreeOnPath, cubeTerm, decidedCube, type CommuteSpec, type PairAnalysis, type Path } from './analyze.ts';
import type { Json, TestCase } from './types.ts';

export interface TestPolicy {
  /** COMMUTER's --max-tests-per-path (500 in its README recipe) */
  maxTestsPerPath: number;
  /** wall-clock budget of one path's enumeration */
  pathBudgetMs: number;
  timeoutMs: number;
}

export const DEFAULT_TEST_POLICY: TestPolicy = { maxTestsPerPath: 500, pathBudgetMs: 60_000, timeoutMs: 10_000 };

/** A generated test: its JSON form, and fresh runtime values on demand (a run mutates them). */
export interface GeneratedTest {
  test: TestCase;
  setup(): unknown;
  args(): [unknown[], unknown[]];
  /** the implementation state of each variant, related to the setup by its equiv */
  implSetup(variant: string): unknown;
  /** runtime values as JSON, opaque values named as in the test's setup */
  json(v: unknown): Json;
  /** the values the path's tests are told apart by (the projections of the enumeration) */
  atoms: NamedTerm[];
}

export interface PairTests {
  tests: GeneratedTest[];
  /** per path: how many tests, and why its enumeration stopped early (cap, budget, unknown) */
  perPath: { path: string; tests: number; stopped?: string }[];
  unknowns: number;
  ms: number;
}

/** The scalar values a condition reads from the inputs: constants and reads of input arrays. */
export function atomsOf(ts: Term[]): Term[] {
  const out = new Map<number, Term>();
  const seen = new Set<number>();
  const go = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (!t.closed || t.bound) return; // inside a quantifier: the bound variable is not an input
    if (t.op === 'const') {
      if (t.sort.k !== 'Array' && !t.name!.startsWith('choice!')) out.set(t.id, t);
      return;
    }
    if (t.op === 'select' && t.sort.k !== 'Array') {
      let base = t;
      while (base.op === 'select') base = base.args[0];
      if (base.op === 'const') {
        out.set(t.id, t);
        // the indices are read too (`s.used[a.slot]` reads a.slot)
        for (let u = t; u.op === 'select'; u = u.args[0]) go(u.args[1]);
        return;
      }
    }
    t.args.forEach(go);
  };
  ts.forEach(go);
  return [...out.values()].sort((x, y) => x.id - y.id);
}

/**
 * A read of an input array counts only where its indices are in range: `s.in[b.x]` with b.x
 * out of range is in the condition's formula (a short-circuit merged into one term) but not in
 * any run, and its model value is no test's business.
 */
function inRange(inputs: Input[], t: Term): Term | undefined {
  if (t.op !== 'select') return undefined;
  const idx: Term[] = [];
  let base = t;
  for (; base.op === 'select'; base = base.args[0]) idx.unshift(base.args[1]);
  const inp = inputs.find((x) => base.name!.startsWith(`${x.smt}.`));
  if (!inp) return undefined;
  const lens = arrayLens(inp.type, base.name!.slice(inp.smt.length + 1));
  return T.and(...idx.map((i, k) => (lens[k] === undefined ? T.TRUE : T.and(T.le(T.mkInt(0), i), T.lt(i, T.mkInt(lens[k]!))))));
}

function realmOf(t: Term): string | undefined {
  if (t.sort.k === 'Bool') return undefined;
  if (t.sort.k === 'Int') return 'int';
  return T.sortToSmt(t.sort);
}

/**
 * A variant's implementation state `impl!NAME`, satisfying its invariants and related by its
 * equiv to the pair problem's start state `s` (the same constants): where tests start the
 * implementation, and where prove.ts runs it symbolically.
 */
export function relatedImplState(v: Subsystem): { m: Machine; i: SVal; smt: string; facts: Term[] } {
  const m = new Machine(v.program);
  const s = m.input('s', v.spec.state);
  const smt = `impl!${v.name}`;
  const i = m.input(smt, v.impl.state);
  const facts = [...v.impl.invariants.map((f) => scalar(m.call(f, [i]))), scalar(m.call(v.impl.equiv, [i, s]))];
  return { m, i, smt, facts };
}

/** What every model must also say: each variant's implementation state, related by equiv. */
function implFacts(spec: CommuteSpec): { facts: Term[]; inputs: Map<string, Input> } {
  const facts: Term[] = [];
  const inputs = new Map<string, Input>();
  for (const v of spec.variants) {
    const r = relatedImplState(v);
    facts.push(...r.m.hypotheses, ...r.facts);
    inputs.set(v.name, { role: 'impl', smt: r.smt, param: r.smt, type: v.impl.state });
  }
  return { facts, inputs };
}

/** Opaque values as pool names (`Fn0`, `Fn1`, … in order of first use), like COMMUTER's realms. */
export function poolNames(): (v: unknown) => Json {
  const names = new Map<string, string>();
  const perSort = new Map<string, number>();
  const rename = (v: unknown): Json => {
    if (typeof v === 'string') {
      const m = /^(.+)!val!\d+$/.exec(v);
      if (!m) return v;
      let n = names.get(v);
      if (!n) {
        const k = perSort.get(m[1]) ?? 0;
        perSort.set(m[1], k + 1);
        n = `${m[1]}${k}`;
        names.set(v, n);
      }
      return n;
    }
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v as Json;
  };
  return rename;
}

/** Enumerates the tests of every commutative path of one analysed pair. */
export async function generateTests(spec: CommuteSpec, an: PairAnalysis, pool: SolverPool, policy: TestPolicy = DEFAULT_TEST_POLICY): Promise<PairTests> {
  const t0 = performance.now();
  const p = an.problem;
  const paths = an.paths.filter((x) => x.commutative);
  if (paths.length === 0) return { tests: [], perPath: [], unknowns: 0, ms: 0 };
  const impl = implFacts(spec);
  const goals: QueryGoal[] = paths.map((path) => {
    const onPath = agreeOnPath(p, path.cube);
    const atoms = atomsOf([...decidedCube(p, path.cube), onPath]);
    const project: NamedTerm[] = atoms.map((t, k) => ({ name: `v!${k}`, term: t, realm: realmOf(t), when: inRange(p.inputs, t) }));
    return { id: path.id, asserts: [p.agree, cubeTerm(p, path.cube)], project, cap: policy.maxTestsPerPath, budgetMs: policy.pathBudgetMs, models: true };
  });
  const results = await pool.solve(queryJob([...p.given, ...impl.facts], goals, policy.timeoutMs));
  const tests: GeneratedTest[] = [];
  const perPath: PairTests['perPath'] = [];
  let unknowns = 0;
  results.forEach((r, k) => {
    const path = paths[k];
    if (r.status === 'unknown') unknowns++;
    const sols = r.solutions ?? [];
    perPath.push({ path: path.id, tests: sols.length, stopped: r.stopped });
    sols.forEach((sol, j) => tests.push(materialise(spec, an, path, j, Model.parse(sol.model!), impl.inputs, goals[k].project)));
  });
  return { tests, perPath, unknowns, ms: Math.round(performance.now() - t0) };
}

function materialise(spec: CommuteSpec, an: PairAnalysis, path: Path, j: number, model: Model, impls: Map<string, Input>, atoms: NamedTerm[]): GeneratedTest {
  const p = an.problem;
  const state = p.inputs[0];
  const argInputs = (label: 'a' | 'b') => p.inputs.filter((x) => x.role === 'arg' && x.smt.startsWith(`${label}.`));
  const args = (): [unknown[], unknown[]] => [argInputs('a').map((x) => decode(model, x, false)), argInputs('b').map((x) => decode(model, x, false))];
  const rename = poolNames();
  const setupJson = rename(plain(decode(model, state, false)));
  const [aJson, bJson] = args().map((xs) => xs.map((x) => rename(plain(x))));
  const implJson: Record<string, Json> = {};
  for (const [name, inp] of impls) implJson[name] = rename(plain(decode(model, inp, false)));
  const test: TestCase = {
    id: `${p.a.name}_${p.b.name}_${path.id}_${j}`,
    pair: [p.a.name, p.b.name],
    path: path.id,
    setup: setupJson,
    calls: [
      { op: p.a.name, args: aJson },
      { op: p.b.name, args: bJson },
    ],
    // filled in by the checker, which runs the spec itself in both orders
    expect: { ab: [null, null], ba: [null, null] },
    impl: implJson,
  };
  return {
    test,
    setup: () => decode(model, state, false),
    args,
    implSetup: (variant) => decode(model, impls.get(variant)!, false),
    json: (v) => rename(plain(v)),
    atoms,
  };
}
