// The symbolic evaluator, forking mode: one record per path (for verify rid).
//
// Where the merging evaluator (evaluate.ts) joins branches with if-then-else, this one keeps each
// path apart: at an `if` whose condition is not decided, the path state is copied and each copy
// runs one branch. A finished path is a `PathRecord`: its condition, its result, the caller-visible
// state it leaves (the leaves of record parameters), its reference-count changes, and the hidden
// values it depends on (outcomes of primitives, renamed apart at every use).
//
// Calls are not walked again: the caller instantiates the callee's path records (its summary),
// one fork per record. Functions are therefore evaluated bottom-up over the call graph
// (verifier/rid/check.ts orders them). The refcount API declarations of docs/rid.md (`inc`, `dec`,
// `consume`, `owned`, `result` from the prelude) are interpreted here.
//
// Paths are not pruned with the solver while they are enumerated (only conditions that fold to
// false syntactically are dropped): the checker asks Z3 about each finished path once, in a batch.

import type { Expr, Stmt, Type, Loc, Func } from '../verifier/ir.ts';
import { isScalar, forEachChild, BITWISE_OPS } from '../verifier/ir.ts';
import { reject } from '../verifier/diagnostics.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import { leavesOf, scalarSort, keyOf, type Seg } from './layout.ts';
import { arrayLens } from './evaluate.ts';
import { bitwise } from './bitwise.ts';

export const PRIMITIVE_PREFIX = 'pushbutton#';
/** Quantifiers over at most this many elements are expanded into ground terms. */
const EXPAND = 64;
/** `count` is a sum of if-then-else terms up to this many elements (as in the merging evaluator). */
const COUNT_EXPAND = 4096;
/** RID's `max-path-per-func`. */
export const DEFAULT_MAX_PATHS = 100;

/** A `Counter` field (prelude): the front end lowers it to a non-negative `number`. */
export function isCounterType(t: Type): boolean {
  return t.k === 'int' && t.name === 'number' && t.min === 0n;
}

export type PSeg = { f: string } | { i: Term };

/** A value: a scalar term (with where it came from, for naming its counter) or a place in the heap. */
export type PVal = { k: 's'; t: Term; prov?: string } | { k: 'ref'; root: number; path: PSeg[]; type: Type };

interface Root {
  /** a parameter's name for parameter roots; otherwise a description of the literal or call */
  name: string;
  type: Type;
  leaves: Map<string, Term>;
  param: boolean;
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
  /** values (by counter name) stored where the caller can reach them, consumed, or returned */
  escaped: Set<string>;
  consumed: Set<string>;
  /** counters the function declared it owns (`owned(x, 'c')`) */
  owned: Set<string>;
  /** the return statement that ends the path (the function for a void function's end) */
  exitLoc: Loc;
  /** counters this function's own body both increments and decrements on the path */
  conflicts: Conflict[];
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
  /** the path cap was hit: some paths are missing */
  capped: boolean;
  /** paths started (including those dropped at the cap) */
  started: number;
  /** the function itself calls inc/dec/consume/result: it declares a primitive and is not checked */
  declaration: boolean;
}

interface PathState {
  pc: Term;
  env: Map<string, PVal>;
  heap: Map<number, Root>;
  deltas: Map<string, number>;
  touched: Set<string>;
  hidden: Hidden[];
  steps: Step[];
  calls: CallChoice[];
  escaped: Set<string>;
  /** handles stored in records built on the path, by root */
  held: Map<number, Set<string>>;
  consumed: Set<string>;
  owned: Set<string>;
  /** the function's own inc/dec/consume calls on the path, by counter: where it first went up and down */
  ops: Map<string, { inc?: Loc; dec?: Loc }>;
  done: boolean;
  /** the path left the innermost loop (`break`), or its current iteration (`continue`) */
  loopExit?: 'break' | 'continue';
  ret?: PVal;
  exitLoc?: Loc;
}

let hiddenCounter = 0;
let rootCounter = 1;

export interface PathOptions {
  maxPaths?: number;
  /** `f3` etc.: prefixes SMT names so functions never share constants */
  prefix: string;
}

/** Enumerates the paths of `fn`, using the summaries of its callees. */
export class PathEvaluator {
  private started = 1;
  /** >0 inside quantifier and arr() bodies: calls there are merged, never forked */
  private pureDepth = 0;
  private capped = false;
  private readonly maxPaths: number;
  private declaration = false;
  private readonly facts: Term[] = [];
  private readonly elementFacts: Term[] = [];

  constructor(
    private readonly fn: Func,
    private readonly summaries: Map<string, FunctionPaths>,
    private readonly opts: PathOptions,
  ) {
    this.maxPaths = opts.maxPaths ?? DEFAULT_MAX_PATHS;
  }

