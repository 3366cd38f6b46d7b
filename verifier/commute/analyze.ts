// ANALYZER (COMMUTER, SOSP'13 §4): for a pair of spec operations A and B, run A;B and B;A from one
// symbolic state that satisfies the spec's invariants, with fresh arguments for each call, and
// find the condition under which they SIM-commute: both orders give A and B the same results
// and leave equivalent states (docs/commute.md).
//
// The merging evaluator gives one formula per order; paths are recovered from it: every `if` the
// four calls reach is recorded with its condition, and a path of the pair is one assignment of
// the conditions of the branches it reaches. The solver enumerates the paths where the orders
// agree (commutative) and those where they cannot be made to agree (divergent), in one job.
//
// Spec choices (`choose`): each order makes its own. An execution of A;B (its choices included)
// commutes when SOME choices of B;A give the same results and an equivalent state: the reordered
// history is then one the spec allows, which is SIM's definition for the history that happened.
// (COMMUTER quantifies the choices of both orders existentially, which also calls a pair
// commutative when only some executions of A;B can be matched.)

import type { Sandbox } from '../sandbox/sandbox.ts';
import type { Func, Type, Loc, Program } from '../ir.ts';
import { Machine, arrayLens, type Choice, type Obligation, type SVal } from '../../symexec/evaluate.ts';
import { formatLoc } from '../diagnostics.ts';
import type { ArrayLengths } from '../../symexec/scalarize.ts';
import { leavesOf } from '../../symexec/layout.ts';
import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import { choiceValues, equalVals, someChoice, type Input } from '../theorems.ts';
import type { Subsystem } from '../subsystem.ts';
import { dimensionsIndexedBy, groundFacts } from './ground.ts';
import { solveGoals, type Budget, type NamedTerm, type QueryGoal, type Spend } from './query.ts';
import { showCondition } from './show.ts';
import { baseView, simplifyCase } from './simplify.ts';
import { Model } from '../solver/model.ts';
import type { SolverPool, GoalResult } from '../solver/pool.ts';
import type { PairResult } from './types.ts';

// the array dimensions and grounded input facts live in ground.ts; re-exported for their users
export { dimensionOf, dimensionsIndexedBy, groundFacts } from './ground.ts';

/** What verify commute knows of a spec: its operations, and the implementation variants to check. */
export interface CommuteSpec {
  name: string;
  specFile: string;
  program: Program;
  state: Type;
  invariants: Func[];
  /** the spec's `equivalent(a, b)`, when it has one; otherwise states compare field by field */
  equivalent?: Func;
  /**
   * the spec's `commuteFirst(...)`: assumed of the first call's arguments of every pair whose
   * first operation has all its parameters (by name); a symmetry the spec's author vouches for,
   * such as COMMUTER's "call a runs in process 0"
   */
  commuteFirst?: Func;
  operations: Func[];
  variants: Subsystem[];
  /** the small scope the spec and its variants were lowered at (empty: the real sizes) */
  scope: Map<string, number>;
  /** the spec and every variant, loaded in a child process to run the tests (sandbox/sandbox.ts) */
  runtime(): Sandbox;
}

export interface Branch {
  cond: Term;
  reached: Term;
  loc: Loc;
  /** which call of which order: `ab:a` is A's call in the order A;B */
  call: string;
}

