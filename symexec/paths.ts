// Forking mode, for verify rid: the paths of one function, each run on the one evaluator.
//
// The evaluator (evaluate.ts) gives the subset its meaning; here it runs in forking mode, once
// per path. At a branch this driver decides which way the run goes (depth first: a run follows
// the decisions of the previous one up to its last open alternative, then takes the next), and
// the run records what verify rid looks at: its condition, its result, the caller-visible state
// it leaves (the leaves of record parameters), its reference-count changes, and the hidden values
// it depends on (outcomes of primitives, renamed apart at every use). Where the evaluator's model
// of the run may differ from TypeScript's (its runtime obligations), the path says so, and the
// checker must prove it does not happen before it may call the function clean.
//
// Calls are not walked again: the run instantiates the callee's path records (its summary), one
// decision per call with several cases. Functions are therefore evaluated bottom-up over the call
// graph (verifier/rid/analyse.ts orders them). Inside quantifier and arr() bodies the evaluator
// runs callees itself, merging their paths, as in verify. The refcount API declarations of
// docs/rid.md (`inc`, `dec`, `consume`, `owned`, `result` from the prelude) are interpreted here.
//
// Paths are not pruned with the solver while they are enumerated (only conditions that fold to
// false syntactically are dropped): the checker asks Z3 about each finished path once, in a batch.

import type { Expr, Type, Loc, Func, Program } from '../verifier/ir.ts';
import { isScalar } from '../verifier/ir.ts';
import { reject } from '../verifier/diagnostics.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import { leavesOf, scalarSort } from './layout.ts';
import { Decisions, indexText, replacedKey, exprText } from './path-parts.ts';
import { Machine, arrayLens, scalarOf, untypedScalar, type SVal, type Ref, type PSeg, type Obligation, type PathObserver } from './evaluate.ts';
import {
  PRIMITIVE_PREFIX, DEFAULT_MAX_PATHS, mergedEntry, substConsts, rangeFacts, elementRangeFacts, literalName, rejectSharedArguments,
  type FunctionPaths, type PathRecord, type ParamInput, type Hidden, type CallChoice, type Step,
} from './summary.ts';

/** Quantifiers over at most this many elements are expanded into ground terms. */
const EXPAND = 64;

export interface PathOptions {
  program: Program;
  maxPaths?: number;
  /** `f3` etc.: prefixes SMT names so functions never share constants */
  prefix: string;
  /**
   * Follow what a path stores into places of the parameters: the handles it removes
   * (PathRecord.taken) and the names later reads give (default true). Off where nothing is counted
   * (no refcount API in the program): there names do not matter, and the records would only keep
   * helpers from being joined into one case, which costs paths.
   */
  removals?: boolean;
}

/** Thrown by a run whose path condition folds to false (a failed assume, an impossible callee case). */
class PathCut extends Error {}

let hiddenCounter = 0;

/** Enumerates the paths of `fn`, using the summaries of its callees. */
export class PathEvaluator {
  private readonly maxPaths: number;
  private readonly params: ParamInput[] = [];
  private readonly facts: Term[] = [];
  private readonly elementFacts: Term[] = [];
  private readonly arrayFacts: Term[] = [];

  constructor(
    private readonly fn: Func,
    private readonly summaries: Map<string, FunctionPaths>,
    private readonly opts: PathOptions,
  ) {
    this.maxPaths = opts.maxPaths ?? DEFAULT_MAX_PATHS;
  }

