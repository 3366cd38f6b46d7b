// verify rid's path records and summaries: what one path of a function leaves for the checker
// and for its callers (symexec/paths.ts builds them with the evaluator in forking mode).

import type { Type, Loc, Func } from '../verifier/ir.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import type { Obligation, PSeg, SVal } from './evaluate.ts';
import { reject } from '../verifier/diagnostics.ts';
import { leavesOf } from './layout.ts';

export const PRIMITIVE_PREFIX = 'pushbutton#';
/** RID's `max-path-per-func`. */
export const DEFAULT_MAX_PATHS = 100;

/** A `Counter` field (prelude): the front end lowers it to a non-negative `number`. */
export function isCounterType(t: Type): boolean {
  return t.k === 'int' && t.name === 'number' && t.min === 0n;
}

/** A hidden value: the outcome of `result()` in a primitive, possibly reached through callees. */
export interface Hidden {
  c: Term;
  /** where it comes from, e.g. `pm_runtime_get_sync()@12` (a call site, then the callee's own) */
  what: string;
  /** the call site in the analysed function that led here */
  loc: Loc;
  /** the counter name of the value, when it is an object handle (e.g. `Py_BuildValue()@12:9`) */
  prov?: string;
  /** its declared type (enumerations are integers in SMT, strings at run time) */
  type: Type;
}

/** One callee case taken on a path (for reports and witnesses). */
export interface CallChoice {
  fn: string;
  /** the callee's key (`file#name`) */
  key: string;
  loc: Loc;
  /** index of the callee's path record that was instantiated */
  entry: number;
  /** the hidden values of that case, renamed for this use */
  hidden: Term[];
}

export interface Step {
  loc: Loc;
  what: string;
  /** a branch whose condition depends on a hidden value (an outcome of a primitive) */
  onOutcome?: boolean;
}

/** In a declaration: one counter both incremented and decremented on one path (overlapping cases). */
export interface Conflict {
  counter: string;
  inc: Loc;
  dec: Loc;
}

export interface PathRecord {
  id: number;
  /** the path condition over parameter constants and hidden constants (without the parameters' range facts) */
  pc: Term;
  /** scalar result, the leaves of a record built on the path, or a place in a record parameter */
  ret?: { t?: Term; leaves?: Map<string, Term>; ref?: { param: string; path: PSeg[] }; prov?: string };
  /** caller-visible state afterwards: leaves of record parameters, by `param.leafkey` */
  post: Map<string, Term>;
  /** changes of declared counters, `counter(value)` → delta; the returned value is `ret` */
  deltas: Map<string, number>;
  /** every counter changed on the path, also those that end at 0 (the replay needs their names) */
  touched: Set<string>;
  hidden: Hidden[];
  steps: Step[];
  calls: CallChoice[];
  /**
   * Names handed to the caller by an event the exit state does not show: consumed by a callee, or
   * (a record that is) a part of a parameter returned. A handle stored where the caller can reach
   * it, or returned, is found in the exit state from its value (`values`, symexec/escape.ts).
   */
  escaped: Set<string>;
  /** the value of each scalar handle counted on the path (its argument to inc/dec/consume/owned), by name */
  values: Map<string, Term>;
  consumed: Set<string>;
  /** counters the function declared it owns (`owned(x, 'c')`) */
  owned: Set<string>;
  /**
   * Handles removed from a place of the parameters (the place overwritten: `t.items[i] = 0`), by
   * name, with their value: the reference the place held is the function's now (the mirror of a
   * handle stored there escaping), when that value is not NULL and the value stored over it is
   * another handle (`back`: the condition that it is the same one, stored back, so that the place
   * still holds that reference).
   */
  taken: Map<string, { old: Term; back: Term }>;
  /** the return statement that ends the path (the function for a void function's end) */
  exitLoc: Loc;
  /** counters this function's own body both increments and decrements on the path */
  conflicts: Conflict[];
  /** the parameters' records and arrays replaced on the path (`0.inner`): other objects to the caller */
  replacedHere: string[];
}

export interface ParamInput {
  name: string;
  type: Type;
  /** SMT name of the scalar, or prefix of the leaves (`prefix.key`) */
  smt: string;
}

