// TESTGEN (COMMUTER, SOSP'13 §5): concrete test cases from each commutative path.
//
// For a path, the solver enumerates models of "the path is taken and the two orders agree",
// blocking after each model its equality pattern: which of the values the path condition reads
// are equal and which differ, per realm (one realm per opaque sort, integers by what the path
// does with them: realmsOf; booleans, and whether a read is in range, by value). That is
// COMMUTER's "conflict coverage": two pwrites to the same page and to different pages are two
// tests. Only values the path condition itself reads are enumerated (COMMUTER's rule: variables
// of the assumption-free path condition), so the count of tests is a property of the spec and of
// this policy, stated with every result.
//
// Each test's setup is then given a state of every implementation variant, related to it by the
// variant's `equiv` (start-state.ts): the conflict checker starts the implementation there.

import type { Term } from '../../symexec/term.ts';
import * as T from '../../symexec/term.ts';
import { arrayLens } from '../../symexec/evaluate.ts';
import { Model } from '../solver/model.ts';
import type { SolverPool } from '../solver/pool.ts';
import { cloneValue, decode, plain } from '../counterexample.ts';
import { revive } from '../prelude.ts';
import type { Input } from '../theorems.ts';
import { solveStartStates } from './start-state.ts';
import { solveGoals, type NamedTerm, type QueryGoal, type Spend } from './query.ts';
import { DEFAULT_NET_MS, DEFAULT_PATH_BUDGET_RLIMIT, DEFAULT_PATH_NET_MS, DEFAULT_RLIMIT, cubeTerm, dimensionsIndexedBy, pathCondition, inputLengths, type CommuteSpec, type ArgUse, type PairAnalysis, type PairProblem, type Path } from './analyze.ts';
import type { Json, TestCase } from './types.ts';

export interface TestPolicy {
  /** COMMUTER's --max-tests-per-path (500 in its README recipe) */
  maxTestsPerPath: number;
  /** per check: Z3's resource count, the deterministic budget (query.ts, Budget) */
  rlimit: number;
  /** per check: the wall-clock safety net */
  timeoutMs: number;
  /** the deterministic budget of one path's enumeration, all its checks */
  pathBudgetRlimit: number;
  /** one path's enumeration: its wall-clock safety net */
  pathBudgetMs: number;
  /** where the counts spent are recorded */
  spend?: Spend;
}

/** The budgets as the analysis's (analyze.ts DEFAULT_POLICY: chosen from measured counts). */
export const DEFAULT_TEST_POLICY: TestPolicy = { maxTestsPerPath: 500, rlimit: DEFAULT_RLIMIT, timeoutMs: DEFAULT_NET_MS, pathBudgetRlimit: DEFAULT_PATH_BUDGET_RLIMIT, pathBudgetMs: DEFAULT_PATH_NET_MS };

/** A generated test: its JSON form, and fresh runtime values on demand (a run mutates them). */
export interface GeneratedTest {
  test: TestCase;
  setup(): unknown;
  args(): [unknown[], unknown[]];
  /** the implementation state of each variant, related to the setup by its equiv (start-state.ts) */
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
  /** tests dropped: a model the decoder could not read, a setup no implementation state is related to */
  dropped: { id: string; why: string }[];
  unknowns: number;
  /** how the tests' implementation starting states were found (start-state.ts) */
  startStates: StartStateCounts;
  ms: number;
}