  run(): FunctionPaths {
    const fn = this.fn;
    for (const p of fn.params) {
      const smt = `${this.opts.prefix}.${p.name}`;
      this.params.push({ name: p.name, type: p.type, smt });
      if (isScalar(p.type)) this.facts.push(...rangeFacts(T.mkConst(smt, scalarSort(p.type)), p.type));
      else if (p.type.k === 'record' || p.type.k === 'array') this.leafFacts(smt, p.type);
      else reject(fn.loc, `the parameter ${p.name} of type ${p.type.k}`, 'verify rid handles scalar, record and array parameters (maps inside records)');
    }
    // the parameters' range facts are kept apart from the path conditions (the checker adds them
    // to each query): callers substitute their own arguments, whose range TypeScript does not
    // enforce anyway
    const decisions = new Decisions();
    const paths: PathRecord[] = [];
    const replaced = new Map<string, { param: number; path: PSeg[] }>();
    // every run's obligations, also of runs that end in a failed assert or on an impossible
    // callee case: the model may leave the real run before that point (once per place and term)
    const obligations = new Map<string, Obligation>();
    let runs = 0, capped = false, declaration = false;
    for (;;) {
      runs++;
      const run = new Run(this, decisions);
      try {
        const rec = run.go(paths.length, replaced);
        if (rec) paths.push(rec);
      } catch (e) {
        if (!(e instanceof PathCut)) throw e;
      }
      for (const o of run.obligations()) obligations.set(`${o.loc.file}:${o.loc.line}:${o.loc.col}:${o.holds.id}`, o);
      declaration ||= run.declaration;
      if (!decisions.next()) break;
      if (runs >= this.maxPaths) {
        capped = true;
        break;
      }
    }
    return { fn, params: this.params, paths, facts: this.facts, elementFacts: this.elementFacts, arrayFacts: this.arrayFacts, capped, started: runs, declaration, replaced: [...replaced.values()], obligations: [...obligations.values()] };
  }

  private leafFacts(smt: string, t: Type): void {
    const leaves = new Map<string, Term>();
    for (const l of leavesOf(t)) {
      const c = T.mkConst(l.key ? `${smt}.${l.key}` : smt, l.sort);
      leaves.set(l.key, c);
      if (l.dims.length === 0) {
        this.facts.push(...rangeFacts(c, l.scalar));
        continue;
      }
      this.elementFacts.push(...elementRangeFacts(c, l.scalar, arrayLens(t, l.key)));
      const vs = l.dims.map((d, i) => T.mkBvar(`d${i}`, d));
      const facts = rangeFacts(vs.reduce((a, v) => T.select(a, v), c), l.scalar);
      if (facts.length) this.arrayFacts.push(T.forall(vs, T.and(...facts)));
    }
    // a map's unset keys read as its default (as in verify's inputs)
    for (const l of leavesOf(t)) {
      if (!l.key.endsWith('{has}') || l.dims.length !== 1) continue;
      const base = l.key.slice(0, -'{has}'.length);
      const k = T.mkBvar('k', l.dims[0]);
      this.facts.push(T.forall([k], T.implies(T.not(T.select(leaves.get(l.key)!, k)), T.eq(T.select(leaves.get(`${base}{val}`)!, k), leaves.get(`${base}{dflt}`)!))));
    }
  }

  /** (for Run) */
  get context() {
    return { fn: this.fn, summaries: this.summaries, opts: this.opts, params: this.params };
  }
}

/** One run of the function: one path, recorded as the evaluator reports it. */
class Run implements PathObserver {
  declaration = false;
  private readonly m: Machine;
  private readonly fn: Func;
  private readonly summaries: Map<string, FunctionPaths>;
  private readonly prefix: string;
  private readonly removals: boolean;
  private readonly params: ParamInput[];
  /** the parameters' roots in the evaluator's heap, by root id */
  private readonly paramRoots = new Map<number, string>();
  private pc: Term = T.TRUE;
  private readonly deltas = new Map<string, number>();
  private readonly touched = new Set<string>();
  private readonly hidden: Hidden[] = [];
  private readonly steps: Step[] = [];
  private readonly calls: CallChoice[] = [];
  /** names handed to the caller by an event: consumed, or a part of a parameter returned (see PathRecord.escaped) */
  private readonly escaped = new Set<string>();
  /** the value of each scalar handle counted on the path, by name (PathRecord.values) */
  private readonly values = new Map<string, Term>();
  /** how often each call site ran on the path */
  private readonly sites = new Map<string, number>();
  private readonly consumed = new Set<string>();
  private readonly owned = new Set<string>();
  /** handles removed from places of the parameters on the path, by name (see PathRecord.taken) */
  private readonly taken = new Map<string, { old: Term; back: Term }>();
  /**
   * The name of what this path last stored into a scalar place of a parameter, by the place's
   * name: a later read of the place is that value (`t.items[i] = 0` then `t.items[i]` is NULL, not
   * the object the slot held at entry, which is what the place's own name denotes)
   */
  private readonly storedNames = new Map<string, string | undefined>();
  /** the function's own inc/dec/consume calls on the path, by counter: where it first went up and down */
  private readonly ops = new Map<string, { inc?: Loc; dec?: Loc }>();
  /** callees' obligations instantiated on this path */
  private readonly inherited: Obligation[] = [];
  private ret?: SVal;
  private exitLoc?: Loc;
  private done = false;