/** The symbolic pair: everything the path and test enumerations ask the solver about. */
export interface PairProblem {
  a: Func;
  b: Func;
  /** the state and both calls' arguments, for decoding models */
  inputs: Input[];
  /** type facts, the invariants of the start state, and what every choice satisfies */
  given: Term[];
  /** the two orders agree, for the choices the constants stand for */
  agree: Term;
  /** no runtime error and no failing assume() in either order (a verdict needs it: analyseProblem) */
  wellDefined: Term;
  /** the conjuncts of wellDefined, each where it is raised (the report names one that fails) */
  obligations: Obligation[];
  /** some choices of B;A agree with A;B (the choices of A;B stay free) */
  commutes: Term;
  /** the choices of B;A, which `commutes` ranges over */
  baChoices: Choice[];
  /**
   * B;A agrees with A;B making the choices A;B made (each call choosing in both orders what it
   * chose in A;B), where those are choices B;A may make: one of the cases of `commutes`, and the
   * one that holds most often (two opens of different names each take the inode they took)
   */
  sameChoices?: Term;
  /** what must be equal for the orders to agree, in the order divergences are reported */
  components: { what: string; equal: Term }[];
  branches: Branch[];
  /** the scalar arguments of both calls, with the array dimensions each indexes (see paramDims) */
  args: ArgUse[];
}

export interface ArgUse {
  /** the input constant (`b.fd`) */
  input: Term;
  dims: string[];
  /** fixed by `commuteFirst`: the calls read the literal, not the constant */
  pinned: boolean;
}

/** The lengths of the inputs' arrays (scalarize.ts): those whose every dimension has a fixed length. */
export function inputLengths(inputs: Pick<Input, 'smt' | 'type'>[]): ArrayLengths {
  return (name) => {
    const inp = inputs.find((x) => name.startsWith(`${x.smt}.`));
    const lens = inp && arrayLens(inp.type, name.slice(inp.smt.length + 1));
    return lens?.every((n) => n !== undefined) ? (lens as number[]) : undefined;
  };
}

/** Builds A;B and B;A from one symbolic state. `a` and `b` may be the same operation. */
export function pairProblem(spec: CommuteSpec, a: Func, b: Func): PairProblem {
  const m = new Machine(spec.program);
  const s0 = m.input('s', spec.state);
  const pre = spec.invariants.map((f) => m.predicate(f, [s0]));
  const inputs: Input[] = [{ role: 'spec', smt: 's', param: 's', type: spec.state }];
  const args = (label: 'a' | 'b', f: Func): SVal[] =>
    f.params.slice(1).map((p) => {
      const smt = `${label}.${p.name}`;
      inputs.push({ role: 'arg', smt, param: smt, type: p.type });
      return m.input(smt, p.type, { argument: p.name });
    });
  const inputsA = args('a', a);
  const argsA = pinFirst(spec.commuteFirst, a, inputsA, m, pre);
  const argsB = args('b', b);
  const uses: ArgUse[] = [...argUses(spec.program, a, inputsA, argsA), ...argUses(spec.program, b, argsB, argsB)];
  const branches: Branch[] = [];
  const run = (order: 'ab' | 'ba') => {
    const st = m.copy(s0, order);
    // aggregate arguments are the callee's to change: each order gets its own copy
    const aa = argsA.map((v, k) => m.copy(v, `${order}.a${k}`));
    const bb = argsB.map((v, k) => m.copy(v, `${order}.b${k}`));
    const results: Record<'a' | 'b', SVal | undefined> = { a: undefined, b: undefined };
    const chose: Record<'a' | 'b', Choice[]> = { a: [], b: [] };
    for (const who of order === 'ab' ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      const mark = m.branches.length;
      const made = m.choices.length;
      results[who] = who === 'a' ? m.call(a, [st, ...aa]) : m.call(b, [st, ...bb]);
      for (const br of m.branches.slice(mark)) branches.push({ ...br, call: `${order}:${who}` });
      chose[who] = m.choices.slice(made);
    }
    return { st, results, chose };
  };
  // The pair is analysed on the SMT meaning of the spec, which is TypeScript's only where no
  // runtime error happens (a fraction, an index out of bounds, ...) and no assume() fails (an
  // assume of the second call depends on the order): both are obligations, checked apart
  m.checkAssumptions = true;
  const ab = run('ab');
  const abChoices = m.choices.splice(0);
  const ba = run('ba');
  const baChoices = m.choices.splice(0);
  m.checkAssumptions = false;
  const components: { what: string; equal: Term }[] = [
    { what: `the result of ${a.name} (a)`, equal: equalVals(m, ab.results.a, ba.results.a, a.ret) },
    { what: `the result of ${b.name} (b)`, equal: equalVals(m, ab.results.b, ba.results.b, b.ret) },
  ];
  if (spec.equivalent) {
    components.push({ what: `the state (${spec.equivalent.name})`, equal: m.predicate(spec.equivalent, [ab.st, ba.st]) });
  } else if (ab.st.k === 'ref' && ba.st.k === 'ref') {
    for (const l of leavesOf(spec.state)) components.push({ what: `s.${l.key}`, equal: sameLeaf(m.readLeaf(ab.st.ref, l.segs), m.readLeaf(ba.st.ref, l.segs), arrayLens(spec.state, l.key)) });
  }
  // taken after the spec's `equivalent` has run on the two final states, not before: where it
  // reads past the end of an array (undefined + 1 is NaN, and NaN !== NaN) or divides inexactly,
  // its SMT meaning is not TypeScript's either, and two runs it calls equivalent may not be (a
  // pair of no-ops was "always" commutative while at run time no state was equivalent to itself)
  const obligations = m.obligations.splice(0).filter((o) => !T.isTrue(o.holds));
  const wellDefined = T.and(...obligations.map((o) => o.holds));
  const agree = T.and(...components.map((c) => c.equal));
  const used = [agree, ...branches.flatMap((br) => [br.cond, br.reached]), ...pre, ...[...abChoices, ...baChoices].map((c) => c.fact)];
  return {
    a,
    b,
    inputs,
    given: [...groundFacts(m.hypotheses, used), ...pre, ...[...abChoices, ...baChoices].map((c) => c.fact)],
    agree,
    wellDefined,
    obligations,
    commutes: baChoices.length ? someChoice(baChoices, agree) : agree,
    baChoices,
    sameChoices: sameChoices(ab.chose, ba.chose, agree),
    components,
    branches,
    args: uses,
  };
}