export interface FunctionPaths {
  fn: Func;
  params: ParamInput[];
  paths: PathRecord[];
  /** facts on the parameters (their declared ranges) */
  facts: Term[];
  /** the same for the elements of small array parameters: only witnesses need them (they slow every query) */
  elementFacts: Term[];
  /** the same for every array parameter, quantified: only the checks of exactness need them */
  arrayFacts: Term[];
  /** the path cap was hit: some paths are missing */
  capped: boolean;
  /** paths started (including those dropped at the cap) */
  started: number;
  /** the function itself calls inc/dec/consume/result: it declares a primitive and is not checked */
  declaration: boolean;
  /**
   * Where the evaluator's model of a run may differ from TypeScript's (an inexact division, a value
   * beyond 2^53, a division by zero, an index out of bounds, a helper without return), from every
   * run, those that end in a failed assert included, each under the path condition where it was
   * raised: the checker proves each holds, or the function is unknown, never clean. Callers
   * inherit them at each call.
   */
  obligations: Obligation[];
  /**
   * The records and arrays inside parameters that some path replaces as a whole (`p.rows[k] =
   * {...}`), by shape (field names; indices left out, as the evaluator's staleness ignores them)
   */
  replaced: { param: number; path: PSeg[] }[];
}

// ---- helpers ---------------------------------------------------------------------------------

const mergedCache = new WeakMap<FunctionPaths, PathRecord | null>();

/**
 * The paths of a callee joined into one record (id -1), when that loses nothing verify rid looks
 * at: no counter changes, no hidden values, no ownership, the same escapes on every path, and
 * results of one kind (none, scalars, or records built on the path). Its condition is the
 * disjunction of the paths' conditions; its result and the caller-visible state it leaves are
 * if-then-else chains over them. Undefined when the callee has fewer than two paths or does not
 * qualify.
 */
export function mergedEntry(callee: FunctionPaths): PathRecord | undefined {
  if (mergedCache.has(callee)) return mergedCache.get(callee) ?? undefined;
  const ps = callee.paths;
  // (literal values returned count as escaped handles; without counters they do not matter)
  const plainEsc = (p: PathRecord) => [...p.escaped].filter((x) => x !== 'ret' && !x.startsWith('ret.') && !/^-?\d+$/.test(x)).sort().join('\u0000');
  const kind = (p: PathRecord) => (!p.ret ? 'none' : p.ret.ref ? 'ref' : p.ret.leaves ? 'leaves' : 'scalar');
  const ok =
    ps.length > 1 &&
    !callee.declaration &&
    !callee.capped &&
    ps.every((p) => p.hidden.length === 0 && p.touched.size === 0 && p.deltas.size === 0 && p.consumed.size === 0 && p.owned.size === 0 && p.taken.size === 0 && p.conflicts.length === 0) &&
    ps.every((p) => kind(p) === kind(ps[0]) && kind(p) !== 'ref' && plainEsc(p) === plainEsc(ps[0])) &&
    // a result that names an object (a parameter's field, a call's result) differently on
    // different paths keeps its paths: callers count on the object by that name
    (new Set(ps.map((p) => p.ret?.prov)).size === 1 || ps.every((p) => p.ret?.prov === undefined || /^-?\d+$/.test(p.ret.prov)));
  if (!ok) {
    mergedCache.set(callee, null);
    return undefined;
  }
  const chain = (pick: (p: PathRecord) => Term): Term => {
    let t = pick(ps[ps.length - 1]);
    for (let j = ps.length - 2; j >= 0; j--) {
      const x = pick(ps[j]);
      t = x === t ? t : T.ite(ps[j].pc, x, t);
    }
    return t;
  };
  const post = new Map<string, Term>();
  for (const k of ps[0].post.keys()) post.set(k, chain((p) => p.post.get(k)!));
  let ret: PathRecord['ret'];
  const k0 = kind(ps[0]);
  if (k0 === 'scalar') {
    const provs = new Set(ps.map((p) => p.ret!.prov));
    ret = { t: chain((p) => p.ret!.t!), prov: provs.size === 1 ? ps[0].ret!.prov : undefined };
  } else if (k0 === 'leaves') {
    const leaves = new Map<string, Term>();
    for (const k of ps[0].ret!.leaves!.keys()) leaves.set(k, chain((p) => p.ret!.leaves!.get(k)!));
    ret = { leaves };
  }
  const entry: PathRecord = {
    id: -1,
    pc: T.or(...ps.map((p) => p.pc)),
    ret,
    post,
    deltas: new Map(),
    touched: new Set(),
    hidden: [],
    steps: [],
    calls: [],
    escaped: new Set(ps.flatMap((p) => [...p.escaped])),
    consumed: new Set(),
    values: new Map(),
    owned: new Set(),
    taken: new Map(),
    exitLoc: callee.fn.loc,
    conflicts: [],
    replacedHere: [...new Set(ps.flatMap((p) => p.replacedHere))].sort(),
  };
  mergedCache.set(callee, entry);
  return entry;
}