  run(): FunctionPaths {
    const fn = this.fn;
    const st: PathState = { pc: T.TRUE, env: new Map(), heap: new Map(), deltas: new Map(), touched: new Set(), hidden: [], steps: [], calls: [], escaped: new Set(), held: new Map(), consumed: new Set(), owned: new Set(), ops: new Map(), done: false };
    const params: ParamInput[] = [];
    for (const p of fn.params) {
      const smt = `${this.opts.prefix}.${p.name}`;
      params.push({ name: p.name, type: p.type, smt });
      if (isScalar(p.type)) {
        const c = T.mkConst(smt, scalarSort(p.type));
        this.facts.push(...rangeFacts(c, p.type));
        st.env.set(p.name, { k: 's', t: c, prov: p.name });
      } else if (p.type.k === 'record' || p.type.k === 'array') {
        const id = rootCounter++;
        const leaves = new Map<string, Term>();
        for (const l of leavesOf(p.type)) {
          const c = T.mkConst(l.key ? `${smt}.${l.key}` : smt, l.sort);
          leaves.set(l.key, c);
          if (l.dims.length === 0) this.facts.push(...rangeFacts(c, l.scalar));
          else this.elementFacts.push(...elementRangeFacts(c, l.scalar, arrayLens(p.type, l.key)));
        }
        // a map's unset keys read as its default (as in the merging evaluator's inputs)
        for (const l of leavesOf(p.type)) {
          if (!l.key.endsWith('{has}') || l.dims.length !== 1) continue;
          const base = l.key.slice(0, -'{has}'.length);
          const k = T.mkBvar('k', l.dims[0]);
          this.facts.push(T.forall([k], T.implies(T.not(T.select(leaves.get(l.key)!, k)), T.eq(T.select(leaves.get(`${base}{val}`)!, k), leaves.get(`${base}{dflt}`)!))));
        }
        st.heap.set(id, { name: p.name, type: p.type, leaves, param: true });
        st.env.set(p.name, { k: 'ref', root: id, path: [], type: p.type });
      } else reject(fn.loc, `the parameter ${p.name} of type ${p.type.k}`, 'verify rid handles scalar, record and array parameters (maps inside records)');
    }
    // the parameters' range facts are kept apart from the path conditions (the checker adds them
    // to each query): conjunctions are rebuilt at every branch, and callers substitute their own
    // arguments, whose range TypeScript does not enforce anyway
    const ends = this.block([st], fn.body);
    const paths: PathRecord[] = [];
    for (const e of ends) {
      if (!e.done && fn.ret.k !== 'void') continue; // falls off the end of a non-void function: not an exit
      paths.push(this.record(e, paths.length, params));
    }
    return { fn, params, paths, facts: this.facts, elementFacts: this.elementFacts, capped: this.capped, started: this.started, declaration: this.declaration };
  }