/** PairProblem.sameChoices; undefined when a call makes a different number of choices in the two orders. */
function sameChoices(ab: Record<'a' | 'b', Choice[]>, ba: Record<'a' | 'b', Choice[]>, agree: Term): Term | undefined {
  const twins = (['a', 'b'] as const).flatMap((who) => ba[who].map((c, k) => [c, ab[who][k]] as const));
  if (twins.length === 0 || twins.some(([c, twin]) => !twin || twin.n !== c.n)) return undefined;
  // one of the values someChoice ranges over: a choice A;B did not reach is unconstrained, and
  // -1 stands for it (where B;A does not reach it either, any value will do)
  const value = (c: Choice, twin: Choice) => T.ite(T.and(T.le(T.mkInt(-1), twin.c), T.lt(twin.c, T.mkInt(c.n))), twin.c, T.mkInt(-1));
  const as = (t: Term) => twins.reduce((u, [c, twin]) => T.replace(u, c.c, value(c, twin)), t);
  return as(T.and(...twins.map(([c]) => c.fact), agree));
}

/**
 * The first call's arguments under the spec's `commuteFirst`, when it applies to `op` (every one of
 * its parameters is a parameter of op): the assumption joins `pre`, and an argument it fixes to a
 * literal (`pid === 0`) is evaluated as that literal, so that reads at it fold (`s.procs[0]`
 * instead of an if-then-else over the processes). The input constant stays, equal to the literal,
 * for the models that tests are decoded from.
 */
