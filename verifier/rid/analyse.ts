// verify rid, the analysis: paths of every function bottom-up, the feasible ones kept as the
// function's summary, then the inconsistent-path-pair (IPP) queries and the two extra rules.
//
// RID (Mao et al., ASPLOS'16, §3–4) compares two paths of one function that a caller cannot tell
// apart: the same arguments, the same result, and here also the same caller-visible state after
// the call (RID does not model it; research/rid.md §4 item 2). The hidden values of each path
// (outcomes of primitives) are existential and renamed apart for each side of a query, where RID
// drops the constraints over them (its `RemoveLocals`).

import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Func, Loc, Program } from '../ir.ts';
import { isScalar } from '../ir.ts';
import { loadProject } from '../frontend/project.ts';
import { lowerChecked } from '../frontend/typecheck.ts';
import { Lowering } from '../frontend/lower.ts';
import { confirmRunLoads } from '../frontend/run-resolution.ts';
import { SolverPool, type GoalResult } from '../solver/pool.ts';
import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import { leavesOf } from '../../symexec/layout.ts';
import { PathEvaluator } from '../../symexec/paths.ts';
import { PRIMITIVE_PREFIX, isCounterType, substConsts, type FunctionPaths, type PathRecord } from '../../symexec/summary.ts';
import { declarations, assertion, RID_RLIMIT } from './smt.ts';
import { SubsetError, type Diagnostic } from '../diagnostics.ts';
import { Model } from '../solver/model.ts';
import { arrayLens } from '../../symexec/evaluate.ts';
import { aliasingNotes } from './aliasing.ts';
import { checkRules } from './rules.ts';

export type RuleId = 'rc/ipp' | 'rc/escape-leak' | 'rc/borrowed-underflow' | 'rc/return-contract';

/** One side of a finding: a path, its counter change, and its hidden values chosen by the witness. */
export interface FindingPath {
  path: PathRecord;
  delta: string;
  /** hidden constants renamed for this side of the query, in the order the code asks for them */
  hidden: Term[];
}

export interface Finding {
  rule: RuleId;
  fn: Func;
  counter: string;
  /** the counter is a `Counter` field (compared by value), not a declared API counter */
  field: boolean;
  /**
   * A `Counter` field of array elements (`t.objs[].refs`): the leaf key, and the element the
   * witness picks (its indices). `counter` then names the element, by the index expression the
   * code wrote when the witness says it is that one (`t.objs[i].refs`), else by the index value.
   */
  element?: { key: string; index: bigint[]; note?: string };
  paths: FindingPath[];
  /** the solver's model for the witness */
  model: string;
  message: string;
  /** an escape leak of a reference the function holds (owned, or taken out of the arguments): it ends at 0 or above */
  ownedLeak?: boolean;
  /** an over-release of a reference the function holds: it ends below -1 */
  held?: boolean;
  /** an IPP whose two paths took the two cases of a callee's own IPP at one call: RID reports it once */
  via?: { calleeKey: string; callee: string; entries: [number, number] };
}

export interface FunctionStats {
  fn: Func;
  pathsStarted: number;
  paths: number;
  feasible: number;
  capped: boolean;
  /** its IPP candidates went beyond --max-pairs: those beyond were not asked (an unknown) */
  pairsCapped?: number;
  /** it or a function it calls (transitively) hit the path cap: its summary may miss paths */
  incomplete: boolean;
  declaration: boolean;
  queries: number;
  /** solver time of each query, for the bench */
  queryMs: number[];
  unknown: number;
  ms: number;
}

export interface Analysis {
  root: string;
  files: string[];
  project: ReturnType<typeof loadProject>;
  program: Program;
  summaries: Map<string, FunctionPaths>;
  findings: Finding[];
  /** queries the solver did not answer: never a finding, never "clean" */
  unknowns: { fn: Func; what: string; reason: string }[];
  /** functions verify rid cannot evaluate (and their callers): not checked, never "clean" */
  skipped: { fn: Func; diagnostic: Diagnostic }[];
  stats: FunctionStats[];
  queries: number;
  /** the path pairs of each function's IPP findings, by function key (`i,j` in summary order) */
  ippPairs: Map<string, Set<string>>;
  /** branches of checked functions that no declared outcome reaches (dead under the declarations) */
  notes: { fn: Func; loc: Loc; message: string }[];
  /** the largest resource count one query spent */
  rlimitMax: number;
}

/** IPP candidates (path pair, counter) asked per function (`--max-pairs`): beyond it, unknown. */
export const DEFAULT_MAX_PAIRS = 2000;

export interface RidOptions {
  maxPaths?: number;
  /** IPP candidates asked per function (default DEFAULT_MAX_PAIRS); the rest is unknown, never clean */
  maxPairs?: number;
  timeoutMs?: number;
  pool: SolverPool;
  /**
   * Ablation (bench/rid.ts): compare paths the way RID does, dropping every constraint over hidden
   * values (its `RemoveLocals`) and the caller-visible state, and without the extra rules.
   * Findings are still replayed, which is what shows the lost precision.
   */
  ridCompat?: boolean;
  /** write every query as an SMT-LIB2 file into this folder (`--smt2 DIR`) */
  smt2Dir?: string;
  /** each query's budget, Z3's resource count (default RID_RLIMIT) */
  rlimit?: number;
}