  constructor(owner: PathEvaluator, private readonly decisions: Decisions) {
    const c = owner.context;
    this.fn = c.fn;
    this.summaries = c.summaries;
    this.prefix = c.opts.prefix;
    this.removals = c.opts.removals ?? true;
    this.params = c.params;
    this.m = new Machine(c.opts.program, { expandLimit: EXPAND, paths: this });
  }

  /** Runs the function along the next path; undefined when the path is not an exit. */
  go(id: number, replaced: Map<string, { param: number; path: PSeg[] }>): PathRecord | undefined {
    // a scalar parameter is only known to be a safe integer: callers may pass values outside its
    // declared type (TypeScript does not check), and the summary is used for them too; the
    // function's own checks assume the declared ranges through its facts
    const args = this.params.map((p) => {
      const v = this.m.input(p.smt, p.type);
      if (v.k === 'ref') this.paramRoots.set(v.ref.root, p.name);
      return v.k === 's' ? { ...untypedScalar(v.t, p.type), name: p.name } : v;
    });
    this.m.call(this.fn, args);
    // falling off the end of a non-void function is not an exit
    if (!this.done && this.fn.ret.k !== 'void') return undefined;
    // records and arrays of the parameters replaced on this path, here or by a callee
    // (replacedInside): the caller holds other objects there afterwards
    const here = new Set<string>();
    for (const r of this.m.replacedPlaces) {
      const name = this.paramRoots.get(r.root);
      if (name === undefined) continue;
      const param = this.params.findIndex((p) => p.name === name);
      const path = r.path.map((s): PSeg => ('f' in s ? s : { i: T.mkInt(0) }));
      const key = replacedKey(param, path);
      replaced.set(key, { param, path });
      here.add(key);
    }
    return this.record(id, [...here].sort());
  }

  // ---- the evaluator's questions ------------------------------------------------------------

  branch(c: Term, loc: Loc, labels: [string, string]): boolean {
    const pt = T.and(this.pc, c), pf = T.and(this.pc, T.not(c));
    // a decided branch is still a line of the path's trace
    if (T.isFalse(pf) || T.isFalse(pt)) {
      this.steps.push({ loc, what: labels[T.isFalse(pf) ? 0 : 1] });
      return T.isFalse(pf);
    }
    const way = this.decisions.pick(2);
    const onOutcome = T.constantsOf([c]).some((x) => x.name!.includes('!h')) || undefined;
    this.pc = way === 0 ? pt : pf;
    this.steps.push({ loc, what: labels[way], onOutcome });
    return way === 0;
  }

  require(c: Term): void {
    // a failed assert ends the run with an exception, not at an exit: only the passing paths count
    this.pc = T.and(this.pc, c);
    if (T.isFalse(this.pc)) throw new PathCut();
  }