function pinFirst(first: Func | undefined, op: Func, args: SVal[], m: Machine, pre: Term[]): SVal[] {
  const params = op.params.slice(1).map((p) => p.name);
  if (!first || !first.params.every((p) => params.includes(p.name))) return args;
  const assumed = m.predicate(first, first.params.map((p) => args[params.indexOf(p.name)]));
  pre.push(assumed);
  const conjuncts = assumed.op === 'and' ? assumed.args : [assumed];
  return args.map((v) => {
    if (v.k !== 's') return v;
    const fixed = conjuncts.find((c) => c.op === '=' && c.args.includes(v.t) && c.args.some((x) => x.op === 'int' || x.op === 'bool'));
    const lit = fixed?.args.find((x) => x !== v.t);
    return lit ? { ...v, t: lit } : v;
  });
}

/**
 * The scalar arguments of a call (`inputs`, their input constants; `used`, what the call reads,
 * a literal where pinned) with the array dimensions each indexes (paramDims).
 */
function argUses(program: Program, op: Func, inputs: SVal[], used: SVal[]): ArgUse[] {
  const dims = paramDims(program, op);
  const params = op.params.slice(1);
  return inputs.flatMap((x, k) => (x.k === 's' ? [{ input: x.t, dims: dims.get(params[k].name) ?? [], pinned: used[k].k === 's' && used[k].t !== x.t }] : []));
}

const paramDimsCache = new WeakMap<Func, Map<string, string[]>>();

/**
 * The array dimensions each scalar parameter of `op` indexes (`s.procs[].fds[].kind@0` for a
 * pid), from the operation run alone with every argument symbolic, once per operation. The
 * pair's own formula is no guide: a pinned argument is read as its literal, and reads fold
 * (`s.v[b.pid]` after a write at 0 becomes a comparison with 0).
 */
function paramDims(program: Program, op: Func): Map<string, string[]> {
  const hit = paramDimsCache.get(op);
  if (hit) return hit;
  const m = new Machine(program);
  const st = m.input('s', op.params[0].type);
  const args = op.params.slice(1).map((p) => m.input(`param.${p.name}`, p.type));
  const ret = m.call(op, [st, ...args]);
  const terms = [...m.branches.map((b) => b.cond), ...(ret?.k === 's' ? [ret.t] : [])];
  if (st.k === 'ref') for (const l of leavesOf(op.params[0].type)) terms.push(m.readLeaf(st.ref, l.segs));
  const dims = dimensionsIndexedBy(terms, (i) => i.op === 'const');
  const out = new Map(op.params.slice(1).flatMap((p, k) => {
    const x = args[k];
    return x.k === 's' ? [[p.name, [...(dims.get(x.t) ?? [])]] as [string, string[]]] : [];
  }));
  paramDimsCache.set(op, out);
  return out;
}

/**
 * Two values of one state leaf are equal. Arrays compare element by element (fixed arrays at
 * every index, maps at every key either side wrote): both sides start from the same input array,
 * so elsewhere they agree, and the divergence report can then name the element; equality of two
 * store chains would leave Z3 to reason by extensionality.
 */
function sameLeaf(x: Term, y: Term, lens: (number | undefined)[]): Term {
  if (x === y) return T.TRUE;
  if (x.sort.k !== 'Array') return T.eq(x, y);
  const [len, ...rest] = lens;
  let keys: Term[];
  if (len !== undefined) keys = Array.from({ length: len }, (_, k) => T.mkInt(k));
  else {
    const written = new Map<number, Term>();
    const collect = (t: Term): void => {
      if (t.op === 'store') {
        written.set(t.args[1].id, t.args[1]);
        collect(t.args[0]);
      } else if (t.op === 'ite') {
        collect(t.args[1]);
        collect(t.args[2]);
      }
    };
    collect(x);
    collect(y);
    if ([...written.values()].some((k) => !k.closed)) return T.eq(x, y);
    keys = [...written.values()];
  }
  return T.and(...keys.map((k) => sameLeaf(T.select(x, k), T.select(y, k), rest)));
}