/** The .ts files a PATH names: the file, or every .ts file below the folder (no node_modules, no .d.ts). */
export function targetFiles(p: string): string[] {
  const st = fs.statSync(p);
  // not a folder: a file, or a FIFO or device that checkSources reports (reading one would block)
  if (!st.isDirectory()) return [path.resolve(p)];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path.resolve(f));
    }
  };
  walk(p);
  return out;
}

/** Lowers the files; throws SubsetError with every diagnostic when some code is outside the subset. */
export function lowerFiles(root: string, files: string[]): { project: ReturnType<typeof loadProject>; program: Program } {
  const project = loadProject(root);
  const L = new Lowering(project);
  lowerChecked(project, files, L, () => files.forEach((f) => L.lowerModule(f)));
  return { project, program: L.program };
}

/** Callees before callers (the subset has no recursion). */
export function bottomUp(program: Program, keys: string[]): Func[] {
  const out: Func[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k) || k.startsWith(PRIMITIVE_PREFIX)) return;
    seen.add(k);
    const f = program.get(k);
    if (!f) return;
    for (const c of calleesOf(f)) visit(c);
    out.push(f);
  };
  keys.forEach(visit);
  return out;
}

function calleesOf(f: Func): string[] {
  const out: string[] = [];
  const json = JSON.stringify(f.body, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  for (const m of json.matchAll(/"k":"call","fn":"([^"]+)"/g)) out.push(m[1]);
  return [...new Set(out)];
}

export async function analyse(root: string, files: string[], opts: RidOptions): Promise<Analysis> {
  const { project, program } = lowerFiles(root, files);
  confirmRunLoads(project);
  const fileSet = new Set(files);
  const targets = [...program.values()].filter((f) => fileSet.has(f.file)).map((f) => f.key).sort();
  const order = bottomUp(program, targets);
  const summaries = new Map<string, FunctionPaths>();
  const a: Analysis = { root, files, project, program, summaries, findings: [], unknowns: [], stats: [], queries: 0, ippPairs: new Map(), skipped: [], notes: [], rlimitMax: 0 };
  // declarations that cannot mean what they say: reported together, as located errors (exit 2)
  const declErrors: Diagnostic[] = [];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  smt2Dir = opts.smt2Dir;
  rlimit = opts.rlimit ?? RID_RLIMIT;
  rlimitSpent = 0;
  let fnIndex = 0;
  // handles removed from the arguments matter only where something is counted
  const removals = order.some((f) => countsReferences(program, f));
  for (const fn of order) {
    const t0 = performance.now();
    let fp: FunctionPaths;
    try {
      fp = new PathEvaluator(fn, summaries, { program, prefix: `f${fnIndex++}`, maxPaths: opts.maxPaths, removals }).run();
    } catch (e) {
      // a construct the path evaluator does not model: skip this function (and so its callers),
      // say why, and keep checking the others
      if (!(e instanceof SubsetError)) throw e;
      a.skipped.push({ fn, diagnostic: e.diagnostics[0] });
      continue;
    }
    const incomplete = fp.capped || calleesOf(fn).some((k) => a.stats.find((s) => s.fn.key === k)?.incomplete);
    const st: FunctionStats = { fn, pathsStarted: fp.started, paths: fp.paths.length, feasible: 0, capped: fp.capped, incomplete, declaration: fp.declaration, queries: 0, queryMs: [], unknown: 0, ms: 0 };
    // 1. feasibility: the summary keeps only paths Z3 does not refute (unknown ones stay: dropping
    // them could hide a bug; each finding is replayed anyway). A path's model is the witness of
    // the rules that look at one path.
    const models = new Map<number, string>();
    const enumerated = fp.paths;
    // the paths this function's own checks look at: feasible with its parameters within their
    // declared types. The summary keeps also those only the declared types rule out: a caller may
    // pass other values (TypeScript does not check them), and its own conditions decide there.
    let own = fp.paths;
    if (fp.paths.length) {
      const res = await solve(opts.pool, fp.paths.map((p) => T.and(...fp.facts, p.pc)), timeoutMs, `${fn.name}.path`);
      const outside = res.map((r, i) => (r.status === 'unsat' ? i : -1)).filter((i) => i >= 0);
      const again = await solve(opts.pool, outside.map((i) => fp.paths[i].pc), timeoutMs, `${fn.name}.untyped`);
      for (const r of [...res, ...again]) {
        st.queries++;
        st.queryMs.push(r.ms);
      }
      const kept: PathRecord[] = [];
      const ownIds = new Set<number>();
      res.forEach((r, i) => {
        const elsewhere = again[outside.indexOf(i)];
        if (r.status === 'unsat' && elsewhere?.status === 'unsat') return;
        if (r.status === 'unknown') {
          st.unknown++;
          a.unknowns.push({ fn, what: `feasibility of path ${i + 1}`, reason: r.reason ?? 'unknown' });
        }
        // callers refer to a summary's paths by index: renumber the kept ones
        if (r.status !== 'unsat') ownIds.add(kept.length);
        if (r.model) models.set(kept.length, r.model);
        kept.push({ ...fp.paths[i], id: kept.length });
      });
      fp.paths = kept;
      own = kept.filter((p) => ownIds.has(p.id));
    }
    st.feasible = own.length;
    const typed = { ...fp, paths: own };
    if (fp.declaration) declErrors.push(...checkDeclaration(typed, enumerated, models));
    else if (fileSet.has(fn.file) && !fp.capped) a.notes.push(...deadBranches(typed, enumerated), ...aliasingNotes(fp));
    summaries.set(fn.key, fp);
    if (fileSet.has(fn.file) && !fp.declaration) {
      const contract = returnContract(project, fn);
      if (contract.errors.length) declErrors.push(...contract.errors);
      await checkExactness(a, fp, st, opts.pool, timeoutMs, contract.counters.length > 0);
      await checkFunction(a, typed, models, st, opts.pool, timeoutMs, opts.ridCompat ?? false, contract.counters, opts.maxPairs ?? DEFAULT_MAX_PAIRS);
    }
    st.ms = performance.now() - t0;
    a.stats.push(st);
    a.queries += st.queries;
  }
  if (declErrors.length) throw new SubsetError(declErrors);
  a.rlimitMax = rlimitSpent;
  return a;
}

/**
 * The checks on a declaration itself (docs/rid.md, "Checking the declarations"). Its cases are its
 * paths, disjoint and exhaustive by construction; what can still go wrong:
 * - no outcome at all (its assume()s exclude every value): each call would cut the caller's path,
 *   so the caller's code after it would go unchecked and look clean;
 * - one outcome on which the body both increments and decrements the same counter: the
 *   conditions of the inc and of the dec overlap (`if (r === 0) inc …; if (r <= 0) dec …`).
 */
function checkDeclaration(fp: FunctionPaths, enumerated: PathRecord[], models: Map<number, string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (fp.paths.length === 0) {
    out.push({ loc: fp.fn.loc, construct: `the refcount declaration ${fp.fn.name}`, message: `no outcome satisfies its conditions (assume, the result type${enumerated.length ? '' : ', every path ends in a failed assert'}): every call of it would end the caller's path, and the code after the call would go unchecked. Loosen the assume()s` });
    return out;
  }
  const seen = new Set<string>();
  for (const p of fp.paths) {
    for (const c of p.conflicts) {
      if (seen.has(c.counter)) continue;
      seen.add(c.counter);
      // the outcome values of that path, from its feasibility model
      let when = '';
      const m = models.get(p.id);
      if (m && p.hidden.length) {
        try {
          const model = Model.parse(m);
          const vals = p.hidden.map((h) => [h.what, model.value(h.c.name!)] as const).filter(([, v]) => v !== undefined);
          if (vals.length) when = ` (e.g. when ${vals.map(([w, v]) => `${w} = ${String(v)}`).join(', ')})`;
        } catch {
          when = '';
        }
      }
      out.push({
        loc: c.dec,
        construct: `the refcount declaration ${fp.fn.name}`,
        message: `on one outcome${when} it both increments (line ${c.inc.line}) and decrements (line ${c.dec.line}) ${c.counter}: the conditions of the inc and of the dec overlap. Make them exclusive (if/else on the outcome); if the primitive really takes and drops a reference on that outcome, write neither`,
      });
    }
  }
  return out;
}

/**
 * Branches on a primitive's outcome that no feasible path takes: the declarations exclude every
 * outcome that leads there (an assume, a result type), so that code is never checked. A note, not
 * a finding: the declaration may be right (the primitive never returns that), but if it is too
 * narrow the caller's error handling there goes unseen.
 */
function deadBranches(fp: FunctionPaths, enumerated: PathRecord[]): { fn: Func; loc: Loc; message: string }[] {
  const key = (s: { loc: Loc; what: string }) => `${s.loc.line}:${s.loc.col}:${s.what}`;
  const live = new Set(fp.paths.flatMap((p) => p.steps.map(key)));
  const dead = new Map<string, { loc: Loc; what: string }>();
  for (const p of enumerated) for (const s of p.steps) if (s.onOutcome && !live.has(key(s))) dead.set(key(s), s);
  return [...dead.values()].map((s) => ({ fn: fp.fn, loc: s.loc, message: `${fp.fn.name}: the "${s.what.replace(/^\? /, '')}" branch at line ${s.loc.line} is never taken under the declared outcomes of the primitives it depends on; its code is not checked (widen the declaration if the primitive can return such a value)` }));
}

let smt2Dir: string | undefined;
let rlimit = RID_RLIMIT;
/** the largest resource count one query spent in this analysis (for the bench) */
let rlimitSpent = 0;

export async function solve(pool: SolverPool, goals: Term[], timeoutMs: number, id: string): Promise<GoalResult[]> {
  if (goals.length === 0) return [];
  const prelude = declarations(goals);
  if (smt2Dir) {
    fs.mkdirSync(smt2Dir, { recursive: true });
    goals.forEach((g, i) => fs.writeFileSync(path.join(smt2Dir!, `${id.replace(/[^\w.-]/g, '_')}${i}.smt2`), `${prelude}\n${assertion(g, `d${i}_`)}\n(check-sat)\n`));
  }
  const res = await pool.solve({ prelude, goals: goals.map((g, i) => ({ id: `${id}${i}`, smt: assertion(g, `d${i}_`) })), timeoutMs, rlimit, incremental: true });
  for (const r of res) rlimitSpent = Math.max(rlimitSpent, r.rlimit ?? 0);
  return res;
}

// ---- the checks ----------------------------------------------------------------------------------

/**
 * Where the evaluator's model of a path may differ from its run (an inexact division, a value
 * beyond 2^53, a division by zero, an index out of bounds, a narrowing store, also in a callee),
 * anything said about the path would rest on the model: each such obligation must be proved on
 * its path, else the function is unknown, never clean (reported once per place).
 */
async function checkExactness(a: Analysis, fp: FunctionPaths, st: FunctionStats, pool: SolverPool, timeoutMs: number, contract: boolean): Promise<void> {
  // a run of code that touches no counter (no refcount call, no ownership, no Counter field, no
  // @returnsNew) leaves nothing to compare, however it differs from the model
  if (!countsReferences(a.program, fp.fn) && counterLeaves(fp).size === 0 && !contract) return;
  // (each obligation carries the path condition where it was raised, also on runs that end in a
  // failed assert or were found infeasible later: the real run may leave the model before that)
  const goals = fp.obligations;
  const res = await solve(pool, goals.map((o) => T.and(...fp.facts, ...fp.arrayFacts, T.not(o.holds))), timeoutMs, `${fp.fn.name}.exact`);
  st.queries += res.length;
  st.queryMs.push(...res.map((r) => r.ms));
  const seen = new Set<string>();
  res.forEach((r, i) => {
    if (r.status === 'unsat') return;
    const o = goals[i];
    const where = `line ${o.loc.line}:${o.loc.col}`;
    if (seen.has(where + o.message)) return;
    seen.add(where + o.message);
    st.unknown++;
    const why = r.status === 'unknown' ? `the solver could not show it exact (${r.reason ?? 'unknown'})` : 'the model may differ from the run';
    a.unknowns.push({ fn: fp.fn, what: where, reason: `${why}: ${o.message}` });
  });
}

/** Whether `fn` or a function it calls (transitively) calls inc, dec, consume or owned. */
function countsReferences(program: Program, fn: Func, seen = new Set<string>()): boolean {
  if (seen.has(fn.key)) return false;
  seen.add(fn.key);
  return calleesOf(fn).some((k) => (k.startsWith(PRIMITIVE_PREFIX) ? ['inc', 'dec', 'consume', 'owned'].includes(k.slice(PRIMITIVE_PREFIX.length)) : !!program.get(k) && countsReferences(program, program.get(k)!, seen)));
}

/** Keys of counter fields of the parameters (`param.leafkey`), compared by value, not by a declared delta. */
function counterLeaves(fp: FunctionPaths): Set<string> {
  const out = new Set<string>();
  for (const p of fp.params) {
    if (isScalar(p.type)) continue;
    for (const l of leavesOf(p.type)) if (isCounterType(l.scalar)) out.add(l.key ? `${p.name}.${l.key}` : p.name);
  }
  return out;
}

/** The callee IPP that two paths inherit: at one call site they took the two cases of a pair it reported. */
function inheritedFrom(a: Analysis, A: PathRecord, B: PathRecord): Finding['via'] {
  for (const ca of A.calls) {
    const cb = B.calls.find((x) => x.loc.line === ca.loc.line && x.loc.col === ca.loc.col && x.key === ca.key);
    if (!cb || cb.entry === ca.entry) continue;
    const [i, j] = ca.entry < cb.entry ? [ca.entry, cb.entry] : [cb.entry, ca.entry];
    if (a.ippPairs.get(ca.key)?.has(`${i},${j}`)) return { calleeKey: ca.key, callee: ca.fn, entries: [i, j] };
  }
  return undefined;
}

/** Hidden values of either side of a query (renamed `A!…` / `B!…`). */
function mentionsHidden(t: Term): boolean {
  return T.constantsOf([t]).some((c) => c.name!.startsWith('A!') || c.name!.startsWith('B!'));
}

/** RID's `RemoveLocals`: keep only the conjuncts of a path condition over arguments. */
function removeLocals(pc: Term): Term {
  const parts = pc.op === 'and' ? pc.args : [pc];
  return T.and(...parts.filter((p) => !mentionsHidden(p)));
}

/** Renames every non-parameter constant of a path (its hidden values) apart for one side of a query. */
function renamer(fp: FunctionPaths, p: PathRecord, side: string): { sub: (t: Term) => Term; hidden: Term[] } {
  const paramPrefixes = fp.params.map((x) => x.smt);
  const terms = [p.pc, ...(p.ret?.t ? [p.ret.t] : []), ...(p.ret?.leaves ? [...p.ret.leaves.values()] : []), ...(p.ret?.ref ? p.ret.ref.path.flatMap((x) => ('i' in x ? [x.i] : [])) : []), ...p.post.values()];
  const sigma = new Map<Term, Term>();
  for (const c of T.constantsOf(terms)) {
    if (paramPrefixes.some((pp) => c.name === pp || c.name!.startsWith(pp + '.'))) continue;
    sigma.set(c, T.mkConst(`${side}!${c.name}`, c.sort));
  }
  const hidden = p.hidden.map((h) => sigma.get(h.c) ?? T.mkConst(`${side}!${h.c.name}`, h.c.sort));
  return { sub: (t) => substConsts(t, sigma), hidden };
}

/**
 * The values that name counters on a path (scalar parameters, handles handed out by primitives,
 * the result), kept pairwise distinct in the witness when possible: the replay tells counters of
 * handles apart by value, so two handles with one value would make the witness ambiguous.
 */
export function handleValues(fp: FunctionPaths, p: PathRecord, sub: (t: Term) => Term, names: Set<string>): Term[] {
  const out: Term[] = [];
  for (const x of fp.params) if (names.has(x.name) && isScalar(x.type)) out.push(T.mkConst(x.smt, x.type.k === 'opaque' ? { k: 'Unint', name: x.type.name } : x.type.k === 'bool' ? T.BOOLS : T.INT));
  for (const h of p.hidden) if (h.prov && names.has(h.prov)) out.push(sub(h.c));
  if (names.has('ret') && p.ret?.t) out.push(sub(p.ret.t));
  // handles named by their value (module constants): the others should not take that value
  for (const n of names) if (/^-?\d+$/.test(n) && n !== '0') out.push(T.mkInt(BigInt(n)));
  return [...new Set(out)];
}

/** The values named by the counters the paths touch (`dpm(dev)` names `dev`). */
export function counterNames(paths: PathRecord[]): Set<string> {
  return new Set(paths.flatMap((p) => [...p.touched].map((k) => /^[^(]*\((.*)\)$/.exec(k)![1])));
}

export function allDistinct(ts: Term[]): Term {
  const out: Term[] = [];
  // integer handles follow RID's convention that 0 is NULL: two NULLs name no counter
  for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) if (T.sortEq(ts[i].sort, ts[j].sort)) out.push(ts[i].sort.k === 'Int' ? T.or(T.not(T.eq(ts[i], ts[j])), T.eq(ts[i], T.mkInt(0))) : T.not(T.eq(ts[i], ts[j])));
  return T.and(...out);
}

/** A model of `goal`, preferring one where the handle values are distinct. */
export async function witnessModel(pool: SolverPool, goal: Term, handles: Term, fallback: string, timeoutMs: number, st: FunctionStats, elementFacts: Term[], fallbackIsOfGoal = true): Promise<string> {
  if (T.isTrue(handles) && elementFacts.length === 0 && fallbackIsOfGoal) return fallback;
  const [r] = await solve(pool, [T.and(goal, handles, ...elementFacts)], timeoutMs, 'witness');
  st.queries++;
  st.queryMs.push(r.ms);
  return r.status === 'sat' && r.model ? r.model : fallback;
}

function fieldDelta(before: Term, after: Term): string {
  // after = before + k, written as nested +/- of literals (o.refcount + 1 - 1 ...)
  const off = (t: Term): bigint | undefined => {
    if (t === before) return 0n;
    const [x, y] = t.args;
    if (t.op === '+' && T.intValue(y) !== undefined) return addB(off(x), T.intValue(y)!);
    if (t.op === '+' && T.intValue(x) !== undefined) return addB(off(y), T.intValue(x)!);
    if (t.op === '-' && T.intValue(y) !== undefined) return addB(off(x), -T.intValue(y)!);
    return undefined;
  };
  const v = off(after);
  if (v === undefined) return 'changed';
  return v > 0n ? `+${v}` : `${v}`;
}

function addB(a: bigint | undefined, b: bigint): bigint | undefined {
  return a === undefined ? undefined : a + b;
}

export const fmt = (d: number) => (d > 0 ? `+${d}` : `${d}`);

async function checkFunction(a: Analysis, fp: FunctionPaths, models: Map<number, string>, st: FunctionStats, pool: SolverPool, timeoutMs: number, ridCompat: boolean, returnsNew: string[], maxPairs: number): Promise<void> {
  const fields = counterLeaves(fp);
  const paths = fp.paths;
  // the entry value of a counter field, to print its change (`+1`) rather than only "changed"
  const paramConst = (k: string, kind: 'int' | 'array' = 'int') => {
    const [p, ...rest] = k.split('.');
    const inp = fp.params.find((x) => x.name === p)!;
    const name = rest.length ? `${inp.smt}.${rest.join('.')}` : inp.smt;
    if (kind === 'int') return T.mkConst(name, T.INT);
    return T.mkConst(name, leavesOf(inp.type).find((l) => l.key === rest.join('.'))!.sort);
  };
  // 1. IPP candidates: (pair, counter) whose changes may differ
  type Cand = { i: number; j: number; counter: string; field: boolean; goal: Term; exact: Term; subs: [ReturnType<typeof renamer>, ReturnType<typeof renamer>]; element?: Term[] };
  const cands: Cand[] = [];
  let cut = 0;
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const A = paths[i], B = paths[j];
      const keys = new Set<string>();
      for (const k of new Set([...A.deltas.keys(), ...B.deltas.keys()])) if ((A.deltas.get(k) ?? 0) !== (B.deltas.get(k) ?? 0)) keys.add(k);
      const fkeys = [...fields].filter((k) => A.post.get(k) !== B.post.get(k));
      if (keys.size === 0 && fkeys.length === 0) continue;
      // a record of the arguments replaced on one path and not the other: the caller holds another
      // object there, and tells the paths apart by identity
      if (A.replacedHere.join() !== B.replacedHere.join()) continue;
      const ra = renamer(fp, A, 'A'), rb = renamer(fp, B, 'B');
      // the caller's view: same result, same visible state (counter fields excepted)
      const conds: Term[] = [...fp.facts, ra.sub(A.pc), rb.sub(B.pc)];
      const results: Term[] = [];
      const visible: Term[] = [];
      // a returned place in a parameter: the same object only at the same path (indices equal)
      if (Boolean(A.ret?.ref) !== Boolean(B.ret?.ref)) continue;
      if (A.ret?.ref && B.ret?.ref) {
        const pa = A.ret.ref.path, pb = B.ret.ref.path;
        if (A.ret.ref.param !== B.ret.ref.param || pa.length !== pb.length || pa.some((x, k) => 'f' in x !== 'f' in pb[k] || ('f' in x && x.f !== (pb[k] as { f: string }).f))) continue;
        pa.forEach((x, k) => {
          if ('i' in x) results.push(T.eq(ra.sub(x.i), rb.sub((pb[k] as { i: Term }).i)));
        });
      }
      if (A.ret?.t && B.ret?.t) results.push(T.eq(ra.sub(A.ret.t), rb.sub(B.ret.t)));
      if (A.ret?.leaves && B.ret?.leaves) for (const [k, t] of A.ret.leaves) results.push(T.eq(ra.sub(t), rb.sub(B.ret.leaves.get(k)!)));
      for (const [k, t] of A.post) if (!fields.has(k)) visible.push(T.eq(ra.sub(t), rb.sub(B.post.get(k)!)));
      const exact = T.and(...conds, ...results, ...visible);
      // the ablation asks RID's question instead: conditions over arguments only, results only where
      // they do not depend on hidden values, no visible state; its witness still comes from `exact`
      const base = ridCompat ? T.and(...conds.map(removeLocals), ...results.filter((t) => !mentionsHidden(t))) : exact;
      if (T.isFalse(base)) continue;
      for (const k of [...keys].sort()) {
        if (cands.length >= maxPairs) cut++;
        else if (ridCompat) cands.push({ i, j, counter: k, field: false, goal: base, exact, subs: [ra, rb] });
        else {
          // an object obtained on the path (a call's result) is not a handle the caller passed in:
          // without this, storing it into the caller's record looks the same as leaving the
          // record alone whenever the record already held that very value
          const fresh = T.and(freshObject(fp, A, ra.sub, k), freshObject(fp, B, rb.sub, k));
          cands.push({ i, j, counter: k, field: false, goal: T.and(base, fresh), exact: T.and(exact, fresh), subs: [ra, rb] });
        }
      }
      for (const k of fkeys.sort()) {
        if (cands.length >= maxPairs) cut++;
        else {
          // a field of array elements: one element (shared by both sides: the caller's) whose
          // counter ends differently, so that the report names the element, not the array
          const el = elementIndex(fp, k);
          const at = (t: Term) => (el ? el.index.reduce((x, K) => T.select(x, K), t) : t);
          const differs = T.and(T.not(T.eq(at(ra.sub(A.post.get(k)!)), at(rb.sub(B.post.get(k)!)))), ...(el?.facts ?? []));
          cands.push({ i, j, counter: k, field: true, goal: T.and(base, differs), exact: T.and(exact, differs), subs: [ra, rb], element: el?.index });
        }
      }
    }
  }
  if (cut) {
    // the candidates beyond the cap are not asked: an unknown (exit 3), never "clean"
    st.pairsCapped = maxPairs;
    a.unknowns.push({ fn: fp.fn, what: `${cut} IPP candidates (path pair, counter) beyond the first ${maxPairs}`, reason: `not asked: the pair cap was hit (--max-pairs ${maxPairs}; raise it)` });
  }
  // the same formula serves every counter of a pair: ask once per distinct goal
  const distinct = [...new Set(cands.map((c) => c.goal))];
  const res = await solve(pool, distinct, timeoutMs, `${fp.fn.name}.ipp`);
  st.queryMs.push(...res.map((r) => r.ms));
  st.queries += res.length;
  const answer = new Map(distinct.map((g, i) => [g, res[i]]));
  const reported = new Set<string>();
  for (const c of cands) {
    const r = answer.get(c.goal)!;
    if (r.status === 'unknown') {
      st.unknown++;
      a.unknowns.push({ fn: fp.fn, what: `paths ${c.i + 1} and ${c.j + 1} on ${c.counter}`, reason: r.reason ?? 'unknown' });
      continue;
    }
    if (r.status !== 'sat' || reported.has(c.counter)) continue;
    reported.add(c.counter); // RID's `tainted`: one report per counter and function
    const A = paths[c.i], B = paths[c.j];
    const names = counterNames([A, B]);
    if (!a.ippPairs.has(fp.fn.key)) a.ippPairs.set(fp.fn.key, new Set());
    a.ippPairs.get(fp.fn.key)!.add(`${A.id},${B.id}`);
    // small counter values in the witness, when possible (the reader compares 1 and 2, not 8855 and 8856)
    const small = c.field ? T.le((c.element ?? []).reduce((x, K) => T.select(x, K), paramConst(c.counter, c.element ? 'array' : 'int')), T.mkInt(9)) : T.TRUE;
    const handles = T.and(allDistinct(handleValues(fp, A, c.subs[0].sub, names)), allDistinct(handleValues(fp, B, c.subs[1].sub, names)), small);
    const model = await witnessModel(pool, c.exact, handles, r.model ?? '', timeoutMs, st, fp.elementFacts, c.exact === c.goal);
    let counter = c.counter;
    let element: Finding['element'];
    let delta = (p: PathRecord, _side: number) => fmt(p.deltas.get(c.counter) ?? 0);
    if (c.field && c.element) {
      const e = nameElement(fp, c.counter, c.element, [c.subs[0].sub(A.post.get(c.counter)!), c.subs[1].sub(B.post.get(c.counter)!)], model);
      counter = e.name;
      element = { key: c.counter, index: e.index, note: e.note };
      delta = (_p, side) => e.deltas[side];
    } else if (c.field) {
      delta = (p) => fieldDelta(paramConst(c.counter), p.post.get(c.counter)!);
    }
    a.findings.push({
      rule: 'rc/ipp',
      fn: fp.fn,
      counter,
      field: c.field,
      element,
      paths: [
        { path: A, delta: delta(A, 0), hidden: c.subs[0].hidden },
        { path: B, delta: delta(B, 1), hidden: c.subs[1].hidden },
      ],
      model,
      via: inheritedFrom(a, A, B),
      message: `${fp.fn.name}: ${counter}${element?.note ? ` (${element.note} in the witness)` : ''} changes by ${delta(A, 0)} on one path and ${delta(B, 1)} on another that the caller cannot tell apart`,
    });
  }
  if (ridCompat) return;
  await checkRules(a, fp, models, st, pool, timeoutMs, reported, returnsNew);
}