  stored(place: Ref, v: SVal): void {
    // (whether a stored handle reaches the caller is decided from the state at the path's exit,
    // symexec/escape.ts: a later store may overwrite it under another name for the same cell)
    const name = v.k === 's' ? this.handleName(v) : undefined;
    if (this.removals && v.k === 's' && this.paramRoots.has(place.root) && isScalar(place.type)) {
      // the handle the place held until now leaves it: its reference is the function's (taken),
      // unless it is NULL; and the place now holds (and later reads give) the stored value
      const at = this.refName(place);
      const was = this.storedNames.has(at) ? this.storedNames.get(at) : at;
      const old = this.m.readLeaf(place, []);
      if (was !== undefined && old.sort.k === 'Int' && T.intValue(old) === undefined) {
        // (only what the place held at entry: a handle this path stored there itself and removes
        // again brings no reference with it, and is no longer handed to the caller)
        if (was === at) this.taken.set(was, { old, back: T.eq(old, v.t) });
      }
      // a handle taken out before and stored (back) into a place of the arguments is the caller's again
      if (name !== undefined && name !== was) this.taken.delete(name);
      this.storedNames.set(at, name ?? literalName(v.t));
    }
  }

  nameOf(place: Ref, value: Term): string | undefined {
    const at = this.refName(place);
    if (this.storedNames.has(at)) return this.storedNames.get(at);
    // a place of a record built on the path (here, or by a callee whose result it is) holds an
    // object obtained on the path: its name is that object's, whatever the place (a handle
    // returned in an element of a callee's record, `b.hs[i]`, is the callee's object, not a
    // place of its own)
    const obtained = this.paramRoots.has(place.root) ? undefined : this.hidden.find((h) => h.prov && h.c === value);
    return obtained?.prov ?? at;
  }

  returned(v: SVal | undefined, loc: Loc): void {
    this.ret = v;
    this.done = true;
    this.exitLoc = loc;
    this.steps.push({ loc, what: 'return' });
    // (a returned handle, also in a record built here, is found in the exit state: escape.ts)
    // (part of) a parameter handed back: its reference goes back to the caller too
    if (v?.k === 'ref' && this.paramRoots.has(v.ref.root)) this.escaped.add(this.refName(v.ref));
  }

  call(e: Expr & { k: 'call' }, args: SVal[], pure: boolean): SVal | undefined {
    if (e.fn.startsWith(PRIMITIVE_PREFIX)) {
      if (pure) reject(e.loc, `${e.fn.slice(PRIMITIVE_PREFIX.length)}() inside a quantifier or arr() body`, 'call the refcount API in statements; quantifier and arr() bodies only read');
      return this.primitive(e, args);
    }
    // inside quantifier and arr() bodies the evaluator runs the callee itself (merging its paths)
    if (pure) return undefined;
    const callee = this.summaries.get(e.fn);
    if (!callee) reject(e.loc, `the call of ${e.fn.split('#')[1]}`, 'verify rid could not summarise that function (see its own diagnostic)');
    rejectSharedArguments(callee, args, e.loc);
    // a callee without counters or hidden values (a scan for a free slot, a validity check) is
    // one case: its paths joined with if-then-else, exactly, instead of one per path, so that
    // chains of such helpers do not multiply the caller's paths
    const merged = mergedEntry(callee);
    if (merged) return this.instantiate(callee, merged, args, e);
    // only the cases this path leaves possible (their condition, over our arguments, does not fold
    // to false): a case cut after it was chosen would still spend a run of the path cap
    const ways = callee.paths.filter((p) => !this.excluded(callee, p, args));
    if (ways.length === 0) throw new PathCut();
    const way = ways.length === 1 ? 0 : this.decisions.pick(ways.length);
    return this.instantiate(callee, ways[way], args, e);
  }

  /** Whether a callee case's condition, given our arguments, contradicts this path's syntactically. */
  private excluded(callee: FunctionPaths, entry: PathRecord, args: SVal[]): boolean {
    const sigma = new Map<Term, Term>();
    callee.params.forEach((p, i) => {
      const a = args[i];
      if (a.k === 's') sigma.set(T.mkConst(p.smt, scalarSort(p.type)), a.t);
      else for (const l of leavesOf(p.type)) sigma.set(T.mkConst(l.key ? `${p.smt}.${l.key}` : p.smt, l.sort), this.m.readLeaf(a.ref, l.segs));
    });
    return T.isFalse(T.and(this.pc, substConsts(entry.pc, sigma)));
  }

  // ---- the record of the path ---------------------------------------------------------------