/** A path: the branches it reaches and which way each goes. */
export interface Path {
  id: string;
  cube: { branch: number; value: boolean }[];
  commutative: boolean;
  /** divergent paths: what first differs between the orders */
  first?: string;
  /** commutative paths: the case as printed, its conjuncts simplified (simplify.ts; equivalent to cube and agreement under the pair's given facts) */
  condition?: Term[];
}

export interface EnumerationPolicy {
  maxPathsPerPair: number;
  /**
   * false: the commutative cases are not simplified and printed (`c0: (not described ...)`): a run
   * whose output does not show them spares the rewriting (on POSIX about a tenth of a second a
   * case, for 8,227 cases). Default true.
   */
  describeCases?: boolean;
  /** per check: Z3's resource count, the deterministic budget (query.ts, Budget) */
  rlimit: number;
  /** per check: the wall-clock safety net */
  timeoutMs: number;
  /** per enumeration (the paths of one side of a pair): the deterministic budget of all its checks */
  pathBudgetRlimit: number;
  /** per enumeration: its wall-clock safety net */
  pathBudgetMs: number;
  /** where the counts spent are recorded */
  spend?: Spend;
}

/**
 * The budgets of verify commute, in Z3's resource count, chosen from what the shipped workloads
 * spend (bench/README.md, "Budgets and verdicts under load"). Measured on the whole POSIX run
 * (8,951 goals), the kernel's kill/kill and the test fixtures: one check at most 5.19 M (POSIX
 * mmap/mmap's divergent paths; kernel kill/kill 2.62 M), one enumeration at most 17.3 M (the
 * same). So 32 M a check (6x; verify's default too) and 300 M an enumeration (17x, and about
 * four times what the 120 s it had by the clock took at the rate measured on the kernel). The
 * wall-clock nets are there for a check that stalls without counting: at the rate measured on
 * the kernel's queries with this 2-core machine shared by about eight processes (165 k a
 * second), 32 M takes about 3 minutes; so a check gets 10 minutes (30 retried, with 96 M) and an
 * enumeration an hour.
 */
export const DEFAULT_RLIMIT = 32_000_000;
export const DEFAULT_PATH_BUDGET_RLIMIT = 300_000_000;
export const DEFAULT_NET_MS = 600_000;
export const DEFAULT_PATH_NET_MS = 3_600_000;

export const DEFAULT_POLICY: EnumerationPolicy = { maxPathsPerPair: 1000, rlimit: DEFAULT_RLIMIT, timeoutMs: DEFAULT_NET_MS, pathBudgetRlimit: DEFAULT_PATH_BUDGET_RLIMIT, pathBudgetMs: DEFAULT_PATH_NET_MS };

/**
 * A path is a path of A;B: the branches of B;A are not projected. B;A runs from the same state
 * on the same arguments, so its branches mostly follow from A;B's; projecting them too
 * multiplied the paths (measured on posix open/open: over 1,250 paths, cut at the cap) without
 * telling a person more. Whether a path commutes can still depend on values, so one path of A;B
 * may be both commutative and divergent, as COMMUTER's forking on the final comparison makes it.
 */
export function branchProjections(p: PairProblem): NamedTerm[] {
  return p.branches.flatMap((br, k) => (br.call.startsWith('ab:') ? [{ name: `br!${k}`, term: br.cond, when: br.reached }] : []));
}

export function cubeOf(project: NamedTerm[], values: string[]): { branch: number; value: boolean }[] {
  return values.flatMap((v, k) => (v === '' ? [] : [{ branch: Number(project[k].name.slice('br!'.length)), value: v === 'true' }]));
}

/** The path condition as a term. */
export function cubeTerm(p: PairProblem, cube: Path['cube']): Term {
  return T.and(...cube.map((c) => (c.value ? p.branches[c.branch].cond : T.not(p.branches[c.branch].cond))));
}

/**
 * The path's conditions, each simplified by the others (a later call's condition reads the
 * earlier call's writes as if-then-elses the path decides); those left true are dropped.
 */