  private record(st: PathState, id: number, params: ParamInput[]): PathRecord {
    const post = new Map<string, Term>();
    for (const p of params) {
      const v = st.env.get(p.name);
      // the parameter's own record (a reassigned parameter local does not change the caller's)
      const root = [...st.heap.entries()].find(([, r]) => r.param && r.name === p.name);
      if (!root || !v) continue;
      for (const [k, t] of root[1].leaves) post.set(k ? `${p.name}.${k}` : p.name, t);
    }
    let ret: PathRecord['ret'];
    if (st.ret?.k === 's') ret = { t: st.ret.t, prov: st.ret.prov };
    else if (st.ret?.k === 'ref') {
      const r = st.heap.get(st.ret.root)!;
      if (r.param) {
        // (part of) a record parameter: the caller gets a reference into its own argument
        ret = { ref: { param: r.name, path: st.ret.path }, prov: `${r.name}${st.ret.path.map((x) => ('f' in x ? `.${x.f}` : '[…]')).join('')}` };
      } else {
        const leaves = new Map<string, Term>();
        for (const l of leavesOf(st.ret.type)) leaves.set(l.key, this.readLeaf(st, st.ret, l.segs));
        ret = { leaves };
      }
    }
    // the returned value's counter is `ret` for callers (RID's `[0]`)
    // (a returned parameter keeps its own name, as RID's `noop_ret(k)`: callers map it to their argument)
    const fresh = ret?.prov && !params.some((p) => ret!.prov === p.name || ret!.prov!.startsWith(p.name + '.') || ret!.prov!.startsWith(p.name + '['));
    // an object obtained here and returned in a field of a record built here is `ret.field` for
    // callers (so that a caller dropping that record's object is seen leaking it)
    const inField = new Map<string, string>();
    if (ret?.leaves) {
      for (const [k, t] of ret.leaves) {
        const h = st.hidden.find((x) => x.prov && x.c === t && !params.some((p) => x.prov === p.name || x.prov!.startsWith(p.name + '.') || x.prov!.startsWith(p.name + '[')));
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
    for (const [k, d] of st.deltas) if (d !== 0) deltas.set(renameKey(k), (deltas.get(renameKey(k)) ?? 0) + d);
    const touched = new Set([...st.touched].map(renameKey));
    const escaped = new Set([...st.escaped].map(rename));
    if (fresh) escaped.add('ret');
    return {
      id,
      pc: st.pc,
      ret: ret && ret.prov ? { ...ret, prov: rename(ret.prov) } : ret,
      post,
      deltas,
      touched,
      hidden: st.hidden.map((h) => (h.prov ? { ...h, prov: rename(h.prov) } : h)),
      steps: st.steps,
      calls: st.calls,
      escaped,
      consumed: new Set([...st.consumed].map(rename)),
      owned: st.owned,
      exitLoc: st.exitLoc ?? this.fn.loc,
      conflicts: [...st.ops].filter(([, o]) => o.inc && o.dec).map(([counter, o]) => ({ counter, inc: o.inc!, dec: o.dec! })),
    };
  }

  // ---- paths -------------------------------------------------------------------------------

  private clone(st: PathState): PathState {
    const heap = new Map<number, Root>();
    for (const [id, r] of st.heap) heap.set(id, { ...r, leaves: new Map(r.leaves) });
    return { ...st, env: new Map(st.env), heap, deltas: new Map(st.deltas), touched: new Set(st.touched), hidden: [...st.hidden], steps: [...st.steps], calls: [...st.calls], escaped: new Set(st.escaped), held: new Map([...st.held].map(([k, v]) => [k, new Set(v)])), consumed: new Set(st.consumed), owned: new Set(st.owned), ops: new Map([...st.ops].map(([k, v]) => [k, { ...v }])) };
  }

  /** A new path; false when the cap is reached (the path is dropped and the cap reported). */
  private fork(): boolean {
    if (this.started >= this.maxPaths) {
      this.capped = true;
      return false;
    }
    this.started++;
    return true;
  }

  /** Splits `st` on `c`: the states where it holds and where it does not (each possibly absent). */
  private split(st: PathState, c: Term, loc: Loc, labels: [string, string]): { t?: PathState; f?: PathState } {
    const pt = T.and(st.pc, c), pf = T.and(st.pc, T.not(c));
    // a decided branch is still a line of the path's trace
    if (T.isFalse(pf)) {
      st.steps.push({ loc, what: labels[0] });
      return { t: st };
    }
    if (T.isFalse(pt)) {
      st.steps.push({ loc, what: labels[1] });
      return { f: st };
    }
    const other = this.fork() ? this.clone(st) : undefined;
    const onOutcome = T.constantsOf([c]).some((x) => x.name!.includes('!h')) || undefined;
    st.pc = pt;
    st.steps.push({ loc, what: labels[0], onOutcome });
    if (other) {
      other.pc = pf;
      other.steps.push({ loc, what: labels[1], onOutcome });
    }
    return { t: st, f: other };
  }

  private block(sts: PathState[], body: Stmt[]): PathState[] {
    for (const s of body) {
      const next: PathState[] = [];
      for (const st of sts) {
        if (st.done || st.loopExit) next.push(st);
        else next.push(...this.stmt(st, s));
      }
      sts = next;
    }
    return sts;
  }

  private stmt(st: PathState, s: Stmt): PathState[] {
    switch (s.k) {
      case 'let':
        return this.expr(st, s.init).map(([st2, v]) => {
          st2.env.set(s.name, v);
          return st2;
        });
      case 'assign':
        return this.assign(st, s.target, s.value, s.loc);
      case 'if': {
        const out: PathState[] = [];
        for (const [st2, c] of this.expr(st, s.c)) {
          const { t, f } = this.split(st2, (c as { t: Term }).t, s.loc, ['then', 'else']);
          if (t) out.push(...this.block([t], s.then));
          if (f) out.push(...this.block([f], s.else));
        }
        return out;
      }
      case 'for': {
        let sts = [st];
        for (let i = s.from; i < s.to; i++) {
          for (const x of sts) if (!x.done && !x.loopExit) x.env.set(s.v, { k: 's', t: T.mkInt(i) });
          sts = this.block(sts, s.body);
          for (const x of sts) if (x.loopExit === 'continue') x.loopExit = undefined;
        }
        for (const x of sts) x.loopExit = undefined;
        return sts;
      }
      case 'break':
      case 'continue':
        st.loopExit = s.k;
        return [st];
      case 'return': {
        const vs: [PathState, PVal | undefined][] = s.value ? this.expr(st, s.value) : [[st, undefined]];
        return vs.map(([st2, v]) => {
          st2.ret = v;
          st2.done = true;
          st2.exitLoc = s.loc;
          st2.steps.push({ loc: s.loc, what: 'return' });
          if (v?.k === 's' && (v.prov ?? literalName(v.t))) st2.escaped.add((v.prov ?? literalName(v.t))!);
          if (v?.k === 'ref') for (const p of st2.held.get(v.root) ?? []) st2.escaped.add(p);
          // (part of) a parameter handed back: its reference goes back to the caller too
          if (v?.k === 'ref' && st2.heap.get(v.root)?.param) st2.escaped.add(this.provOf(st2, v, s.value!));
          return st2;
        });
      }
      case 'expr':
        return this.expr(st, s.e).map(([x]) => x);
      case 'assert':
      case 'assume':
        // a failed assert ends the run with an exception, not at an exit: only the passing paths count
        return this.expr(st, s.c).flatMap(([st2, c]) => {
          st2.pc = T.and(st2.pc, (c as { t: Term }).t);
          return T.isFalse(st2.pc) ? [] : [st2];
        });
      case 'mapSet':
      case 'mapDelete': {
        const out: [PathState, PVal, PVal][] = [];
        for (const [s2, m] of this.expr(st, s.map)) for (const [s3, k] of this.expr(s2, s.key)) out.push([s3, m, k]);
        return out.flatMap(([s3, m, k]) => {
          const ref = m as PVal & { k: 'ref' };
          const key = (k as { t: Term }).t;
          const write = (s4: PathState, v: Term) => {
            const vals = this.readLeaf(s4, ref, [{ map: 'val' }]), has = this.readLeaf(s4, ref, [{ map: 'has' }]);
            this.writeLeaf(s4, ref, [{ map: 'val' }], T.store(vals, key, v));
            this.writeLeaf(s4, ref, [{ map: 'has' }], T.store(has, key, T.mkBool(s.k === 'mapSet')));
            return s4;
          };
          if (s.k === 'mapDelete') return [write(s3, this.readLeaf(s3, ref, [{ map: 'dflt' }]))];
          return this.expr(s3, s.value).map(([s4, v]) => write(s4, (v as { t: Term }).t));
        });
      }
    }
  }

  private assign(st: PathState, target: Expr, value: Expr, loc: Loc): PathState[] {
    if (target.k === 'var') {
      return this.expr(st, value).map(([st2, v]) => {
        st2.env.set(target.name, v);
        return st2;
      });
    }
    // TypeScript evaluates the target's object and index before the value
    const out: PathState[] = [];
    for (const [st2, place] of this.place(st, target)) {
      for (const [st3, v] of this.expr(st2, value)) {
        this.store(st3, place, v);
        out.push(st3);
      }
    }
    return out;
  }

  private store(st: PathState, place: PVal & { k: 'ref' }, v: PVal): void {
    const root = st.heap.get(place.root)!;
    // handles stored in a record: escaped if the caller can reach the record (a parameter), else
    // held by the record until it is returned or stored in turn
    const provs = v.k === 's' ? (v.prov ? [v.prov] : []) : [...(st.held.get(v.root) ?? [])];
    if (root.param) provs.forEach((p) => st.escaped.add(p));
    else if (provs.length) st.held.set(place.root, new Set([...(st.held.get(place.root) ?? []), ...provs]));
    if (v.k === 's') {
      this.writeLeaf(st, place, [], v.t);
      return;
    }
    for (const l of leavesOf(place.type)) this.writeLeaf(st, place, l.segs, this.readLeaf(st, v, l.segs));
  }

  /** The place a field or element expression denotes. */
  private place(st: PathState, e: Expr): [PathState, PVal & { k: 'ref' }][] {
    if (e.k === 'var') {
      const v = st.env.get(e.name);
      if (!v || v.k !== 'ref') reject(e.loc, `the variable ${e.name}`, 'expected a record or array here');
      return [[st, v]];
    }
    if (e.k === 'field') {
      return this.place(st, e.obj).map(([s2, r]) => [s2, { ...r, path: [...r.path, { f: e.field }], type: e.type }]);
    }
    if (e.k === 'index') {
      const out: [PathState, PVal & { k: 'ref' }][] = [];
      for (const [s2, r] of this.place(st, e.obj)) for (const [s3, i] of this.expr(s2, e.index)) out.push([s3, { ...r, path: [...r.path, { i: (i as { t: Term }).t }], type: e.type }]);
      return out;
    }
    // a call or literal producing a record
    return this.expr(st, e).map(([s2, v]) => {
      if (v.k !== 'ref') reject(e.loc, 'this expression', 'expected a record or array');
      return [s2, v];
    });
  }

  // ---- heap --------------------------------------------------------------------------------

  private leafKey(r: PVal & { k: 'ref' }, segs: Seg[]): { key: string; idx: Term[] } {
    const all: Seg[] = [...r.path.map((s): Seg => ('f' in s ? { f: s.f } : { idx: true })), ...segs];
    return { key: keyOf(all), idx: r.path.filter((s): s is { i: Term } => 'i' in s).map((s) => s.i) };
  }

  private readLeaf(st: PathState, r: PVal & { k: 'ref' }, segs: Seg[]): Term {
    const { key, idx } = this.leafKey(r, segs);
    const root = st.heap.get(r.root)!;
    let t = root.leaves.get(key);
    if (!t) throw new Error(`internal: no leaf ${key} in ${root.name}`);
    for (const i of idx) t = T.select(t, i);
    return t;
  }

  private writeLeaf(st: PathState, r: PVal & { k: 'ref' }, segs: Seg[], v: Term): void {
    const { key, idx } = this.leafKey(r, segs);
    const root = st.heap.get(r.root)!;
    const go = (a: Term, k: number): Term => (k === idx.length ? v : T.store(a, idx[k], go(T.select(a, idx[k]), k + 1)));
    root.leaves.set(key, go(root.leaves.get(key)!, 0));
  }

  /** The counter name of a value: a parameter path, a call site, or the expression's text. */
  private provOf(st: PathState, v: PVal, e: Expr): string {
    if (v.k === 's') return v.prov ?? literalName(v.t) ?? `${exprText(e)}@${e.loc.line}:${e.loc.col}`;
    const root = st.heap.get(v.root)!;
    // an element is named by its index where that is a literal or over the parameters
    // (`t.devs[i]`, `t.devs[2]`), else by the array (`t.devs[…]`)
    const path = v.path.map((s) => ('f' in s ? `.${s.f}` : `[${this.indexText(s.i)}]`)).join('');
    return `${root.name}${path}`;
  }

  /**
   * The text of an index term: a literal, a scalar parameter or a field of one (their values at
   * entry, as the caller passed them), sums and differences of those; else `…`.
   */
  private indexText(t: Term): string {
    if (t.op === 'int') return String(t.value);
    if (t.op === 'const') {
      for (const p of this.fn.params) {
        const smt = `${this.opts.prefix}.${p.name}`;
        if (t.name === smt && isScalar(p.type)) return p.name;
        if (t.name!.startsWith(smt + '.') && !/[[{]/.test(t.name!)) return `${p.name}.${t.name!.slice(smt.length + 1)}`;
      }
      return '…';
    }
    if ((t.op === '+' || t.op === '-') && t.args.length === 2) {
      const x = this.indexText(t.args[0]), y = this.indexText(t.args[1]);
      if (x === '…' || y === '…') return '…';
      const yv = T.intValue(t.args[1]);
      return yv !== undefined && yv < 0n ? `${x} ${t.op === '+' ? '-' : '+'} ${-yv}` : `${x} ${t.op} ${y}`;
    }
    return '…';
  }

  // ---- expressions -------------------------------------------------------------------------

  private expr(st: PathState, e: Expr): [PathState, PVal][] {
    switch (e.k) {
      case 'int':
        return [[st, { k: 's', t: T.mkInt(e.v) }]];
      case 'bool':
        return [[st, { k: 's', t: T.mkBool(e.v) }]];
      case 'enumLit': {
        const i = e.type.k === 'enum' ? e.type.members.indexOf(e.v) : 0;
        return [[st, { k: 's', t: T.mkInt(i) }]];
      }
      case 'var': {
        const v = st.env.get(e.name);
        if (!v) reject(e.loc, `the variable ${e.name}`, 'it has no value on this path');
        return [[st, v]];
      }
      case 'field':
      case 'index':
        return this.place(st, e).map(([s2, r]) => [s2, isScalar(e.type) ? { k: 's', t: this.readLeaf(s2, r, []), prov: this.provOf(s2, r, e) } : r]);
      case 'not':
        return this.expr(st, e.e).map(([s2, v]) => [s2, { k: 's', t: T.not((v as { t: Term }).t) }]);
      case 'neg':
        return this.expr(st, e.e).map(([s2, v]) => [s2, { k: 's', t: T.neg((v as { t: Term }).t) }]);
      case 'binary':
        return this.binary(st, e);
      case 'intdiv':
        return this.pair(st, e.l, e.r, (l, r) => (e.mode === 'floor' ? floorDiv(l, r) : truncDiv(l, r)));
      case 'cond': {
        if (((!hasCall(e.t) && !hasCall(e.e)) || this.pureDepth > 0) && isScalar(e.type)) {
          const out: [PathState, PVal][] = [];
          for (const [s2, c] of this.expr(st, e.c)) {
            const [[s3, a]] = this.expr(s2, e.t) as [PathState, PVal & { k: 's' }][];
            const [[s4, b]] = this.expr(s3, e.e) as [PathState, PVal & { k: 's' }][];
            out.push([s4, { k: 's', t: T.ite((c as { t: Term }).t, a.t, b.t), prov: a.prov === b.prov ? a.prov : undefined }]);
          }
          return out;
        }
        const out: [PathState, PVal][] = [];
        for (const [s2, c] of this.expr(st, e.c)) {
          const { t, f } = this.split(s2, (c as { t: Term }).t, e.loc, ['? then', '? else']);
          if (t) out.push(...this.expr(t, e.t));
          if (f) out.push(...this.expr(f, e.e));
        }
        return out;
      }
      case 'call':
        return this.call(st, e);
      case 'record': {
        let acc: [PathState, PVal[]][] = [[st, []]];
        for (const f of e.fields) acc = acc.flatMap(([s2, vs]) => this.expr(s2, f.value).map(([s3, v]): [PathState, PVal[]] => [s3, [...vs, v]]));
        return acc.map(([s2, vs]) => {
          const ref = this.freshRoot(s2, `{…}@${e.loc.line}:${e.loc.col}`, e.type);
          e.fields.forEach((f, i) => this.store(s2, { ...ref, path: [{ f: f.name }], type: (e.type as { fields: { name: string; type: Type }[] }).fields.find((x) => x.name === f.name)!.type }, vs[i]));
          return [s2, ref];
        });
      }
      case 'quant': {
        if (e.q === 'choose') {
          // as at run time without a chooser (prelude.ts): the lowest index where the body holds,
          // or -1. verify rid checks what the code does when it runs, so the spec's open choice is
          // not widened into a hidden value (docs/rid.md, "Limits")
          if (e.n > COUNT_EXPAND) reject(e.loc, `choose over ${e.n} elements`, `verify rid expands choose up to ${COUNT_EXPAND} elements`);
          let t: Term = T.mkInt(-1);
          for (let k = e.n - 1; k >= 0; k--) t = T.ite(this.pure(st, e.body, e.param, T.mkInt(k)), T.mkInt(k), t);
          return [[st, { k: 's', t }]];
        }
        const parts: Term[] = [];
        if (e.n <= EXPAND || (e.q === 'count' && e.n <= COUNT_EXPAND)) {
          for (let k = 0; k < e.n; k++) parts.push(this.pure(st, e.body, e.param, T.mkInt(k)));
          if (e.q === 'forall') return [[st, { k: 's', t: T.and(...parts) }]];
          if (e.q === 'exists') return [[st, { k: 's', t: T.or(...parts) }]];
          return [[st, { k: 's', t: parts.reduce((a, p) => T.add(a, T.ite(p, T.mkInt(1), T.mkInt(0))), T.mkInt(0)) }]];
        }
        if (e.q === 'count') {
          // too large to expand: any value in 0..n. Over-approximate, which only adds candidate
          // findings, and the replay on the real code rejects those that do not happen
          const c = T.mkConst(`${this.opts.prefix}!count${hiddenCounter++}`, T.INT);
          st.pc = T.and(st.pc, T.le(T.mkInt(0), c), T.le(c, T.mkInt(e.n)));
          return [[st, { k: 's', t: c }]];
        }
        const i = T.mkBvar(e.param, T.INT);
        const body = this.pure(st, e.body, e.param, i);
        const range = T.and(T.le(T.mkInt(0), i), T.lt(i, T.mkInt(e.n)));
        return [[st, { k: 's', t: e.q === 'forall' ? T.forall([i], T.implies(range, body)) : T.exists([i], T.and(range, body)) }]];
      }
      case 'arrayInit': {
        const i = T.mkBvar(e.param, T.INT);
        st.env.set(e.param, { k: 's', t: i });
        this.pureDepth++;
        const r = this.expr(st, e.body);
        this.pureDepth--;
        st.env.delete(e.param);
        if (r.length !== 1 || r[0][0] !== st) throw new Error('internal: an arr() body forked');
        const v = r[0][1];
        const elem = (e.type as { elem: Type }).elem;
        const ref = this.freshRoot(st, `arr@${e.loc.line}:${e.loc.col}`, e.type);
        const root = st.heap.get(ref.root)!;
        if (v.k === 's') root.leaves.set('[]', T.lambda(i, v.t));
        else for (const l of leavesOf(elem)) root.leaves.set(keyOf([{ idx: true }, ...l.segs]), T.lambda(i, this.readLeaf(st, v, l.segs)));
        return [[st, ref]];
      }
      case 'mapNew': {
        const [[s2, d]] = this.expr(st, e.dflt);
        const ref = this.freshRoot(s2, `smap@${e.loc.line}:${e.loc.col}`, e.type);
        const root = s2.heap.get(ref.root)!;
        const ks = scalarSort((e.type as { key: Type }).key);
        root.leaves.set('{val}', T.constArray(ks, (d as { t: Term }).t));
        root.leaves.set('{has}', T.constArray(ks, T.FALSE));
        root.leaves.set('{dflt}', (d as { t: Term }).t);
        return [[s2, ref]];
      }
      case 'mapEq': {
        const out: [PathState, PVal][] = [];
        for (const [s2, a] of this.expr(st, e.l)) {
          for (const [s3, b] of this.expr(s2, e.r)) {
            // unset keys hold the default in {val} (an input fact kept by every write)
            const parts = (['val', 'has', 'dflt'] as const).map((k) => T.eq(this.readLeaf(s3, a as PVal & { k: 'ref' }, [{ map: k }]), this.readLeaf(s3, b as PVal & { k: 'ref' }, [{ map: k }])));
            out.push([s3, { k: 's', t: T.and(...parts) }]);
          }
        }
        return out;
      }
      case 'let':
        return this.expr(st, e.init).flatMap(([s2, v]) => {
          s2.env.set(e.name, v);
          return this.expr(s2, e.body);
        });
      case 'mapGet':
      case 'mapHas': {
        const out: [PathState, PVal][] = [];
        for (const [s2, m] of this.expr(st, e.map)) {
          for (const [s3, key] of this.expr(s2, e.key)) out.push([s3, { k: 's', t: T.select(this.readLeaf(s3, m as PVal & { k: 'ref' }, [{ map: e.k === 'mapGet' ? 'val' : 'has' }]), (key as { t: Term }).t) }]);
        }
        return out;
      }
    }
  }

  /** A call-free expression with `param` bound to `i` (quantifier bodies). */
  private pure(st: PathState, e: Expr, param: string, i: Term): Term {
    st.env.set(param, { k: 's', t: i });
    this.pureDepth++;
    const r = this.expr(st, e);
    this.pureDepth--;
    st.env.delete(param);
    if (r.length !== 1 || r[0][0] !== st) throw new Error('internal: a quantifier body forked');
    return (r[0][1] as { t: Term }).t;
  }

  private freshRoot(st: PathState, name: string, type: Type): PVal & { k: 'ref' } {
    const id = rootCounter++;
    const leaves = new Map<string, Term>();
    // unset leaves read as fresh unknowns until the literal's fields are stored
    for (const l of leavesOf(type)) leaves.set(l.key, T.mkConst(`${this.opts.prefix}!fresh${id}.${l.key}`, l.sort));
    st.heap.set(id, { name, type, leaves, param: false });
    return { k: 'ref', root: id, path: [], type };
  }

  private pair(st: PathState, l: Expr, r: Expr, f: (a: Term, b: Term) => Term): [PathState, PVal][] {
    const out: [PathState, PVal][] = [];
    for (const [s2, a] of this.expr(st, l)) for (const [s3, b] of this.expr(s2, r)) out.push([s3, { k: 's', t: f((a as { t: Term }).t, (b as { t: Term }).t) }]);
    return out;
  }

  private binary(st: PathState, e: Expr & { k: 'binary' }): [PathState, PVal][] {
    if (e.op === '&&' || e.op === '||') {
      // (inside quantifier bodies calls are merged, so nothing forks there either)
      if (!hasCall(e.r) || this.pureDepth > 0) return this.pair(st, e.l, e.r, e.op === '&&' ? (a, b) => T.and(a, b) : (a, b) => T.or(a, b));
      // the right operand calls something: it runs only on the paths where the left does not decide
      const out: [PathState, PVal][] = [];
      for (const [s2, l] of this.expr(st, e.l)) {
        const { t, f } = this.split(s2, (l as { t: Term }).t, e.loc, [e.op === '&&' ? '&& rhs' : '|| short', e.op === '&&' ? '&& short' : '|| rhs']);
        const rhs = e.op === '&&' ? t : f, short = e.op === '&&' ? f : t;
        if (short) out.push([short, { k: 's', t: T.mkBool(e.op === '||') }]);
        if (rhs) out.push(...this.expr(rhs, e.r));
      }
      return out;
    }
    const ops: Record<string, (a: Term, b: Term) => Term> = {
      implies: T.implies,
      '===': T.eq,
      '!==': (a, b) => T.not(T.eq(a, b)),
      '<': T.lt,
      '<=': T.le,
      '>': (a, b) => T.lt(b, a),
      '>=': (a, b) => T.le(b, a),
      '+': T.add,
      '-': T.sub,
      '*': T.mul,
      '/': (a, b) => truncDiv(a, b),
      '%': (a, b) => T.sub(a, T.mul(b, truncDiv(a, b))),
      ...Object.fromEntries(BITWISE_OPS.map((op) => [op, (a: Term, b: Term) => bitwise(op, a, b).t])),
    };
    return this.pair(st, e.l, e.r, ops[e.op]);
  }

  // ---- calls -------------------------------------------------------------------------------

  private call(st: PathState, e: Expr & { k: 'call' }): [PathState, PVal][] {
    let acc: [PathState, PVal[]][] = [[st, []]];
    for (const a of e.args) acc = acc.flatMap(([s2, vs]) => this.expr(s2, a).map(([s3, v]): [PathState, PVal[]] => [s3, [...vs, v]]));
    if (e.fn.startsWith(PRIMITIVE_PREFIX)) return acc.map(([s2, vs]) => this.primitive(s2, e, vs));
    const callee = this.summaries.get(e.fn);
    if (!callee) reject(e.loc, `the call of ${e.fn.split('#')[1]}`, 'verify rid could not summarise that function (see its own diagnostic)');
    if (this.pureDepth > 0) return acc.map(([s2, vs]) => [s2, this.mergedCall(s2, callee, vs, e)]);
    const out: [PathState, PVal][] = [];
    // a callee without counters or hidden values (a scan for a free slot, a validity check) is
    // one case: its paths joined with if-then-else, exactly, instead of one fork per path, so
    // that chains of such helpers do not multiply the caller's paths
    const merged = mergedEntry(callee);
    if (merged) {
      for (const [s2, vs] of acc) {
        const r = this.instantiate(s2, callee, merged, vs, e);
        if (r) out.push(r);
      }
      return out;
    }
    for (const [s2, vs] of acc) {
      // one path per case of the callee: copies of the state for all but the last case
      const n = callee.paths.length;
      let k = n === 0 ? 0 : 1;
      while (k < n && this.fork()) k++;
      const copies = Array.from({ length: k }, (_, i) => (i === k - 1 ? s2 : this.clone(s2)));
      copies.forEach((s3, i) => {
        const r = this.instantiate(s3, callee, callee.paths[i], vs, e);
        if (r) out.push(r);
      });
    }
    return out;
  }

  /**
   * A call inside a quantifier body: the callee must be a pure function of its arguments (no
   * hidden values, no counter changes); its paths partition the inputs, so its result is the
   * if-then-else of their results (the merging evaluator's encoding).
   */
  private mergedCall(st: PathState, callee: FunctionPaths, args: PVal[], e: Expr & { k: 'call' }): PVal {
    if (callee.paths.some((p) => p.hidden.length || p.touched.size) || !isScalar(callee.fn.ret) || callee.paths.length === 0) {
      reject(e.loc, `the call of ${callee.fn.name} inside a quantifier or arr()`, 'verify rid merges only pure helpers with a scalar result there');
    }
    const sigma = new Map<Term, Term>();
    callee.params.forEach((p, i) => {
      const a = args[i];
      if (a.k === 's') sigma.set(T.mkConst(p.smt, scalarSort(p.type)), a.t);
      else for (const l of leavesOf(p.type)) sigma.set(T.mkConst(l.key ? `${p.smt}.${l.key}` : p.smt, l.sort), this.readLeaf(st, a, l.segs));
    });
    const ps = callee.paths;
    let t = substConsts(ps[ps.length - 1].ret!.t!, sigma);
    for (let j = ps.length - 2; j >= 0; j--) t = T.ite(substConsts(ps[j].pc, sigma), substConsts(ps[j].ret!.t!, sigma), t);
    return { k: 's', t };
  }

  private primitive(st: PathState, e: Expr & { k: 'call' }, vs: PVal[]): [PathState, PVal] {
    const name = e.fn.slice(PRIMITIVE_PREFIX.length);
    // a function that changes counters or has hidden outcomes itself declares a primitive
    if (name !== 'owned') this.declaration = true;
    if (name === 'result') {
      const c = T.mkConst(`${this.opts.prefix}!h${hiddenCounter++}`, scalarSort(e.type));
      st.pc = T.and(st.pc, ...rangeFacts(c, e.type));
      const prov = `result()@${e.loc.line}:${e.loc.col}`;
      st.hidden.push({ c, what: `result()@${e.loc.line}`, loc: e.loc, prov, type: e.type });
      st.steps.push({ loc: e.loc, what: 'result()' });
      return [st, { k: 's', t: c, prov }];
    }
    const counter = (e.args[1] as { v: string }).v;
    const key = `${counter}(${this.provOf(st, vs[0], e.args[0])})`;
    if (name === 'owned') {
      st.owned.add(key);
      return [st, { k: 's', t: T.TRUE }];
    }
    const by = name === 'inc' ? 1 : -1;
    const op = st.ops.get(key) ?? {};
    if (by > 0) op.inc ??= e.loc;
    else op.dec ??= e.loc;
    st.ops.set(key, op);
    st.deltas.set(key, (st.deltas.get(key) ?? 0) + by);
    st.touched.add(key);
    st.steps.push({ loc: e.loc, what: `${name} ${key}` });
    if (name === 'consume') {
      st.consumed.add(this.provOf(st, vs[0], e.args[0]));
      st.escaped.add(this.provOf(st, vs[0], e.args[0]));
    }
    return [st, { k: 's', t: T.TRUE }];
  }

  /** Adds one case of the callee to the path: its condition, effects and result, renamed for this call. */
  private instantiate(st: PathState, callee: FunctionPaths, entry: PathRecord, args: PVal[], e: Expr & { k: 'call' }): [PathState, PVal] | undefined {
    const sigma = new Map<Term, Term>();
    const argProv: string[] = [];
    callee.params.forEach((p, i) => {
      const a = args[i];
      argProv.push(this.provOf(st, a, e.args[i]));
      if (a.k === 's') sigma.set(T.mkConst(p.smt, scalarSort(p.type)), a.t);
      else for (const l of leavesOf(p.type)) sigma.set(T.mkConst(l.key ? `${p.smt}.${l.key}` : p.smt, l.sort), this.readLeaf(st, a, l.segs));
    });
    const site = `${callee.fn.name}()@${e.loc.line}:${e.loc.col}`;
    // an index the callee wrote over its own parameters (`t.devs[i]`), in the caller's terms
    const argText = callee.params.map((p, i) => (args[i].k === 's' ? this.indexText((args[i] as { t: Term }).t) : argProv[i]));
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
      const c = T.mkConst(`${this.opts.prefix}!h${hiddenCounter++}`, h.c.sort);
      sigma.set(h.c, c);
      renamed.push(c);
      hidden.push({ c, what: `${callee.fn.name}()@${e.loc.line}${h.what.startsWith('result()') ? '' : ` → ${h.what}`}`, loc: e.loc, prov: h.prov ? mapProv(h.prov) : undefined, type: h.type });
    }
    // leaves of records the callee built on its path
    const sub = (t: Term) => substConsts(t, sigma);
    st.pc = T.and(st.pc, sub(entry.pc));
    if (T.isFalse(st.pc)) return undefined;
    callee.params.forEach((p, i) => {
      const a = args[i];
      if (a.k !== 'ref') return;
      for (const l of leavesOf(p.type)) {
        const post = entry.post.get(l.key ? `${p.name}.${l.key}` : p.name);
        if (post) this.writeLeaf(st, a, l.segs, sub(post));
      }
    });
    for (const [k, d] of entry.deltas) {
      const m = /^([^(]*)\((.*)\)$/.exec(k)!;
      const nk = `${m[1]}(${mapProv(m[2])})`;
      st.deltas.set(nk, (st.deltas.get(nk) ?? 0) + d);
    }
    for (const k of entry.touched) {
      const m = /^([^(]*)\((.*)\)$/.exec(k)!;
      st.touched.add(`${m[1]}(${mapProv(m[2])})`);
    }
    // the callee's own result escaping to its caller (us) is not an escape from our function
    for (const x of entry.escaped) if (x !== 'ret' && !x.startsWith('ret.')) st.escaped.add(mapProv(x));
    for (const x of entry.consumed) st.consumed.add(mapProv(x));
    st.hidden.push(...hidden);
    st.calls.push({ fn: callee.fn.name, key: callee.fn.key, loc: e.loc, entry: entry.id, hidden: renamed });
    st.steps.push({ loc: e.loc, what: callee.paths.length > 1 && entry.id >= 0 ? `${callee.fn.name} case ${entry.id + 1}/${callee.paths.length}` : `${callee.fn.name}` });
    let v: PVal;
    if (!entry.ret) v = { k: 's', t: T.TRUE };
    else if (entry.ret.t) v = { k: 's', t: sub(entry.ret.t), prov: entry.ret.prov ? mapProv(entry.ret.prov) : undefined };
    else if (entry.ret.ref) {
      const k = callee.params.findIndex((p) => p.name === entry.ret!.ref!.param);
      const a = args[k] as PVal & { k: 'ref' };
      v = { k: 'ref', root: a.root, path: [...a.path, ...entry.ret.ref.path.map((x): PSeg => ('i' in x ? { i: sub(x.i) } : x))], type: callee.fn.ret };
    } else {
      const ref = this.freshRoot(st, site, callee.fn.ret);
      for (const l of leavesOf(callee.fn.ret)) this.writeLeaf(st, ref, l.segs, sub(entry.ret.leaves!.get(l.key)!));
      v = ref;
    }
    return [st, v];
  }
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
    ps.every((p) => p.hidden.length === 0 && p.touched.size === 0 && p.deltas.size === 0 && p.consumed.size === 0 && p.owned.size === 0 && p.conflicts.length === 0) &&
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
    owned: new Set(),
    exitLoc: callee.fn.loc,
    conflicts: [],
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

export function rangeFacts(c: Term, t: Type): Term[] {
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
function elementRangeFacts(c: Term, t: Type, lens: (number | undefined)[]): Term[] {
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

/** Whether evaluating `e` calls a function (and so may fork, or change the state). */
function hasCall(e: Expr): boolean {
  if (e.k === 'call') return true;
  let found = false;
  forEachChild(e, (x) => {
    if (!found && hasCall(x)) found = true;
  });
  return found;
}

function exprText(e: Expr): string {
  switch (e.k) {
    case 'var': return e.name;
    case 'field': return `${exprText(e.obj)}.${e.field}`;
    case 'index': return `${exprText(e.obj)}[…]`;
    case 'call': return `${e.fn.split('#')[1]}()`;
    default: return 'value';
  }
}

/** TypeScript's `Math.trunc(a / b)` from SMT-LIB's Euclidean `div`. */
function truncDiv(l: Term, r: Term): Term {
  const abs = (x: Term) => T.ite(T.le(T.mkInt(0), x), x, T.neg(x));
  const q = T.div(abs(l), abs(r));
  return T.ite(T.eq(T.le(T.mkInt(0), l), T.lt(T.mkInt(0), r)), q, T.neg(q));
}

function floorDiv(l: Term, r: Term): Term {
  return T.ite(T.lt(T.mkInt(0), r), T.div(l, r), T.div(T.neg(l), T.neg(r)));
}