/**
 * The `@returnsNew COUNTER` tags of a function's JSDoc: it returns a new reference on that counter
 * (CPython's "Return value: New reference", RID's get_new) whenever its result is not NULL (0).
 */
export function returnContract(project: ReturnType<typeof loadProject>, fn: Func): { counters: string[]; errors: Diagnostic[] } {
  const decl = project.getSourceFile(fn.file)?.getFunction(fn.name);
  const counters: string[] = [];
  const errors: Diagnostic[] = [];
  for (const doc of decl?.getJsDocs() ?? []) {
    for (const tag of doc.getTags()) {
      if (tag.getTagName() !== 'returnsNew') continue;
      const loc = { file: fn.file, line: tag.getStartLineNumber(), col: tag.getStart() - tag.getSourceFile().compilerNode.getLineStarts()[tag.getStartLineNumber() - 1] + 1 };
      const c = (tag.getCommentText() ?? '').trim().split(/\s+/)[0];
      if (!c || !/^[\w-]+$/.test(c)) errors.push({ loc, construct: '@returnsNew without a counter', message: 'write @returnsNew COUNTER, e.g. @returnsNew py' });
      else if (fn.ret.k === 'void') errors.push({ loc, construct: `@returnsNew on ${fn.name}`, message: 'the function returns nothing: remove the tag, or return the object' });
      else counters.push(c);
    }
  }
  return { counters, errors };
}