/** Replaces the terms `m` maps: input constants (renaming a callee's parameters and hidden values at a call), or whole facts (propagate.ts). */
export function substConsts(t: Term, m: Map<Term, Term>): Term {
  if (m.size === 0) return t;
  const memo = new Map<number, Term>();
  const go = (u: Term): Term => {
    const direct = m.get(u);
    if (direct) return direct;
    if (u.args.length === 0) return u;
    const hit = memo.get(u.id);
    if (hit) return hit;
    const args = u.args.map(go);
    const r = args.every((a, k) => a === u.args[k]) ? u : T.rebuild(u, args);
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

/**
 * A `Counter` is taken to be below 2^52 at entry: far above any real reference count (Linux's
 * refcount_t saturates at 2^31), and low enough that a path's increments stay exact integers, so
 * that `o.rc + 1` is not an obligation the checker must leave unknown (docs/rid.md).
 */
export const COUNTER_ENTRY_MAX = 2n ** 52n;

export function rangeFacts(c: Term, t: Type): Term[] {
  if (isCounterType(t)) return [T.le(T.mkInt(0), c), T.le(c, T.mkInt(COUNTER_ENTRY_MAX))];
  if (t.k === 'int') return [T.le(T.mkInt(t.min), c), T.le(c, T.mkInt(t.max))];
  if (t.k === 'enum') return [T.le(T.mkInt(0), c), T.le(c, T.mkInt(t.members.length - 1))];
  return [];
}

/**
 * Range facts for the elements of small arrays, one ground fact per element, so that witnesses
 * decode to values the code can hold. Larger arrays get none (a quantified fact made queries on
 * examples/fdtable 30× slower; a witness out of range only fails its replay), and only witness
 * queries use them (in every query they tripled the time of wip/kernel).
 */
const ELEMENT_FACTS_LIMIT = 16;
export function elementRangeFacts(c: Term, t: Type, lens: (number | undefined)[]): Term[] {
  if (lens.some((n) => n === undefined)) return [];
  const total = (lens as number[]).reduce((a, n) => a * n, 1);
  if (total > ELEMENT_FACTS_LIMIT) return [];
  const out: Term[] = [];
  const go = (x: Term, k: number): void => {
    if (k === lens.length) return void out.push(...rangeFacts(x, t));
    for (let j = 0; j < lens[k]!; j++) go(T.select(x, T.mkInt(j)), k + 1);
  };
  go(c, 0);
  return out;
}


/**
 * The name of a handle given by a literal value (a module constant such as `Py_None = 1`): its
 * value, since handles are told apart by value (RID's model of pointers).
 */
export function literalName(t: Term): string | undefined {
  const v = T.intValue(t);
  return v === undefined ? undefined : String(v);
}





/** Whether some path of the function writes (a part of) its record parameter `i`, or replaces one. */
export function writesParam(fp: FunctionPaths, i: number): boolean {
  const p = fp.params[i];
  return (
    fp.replaced.some((r) => r.param === i) ||
    fp.paths.some((path) => leavesOf(p.type).some((l) => path.post.get(l.key ? `${p.name}.${l.key}` : p.name) !== T.mkConst(l.key ? `${p.smt}.${l.key}` : p.smt, l.sort)))
  );
}

/**
 * A summary treats its record parameters as distinct objects: passing one object (or a part of
 * it) twice to a callee that writes them would make the callee's writes through one invisible
 * through the other. Rejected at the call.
 */
export function rejectSharedArguments(callee: FunctionPaths, args: SVal[], loc: Loc): void {
  const refs = args.map((a, i) => (a.k === 'ref' ? { ref: a.ref, i } : undefined)).filter((x) => x !== undefined);
  for (const a of refs) {
    for (const b of refs) {
      if (a.i >= b.i || a.ref.root !== b.ref.root) continue;
      const [short, long] = a.ref.path.length <= b.ref.path.length ? [a.ref, b.ref] : [b.ref, a.ref];
      // (elements at two different literal indices are two objects)
      const overlap = short.path.every((s, k) => {
        const l = long.path[k];
        if ('f' in s) return 'f' in l && l.f === s.f;
        return 'i' in l && !(s.i.op === 'int' && l.i.op === 'int' && s.i.value !== l.i.value);
      });
      if (overlap && (writesParam(callee, a.i) || writesParam(callee, b.i))) {
        reject(loc, `passing one record to ${callee.fn.name} as both ${callee.params[a.i].name} and ${callee.params[b.i].name}`, `${callee.fn.name} writes one of them, and in TypeScript the other would see the write; pass distinct records`);
      }
    }
  }
}