function decidedCube(p: PairProblem, cube: Path['cube']): Term[] {
  const out: Term[] = [];
  for (const c of cube) {
    const self = p.branches[c.branch].cond;
    const t = cube.reduce((u, d) => (p.branches[d.branch].cond === self ? u : T.replace(u, p.branches[d.branch].cond, T.mkBool(d.value))), c.value ? self : T.not(self));
    if (!T.isTrue(t)) out.push(t);
  }
  return out;
}

/**
 * The agreement condition on one path, simplified by what the path fixes: every branch condition
 * of the path replaced by its value (the if-then-else terms of the merged states collapse).
 */
function agreeOnPath(p: PairProblem, cube: Path['cube']): Term {
  return cube.reduce((t, c) => T.replace(t, p.branches[c.branch].cond, T.mkBool(c.value)), p.agree);
}

/** A commutative path's condition as the case list and the test enumeration read it. */
export interface PathCondition {
  /** decidedCube */
  branches: Term[];
  /** agreeOnPath */
  agreement: Term;
}

const pathConditions = new WeakMap<Path, PathCondition>();

/**
 * The path's PathCondition, worked out once per path: the analysis prints it as a case and test
 * generation enumerates its values, and each substitution walks the whole agreement (on POSIX,
 * a fifth of the parent's time before this was shared).
 */
export function pathCondition(p: PairProblem, path: Path): PathCondition {
  let c = pathConditions.get(path);
  if (!c) pathConditions.set(path, (c = { branches: decidedCube(p, path.cube), agreement: agreeOnPath(p, path.cube) }));
  return c;
}

export interface PairAnalysis {
  problem: PairProblem;
  result: PairResult;
  paths: Path[];
  /**
   * the spec may run into a runtime error in this pair (or that was not decided): its tests are
   * then taken only from states and arguments where it does not (testgen.ts), where the paths'
   * SMT meaning is TypeScript's
   */
  illDefined?: boolean;
}

/** Enumerates the commutative and the divergent paths of one pair and classifies it. */
export async function analysePair(spec: CommuteSpec, a: Func, b: Func, pool: SolverPool, policy: EnumerationPolicy = DEFAULT_POLICY): Promise<PairAnalysis> {
  const t0 = performance.now();
  const p = pairProblem(spec, a, b);
  const builtMs = performance.now() - t0;
  const an = await analyseProblem(p, pool, policy);
  an.result.ms += Math.round(builtMs);
  return an;
}