  private record(id: number, replacedHere: string[]): PathRecord {
    const post = new Map<string, Term>();
    for (const [rootId, name] of this.paramRoots) {
      for (const [k, t] of this.m.heap.get(rootId)!.leaves) post.set(k ? `${name}.${k}` : name, t);
    }
    let ret: PathRecord['ret'];
    if (this.ret?.k === 's') ret = { t: this.ret.t, prov: this.ret.name };
    else if (this.ret?.k === 'ref') {
      const r = this.ret.ref;
      const param = this.paramRoots.get(r.root);
      if (param !== undefined) {
        // (part of) a record parameter: the caller gets a reference into its own argument
        ret = { ref: { param, path: r.path }, prov: `${param}${r.path.map((x) => ('f' in x ? `.${x.f}` : '[…]')).join('')}` };
      } else {
        const leaves = new Map<string, Term>();
        for (const l of leavesOf(r.type)) leaves.set(l.key, this.m.readLeaf(r, l.segs));
        ret = { leaves };
      }
    }
    const params = this.params;
    const isParamName = (x: string) => params.some((p) => x === p.name || x.startsWith(p.name + '.') || x.startsWith(p.name + '['));
    // the returned value's counter is `ret` for callers (RID's `[0]`)
    // (a returned parameter keeps its own name, as RID's `noop_ret(k)`: callers map it to their argument)
    const fresh = ret?.prov && !isParamName(ret.prov);
    // an object obtained here and returned in a field of a record built here is `ret.field` for
    // callers (so that a caller dropping that record's object is seen leaking it)
    const inField = new Map<string, string>();
    if (ret?.leaves) {
      for (const [k, t] of ret.leaves) {
        const h = this.hidden.find((x) => x.prov && x.c === t && !isParamName(x.prov));
        if (h && !inField.has(h.prov!)) inField.set(h.prov!, `ret.${k}`);
      }
    }
    const rename = (k: string) => {
      if (fresh && (k === ret!.prov || k.startsWith(ret!.prov + '.'))) return 'ret' + k.slice(ret!.prov!.length);
      for (const [from, to] of inField) if (k === from || k.startsWith(from + '.')) return to + k.slice(from.length);
      return k;
    };
    const renameKey = (k: string) => {
      const m = /^([^(]*)\((.*)\)$/.exec(k)!;
      return `${m[1]}(${rename(m[2])})`;
    };
    const deltas = new Map<string, number>();
    for (const [k, d] of this.deltas) if (d !== 0) deltas.set(renameKey(k), (deltas.get(renameKey(k)) ?? 0) + d);
    const escaped = new Set([...this.escaped].map(rename));
    if (fresh) escaped.add('ret');
    return {
      id,
      pc: this.pc,
      ret: ret && ret.prov ? { ...ret, prov: rename(ret.prov) } : ret,
      post,
      deltas,
      touched: new Set([...this.touched].map(renameKey)),
      hidden: this.hidden.map((h) => (h.prov ? { ...h, prov: rename(h.prov) } : h)),
      steps: this.steps,
      calls: this.calls,
      escaped,
      consumed: new Set([...this.consumed].map(rename)),
      values: new Map([...this.values].map(([k, t]) => [rename(k), t])),
      owned: this.owned,
      taken: new Map([...this.taken].map(([k, x]) => [rename(k), x])),
      exitLoc: this.exitLoc ?? this.fn.loc,
      conflicts: [...this.ops].filter(([, o]) => o.inc && o.dec).map(([counter, o]) => ({ counter, inc: o.inc!, dec: o.dec! })),
      replacedHere,
    };
  }

  /**
   * Where the model of this run may differ from the real one: the evaluator's obligations, each
   * under the path condition where it was raised, and the callees' (instantiated at each call).
   * Not: a store outside a declared integer type, which changes nothing at run time (TypeScript
   * keeps the number, and so does the model, whose reads trust no declared type in this mode);
   * and the check that the function itself returns (a path that does not is no exit at all).
   */
  obligations(): Obligation[] {
    const own = this.m.obligations.filter((o) => o.kind !== 'overflow' && !(o.kind === 'missing-return' && o.loc === this.fn.loc));
    return [...own.map((o) => ({ ...o, holds: T.implies(o.path ?? T.TRUE, o.holds) })), ...this.inherited];
  }