/**
 * For a counter on an object a call handed out (`blob(blob_new()@51:13)`), that object's handle on
 * the path differs from every scalar the caller passed in (parameters and scalar fields of record
 * parameters, before the call): the object is not one the caller already holds by value.
 */
function freshObject(fp: FunctionPaths, p: PathRecord, sub: (t: Term) => Term, counter: string): Term {
  const prov = /^[^(]*\((.*)\)$/.exec(counter)![1];
  if (!prov.includes('()@')) return T.TRUE;
  const handles = p.hidden.filter((h) => h.prov === prov).map((h) => sub(h.c));
  if (handles.length === 0) return T.TRUE;
  const inputs: Term[] = [];
  for (const x of fp.params) {
    if (isScalar(x.type)) {
      if (x.type.k === 'int') inputs.push(T.mkConst(x.smt, T.INT));
      continue;
    }
    for (const l of leavesOf(x.type)) if (l.dims.length === 0 && l.scalar.k === 'int') inputs.push(T.mkConst(l.key ? `${x.smt}.${l.key}` : x.smt, T.INT));
  }
  return T.and(...handles.flatMap((h) => (h.sort.k === 'Int' ? inputs.map((c) => T.or(T.not(T.eq(h, c)), T.eq(h, T.mkInt(0)))) : [])));
}

/** The element indices of a `Counter` field of array elements (`t.objs[].refs`), with their bounds. */
function elementIndex(fp: FunctionPaths, key: string): { index: Term[]; facts: Term[] } | undefined {
  const [pname] = key.split('.');
  const p = fp.params.find((x) => x.name === pname);
  if (!p || isScalar(p.type)) return undefined;
  const leafKey = key.slice(pname.length + 1);
  const leaf = leavesOf(p.type).find((l) => l.key === leafKey);
  if (!leaf || leaf.dims.length === 0) return undefined;
  const lens = arrayLens(p.type, leafKey);
  const index = leaf.dims.map((d, n) => T.mkConst(`E!${key}!${n}`, d));
  const facts = index.flatMap((K, n) => (lens[n] !== undefined && K.sort.k === 'Int' ? [T.le(T.mkInt(0), K), T.lt(K, T.mkInt(lens[n]!))] : []));
  return { index, facts };
}

/** A term's value in a model, when it is an integer (undefined when the model does not say). */
function intIn(model: Model, t: Term): bigint | undefined {
  try {
    const v = model.evaluate(new T.SmtPrinter('v').print(t));
    return typeof v === 'bigint' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The source text of an index term over the parameters (`i`, `h.slot`, `i + 1`), if it is one. */
function indexText(fp: FunctionPaths, t: Term): string | undefined {
  if (t.op === 'int') return String(t.value);
  if (t.op === 'const') {
    for (const p of fp.params) {
      if (t.name === p.smt) return p.name;
      if (t.name!.startsWith(p.smt + '.') && !t.name!.includes('[')) return `${p.name}.${t.name!.slice(p.smt.length + 1)}`;
    }
    return undefined;
  }
  if ((t.op === '+' || t.op === '-') && t.args.length === 2) {
    const x = indexText(fp, t.args[0]), y = indexText(fp, t.args[1]);
    return x !== undefined && y !== undefined ? `${x} ${t.op} ${y}` : undefined;
  }
  return undefined;
}

/**
 * Names the element of a counter-field array that the witness picked: by the index expression a
 * path wrote it at when the witness says it is that element (`t.objs[i].refs`), else by its value
 * (`t.objs[2].refs`); and the change on each side (after minus before, in the witness).
 */
function nameElement(fp: FunctionPaths, key: string, index: Term[], posts: [Term, Term], modelText: string): { name: string; index: bigint[]; deltas: [string, string]; note?: string } {
  let model: Model | undefined;
  try {
    model = Model.parse(modelText);
  } catch {
    model = undefined;
  }
  const vals = index.map((K) => (model ? intIn(model, K) : undefined));
  // index terms written on either path (top-level stores: the outer dimension)
  const written: Term[] = [];
  const seen = new Set<number>();
  const walk = (t: Term) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (t.op === 'store') written.push(t.args[1]);
    t.args.forEach(walk);
  };
  posts.forEach(walk);
  const texts = index.map((_K, n) => {
    if (n === 0 && model && vals[0] !== undefined) {
      for (const w of written) {
        const txt = indexText(fp, w);
        if (txt !== undefined && !/^-?\d+$/.test(txt) && intIn(model, w) === vals[0]) return txt;
      }
    }
    return vals[n] !== undefined ? String(vals[n]) : '…';
  });
  let n = 0;
  const name = key.replace(/\[\]/g, () => `[${texts[n++]}]`);
  const base = T.mkConst(`${fp.params.find((p) => key.startsWith(p.name + '.'))!.smt}.${key.slice(key.indexOf('.') + 1)}`, posts[0].sort);
  const at = (t: Term) => index.reduce((x, K) => T.select(x, K), t);
  const before = model ? intIn(model, at(base)) : undefined;
  const deltas = posts.map((p) => {
    const after = model ? intIn(model, at(p)) : undefined;
    return before !== undefined && after !== undefined ? fmt(Number(after - before)) : 'changed';
  }) as [string, string];
  const note = texts.map((t, k) => (vals[k] !== undefined && t !== String(vals[k]) ? `${t} = ${vals[k]}` : '')).filter(Boolean).join(', ');
  return { name, index: vals.map((v) => v ?? 0n), deltas, note: note || undefined };
}

export function locText(l: Loc, cwd: string): string {
  const rel = path.relative(cwd, l.file);
  return `${rel.startsWith('..') ? l.file : rel}:${l.line}:${l.col}`;
}