/** analysePair on a problem already built (verify commute builds them all to schedule the largest first). */
export async function analyseProblem(p: PairProblem, pool: SolverPool, policy: EnumerationPolicy = DEFAULT_POLICY): Promise<PairAnalysis> {
  const t0 = performance.now();
  const project = branchProjections(p);
  const goals: QueryGoal[] = [
    { id: 'commutative', asserts: [p.agree], project, cap: policy.maxPathsPerPair, budgetMs: policy.pathBudgetMs, budgetRlimit: policy.pathBudgetRlimit, models: false },
    // the components are read from the model (not projected: a path is a path whichever differs),
    // and only they: the rest of a pair's model is the whole state, twice
    { id: 'divergent', ...divergence(p), project, cap: policy.maxPathsPerPair, budgetMs: policy.pathBudgetMs, budgetRlimit: policy.pathBudgetRlimit, models: true, modelPrefixes: ['eq!'] },
  ];
  // a state and arguments on which the spec runs into a runtime error or a failing assume: there
  // the SMT meaning is not TypeScript's, so no verdict is given (verify's invariants theorem
  // reports the error; a verified spec has none from states that satisfy its invariants)
  if (!T.isTrue(p.wellDefined)) goals.push({ id: 'ill-defined', asserts: [T.not(p.wellDefined)], project: [], cap: 1, budgetMs: policy.pathBudgetMs, budgetRlimit: policy.pathBudgetRlimit, models: false });
  const built = performance.now() - t0;
  const budget = { ...policy, what: `${p.a.name}/${p.b.name} analysis` };
  const [comm, div, ill] = await solveGoals(pool, p.given, goals, budget, inputLengths(p.inputs));
  const paths: Path[] = [];
  let unknowns = 0;
  const take = (r: GoalResult, commutative: boolean) => {
    if (r.status === 'unknown') unknowns++;
    for (const [k, sol] of (r.solutions ?? []).entries()) {
      const path: Path = { id: `${commutative ? 'c' : 'd'}${k}`, cube: cubeOf(project, sol.values), commutative };
      if (!commutative && sol.model) {
        const model = Model.parse(sol.model);
        const k2 = p.components.findIndex((_, j) => model.value(`eq!${j}`) === false);
        path.first = k2 >= 0 ? p.components[k2].what : 'no single component (the choices of both orders differ)';
      }
      paths.push(path);
    }
  };
  take(comm, true);
  take(div, false);
  const nComm = paths.filter((x) => x.commutative).length;
  const nDiv = paths.length - nComm;
  // a side with no path decides the verdict only when its enumeration ran to unsat: one stopped
  // by a budget (rlimit or the net) can end with no path found, after refuting cases of B;A's
  // choices (divergence), and is 'sat' then, not 'unknown'; calling that 'always' would be a
  // verdict nothing proved
  const settled = (r: GoalResult) => r.status === 'unsat';
  const illDefined = ill !== undefined && (ill.status === 'unknown' || (ill.solutions ?? []).length > 0);
  const verdict: PairResult['verdict'] = illDefined
    ? 'unknown'
    : nComm > 0 && nDiv > 0 ? 'sometimes' : nComm === 0 && nDiv > 0 && settled(comm) ? 'never' : nDiv === 0 && nComm > 0 && settled(div) ? 'always' : 'unknown';
  const stopped = [comm, div].filter((r) => r.stopped).map((r) => `${r.id}: ${r.stopped}`);
  const base = baseView(p.given);
  const result: PairResult = {
    a: p.a.name,
    b: p.b.name,
    verdict,
    paths: paths.length,
    commutativePaths: nComm,
    cases: paths.filter((x) => x.commutative).map((x) => (policy.describeCases === false ? `${x.id}: ${NOT_DESCRIBED}` : caseText(p, x, base))),
    divergences: paths.filter((x) => !x.commutative).map((x) => ({ path: x.id, first: x.first ?? '?' })),
    unknowns,
    // building the goals and solving them (not the wait for a free worker)
    ms: Math.round(built + comm.ms + div.ms),
    solveMs: { commutative: comm.ms, divergent: div.ms },
  };
  if (stopped.length) result.cases.push(...stopped.map((s) => `(enumeration stopped: ${s})`));
  // neither side has a path and both ran to the end: no start state and arguments satisfy the
  // invariants (and commuteFirst), so nothing was analysed (red-team round 7, t23: it said "never")
  if (paths.length === 0 && settled(comm) && settled(div)) result.cases.push("(no verdict: no start state and arguments satisfy what the pair assumes, the spec's invariants and its commuteFirst if it has one: the analysis is vacuous)");
  if (illDefined) {
    const where = ill.solutions?.length ? await failingObligation(p, pool, budget) : '';
    const why = ill.status === 'unknown' && !ill.solutions?.length
      ? `whether the spec may run into a runtime error or a failing assume() in this pair was not decided (${ill.stopped ?? ill.reason ?? 'unknown'})`
      : `the spec may run into a runtime error or a failing assume() in this pair (in an operation, or in \`equivalent\` on the states they leave), from a state that satisfies its invariants${where}`;
    result.cases.push(`(no verdict: ${why})`);
  }
  return { problem: p, result, paths, illDefined };
}