  condition(): Term {
    return this.pc;
  }

  // ---- names ---------------------------------------------------------------------------------

  /**
   * A call site's name for its n-th run on this path (`f()@3:9`, then `f()@3:9#2`): each pass
   * of an unrolled loop gets objects of its own, so that one stored does not hide another leaked.
   */
  private occurrence(site: string): string {
    const n = (this.sites.get(site) ?? 0) + 1;
    this.sites.set(site, n);
    return n === 1 ? site : `${site}#${n}`;
  }

  /** The counter name of a value: a parameter path, a call site, or the expression's text. */
  private provOf(v: SVal, e: Expr): string {
    if (v.k === 's') return this.handleName(v) ?? literalName(v.t) ?? `${exprText(e)}@${e.loc.line}:${e.loc.col}`;
    return this.refName(v.ref);
  }

  /**
   * A scalar's counter name: the name it carries, or, for a value computed without one (`o + 0`),
   * the name of the handle it equals.
   */
  private handleName(v: SVal & { k: 's' }): string | undefined {
    return v.name ?? this.hidden.find((h) => h.prov && h.c === v.t)?.prov;
  }

  /**
   * A place's name: its root (a parameter, or where a record was built) and its path. An element
   * is named by its index where that is a literal or over the parameters (`t.devs[i]`,
   * `t.devs[2]`), else by the array (`t.devs[…]`).
   */
  private refName(r: Ref): string {
    const root = this.paramRoots.get(r.root) ?? this.m.heap.get(r.root)!.name;
    return `${root}${r.path.map((s) => ('f' in s ? `.${s.f}` : `[${indexText(this.params, s.i)}]`)).join('')}`;
  }

  // ---- calls -------------------------------------------------------------------------------

  private primitive(e: Expr & { k: 'call' }, vs: SVal[]): SVal {
    const name = e.fn.slice(PRIMITIVE_PREFIX.length);
    // a function that changes counters or has hidden outcomes itself declares a primitive
    if (name !== 'owned') this.declaration = true;
    if (name === 'result') {
      const c = T.mkConst(`${this.prefix}!h${hiddenCounter++}`, scalarSort(e.type));
      this.pc = T.and(this.pc, ...rangeFacts(c, e.type));
      const prov = this.occurrence(`result()@${e.loc.line}:${e.loc.col}`);
      this.hidden.push({ c, what: `result()@${e.loc.line}`, loc: e.loc, prov, type: e.type });
      this.steps.push({ loc: e.loc, what: 'result()' });
      return { ...(scalarOf(c, e.type) as SVal & { k: 's' }), name: prov };
    }
    const counter = (e.args[1] as { v: string }).v;
    const prov = this.provOf(vs[0], e.args[0]);
    const key = `${counter}(${prov})`;
    // a NULL handle (0) is never counted: inc/dec/consume/owned of one do nothing (docs/rid.md)
    if (this.isNull(vs[0], e.loc)) return { k: 's', t: T.TRUE };
    if (vs[0].k === 's' && !this.values.has(prov)) this.values.set(prov, vs[0].t);
    if (name === 'owned') {
      this.owned.add(key);
      return { k: 's', t: T.TRUE };
    }
    const by = name === 'inc' ? 1 : -1;
    const op = this.ops.get(key) ?? {};
    if (by > 0) op.inc ??= e.loc;
    else op.dec ??= e.loc;
    this.ops.set(key, op);
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + by);
    this.touched.add(key);
    this.steps.push({ loc: e.loc, what: `${name} ${key}` });
    if (name === 'consume') {
      this.consumed.add(prov);
      this.escaped.add(prov);
    }
    return { k: 's', t: T.TRUE };
  }