export interface StartStateCounts {
  propagated: number;
  solved: number;
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

/**
 * The realm of each atom: opaque values by sort; booleans by value (no realm); integers by what
 * the path does with them. Two integers share a realm when a branch condition of the path
 * compares them (`off >= s.inodes[i].len`), or when they index one dimension of one array anywhere
 * in the condition (`a.fd` and `b.fd` both index `s.procs[].fds[]`: the same cell or not), or,
 * through a chain of such uses, anything between. That is the role COMMUTER's typed pools play
 * (descriptors, inodes, offsets are pools of their own; data values are not enumerated): one
 * realm for all integers made every coincidence of a pid, an offset and a data byte a test.
 * Comparisons inside the agreement of the two final states (`buf[0] = buf[1]` after a pipe read
 * shifts its buffer) compare data, not resources, and do not join realms. Arguments join the
 * dimensions their operation indexes with them (ArgUse.dims) even where the pair's formula folded
 * the read away, or reads a pinned argument as its literal: "b runs in a's process or not" stays
 * a distinction.
 */
export function realmsOf(atoms: Term[], branches: Term[], agreement: Term[], args: ArgUse[] = []): (string | undefined)[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    if (r !== x) parent.set(x, r);
    return r;
  };
  const union = (xs: string[]) => {
    const roots = [...new Set(xs.map(find))];
    for (const r of roots.slice(1)) parent.set(r, roots[0]);
  };
  const atomIds = new Set(atoms.map((t) => t.id));
  // the integer atoms a term's VALUE can be (not the atoms its conditions read)
  const valueAtoms = (t: Term, out: string[] = []): string[] => {
    if (atomIds.has(t.id)) out.push(`#${t.id}`);
    else if (t.op === 'ite') {
      valueAtoms(t.args[1], out);
      valueAtoms(t.args[2], out);
    } else if (t.op === 'select') {
      for (let u = t.args[0]; u.op === 'store' || u.op === 'ite'; u = u.op === 'store' ? u.args[0] : u.args[1]) if (u.op === 'store') valueAtoms(u.args[2], out);
    } else if (t.sort.k === 'Int' && t.op !== 'const') t.args.forEach((x) => x.sort.k === 'Int' && valueAtoms(x, out));
    return out;
  };
  const seen = new Set<number>();
  const compared = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if ((t.op === '=' || t.op === '<' || t.op === '<=') && t.args[0].sort.k === 'Int') union(t.args.flatMap((x) => valueAtoms(x)));
    t.args.forEach(compared);
  };
  for (const x of args) if (atomIds.has(x.input.id)) for (const d of x.dims) union([`[${d}]`, `#${x.input.id}`]);
  for (const [index, dims] of dimensionsIndexedBy([...branches, ...agreement], (i) => i.sort.k === 'Int')) for (const d of dims) union([`[${d}]`, ...valueAtoms(index)]);
  branches.forEach(compared);
  return atoms.map((t) => (t.sort.k === 'Bool' ? undefined : t.sort.k === 'Int' ? `int:${find(`#${t.id}`)}` : T.sortToSmt(t.sort)));
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

/**
 * The test enumeration of one commutative path: models of the path with the orders agreeing,
 * told apart by the equality pattern of the values its condition reads.
 */
function testGoal(p: PairProblem, path: Path, policy: TestPolicy, wellDefinedOnly: boolean): QueryGoal {
  const { branches, agreement: onPath } = pathCondition(p, path);
  const atoms = [...atomsOf([...branches, onPath]), ...p.args.filter((x) => x.pinned).map((x) => x.input)];
  const realms = realmsOf(atoms, branches, [onPath], p.args);
  const project: NamedTerm[] = atoms.map((t, k) => ({ name: `v!${k}`, term: t, realm: realms[k], when: inRange(p.inputs, t) }));
  // Whether a read's indices are in range is part of the pattern, by value. The blocking
  // clause leaves out a read its model does not reach; without its reach, a model with the
  // index out of range would block every model that agrees on the rest, the index in range
  // among them, and a path's count of tests would depend on the order models come in. (Here
  // and not in the worker's blocking clause: the analysis's branch projections need no reach
  // of their own, it follows from the earlier branches' values, and would only lengthen it.)
  const reach = new Map(project.flatMap((x) => (x.when ? [[x.when.id, x.when] as const] : [])));
  project.push(...[...reach.values()].map((w, k) => ({ name: `in!${k}`, term: w })));
  // a pair where the spec may run into a runtime error is tested only where it does not: there a
  // model's agreement is TypeScript's, elsewhere the test would not commute at run time
  const asserts = [p.agree, cubeTerm(p, path.cube), ...(wellDefinedOnly ? [p.wellDefined] : [])];
  return { id: path.id, asserts, project, cap: policy.maxTestsPerPath, budgetMs: policy.pathBudgetMs, budgetRlimit: policy.pathBudgetRlimit, models: true };
}

/** Enumerates the tests of every commutative path of one analysed pair. */
export async function generateTests(spec: CommuteSpec, an: PairAnalysis, pool: SolverPool, policy: TestPolicy = DEFAULT_TEST_POLICY): Promise<PairTests> {
  const t0 = performance.now();
  const p = an.problem;
  const paths = an.paths.filter((x) => x.commutative);
  if (paths.length === 0) return { tests: [], perPath: [], dropped: [], unknowns: 0, startStates: { propagated: 0, solved: 0 }, ms: 0 };
  const goals = paths.map((path) => testGoal(p, path, policy, an.illDefined === true));
  const pair = `${p.a.name}/${p.b.name}`;
  const results = await solveGoals(pool, p.given, goals, { ...policy, what: `${pair} tests` }, inputLengths(p.inputs));
  const found: Materialised[] = [];
  const perPath: PairTests['perPath'] = [];
  const dropped: PairTests['dropped'] = [];
  let unknowns = 0;
  results.forEach((r, k) => {
    const path = paths[k];
    if (r.status === 'unknown') unknowns++;
    const sols = r.solutions ?? [];
    perPath.push({ path: path.id, tests: sols.length, stopped: r.stopped });
    sols.forEach((sol, j) => {
      try {
        found.push(materialise(an, path, j, Model.parse(sol.model!), goals[k].project));
      } catch (e) {
        // a model this decoder cannot read (seen once on the POSIX model: an array value naming
        // a function the model text does not define) costs its test, not the run
        dropped.push({ id: testId(an, path, j), why: `its model could not be decoded: ${(e as Error).message}` });
      }
    });
  });
  const starts = await solveStartStates(spec, found.map((x) => x.setup), pool, { ...policy, what: `${pair} start states` });
  const tests: GeneratedTest[] = [];
  const startStates = { propagated: 0, solved: 0 };
  starts.forEach((st, k) => {
    const x = found[k];
    if ('states' in st) {
      tests.push(x.withImpls(st.states));
      if (st.states.size) startStates[st.by === 'propagation' ? 'propagated' : 'solved']++;
    } else {
      if (st.status === 'unknown') unknowns++;
      dropped.push({ id: x.id, why: st.why });
    }
  });
  return { tests, perPath, dropped, unknowns, startStates, ms: Math.round(performance.now() - t0) };
}

/**
 * A test read back from a `--tests` file, to be checked again (verify commute --check-tests): its
 * values revived, its opaque values already the pool names the file uses, its expected results
 * left for the checker to fill in from the spec as it is now.
 */
export function savedTest(t: TestCase): GeneratedTest {
  const setup = revive(t.setup);
  const args = [revive(t.calls[0].args), revive(t.calls[1].args)] as [unknown[], unknown[]];
  const impl = new Map(Object.entries(t.impl ?? {}).map(([name, v]) => [name, revive(v)]));
  return {
    test: { id: t.id, pair: t.pair, path: t.path, setup: t.setup, calls: t.calls, expect: { ab: [null, null], ba: [null, null] }, impl: t.impl },
    setup: () => cloneValue(setup),
    args: () => cloneValue(args),
    implSetup: (variant) => cloneValue(impl.get(variant)),
    json: (v) => plain(v) as Json,
    atoms: [],
  };
}

/** The name of path `path`'s test number `j` of a pair. */
function testId(an: PairAnalysis, path: Path, j: number): string {
  return `${an.problem.a.name}_${an.problem.b.name}_${path.id}_${j}`;
}

/** A test decoded from its model, waiting for its implementation states. */
interface Materialised {
  id: string;
  setup: unknown;
  withImpls(states: Map<string, unknown>): GeneratedTest;
}

/**
 * A test from one model, decoded at once: the parsed model (the whole solver state of a POSIX
 * pair) is dropped, and runs get fresh copies of the decoded values.
 */
function materialise(an: PairAnalysis, path: Path, j: number, model: Model, atoms: NamedTerm[]): Materialised {
  const p = an.problem;
  const argsOf = (label: 'a' | 'b') => p.inputs.filter((x) => x.role === 'arg' && x.smt.startsWith(`${label}.`)).map((x) => decode(model, x, false));
  return decoded(testId(an, path, j), [p.a.name, p.b.name], path.id, decode(model, p.inputs[0], false), [argsOf('a'), argsOf('b')], atoms);
}

/**
 * The test of decoded values. Its own function, not closures made in `materialise`: V8 gives the
 * closures of one function one shared context, so a closure there that kept only the setup kept
 * the model and the pair problem alive too (about 190 KB a test on POSIX, 3.8 GB for a whole run).
 */
function decoded(id: string, pair: [string, string], pathId: string, setup: unknown, args: [unknown[], unknown[]], atoms: NamedTerm[]): Materialised {
  const rename = poolNames();
  const json = (v: unknown) => rename(plain(v));
  const test: TestCase = {
    id,
    pair,
    path: pathId,
    setup: json(setup),
    calls: [
      { op: pair[0], args: args[0].map(json) },
      { op: pair[1], args: args[1].map(json) },
    ],
    // filled in by the checker, which runs the spec itself in both orders
    expect: { ab: [null, null], ba: [null, null] },
  };
  return {
    id,
    setup,
    withImpls: (implStates) => ({
      // JSON in the same pool names as the setup: one renaming for the whole test
      test: { ...test, impl: Object.fromEntries([...implStates].map(([name, v]) => [name, json(v)])) },
      setup: () => cloneValue(setup),
      args: () => cloneValue(args),
      implSetup: (variant) => cloneValue(implStates.get(variant)),
      json,
      atoms,
    }),
  };
}