/**
 * Which obligation of an ill-defined pair fails, for the report: `: FILE:LINE:COL message`, or ''
 * when the solver does not say. Asked apart, and only of an ill-defined pair, so that a
 * well-defined pair's job is the same text whatever its obligations (each projected in it would
 * change the definitions its goals share: what Z3 is given, and so the counts it spends).
 */
async function failingObligation(p: PairProblem, pool: SolverPool, budget: Budget): Promise<string> {
  const project: NamedTerm[] = p.obligations.map((o, k) => ({ name: `ok!${k}`, term: o.holds, reportOnly: true }));
  const goal: QueryGoal = { id: 'ill-defined where', asserts: [T.not(p.wellDefined)], project, cap: 1, budgetMs: budget.timeoutMs, models: false };
  const [r] = await solveGoals(pool, p.given, [goal], budget, inputLengths(p.inputs));
  const k = r.solutions?.[0]?.values.findIndex((v) => v === 'false') ?? -1;
  return k >= 0 ? `: ${formatLoc(p.obligations[k].loc)} ${p.obligations[k].message}` : '';
}

/**
 * Above this many combinations of B;A's choices, "no choice agrees" is asserted as one formula
 * (the worker builds every combination's case up front). POSIX pipe/pipe has 2,304 (two
 * descriptors and a pipe each): refuted lazily its analysis took 8 s instead of 59 s.
 */
const REFUTE_LIMIT = 4096;

/**
 * What a divergent model satisfies: no choice of B;A agrees with A;B. Asserted as it stands, that
 * is a conjunction over every combination of B;A's choices (open/open: 256), which each check
 * must refute in full (1.4 s a check on open/open, docs/commute.md). Instead the worker refutes
 * the combinations lazily, those that agree in a model it found (Refutation): a path is divergent
 * only once no combination holds in its model, and "no more paths" is the same unsat, since each
 * refuted combination is implied by the whole.
 */
function divergence(p: PairProblem): Pick<QueryGoal, 'asserts' | 'refute'> {
  const named = p.components.map((c, k) => T.eq(T.mkConst(`eq!${k}`, T.BOOLS), c.equal));
  const combos = p.baChoices.reduce((n, c) => n * choiceValues(c).length, 1);
  if (p.baChoices.length === 0 || combos > REFUTE_LIMIT) return { asserts: [T.not(p.commutes), ...named] };
  return {
    // refuted up front: the case that holds most often, which would otherwise come first each time
    asserts: [...named, ...(p.sameChoices ? [T.not(p.sameChoices)] : [])],
    refute: {
      body: T.and(...p.baChoices.map((c) => c.fact), p.agree),
      choices: p.baChoices.map((c) => ({ c: c.c, values: choiceValues(c) })),
    },
  };
}

/** A case left undescribed (EnumerationPolicy.describeCases). */
export const NOT_DESCRIBED = 'not described (verify commute describes the cases with --cases, --json and --html)';

/**
 * One commutative case, readable and whole: the path's conditions, then what else the orders need
 * to agree, simplified under each other and the pair's given facts (simplify.ts).
 */
function caseText(p: PairProblem, path: Path, base: ReturnType<typeof baseView>): string {
  const c = pathCondition(p, path);
  path.condition = simplifyCase(c.branches, c.agreement, base);
  return `${path.id}: ${conditionText(path.condition)}`;
}

/** A case's conjuncts as one TypeScript condition; `true` when none is left. */
export function conditionText(conjuncts: readonly Term[]): string {
  return conjuncts.length ? showCondition(T.and(...conjuncts)) : 'true';
}

/** The condition of a pair as one term: the disjunction of its commutative paths (tests use it). */
export function commuteCondition(an: PairAnalysis): Term {
  const p = an.problem;
  return T.or(...an.paths.filter((x) => x.commutative).map((x) => T.and(cubeTerm(p, x.cube), p.agree)));
}