  /**
   * Whether this run takes the handle `v` to be NULL (0) here: a decision when the path leaves it
   * open (the counted way first), none when the path condition already says (the usual
   * `if (o !== 0) inc(o, ...)` folds). Records and booleans are never NULL.
   */
  private isNull(v: SVal, loc: Loc): boolean {
    if (v.k !== 's' || v.t.sort.k !== 'Int') return false;
    const lit = T.intValue(v.t);
    if (lit !== undefined) return lit === 0n;
    const isZero = T.eq(v.t, T.mkInt(0));
    const pNull = T.and(this.pc, isZero), pSome = T.and(this.pc, T.not(isZero));
    if (T.isFalse(pNull)) return false;
    const way = T.isFalse(pSome) ? 1 : this.decisions.pick(2);
    this.pc = way === 0 ? pSome : pNull;
    if (way === 1) this.steps.push({ loc, what: 'NULL: not counted' });
    return way === 1;
  }

  /** Adds one case of the callee to the path: its condition, effects and result, renamed for this call. */
  private instantiate(callee: FunctionPaths, entry: PathRecord, args: SVal[], e: Expr & { k: 'call' }): SVal {
    // what this path itself stored into places of the arguments, as the callee found them
    const storedBefore = new Map(this.storedNames);
    const sigma = new Map<Term, Term>();
    const argProv: string[] = [];
    callee.params.forEach((p, i) => {
      const a = args[i];
      argProv.push(this.provOf(a, e.args[i]));
      if (a.k === 's') sigma.set(T.mkConst(p.smt, scalarSort(p.type)), a.t);
      else for (const l of leavesOf(p.type)) sigma.set(T.mkConst(l.key ? `${p.smt}.${l.key}` : p.smt, l.sort), this.m.readLeaf(a.ref, l.segs));
    });
    const site = this.occurrence(`${callee.fn.name}()@${e.loc.line}:${e.loc.col}`);
    // an index the callee wrote over its own parameters (`t.devs[i]`), in the caller's terms
    const argText = callee.params.map((p, i) => (args[i].k === 's' ? indexText(this.params, (args[i] as { t: Term }).t) : argProv[i]));
    const mapIndex = (txt: string): string => {
      const parts = txt.split(/ ([+-]) /);
      const out = parts.map((x, n) => {
        if (n % 2 === 1 || /^-?\d+$/.test(x) || x === '…') return x;
        const k = callee.params.findIndex((p) => x === p.name || x.startsWith(p.name + '.'));
        return k < 0 ? '…' : argText[k] + x.slice(callee.params[k].name.length);
      });
      return out.some((x) => x.includes('…')) ? '…' : out.join(' ');
    };
    const mapProv = (prov: string): string => {
      if (prov === 'ret' || prov.startsWith('ret.')) return site + prov.slice(3);
      // a handle named by its value (a module constant such as Py_None) is the same object everywhere
      if (/^-?\d+$/.test(prov)) return prov;
      const k = callee.params.findIndex((p) => prov === p.name || prov.startsWith(p.name + '.') || prov.startsWith(p.name + '['));
      if (k >= 0) return argProv[k] + prov.slice(callee.params[k].name.length).replace(/\[([^\]]*)\]/g, (_m, x: string) => `[${mapIndex(x)}]`);
      return `${site}/${prov}`;
    };
    const renamed: Term[] = [];
    const hidden: Hidden[] = [];
    for (const h of entry.hidden) {
      const c = T.mkConst(`${this.prefix}!h${hiddenCounter++}`, h.c.sort);
      sigma.set(h.c, c);
      renamed.push(c);
      hidden.push({ c, what: `${callee.fn.name}()@${e.loc.line}${h.what.startsWith('result()') ? '' : ` → ${h.what}`}`, loc: e.loc, prov: h.prov ? mapProv(h.prov) : undefined, type: h.type });
    }
    const sub = (t: Term) => substConsts(t, sigma);
    // where the callee's model may differ from its run (on any of its runs), so may ours
    for (const o of callee.obligations) this.inherited.push({ ...o, message: `in ${callee.fn.name} (called at line ${e.loc.line}): ${o.message}`, holds: T.implies(this.pc, sub(o.holds)) });
    this.pc = T.and(this.pc, sub(entry.pc));
    if (T.isFalse(this.pc)) throw new PathCut();
    callee.params.forEach((p, i) => {
      const a = args[i];
      if (a.k !== 'ref') return;
      for (const l of leavesOf(p.type)) {
        const post = entry.post.get(l.key ? `${p.name}.${l.key}` : p.name);
        if (post) this.m.writeLeaf(a.ref, l.segs, sub(post));
      }
      // what this path stored there may have been overwritten: reads go back to the place's name
      const under = this.refName(a.ref);
      for (const k of [...this.storedNames.keys()]) if (k === under || k.startsWith(under + '.') || k.startsWith(under + '[')) this.storedNames.delete(k);
      // locals pointing into a record the callee replaced would still see the old one in TypeScript
      for (const r of callee.replaced) {
        if (r.param !== i || !entry.replacedHere.includes(replacedKey(r.param, r.path))) continue;
        this.m.replacedInside({ ...a.ref, path: [...a.ref.path, ...r.path] }, e.loc);
      }
    });
    const mapKey = (k: string) => {
      const m = /^([^(]*)\((.*)\)$/.exec(k)!;
      return `${m[1]}(${mapProv(m[2])})`;
    };
    for (const [k, d] of entry.deltas) this.deltas.set(mapKey(k), (this.deltas.get(mapKey(k)) ?? 0) + d);
    for (const k of entry.touched) this.touched.add(mapKey(k));
    // the callee's own result escaping to its caller (us) is not an escape from our function
    // (nor is a handle it took out of our arguments and returns: it comes back to us)
    // a handle the callee took out of our arguments is ours now (unless it handed it back); one
    // this path stored there itself is simply no longer handed to the caller, as when this path
    // overwrites it (stored) (red-team round 7, t08: cleared by a helper, it stayed "escaped")
    for (const [x, t] of entry.taken) {
      if (x === 'ret' || x.startsWith('ret.')) continue;
      const place = mapProv(x);
      if (!storedBefore.has(place)) this.taken.set(place, { old: sub(t.old), back: sub(t.back) });
    }
    for (const [x, t] of entry.values) if (!this.values.has(mapProv(x))) this.values.set(mapProv(x), sub(t));
    for (const x of entry.escaped) if (x !== 'ret' && !x.startsWith('ret.') && !(entry.taken.has(x) && entry.ret?.prov === x)) this.escaped.add(mapProv(x));
    for (const x of entry.consumed) this.consumed.add(mapProv(x));
    this.hidden.push(...hidden);
    this.calls.push({ fn: callee.fn.name, key: callee.fn.key, loc: e.loc, entry: entry.id, hidden: renamed });
    this.steps.push({ loc: e.loc, what: callee.paths.length > 1 && entry.id >= 0 ? `${callee.fn.name} case ${entry.id + 1}/${callee.paths.length}` : `${callee.fn.name}` });
    if (!entry.ret) return { k: 's', t: T.TRUE };
    // (a safe integer, not necessarily within the declared result type: see record())
    if (entry.ret.t) return { ...(untypedScalar(sub(entry.ret.t), callee.fn.ret) as SVal & { k: 's' }), name: entry.ret.prov ? mapProv(entry.ret.prov) : undefined };
    if (entry.ret.ref) {
      const k = callee.params.findIndex((p) => p.name === entry.ret!.ref!.param);
      const a = args[k] as SVal & { k: 'ref' };
      return { k: 'ref', ref: { root: a.ref.root, path: [...a.ref.path, ...entry.ret.ref.path.map((x): PSeg => ('i' in x ? { i: sub(x.i) } : x))], type: callee.fn.ret } };
    }
    const ref = this.m.freshRoot(site, callee.fn.ret);
    for (const l of leavesOf(callee.fn.ret)) this.m.writeLeaf(ref, l.segs, sub(entry.ret.leaves!.get(l.key)!));
    return { k: 'ref', ref };
  }
}
