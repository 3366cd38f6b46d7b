// The symbolic evaluator, merging mode: one formula per operation.
//
// Execution follows every path at once. At an `if`, both branches run from a copy of the machine
// state and the two results merge with if-then-else, so the formula grows with the code, not with
// the number of paths. Early returns are handled with a `live` condition per call frame: writes
// after a return in some branch are guarded by `live`, and each return records the condition
// under which it was taken. Aggregates live in a heap of roots whose leaves are SMT terms (see
// layout.ts); a record-typed local bound to part of the state is a reference into that heap, so
// writing through it updates the state exactly as in TypeScript.

import type { Expr, Stmt, Type, Loc, Func, Program } from '../verifier/ir.ts';
import { isScalar, SAFE_INT, typeToString, forEachChild } from '../verifier/ir.ts';
import { reject } from '../verifier/diagnostics.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import { leavesOf, keyOf, scalarSort, type Seg } from './layout.ts';
import { bitwise } from './bitwise.ts';

export type ObligationKind = 'overflow' | 'bounds' | 'divzero' | 'inexact-division' | 'assert' | 'assume' | 'missing-return' | 'safe-integer';

/** A runtime-error check: `holds` must be valid under the theorem's hypotheses. */
export interface Obligation {
  kind: ObligationKind;
  loc: Loc;
  message: string;
  holds: Term;
  /** forking mode: the path condition where it was raised (it must hold there, whatever comes after) */
  path?: Term;
}

/**
 * A symbolic value: a scalar term (with a static interval for integers) or a reference into the
 * heap. `name` is what forking mode's observer calls a scalar read from a place or returned by a
 * call (verify rid's counter names); the merging mode leaves it unset.
 */
export type SVal = { k: 's'; t: Term; lo?: bigint; hi?: bigint; name?: string } | { k: 'ref'; ref: Ref };

export type PSeg = { f: string } | { i: Term };

export interface Ref {
  root: number;
  path: PSeg[];
  type: Type;
}

export interface Root {
  name: string;
  type: Type;
  leaves: Map<string, Term>;
  /** inputs are the theorem's variables; fresh roots are built by literals during evaluation */
  kind: 'input' | 'fresh';
  /** set when a fresh record bound to a local has been stored elsewhere (TypeScript would alias it) */
  movedAt?: Loc;
  /** an operation's argument (not its state): the caller sees a write into it, which no theorem compares */
  argument?: string;
}

interface Frame {
  fn: Func;
  env: Map<string, SVal>;
  /** the path has not returned from this frame yet */
  live: Term;
  returns: { cond: Term; val?: SVal; loc: Loc }[];
  /** first heap id allocated by this call: roots at or above it are fresh to the call */
  heapMark: number;
  /** references that went stale when the record they point to was replaced */
  stale: Map<string, Loc>;
  /**
   * The loops being run, innermost last: when a path took `break` (out of the loop) or
   * `continue` (out of this iteration). Like a return, either makes the path not live; it is
   * live again after the iteration (continue) or after the loop (break).
   */
  loops: { breaks: Term[]; continues: Term[] }[];
}

interface Snapshot {
  heap: Map<number, Root>;
  frames: { env: Map<string, SVal>; live: Term; stale: Map<string, Loc> }[];
}

/**
 * One access to a state cell (verify commute's symbolic footprints): a leaf of an input record at
 * indices (a map's entry at its key), when `guard` holds. An index under a quantifier's bound
 * variable is undefined: any element.
 */
export interface CellAccess {
  kind: 'read' | 'write';
  root: number;
  /** the leaf, with a map's {val} and {has} named as one entry cell: `dir{entry}` */
  cell: string;
  idx: (Term | undefined)[];
  guard: Term;
}

/** One `choose`: the constant standing for the choice, and what it may be. */
export interface Choice {
  c: Term;
  n: number;
  fact: Term;
  loc: Loc;
  /** `cpu(n)`: the core the operation runs on */
  cpu?: boolean;
}

/** The most loop iterations one evaluation unrolls: beyond it the formula would not fit in memory. */
export const MAX_ITERATIONS = 1_000_000;

/** Quantifiers over at most this many elements are expanded (ground facts are cheaper for Z3). */
export const EXPAND_LIMIT = 16;

export interface MachineOptions {
  /** expand forall/exists, and the type-range facts of array inputs, up to this many elements */
  expandLimit?: number;
  /**
   * Forking mode: one path per run. At a branch the observer says which way this run goes (and
   * keeps the path condition), calls may be answered by summaries, and assert/assume end the run
   * where they fail. Unset: merging mode, every path at once.
   */
  paths?: PathObserver;
}

/**
 * What forking mode asks of its driver (symexec/paths.ts, for verify rid). The semantics stays
 * the Machine's: values, obligations, sharing rules; only path handling and calls differ.
 */
export interface PathObserver {
  /** The way this run takes at a branch on `c` (also told decided branches, for the trace). */
  branch(c: Term, loc: Loc, labels: [string, string]): boolean;
  /** A call outside quantifier bodies: its result from a summary, or undefined to run the body here. */
  call(e: Expr & { k: 'call' }, args: SVal[], pure: boolean): SVal | undefined;
  /** assert(c) / assume(c): the run goes on only where `c` holds (a failed assert throws at run time). */
  require(c: Term, loc: Loc): void;
  /** `v` was stored at `place` (a field assignment, a field of a record literal). */
  stored(place: Ref, v: SVal): void;
  /** The name of the scalar `value` read at `place`. */
  nameOf(place: Ref, value: Term): string | undefined;
  /** The operation's own return (the outermost frame). */
  returned(v: SVal | undefined, loc: Loc): void;
  /** The run's path condition so far (kept with each obligation raised: Obligation.path). */
  condition(): Term;
}
/** Inside forall/exists over at most this many elements, "body i runs" is a ground conjunction. */
export const GUARD_EXPAND_LIMIT = 256;
/**
 * `count` over more than EXPAND_LIMIT elements is symbolic when its body allows (T.countOf: an
 * uninterpreted function, related to the pre-state's count through the elements written);
 * otherwise it is a sum of if-then-else terms, up to this bound.
 */
export const COUNT_LIMIT = 4096;

export class Machine {
  heap = new Map<number, Root>();
  private nextRoot = 1;
  private frames: Frame[] = [];
  private pc: Term = T.TRUE;
  /** >0 while evaluating a quantifier or arr() body: state must not change there */
  private pureDepth = 0;
  /** How many enclosing forall/exists/count stayed quantifiers: inside one, nothing expands. */
  private openBinders = 0;
  /** places whose whole record or array was replaced, in order (see the 'assign' statement) */
  private replaced: Ref[] = [];
  readonly obligations: Obligation[] = [];
  /** facts from assume(c) and from the declared types of inputs */
  readonly hypotheses: Term[] = [];
  /** the spec's open choices (choose), in the order they were made */
  readonly choices: Choice[] = [];
  /** names choices apart even after callers take them out of `choices` */
  private choiceCount = 0;
  /** when set, every read and write of an input's cells is appended (verify commute's footprints) */
  footprint?: CellAccess[];
  /** writes to records and arrays older than the current call (side effects its caller sees) */
  private outsideWrites = 0;
  /** every `if` whose condition was not decided, with when it was reached: the paths of verify commute */
  readonly branches: { cond: Term; reached: Term; loc: Loc }[] = [];

  private readonly expandLimit: number;
  /** loop iterations unrolled so far (see MAX_ITERATIONS) */
  private iterations = 0;
  /** while a predicate (inv_*, equiv) runs: the roots older than this are its inputs, which it must not change */
  private predicateMark?: { name: string; root: number };
  /**
   * An implementation's assume() narrows what callers may pass only if the spec agrees: when set,
   * an assume is an obligation (it must follow from the invariants and equiv), not a hypothesis.
   */
  checkAssumptions = false;

  private readonly paths?: PathObserver;

  constructor(readonly program: Program, opts: MachineOptions = {}) {
    this.expandLimit = opts.expandLimit ?? EXPAND_LIMIT;
    this.paths = opts.paths;
  }

  // ---- inputs ------------------------------------------------------------------------------

  /** A fresh symbolic value of type `t`, with hypotheses that every leaf is within its declared type. */
  input(name: string, t: Type, opts: { argument?: string } = {}): SVal {
    if (isScalar(t)) {
      const c = T.mkConst(name, scalarSort(t));
      this.hypotheses.push(...rangeFacts(c, t, []));
      return scalarOf(c, t);
    }
    const root = this.alloc(name, t, 'input');
    if (opts.argument) root.argument = opts.argument;
    for (const l of leavesOf(t)) {
      const c = T.mkConst(l.key ? `${name}.${l.key}` : name, l.sort);
      root.leaves.set(l.key, c);
      this.hypotheses.push(...rangeFacts(c, l.scalar, l.dims, arrayLens(t, l.key), this.expandLimit));
    }
    // a map's unset keys read as its default
    for (const l of leavesOf(t)) {
      if (!l.key.endsWith('{has}')) continue;
      const base = l.key.slice(0, -'{has}'.length);
      const vals = root.leaves.get(`${base}{val}`)!;
      const dflt = root.leaves.get(`${base}{dflt}`)!;
      const vs = l.dims.map((d, i) => T.mkBvar(`k${i}`, d));
      const outer = vs.slice(0, -1);
      const sel = (a: Term, xs: Term[]) => xs.reduce((x, i) => T.select(x, i), a);
      this.hypotheses.push(T.forall(vs, T.implies(T.not(sel(root.leaves.get(l.key)!, vs)), T.eq(sel(vals, vs), sel(dflt, outer)))));
    }
    return { k: 'ref', ref: { root: root.id, path: [], type: t } };
  }

  /**
   * A value of type `t` for a result on a path that cannot happen: zeros and false (a fresh
   * constant for an opaque identifier), so that the term keeps its sort and evaluates.
   */
  private anyValue(t: Type, name: string): SVal {
    const of = (sort: T.Sort): Term => {
      switch (sort.k) {
        case 'Int': return T.mkInt(0);
        case 'Bool': return T.FALSE;
        case 'Array': return T.constArray(sort.index, of(sort.elem));
        default: return T.mkConst(`unreached!${name}!${this.choiceCount++}`, sort);
      }
    };
    if (t.k === 'void') return { k: 's', t: T.TRUE };
    if (isScalar(t)) {
      const c = of(scalarSort(t));
      return t.k === 'int' ? { k: 's', t: c, lo: 0n, hi: 0n } : { k: 's', t: c };
    }
    const root = this.alloc(name, t, 'fresh');
    for (const l of leavesOf(t)) root.leaves.set(l.key, of(l.sort));
    return { k: 'ref', ref: { root: root.id, path: [], type: t } };
  }

  /** A second input holding the same values as the input `v` (verify commute runs A;B and B;A from one state). */
  copy(v: SVal, name: string): SVal {
    if (v.k !== 'ref' || v.ref.path.length) return v;
    const from = this.heap.get(v.ref.root)!;
    const root = this.alloc(name, from.type, 'input');
    if (from.argument) root.argument = from.argument;
    for (const [k, t] of from.leaves) root.leaves.set(k, t);
    return { k: 'ref', ref: { ...v.ref, root: root.id } };
  }

  private alloc(name: string, type: Type, kind: Root['kind']): Root & { id: number } {
    const id = this.nextRoot++;
    const root = { name, type, leaves: new Map<string, Term>(), kind, id };
    this.heap.set(id, root);
    return root;
  }

  // ---- forking mode's driver: a summary's effects ------------------------------------------

  /** A new record or array of type `t`, its leaves unset until written (a summary's result). */
  freshRoot(name: string, t: Type): Ref {
    const root = this.alloc(name, t, 'fresh');
    for (const l of leavesOf(t)) root.leaves.set(l.key, T.mkConst(`fresh!${root.id}.${l.key}`, l.sort));
    return { root: root.id, path: [], type: t };
  }

  /** Writes the leaf `segs` below `place` (a callee's effect on its argument). */
  writeLeaf(place: Ref, segs: Seg[], v: Term): void {
    this.writeLeafAt(place, [...place.path.map(toSeg), ...segs], v);
  }

  /** The places whose whole record or array was replaced, in order. */
  get replacedPlaces(): readonly Ref[] {
    return this.replaced;
  }

  /** A callee replaced a record or array inside `place`: locals that point into it are stale. */
  replacedInside(place: Ref, loc: Loc): void {
    this.invalidateRefsInto(place, loc);
  }

  // ---- calls -------------------------------------------------------------------------------

  /**
   * Rejects an operation's result that is a record or array of its inputs (its state or an
   * argument): the caller would hold an object the next operation changes, which a comparison of
   * results at return time does not see.
   */
  checkFreshResult(fn: Func, v: SVal | undefined): void {
    if (v?.k === 'ref' && this.heap.get(v.ref.root)!.kind === 'input') {
      reject(fn.loc, `${fn.name} returning a record or array of its state or arguments`, 'the caller would share it with the state, and a later operation would change it: return a new record built with a literal');
    }
  }

  /**
   * Runs a predicate (an invariant, equiv): its meaning is its result, so it may not change its
   * arguments or assume anything (either would change what the theorem proves). Writes to
   * records it builds itself are fine.
   */
  predicate(fn: Func, args: SVal[]): Term {
    const outer = this.predicateMark;
    this.predicateMark ??= { name: fn.name, root: this.nextRoot };
    try {
      return this.scalar(this.call(fn, args) ?? { k: 's', t: T.TRUE });
    } finally {
      this.predicateMark = outer;
    }
  }

  /** Rejects a write the subset cannot give its TypeScript meaning: into a predicate's inputs, into an operation's argument. */
  private checkWritable(place: Ref, loc: Loc): void {
    const root = this.heap.get(place.root)!;
    if (this.predicateMark && place.root < this.predicateMark.root) reject(loc, `a write in the predicate ${this.predicateMark.name}`, 'invariants and equiv only read the state: compute into locals and return a boolean');
    if (root.argument) reject(loc, `a write into the argument ${root.argument}`, 'the caller would see it, and refinement compares only results and states: return the value instead, or keep it in the state');
  }

  /** Runs `fn` on the given arguments and returns its result (undefined for void). */
  call(fn: Func, args: SVal[], loc?: Loc): SVal | undefined {
    if (this.frames.length > 200) reject(loc ?? fn.loc, 'a call nested more than 200 deep', 'recursion is outside the subset');
    const env = new Map<string, SVal>();
    fn.params.forEach((p, i) => env.set(p.name, args[i]));
    const caller = this.frames[this.frames.length - 1];
    const frame: Frame = { fn, env, live: caller ? caller.live : T.TRUE, returns: [], heapMark: this.nextRoot, stale: new Map(), loops: [] };
    this.frames.push(frame);
    const branchMark = this.branches.length;
    const writesBefore = this.outsideWrites;
    try {
      this.block(fn.body);
      if (fn.ret.k !== 'void') {
        this.check('missing-return', fn.loc, `${fn.name} can reach its end without returning a value`, T.not(frame.live), frame.live);
      }
      return this.joinReturns(frame);
    } finally {
      this.frames.pop();
      // a helper that changed nothing its caller can see computes a value: how it branched to
      // find it (a scan for the lowest free slot) is data, not a path of the operation
      if (caller && this.outsideWrites === writesBefore) this.branches.length = branchMark;
    }
  }

  private joinReturns(frame: Frame): SVal | undefined {
    const rs = frame.returns.filter((r) => r.val && !T.isFalse(r.cond));
    if (frame.fn.ret.k === 'void' || rs.length === 0) return undefined;
    const vals = rs.map((r) => r.val!);
    if (vals.every((v) => v.k === 's')) {
      let t = (vals[vals.length - 1] as { t: Term }).t;
      for (let j = rs.length - 2; j >= 0; j--) t = T.ite(rs[j].cond, (vals[j] as { t: Term }).t, t);
      const los = vals.map((v) => (v as { lo?: bigint }).lo), his = vals.map((v) => (v as { hi?: bigint }).hi);
      return { k: 's', t, lo: minOf(los), hi: maxOf(his) };
    }
    const refs = vals.map((v) => (v as { ref: Ref }).ref);
    if (refs.every((r) => r.root >= frame.heapMark)) {
      // every path returns a record built during the call: copy them into one result root
      const out = this.alloc(`${frame.fn.name}()`, frame.fn.ret, 'fresh');
      for (const l of leavesOf(frame.fn.ret)) {
        let t = this.readLeaf(refs[refs.length - 1], l.segs);
        for (let j = rs.length - 2; j >= 0; j--) t = T.ite(rs[j].cond, this.readLeaf(refs[j], l.segs), t);
        out.leaves.set(l.key, t);
      }
      return { k: 'ref', ref: { root: out.id, path: [], type: frame.fn.ret } };
    }
    let merged = refs[refs.length - 1];
    for (let j = rs.length - 2; j >= 0; j--) {
      const m = mergeRefs(rs[j].cond, refs[j], merged);
      if (!m) reject(rs[j].loc, `${frame.fn.name} returns different records on different paths`, 'return either fresh records (object literals) on every path, or the same element of the state (same path, indices may differ)');
      merged = m;
    }
    return { k: 'ref', ref: merged };
  }

  // ---- statements --------------------------------------------------------------------------

  private get frame(): Frame {
    return this.frames[this.frames.length - 1];
  }

  private block(stmts: Stmt[]): void {
    for (const s of stmts) {
      if (T.isFalse(this.frame.live)) return; // every path has returned
      this.stmt(s);
    }
  }

  private stmt(s: Stmt): void {
    switch (s.k) {
      case 'let': {
        const v = this.expr(s.init);
        if (v.k === 's') this.checkRange(v, s.type, s.loc, `the local ${s.name}`);
        this.frame.env.set(s.name, v);
        this.frame.stale.delete(s.name);
        return;
      }
      case 'assign': {
        // TypeScript evaluates the target's object and index before the right-hand side
        const place = s.target.k === 'field' || s.target.k === 'index' ? this.access(s.target) : undefined;
        const mark = this.replaced.length;
        const v = this.expr(s.value);
        // ...so when the right-hand side replaces a record or array the target is in, TypeScript
        // writes into the old object, no longer in the state: not encoded, rejected
        if (place) this.heldAcross(place, mark, s.loc);
        return this.assign(s.target, v, s.loc, place);
      }
      case 'if': {
        const c = this.cond(s.c);
        if (!T.isTrue(c) && !T.isFalse(c)) this.branches.push({ cond: c, reached: T.and(this.pc, this.frame.live), loc: s.loc });
        this.branch(c, () => this.block(s.then), () => this.block(s.else), { loc: s.loc, labels: ['then', 'else'], fork: true });
        return;
      }
      case 'for': {
        const frame = this.frame;
        const loop = { breaks: [] as Term[], continues: [] as Term[] };
        frame.loops.push(loop);
        try {
          for (let i = s.from; i < s.to; i++) {
            if (T.isFalse(frame.live)) break;
            // loops in helpers called from loops multiply too: a bound on the whole unrolling
            if (++this.iterations > MAX_ITERATIONS) reject(s.loc, `more than ${MAX_ITERATIONS} loop iterations in all (loops unrolled, also in the helpers called from loops)`, 'loops are unrolled: restructure with a quantifier (forall/exists/count), or smaller bounds');
            frame.env.set(s.v, { k: 's', t: T.mkInt(i), lo: BigInt(i), hi: BigInt(i) });
            this.block(s.body);
            if (loop.continues.length) frame.live = T.or(frame.live, ...loop.continues.splice(0));
          }
        } finally {
          frame.loops.pop();
        }
        if (loop.breaks.length) frame.live = T.or(frame.live, ...loop.breaks);
        return;
      }
      case 'break':
      case 'continue': {
        const loop = this.frame.loops[this.frame.loops.length - 1];
        (s.k === 'break' ? loop.breaks : loop.continues).push(T.and(this.pc, this.frame.live));
        this.frame.live = T.FALSE;
        return;
      }
      case 'return': {
        const val = s.value ? this.expr(s.value) : undefined;
        if (val && val.k === 's') this.checkRange(val, this.frame.fn.ret, s.loc, `the result of ${this.frame.fn.name}`);
        this.frame.returns.push({ cond: T.and(this.pc, this.frame.live), val, loc: s.loc });
        this.frame.live = T.FALSE;
        if (this.paths && this.frames.length === 1) this.paths.returned(val, s.loc);
        return;
      }
      case 'expr':
        this.expr(s.e);
        return;
      case 'assert':
        if (this.paths && !this.pureDepth) return this.paths.require(this.cond(s.c), s.loc);
        this.check('assert', s.loc, 'the assertion may fail', this.cond(s.c));
        return;
      case 'assume':
        if (this.pureDepth) reject(s.loc, 'assume inside a quantifier', 'state assumptions at the top of an operation');
        if (this.predicateMark) reject(s.loc, `assume in the predicate ${this.predicateMark.name}`, 'a predicate states a condition: return it (an assume would narrow what is proved)');
        // forking mode runs code as it runs: a failed assume throws, so the run goes on where it holds
        if (this.paths) return this.paths.require(this.cond(s.c), s.loc);
        if (this.checkAssumptions) this.check('assume', s.loc, 'the implementation assumes a condition that callers the spec allows may break', this.cond(s.c));
        else this.hypotheses.push(T.implies(T.and(this.pc, this.frame.live), this.cond(s.c)));
        return;
      case 'mapSet':
      case 'mapDelete': {
        if (this.pureDepth) reject(s.loc, 'a map update inside a quantifier or arr() body', 'quantifier and arr() bodies only read the state');
        // TypeScript evaluates the map, the key and the value, then writes into the map as it is
        // then: a write the value's evaluation made to the same map stays
        const m = this.refOf(this.expr(s.map), s.loc);
        const mark = this.replaced.length;
        const key = this.scalar(this.expr(s.key));
        let v: Term | undefined;
        if (s.k === 'mapSet') {
          const sv = this.expr(s.value);
          this.checkRange(sv as SVal & { k: 's' }, (m.type as { value: Type }).value, s.loc, 'the map value');
          v = this.scalar(sv);
        }
        this.heldAcross(m, mark, s.loc);
        this.checkWritable(m, s.loc);
        const valKey = [...m.path.map(toSeg), { map: 'val' as const }];
        const hasKey = [...m.path.map(toSeg), { map: 'has' as const }];
        const vals = this.readLeaf(m, [{ map: 'val' }]);
        const has = this.readLeaf(m, [{ map: 'has' }]);
        v ??= this.readLeaf(m, [{ map: 'dflt' }]);
        // guarded like assignments: after an early return on some path, the map is unchanged there
        this.touch('write', m, [{ map: 'val' }], key);
        this.writeLeafAt(m, valKey, this.guarded(vals, T.store(vals, key, v)));
        this.writeLeafAt(m, hasKey, this.guarded(has, T.store(has, key, T.mkBool(s.k === 'mapSet'))));
        return;
      }
    }
  }

  /**
   * Runs two branches from copies of the state and merges them with if-then-else on `c`. In
   * forking mode, a branch that may fork (`site.fork`: an `if`, or an operand that calls
   * something) runs the one way the observer picks for this run; inside quantifier and arr()
   * bodies nothing forks.
   */
  private branch(c: Term, onTrue: () => void, onFalse: () => void, site?: { loc: Loc; labels: [string, string]; fork: boolean }): void {
    if (this.paths && site?.fork && this.pureDepth === 0) return this.paths.branch(c, site.loc, site.labels) ? onTrue() : onFalse();
    if (T.isTrue(c)) return onTrue();
    if (T.isFalse(c)) return onFalse();
    const before = this.snapshot();
    const pc = this.pc;
    this.pc = T.and(pc, c);
    onTrue();
    const a = this.snapshot();
    this.restore(before);
    this.pc = T.and(pc, T.not(c));
    onFalse();
    const b = this.snapshot();
    this.pc = pc;
    this.restore(this.merge(c, a, b));
  }

  private snapshot(): Snapshot {
    const heap = new Map<number, Root>();
    for (const [id, r] of this.heap) heap.set(id, { ...r, leaves: new Map(r.leaves) });
    return { heap, frames: this.frames.map((f) => ({ env: new Map(f.env), live: f.live, stale: new Map(f.stale) })) };
  }

  private restore(s: Snapshot): void {
    this.heap = new Map([...s.heap].map(([id, r]) => [id, { ...r, leaves: new Map(r.leaves) }]));
    this.frames.forEach((f, i) => {
      f.env = new Map(s.frames[i].env);
      f.live = s.frames[i].live;
      f.stale = new Map(s.frames[i].stale);
    });
  }

  private merge(c: Term, a: Snapshot, b: Snapshot): Snapshot {
    const heap = new Map<number, Root>();
    for (const [id, ra] of a.heap) {
      const rb = b.heap.get(id);
      if (!rb) {
        heap.set(id, ra);
        continue;
      }
      const leaves = new Map<string, Term>();
      for (const [k, ta] of ra.leaves) leaves.set(k, T.ite(c, ta, rb.leaves.get(k) ?? ta));
      heap.set(id, { ...ra, leaves, movedAt: ra.movedAt ?? rb.movedAt });
    }
    for (const [id, rb] of b.heap) if (!heap.has(id)) heap.set(id, rb);
    const frames = a.frames.map((fa, i) => {
      const fb = b.frames[i];
      const env = new Map<string, SVal>();
      for (const [name, va] of fa.env) {
        const vb = fb.env.get(name);
        if (!vb) continue; // declared in one branch only: out of scope after it
        const m = mergeVals(c, va, vb);
        if (m) env.set(name, m);
        else {
          // the local points at different records depending on the path: usable only if never read again
          fa.stale.set(name, this.frames[i].fn.loc);
        }
      }
      const stale = new Map([...fa.stale, ...fb.stale]);
      return { env, live: T.ite(c, fa.live, fb.live), stale };
    });
    return { heap, frames };
  }

  /** `given` is the target's place when the caller evaluated it before the value (as TypeScript does). */
  private assign(target: Expr, v: SVal, loc: Loc, given?: Ref): void {
    if (this.pureDepth) reject(loc, 'an assignment inside a quantifier or arr() body', 'quantifier and arr() bodies only read the state');
    if (target.k === 'var') {
      const old = this.frame.env.get(target.name);
      if (v.k === 's') {
        this.checkRange(v, target.type, loc, `the local ${target.name}`);
        const prev = old && old.k === 's' ? old : undefined;
        this.frame.env.set(target.name, prev ? guardScalar(this.frame.live, v, prev) : v);
      } else {
        const prev = old && old.k === 'ref' ? old.ref : undefined;
        const m = prev ? mergeRefs(this.frame.live, v.ref, prev) : v.ref;
        if (!m) reject(loc, `rebinding the record local ${target.name} to another record`, 'the verifier follows a record local to one record (its indices may vary): bind a new const instead');
        this.frame.env.set(target.name, { k: 'ref', ref: m });
        this.frame.stale.delete(target.name);
      }
      return;
    }
    const place = given ?? this.place(target);
    this.checkWritable(place, loc);
    this.paths?.stored(place, v);
    if (v.k === 's') {
      this.checkRange(v, target.type, loc, `the field ${describePath(target)}`);
      this.touch('write', place, []);
      this.writeLeafAt(place, place.path.map(toSeg), this.guardedLeafValue(place, v.t));
      return;
    }
    // an aggregate is stored: copy its leaves (sound only because aliasing cases are rejected)
    const src = this.storable(v.ref, loc, `storing ${describePath(target)} = an existing record`);
    for (const l of leavesOf(target.type)) {
      const t = this.readLeaf(v.ref, l.segs);
      this.touch('read', v.ref, l.segs);
      this.touch('write', place, l.segs);
      this.writeLeafAt(place, [...place.path.map(toSeg), ...l.segs], this.guarded(this.readLeaf(place, l.segs), t));
    }
    src.movedAt = loc;
    this.invalidateRefsInto(place, loc);
  }

  /**
   * The root of a record or array about to be stored into another place, which the store copies.
   * TypeScript stores the object itself, so the copy is exact only for a whole record built by a
   * literal or a call and never stored before; the store then moves it (its local may not be used
   * again). Anything else would be one object in two places: rejected.
   */
  private storable(ref: Ref, loc: Loc, what: string): Root {
    const src = this.heap.get(ref.root)!;
    const fix = 'in TypeScript both places would then be the same object; build a new record with a literal ({ field: ..., ... }) or arr(N, ...) instead';
    if (src.kind === 'input') reject(loc, what, fix);
    if (src.movedAt) reject(loc, `${what} (a record already stored at line ${src.movedAt.line})`, fix);
    if (ref.path.length > 0) reject(loc, `${what} (a part of a local record or array)`, fix);
    return src;
  }

  /**
   * `ref` was evaluated, then more (an index, a key, later arguments) whose evaluation may have
   * replaced the record or array it is in: TypeScript goes on using the old object, which is no
   * longer part of the state, and the heap model cannot follow it there.
   */
  private heldAcross(ref: Ref, mark: number, loc: Loc): void {
    if (this.replaced.slice(mark).some((r) => isPrefixPlace(r, ref))) {
      reject(loc, 'an evaluation that replaces the record or array being indexed, updated or passed', 'TypeScript would go on using the old object, which is no longer part of the state; compute the index, key or argument into a local first');
    }
  }

  /** After a whole record is replaced, locals that pointed into the old one are stale in TypeScript. */
  private invalidateRefsInto(place: Ref, loc: Loc): void {
    this.replaced.push(place);
    for (const f of this.frames) {
      for (const [name, v] of f.env) {
        if (v.k !== 'ref' || v.ref.root !== place.root || v.ref.path.length < place.path.length) continue;
        const prefix = place.path.every((s, i) => ('f' in s ? 'f' in v.ref.path[i] && (v.ref.path[i] as { f: string }).f === s.f : 'i' in v.ref.path[i]));
        if (prefix && !(v.ref === place)) f.stale.set(name, loc);
      }
    }
  }

  private guarded(old: Term, t: Term): Term {
    return T.ite(this.frame.live, t, old);
  }

  private guardedLeafValue(place: Ref, t: Term): Term {
    return this.guarded(this.readLeaf(place, []), t);
  }

  // ---- heap access -------------------------------------------------------------------------

  /** Reads the leaf `segs` below the place `ref` (a scalar, or an array term for deeper dimensions). */
  readLeaf(ref: Ref, segs: Seg[]): Term {
    const root = this.heap.get(ref.root)!;
    const key = keyOf([...ref.path.map(toSeg), ...segs]);
    let t = root.leaves.get(key);
    if (!t) throw new Error(`internal: no leaf ${key} in ${root.name}`);
    for (const s of ref.path) if ('i' in s) t = T.select(t, s.i);
    if (segs.length === 0) this.readCases(root, ref.path, t);
    return t;
  }

  private readonly readCasesDone = new Set<number>();

  /**
   * A read at symbolic indices from small arrays (at most EXPAND_LIMIT elements in all), stated
   * as a case split over the literal indices: `0 <= i < n  =>  a[i] = ite(i = 0, a[0], ite(i = 1,
   * a[1], ...))`. A tautology, added to the facts so that Z3 relates the read to what expanded
   * invariants and equiv say of each element without going through array lemmas. Measured on
   * examples/fdtable: 17.2M -> 10.3M rlimit in all, lseek#equiv 1.6-2.7 s -> 0.09 s. (Using the
   * case split as the read's value instead was slower: 12.2M.)
   */
  private readCases(root: Root, path: PSeg[], t: Term): void {
    if (t.sort.k === 'Array' || !t.closed || this.readCasesDone.has(t.id)) return;
    const idx = path.filter((s): s is { i: Term } => 'i' in s);
    if (idx.every((s) => s.i.op === 'int')) return;
    const lens: number[] = [];
    let ty: Type = root.type;
    for (const s of path) {
      if ('f' in s) {
        const f = ty.k === 'record' ? ty.fields.find((x) => x.name === s.f) : undefined;
        if (!f) return;
        ty = f.type;
      } else {
        if (ty.k !== 'array') return;
        lens.push(ty.len);
        ty = ty.elem;
      }
    }
    if (lens.reduce((a, n) => a * n, 1) > EXPAND_LIMIT) return;
    this.readCasesDone.add(t.id);
    const cases = (a: Term, k: number): Term => {
      if (k === idx.length) return a;
      const i = idx[k].i;
      if (i.op === 'int') return cases(T.select(a, i), k + 1);
      let out = cases(T.select(a, T.mkInt(lens[k] - 1)), k + 1);
      for (let j = lens[k] - 2; j >= 0; j--) out = T.ite(T.eq(i, T.mkInt(j)), cases(T.select(a, T.mkInt(j)), k + 1), out);
      return out;
    };
    const inRange = T.and(...idx.map((s, k) => T.and(T.le(T.mkInt(0), s.i), T.lt(s.i, T.mkInt(lens[k])))));
    this.hypotheses.push(T.implies(inRange, T.eq(t, cases(root.leaves.get(keyOf(path.map(toSeg)))!, 0))));
  }

  /** Records an access to the cell at `place` + `segs` (+ a map key), when footprints are on and the root is an input. */
  /** Records an access for the conflict check; a map's `key` is 'every' for a read of all its entries. */
  private touch(kind: CellAccess['kind'], place: Ref, segs: Seg[], key?: Term | 'every'): void {
    if (!this.footprint || this.heap.get(place.root)?.kind !== 'input') return;
    const idx: (Term | undefined)[] = place.path.filter((s): s is { i: Term } => 'i' in s).map((s) => s.i);
    if (key) idx.push(key === 'every' ? undefined : key);
    const cell = keyOf([...place.path.map(toSeg), ...segs]).replace(/\{(val|has)\}$/, '{entry}');
    this.footprint.push({ kind, root: place.root, cell, idx: idx.map((i) => (i?.closed ? i : undefined)), guard: T.and(this.pc, this.frame.live) });
  }

  /** Writes `v` at the leaf reached by `segs` from the root, storing along the place's indices. */
  private writeLeafAt(place: Ref, segs: Seg[], v: Term): void {
    const root = this.heap.get(place.root)!;
    if (place.root < (this.frames[this.frames.length - 1]?.heapMark ?? Infinity)) this.outsideWrites++;
    const key = keyOf(segs);
    const cur = root.leaves.get(key);
    if (!cur) throw new Error(`internal: no leaf ${key} in ${root.name}`);
    const idx = place.path.filter((s): s is { i: Term } => 'i' in s).map((s) => s.i);
    const put = (a: Term, k: number): Term => (k === idx.length ? v : T.store(a, idx[k], put(T.select(a, idx[k]), k + 1)));
    root.leaves.set(key, put(cur, 0));
  }

  /** Evaluates an lvalue expression to a place in the heap. */
  private place(e: Expr): Ref {
    if (e.k === 'field' || e.k === 'index') return this.access(e);
    return this.refOf(this.expr(e), e.loc);
  }

  /** The place a field or element access denotes, checking the index is within bounds. */
  private access(e: Expr & { k: 'field' | 'index' }): Ref {
    const obj = this.refOf(this.expr(e.obj), e.loc);
    if (e.k === 'field') return { ...obj, path: [...obj.path, { f: e.field }], type: e.type };
    const mark = this.replaced.length;
    const i = this.expr(e.index) as SVal & { k: 's' };
    this.heldAcross(obj, mark, e.index.loc);
    const len = (obj.type as { len: number }).len;
    if (!(i.lo !== undefined && i.hi !== undefined && i.lo >= 0n && i.hi < BigInt(len))) {
      this.check('bounds', e.index.loc, `the index may be outside 0..${len - 1}`, T.and(T.le(T.mkInt(0), i.t), T.lt(i.t, T.mkInt(len))));
    }
    return { ...obj, path: [...obj.path, { i: i.t }], type: e.type };
  }

  private refOf(v: SVal, loc: Loc): Ref {
    if (v.k !== 'ref') reject(loc, 'a scalar used as a record', 'internal typing error');
    return v.ref;
  }

  // ---- expressions -------------------------------------------------------------------------

  scalar(v: SVal): Term {
    if (v.k !== 's') throw new Error('internal: expected a scalar');
    return v.t;
  }

  private cond(e: Expr): Term {
    return this.scalar(this.expr(e));
  }

  expr(e: Expr): SVal {
    switch (e.k) {
      case 'int':
        return { k: 's', t: T.mkInt(e.v), lo: e.v, hi: e.v };
      case 'bool':
        return { k: 's', t: T.mkBool(e.v) };
      case 'enumLit':
        return { k: 's', t: T.mkInt((e.type as { members: string[] }).members.indexOf(e.v)) };
      case 'var': {
        const stale = this.frame.stale.get(e.name);
        if (stale) reject(e.loc, describeLocal(e.name), `the record it referred to was replaced (at line ${stale.line}) or it refers to different records on different paths; in TypeScript it would still point to the old object. Read the record again from the state after the assignment`);
        const v = this.frame.env.get(e.name);
        if (!v) throw new Error(`internal: unbound ${e.name}`);
        if (v.k === 'ref') {
          const root = this.heap.get(v.ref.root)!;
          if (root.movedAt) reject(e.loc, `${describeLocal(e.name)} after ${v.ref.path.length ? 'the record it is part of' : 'it'} was stored into another record (line ${root.movedAt.line})`, 'in TypeScript both would be the same object; read it back through the place it was stored in');
        }
        return v;
      }
      case 'field':
      case 'index':
        return this.at(this.access(e));
      case 'not':
        return { k: 's', t: T.not(this.cond(e.e)) };
      case 'neg': {
        const v = this.expr(e.e) as SVal & { k: 's' };
        return this.arith(e.loc, T.neg(v.t), v.hi === undefined ? undefined : -v.hi, v.lo === undefined ? undefined : -v.lo);
      }
      case 'binary':
        return this.binary(e);
      case 'intdiv': {
        const l = this.expr(e.l) as SVal & { k: 's' }, r = this.expr(e.r) as SVal & { k: 's' };
        this.checkDivisor(r, e.r.loc);
        const q = e.mode === 'floor' ? floorDiv(l, r) : truncDiv(l, r);
        const [lo, hi] = divInterval(l, r);
        return { k: 's', t: q, lo, hi };
      }
      case 'cond': {
        const c = this.cond(e.c);
        let t: SVal | undefined, f: SVal | undefined;
        // (a path-following run takes one side, so that a value keeps the name verify rid counts
        // it by: `return o !== 0 ? o : 0` hands o back)
        this.branch(c, () => (t = this.expr(e.t)), () => (f = this.expr(e.e)), { loc: e.loc, labels: ['? then', '? else'], fork: true });
        if (!t) return f!;
        if (!f) return t;
        const m = mergeVals(c, t, f);
        if (m) return m;
        const a = (t as { ref: Ref }).ref, b = (f as { ref: Ref }).ref;
        const ra = this.heap.get(a.root)!, rb = this.heap.get(b.root)!;
        if (ra.kind !== 'fresh' || rb.kind !== 'fresh' || ra.movedAt || rb.movedAt || a.path.length || b.path.length) reject(e.loc, 'a conditional choosing between different records of the state', 'write an if statement, or build new records with literals in both branches');
        // both branches built new records: the result is one new record with merged leaves. In
        // TypeScript it is one of the two objects, so neither may be used through its own name again
        ra.movedAt = rb.movedAt = e.loc;
        const out = this.alloc(`cond@${e.loc.line}:${e.loc.col}`, e.type, 'fresh');
        for (const l of leavesOf(e.type)) out.leaves.set(l.key, T.ite(c, this.readLeaf(a, l.segs), this.readLeaf(b, l.segs)));
        return { k: 'ref', ref: { root: out.id, path: [], type: e.type } };
      }
      case 'call': {
        const fn = this.program.get(e.fn);
        // (forking mode's observer answers calls of the refcount primitives, which have no body)
        if (!fn && !this.paths) reject(e.loc, `the call to ${e.fn.split('#')[1]}`, 'its definition was rejected (see the other diagnostics)');
        const held: { ref: Ref; mark: number }[] = [];
        const args = e.args.map((a, i) => {
          const v = this.expr(a);
          if (v.k === 's' && fn) this.checkRange(v, fn.params[i].type, a.loc, `the argument ${fn.params[i].name}`);
          else if (v.k === 'ref') held.push({ ref: v.ref, mark: this.replaced.length });
          return v;
        });
        for (const h of held) this.heldAcross(h.ref, h.mark, e.loc);
        const answered = this.paths?.call(e, args, this.pureDepth > 0);
        if (answered) return answered;
        if (!fn) reject(e.loc, `the call to ${e.fn.split('#')[1]}`, 'its definition was rejected (see the other diagnostics)');
        const r = this.call(fn, args, e.loc);
        // no return of the callee is reachable (the call sits on a path that cannot happen): any
        // value of the declared type stands for its result
        return r ?? this.anyValue(fn.ret, `${fn.name}()`);
      }
      case 'record': {
        // evaluate every field before allocating: evaluation may branch, and a branch replaces
        // the heap's root objects with merged copies
        const fieldTypes = new Map((e.type as { fields: { name: string; type: Type }[] }).fields.map((x) => [x.name, x.type]));
        const vals = e.fields.map((f) => ({ f, v: this.expr(f.value), ft: fieldTypes.get(f.name)! }));
        const root = this.alloc(`{…}@${e.loc.line}:${e.loc.col}`, e.type, 'fresh');
        for (const { f, v, ft } of vals) {
          this.paths?.stored({ root: root.id, path: [{ f: f.name }], type: ft }, v);
          if (v.k === 's') {
            this.checkRange(v, ft, f.value.loc, `the field ${f.name}`);
            root.leaves.set(keyOf([{ f: f.name }]), v.t);
            continue;
          }
          const src = this.storable(v.ref, f.value.loc, `the field ${f.name} set to an existing record`);
          for (const l of leavesOf(ft)) root.leaves.set(keyOf([{ f: f.name }, ...l.segs]), this.readLeaf(v.ref, l.segs));
          src.movedAt = f.value.loc;
        }
        return { k: 'ref', ref: { root: root.id, path: [], type: e.type } };
      }
      case 'arrayInit': {
        const i = T.mkBvar(e.param, T.INT);
        const mark = this.nextRoot;
        const elem = (e.type as { elem: Type }).elem;
        // the element's range check mentions the bound variable: it belongs inside the binder
        const v = this.inBinder(e.param, i, e.len, () => {
          const x = this.expr(e.body);
          if (x.k === 's') this.checkRange(x, elem, e.body.loc, 'the array element');
          return x;
        });
        // each element must be a new object (the body runs once per element in TypeScript): a
        // body naming an existing record would make every element that one object
        if (v.k === 'ref' && (v.ref.root < mark || v.ref.path.length > 0)) reject(e.body.loc, 'an arr() element that is an existing record or array', 'every element would be the same object in TypeScript; build each element with a literal in the body');
        const root = this.alloc(`arr@${e.loc.line}:${e.loc.col}`, e.type, 'fresh');
        if (v.k === 's') root.leaves.set('[]', T.lambda(i, v.t));
        else for (const l of leavesOf(elem)) root.leaves.set(keyOf([{ idx: true }, ...l.segs]), T.lambda(i, this.readLeaf(v.ref, l.segs)));
        return { k: 'ref', ref: { root: root.id, path: [], type: e.type } };
      }
      case 'quant':
        return this.quant(e);
      case 'mapNew': {
        const root = this.alloc(`smap@${e.loc.line}:${e.loc.col}`, e.type, 'fresh');
        const dv = this.expr(e.dflt);
        this.checkRange(dv, (e.type as { value: Type }).value, e.dflt.loc, 'the map default');
        const d = this.scalar(dv);
        const ks = scalarSort((e.type as { key: Type }).key);
        root.leaves.set('{val}', T.constArray(ks, d));
        root.leaves.set('{has}', T.constArray(ks, T.FALSE));
        root.leaves.set('{dflt}', d);
        return { k: 'ref', ref: { root: root.id, path: [], type: e.type } };
      }
      case 'mapEq': {
        const a = this.refOf(this.expr(e.l), e.loc);
        const mark = this.replaced.length;
        const b = this.refOf(this.expr(e.r), e.loc);
        this.heldAcross(a, mark, e.r.loc);
        // unset keys hold the default in {val} (an input fact, kept by every write), so equal
        // leaves are exactly equal maps
        // (both maps are read whole: every entry is in the footprint)
        for (const m of [a, b]) this.touch('read', m, [{ map: 'val' }], 'every');
        const parts = (['val', 'has', 'dflt'] as const).map((k) => T.eq(this.readLeaf(a, [{ map: k }]), this.readLeaf(b, [{ map: k }])));
        return { k: 's', t: T.and(...parts) };
      }
      case 'let': {
        // evaluated before naming the frame's env: a branch in `init` replaces the env's Map
        const v = this.expr(e.init);
        this.frame.env.set(e.name, v);
        return this.expr(e.body);
      }
      case 'mapGet':
      case 'mapHas': {
        const m = this.refOf(this.expr(e.map), e.loc);
        const mark = this.replaced.length;
        const key = this.scalar(this.expr(e.key));
        this.heldAcross(m, mark, e.key.loc);
        this.touch('read', m, [{ map: 'val' }], key);
        const t = T.select(this.readLeaf(m, [{ map: e.k === 'mapGet' ? 'val' : 'has' }]), key);
        return e.k === 'mapGet' ? this.stored(t, e.type) : { k: 's', t };
      }
    }
  }

  /** The value at a place: a scalar is read now; an aggregate stays a reference. */
  private at(ref: Ref): SVal {
    if (!isScalar(ref.type)) return { k: 'ref', ref };
    this.touch('read', ref, []);
    const v = this.stored(this.readLeaf(ref, []), ref.type) as SVal & { k: 's' };
    const name = this.paths?.nameOf(ref, v.t);
    return name ? { ...v, name } : v;
  }

  /**
   * A scalar read from a place: within its declared type, since every store into it was checked
   * (an obligation). Forking mode runs the code as it runs and does not check stores against
   * declared types (TypeScript does not either): there a value read is only known to be a safe
   * integer, as every arithmetic result is checked to be.
   */
  private stored(t: Term, type: Type): SVal {
    return this.paths ? untypedScalar(t, type) : scalarOf(t, type);
  }

  private binary(e: Expr & { k: 'binary' }): SVal {
    if (e.op === '&&' || e.op === '||') {
      const l = this.cond(e.l);
      let r: Term = e.op === '&&' ? T.FALSE : T.TRUE;
      // the right operand runs only when the left does not decide, as in TypeScript
      const fork = hasCall(e.r);
      let ran = false;
      const rhs = () => {
        r = this.cond(e.r);
        ran = true;
      };
      if (e.op === '&&') this.branch(l, rhs, () => {}, { loc: e.loc, labels: ['&& rhs', '&& short'], fork });
      else this.branch(l, () => {}, rhs, { loc: e.loc, labels: ['|| short', '|| rhs'], fork });
      // a forked run took one way: the left operand is decided on its path
      if (fork && this.paths && this.pureDepth === 0) return { k: 's', t: ran ? r : T.mkBool(e.op === '||') };
      return { k: 's', t: e.op === '&&' ? T.and(l, r) : T.or(l, r) };
    }
    const l = this.expr(e.l) as SVal & { k: 's' };
    const r = this.expr(e.r) as SVal & { k: 's' };
    // (the front end rejects comparisons of records; a reference has no term to compare)
    if (l.k !== 's' || r.k !== 's') reject(e.loc, 'an operator on a record or array', 'in TypeScript it would compare identity; compare the fields');
    switch (e.op) {
      case 'implies':
        return { k: 's', t: T.implies(l.t, r.t) };
      case '===':
        return { k: 's', t: T.eq(l.t, r.t) };
      case '!==':
        return { k: 's', t: T.not(T.eq(l.t, r.t)) };
      case '<':
        return { k: 's', t: T.lt(l.t, r.t) };
      case '<=':
        return { k: 's', t: T.le(l.t, r.t) };
      case '>':
        return { k: 's', t: T.lt(r.t, l.t) };
      case '>=':
        return { k: 's', t: T.le(r.t, l.t) };
      case '+':
        return this.arith(e.loc, T.add(l.t, r.t), addB(l.lo, r.lo), addB(l.hi, r.hi));
      case '-':
        return this.arith(e.loc, T.sub(l.t, r.t), subB(l.lo, r.hi), subB(l.hi, r.lo));
      case '*': {
        const [lo, hi] = mulInterval(l, r);
        return this.arith(e.loc, T.mul(l.t, r.t), lo, hi);
      }
      case '&':
      case '|':
      case '^':
      case '<<':
      case '>>':
      case '>>>': {
        const { t, lo, hi } = bitwise(e.op, l.t, r.t, [l.lo, l.hi], [r.lo, r.hi]);
        return { k: 's', t, lo, hi };
      }
      case '/': {
        this.checkDivisor(r, e.r.loc);
        const q = truncDiv(l, r);
        this.check('inexact-division', e.loc, 'the division may have a fractional result (TypeScript numbers are not integers here); write Math.floor(a / b) for integer division', T.or(T.eq(r.t, T.mkInt(0)), T.eq(T.mul(q, r.t), l.t)));
        const [lo, hi] = divInterval(l, r);
        return { k: 's', t: q, lo, hi };
      }
      case '%': {
        this.checkDivisor(r, e.r.loc);
        const t = T.sub(l.t, T.mul(r.t, truncDiv(l, r)));
        const m = r.lo !== undefined && r.hi !== undefined ? maxAbs(r.lo, r.hi) - 1n : undefined;
        const nonneg = l.lo !== undefined && l.lo >= 0n;
        return { k: 's', t, lo: m === undefined ? undefined : nonneg ? 0n : -m, hi: m };
      }
    }
  }

  /** An arithmetic result must stay where TypeScript's numbers are exact integers. */
  private arith(loc: Loc, t: Term, lo?: bigint, hi?: bigint): SVal {
    if (lo === undefined || hi === undefined || lo < -SAFE_INT || hi > SAFE_INT) {
      this.check('safe-integer', loc, 'the result may leave the safe integer range (±2^53-1), where TypeScript numbers lose precision', T.and(T.le(T.mkInt(-SAFE_INT), t), T.le(t, T.mkInt(SAFE_INT))));
      return { k: 's', t, lo: lo === undefined || lo < -SAFE_INT ? -SAFE_INT : lo, hi: hi === undefined || hi > SAFE_INT ? SAFE_INT : hi };
    }
    return { k: 's', t, lo, hi };
  }

  private checkDivisor(r: SVal & { k: 's' }, loc: Loc): void {
    if (r.lo !== undefined && r.hi !== undefined && (r.lo > 0n || r.hi < 0n)) return;
    this.check('divzero', loc, 'the divisor may be zero', T.not(T.eq(r.t, T.mkInt(0))));
  }

  /** A value stored to a location of integer type must fit the type. */
  private checkRange(v: SVal & { k: 's' } | SVal, t: Type, loc: Loc, what: string): void {
    if (v.k !== 's' || t.k !== 'int') return;
    if (v.lo !== undefined && v.hi !== undefined && v.lo >= t.min && v.hi <= t.max) return;
    this.check('overflow', loc, `${what} may be outside ${typeToString(t)} (${t.min}..${t.max})`, T.and(T.le(T.mkInt(t.min), v.t), T.le(v.t, T.mkInt(t.max))));
  }

  private check(kind: ObligationKind, loc: Loc, message: string, ok: Term, live: Term = this.frame?.live ?? T.TRUE): void {
    const holds = T.implies(T.and(this.pc, live), ok);
    if (T.isTrue(holds)) return;
    this.obligations.push({ kind, loc, message, holds, ...(this.paths ? { path: this.paths.condition() } : {}) });
  }

  // ---- quantifiers -------------------------------------------------------------------------

  /**
   * `choose(n, i => p)`: a fresh constant, with the fact that it is an index where p holds, or -1
   * when p holds nowhere. The fact is recorded in `choices`, not in the hypotheses: whether a
   * choice is universal (invariants: every choice must keep them) or existential (refinement,
   * commutativity: some choice must match) is the theorem's business. Every body runs, as at run
   * time (prelude.ts collects all candidates).
   */
  private choose(e: Expr & { k: 'quant' }): SVal {
    // inside any quantifier, arr() or choose() body, also one expanded element by element: there
    // each element's body would make a choice of its own, which the docs do not promise (red-team
    // round 15, a34: count(4, (i) => choose(...) === i) had one choice per i, and 'proved' a count
    // that the run without a chooser never gives)
    if (this.pureDepth > 0) reject(e.loc, 'choose() inside a quantifier, arr() or choose() body', 'make the choice outside forall/exists/count/arr');
    if (e.n > GUARD_EXPAND_LIMIT) reject(e.loc, `choose over ${e.n} elements`, `choices range over at most ${GUARD_EXPAND_LIMIT} elements`);
    const parts: Term[] = [];
    for (let k = 0; k < e.n; k++) parts.push(this.inBinder(e.param, T.mkInt(k), e.n, () => this.cond(e.body)));
    if (this.paths || this.predicateMark) {
      // forking mode checks what the code does when it runs, and without a chooser (prelude.ts)
      // choose gives the lowest index where the body holds, or -1: no open choice. A predicate
      // (invariant, equiv, equivalent) is a function of its state, always run without a chooser:
      // an open choice there would let the solver pick an index the run never takes
      let t: Term = T.mkInt(-1);
      for (let k = e.n - 1; k >= 0; k--) t = T.ite(parts[k], T.mkInt(k), t);
      return { k: 's', t, lo: -1n, hi: BigInt(e.n - 1) };
    }
    const c = T.mkConst(`choice!${e.loc.line}:${e.loc.col}!${this.choiceCount++}`, T.INT);
    const fact = T.or(T.and(T.eq(c, T.mkInt(-1)), ...parts.map(T.not)), ...parts.map((p, k) => T.and(T.eq(c, T.mkInt(k)), p)));
    this.choices.push({ c, n: e.n, fact: T.implies(T.and(this.pc, this.frame.live), fact), loc: e.loc, ...(e.cpu ? { cpu: true } : {}) });
    return { k: 's', t: c, lo: -1n, hi: BigInt(e.n - 1) };
  }

  /** Evaluates `body` with `param` bound to `i` (a bound variable ranging over 0..n-1). */
  private inBinder<R>(param: string, i: Term, n: number, body: () => R, reached?: (r: R) => Term): R {
    const frame = this.frame;
    const pc = this.pc;
    const range = T.and(T.le(T.mkInt(0), i), T.lt(i, T.mkInt(n)));
    const start = this.obligations.length;
    const open = i.op === 'bvar'; // the quantifier stays one (not expanded element by element)
    if (open) this.openBinders++;
    this.pureDepth++;
    this.pc = T.and(pc, range);
    frame.env.set(param, { k: 's', t: i, lo: 0n, hi: BigInt(Math.max(0, n - 1)) });
    let result: R | undefined;
    try {
      result = body();
      // the body at i runs only when `reached` (see quant): an obligation raised there holds otherwise
      if (reached) {
        const g = reached(result);
        for (let j = start; j < this.obligations.length; j++) {
          const o = this.obligations[j];
          this.obligations[j] = { ...o, holds: T.implies(g, o.holds) };
        }
      }
      return result;
    } finally {
      if (open) this.openBinders--;
      this.pureDepth--;
      this.pc = pc;
      frame.env.delete(param);
      // obligations raised inside the body hold for every i
      for (let j = start; j < this.obligations.length; j++) {
        const o = this.obligations[j];
        this.obligations[j] = { ...o, holds: T.forall([i], o.holds) };
      }
    }
  }

  private quant(e: Expr & { k: 'quant' }): SVal {
    const { q, n } = e;
    if (q === 'choose') return this.choose(e);
    // (forking mode expands: the symbolic count is exact only with the definitions the theorems add)
    if (q === 'count' && !this.paths && (n > EXPAND_LIMIT || this.openBinders > 0)) {
      // symbolic over large domains, and inside an enclosing quantifier that stayed a quantifier
      // (an expanded sum there is a sum per element of the outer domain, for Z3 to instantiate)
      const i = T.mkBvar(e.param, T.INT);
      const start = this.obligations.length;
      const t = T.countOf(i, n, this.inBinder(e.param, i, n, () => this.cond(e.body)));
      if (t) return { k: 's', t, lo: 0n, hi: BigInt(n) };
      this.obligations.length = start; // the sum below raises them again, per element
    }
    // Inside a quantifier that stayed one, an expanded inner forall would be one conjunct per
    // literal index, which a read at a symbolic index (`ofile[cur][fd]`) matches only after Z3
    // guesses fd: measured, a kernel bound that timed out. Kept quantified, the two merge (T.forall).
    const expand = q === 'count' ? n <= COUNT_LIMIT : n <= this.expandLimit && this.openBinders === 0;
    if (q === 'count' && !expand && this.paths && this.openBinders === 0) {
      // forking mode: too large to expand, any value in 0..n. An over-approximation, so it can
      // only add candidate findings, which verify rid replays on the real code before it shows them
      const c = T.mkConst(`count!${e.loc.line}:${e.loc.col}!${this.choiceCount++}`, T.INT);
      this.paths.require(T.and(T.le(T.mkInt(0), c), T.le(c, T.mkInt(n))), e.loc);
      return { k: 's', t: c, lo: 0n, hi: BigInt(n) };
    }
    if (q === 'count' && !expand) reject(e.loc, `count over ${n} elements`, `this count reads an element that is not the counted one (or the written one) of a written array, so it cannot be kept symbolic, and expanded counts are limited to ${COUNT_LIMIT} elements; count over the array the operation writes, indexed by the counted variable`);
    if (expand) {
      const parts: Term[] = [];
      for (let k = 0; k < n; k++) {
        // forall stops at the first false body, exists at the first true one (prelude.ts): body k
        // runs only when the earlier ones left the result undecided; count runs every body
        const earlier = [...parts];
        const reached = () => (q === 'forall' ? T.and(...earlier) : q === 'exists' ? T.and(...earlier.map(T.not)) : T.TRUE);
        parts.push(this.inBinder(e.param, T.mkInt(k), n, () => this.cond(e.body), reached));
      }
      if (q === 'forall') return { k: 's', t: T.and(...parts) };
      if (q === 'exists') return { k: 's', t: T.or(...parts) };
      return { k: 's', t: countSum(parts), lo: 0n, hi: BigInt(n) };
    }
    const i = T.mkBvar(e.param, T.INT);
    // as above, body i runs only when every body j < i left the result undecided
    const reached = (b: Term): Term => {
      if (q === 'count') return T.TRUE;
      const undecided = (x: Term) => (q === 'forall' ? x : T.not(x));
      // up to GUARD_EXPAND_LIMIT elements the guard is a conjunction over j, so the obligation
      // gets no nested quantifier (with one, Z3 timed out on some pinned inputs)
      if (n <= GUARD_EXPAND_LIMIT) {
        const parts: Term[] = [];
        for (let k = 0; k < n; k++) parts.push(T.implies(T.lt(T.mkInt(k), i), undecided(T.substitute(b, new Map([[i, T.mkInt(k)]])))));
        return T.and(...parts);
      }
      const j = T.mkBvar(e.param, T.INT);
      return T.forall([j], T.implies(T.and(T.le(T.mkInt(0), j), T.lt(j, i)), undecided(T.substitute(b, new Map([[i, j]])))));
    };
    const body = this.inBinder(e.param, i, n, () => this.cond(e.body), reached);
    const range = T.and(T.le(T.mkInt(0), i), T.lt(i, T.mkInt(n)));
    return { k: 's', t: q === 'forall' ? T.forall([i], T.implies(range, body)) : T.exists([i], T.and(range, body)) };
  }
}

// ---- helpers ---------------------------------------------------------------------------------

/**
 * The sum of `ite(p_k, 1, 0)`, arranged so that Z3 sees how a count changed. After a write at a
 * symbolic index j, element k's condition mentions `j = k` (reads at literal indices become case
 * splits in term.ts, also through nested arrays: `procs[p].fds[d]` after a write to
 * `procs[pid].fds[fd]` reads `ite(pid = p, ite(fd = d, v, ...), old)`). T.unwritten splits p_k
 * into `base`, the condition with those if-then-elses resolved to their else branch (the same
 * term the pre-state's count has), and `guard`, false only where p_k and base agree. The sum is
 * `(the pre-state's sum) + Σ ite(guard, new_k - old_k, 0)`, so the invariant about the old count
 * rewrites the new one instead of Z3 re-deriving a sum of ites element by element (measured on a
 * 16-element refcount: 0.1 s in this form; over 60 s as two sums, or without the ite(guard, ., 0)).
 */
function countSum(parts: Term[]): Term {
  const one = T.mkInt(1), zero = T.mkInt(0);
  const ind = (p: Term) => T.ite(p, one, zero);
  const base: Term[] = [];
  const delta: Term[] = [];
  for (const p of parts) {
    const split = T.unwritten(p);
    base.push(ind(split.base));
    if (split.base !== p) delta.push(T.ite(split.guard, T.sub(ind(p), ind(split.base)), zero));
  }
  const chain = (ts: Term[]) => ts.reduce((acc, t) => T.add(acc, t), zero);
  return T.add(chain(base), chain(delta));
}

/** Whether evaluating `e` calls a function (so, in forking mode, may fork or change the state). */
function hasCall(e: Expr): boolean {
  if (e.k === 'call') return true;
  let found = false;
  forEachChild(e, (x) => {
    if (!found && hasCall(x)) found = true;
  });
  return found;
}

/** `outer` may contain `inner` (same fields; indices may be equal). */
function isPrefixPlace(outer: Ref, inner: Ref): boolean {
  if (outer.root !== inner.root || outer.path.length > inner.path.length) return false;
  return outer.path.every((s, i) => ('f' in s ? 'f' in inner.path[i] && (inner.path[i] as { f: string }).f === s.f : 'i' in inner.path[i]));
}

function toSeg(s: PSeg): Seg {
  return 'f' in s ? { f: s.f } : { idx: true };
}

/**
 * A scalar whose declared integer type nothing checked (forking mode: TypeScript does not check
 * stores or arguments either): only known to be a safe integer, as every arithmetic result is.
 */
export function untypedScalar(t: Term, type: Type): SVal {
  return type.k === 'int' ? { k: 's', t, lo: -SAFE_INT, hi: SAFE_INT } : scalarOf(t, type);
}

export function scalarOf(t: Term, type: Type): SVal {
  if (type.k === 'int') return { k: 's', t, lo: type.min, hi: type.max };
  return { k: 's', t };
}

function guardScalar(live: Term, v: SVal & { k: 's' }, prev: SVal & { k: 's' }): SVal {
  if (T.isTrue(live)) return v;
  return { k: 's', t: T.ite(live, v.t, prev.t), lo: minOf([v.lo, prev.lo]), hi: maxOf([v.hi, prev.hi]) };
}

function mergeVals(c: Term, a: SVal, b: SVal): SVal | undefined {
  if (a === b) return a;
  if (a.k === 's' && b.k === 's') {
    const m: SVal = { k: 's', t: T.ite(c, a.t, b.t), lo: minOf([a.lo, b.lo]), hi: maxOf([a.hi, b.hi]) };
    return a.name !== undefined && a.name === b.name ? { ...m, name: a.name } : m;
  }
  if (a.k === 'ref' && b.k === 'ref') {
    const r = mergeRefs(c, a.ref, b.ref);
    return r ? { k: 'ref', ref: r } : undefined;
  }
  return undefined;
}

/** Two references merge when they have the same root and shape; indices become if-then-else. */
function mergeRefs(c: Term, a: Ref, b: Ref): Ref | undefined {
  if (a === b) return a;
  if (a.root !== b.root || a.path.length !== b.path.length) return undefined;
  const path: PSeg[] = [];
  for (let i = 0; i < a.path.length; i++) {
    const x = a.path[i], y = b.path[i];
    if ('f' in x && 'f' in y && x.f === y.f) path.push(x);
    else if ('i' in x && 'i' in y) path.push({ i: T.ite(c, x.i, y.i) });
    else return undefined;
  }
  return { root: a.root, path, type: a.type };
}

/**
 * Facts that every value of an input leaf lies within its declared type: quantified over the
 * array dimensions, or one ground fact per element when the arrays are small enough to expand.
 */
function rangeFacts(c: Term, t: Type, dims: T.Sort[], lens: (number | undefined)[] = [], expandLimit = 0): Term[] {
  if (t.k !== 'int' && t.k !== 'enum') return [];
  const [min, max] = t.k === 'int' ? [t.min, t.max] : [0n, BigInt(t.members.length - 1)];
  const within = (x: Term) => T.and(T.le(T.mkInt(min), x), T.le(x, T.mkInt(max)));
  const total = lens.reduce<number>((a, n) => a * (n ?? Infinity), 1);
  if (dims.length > 0 && total <= expandLimit) {
    const out: Term[] = [];
    const go = (x: Term, k: number): void => {
      if (k === dims.length) return void out.push(within(x));
      for (let j = 0; j < lens[k]!; j++) go(T.select(x, T.mkInt(j)), k + 1);
    };
    go(c, 0);
    return out;
  }
  const vs = dims.map((d, i) => T.mkBvar(`d${i}`, d));
  return [T.forall(vs, within(vs.reduce((a, v) => T.select(a, v), c)))];
}

/** The lengths of the arrays crossed on the way to a leaf (undefined for map dimensions). */
export function arrayLens(t: Type, key: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  const go = (u: Type, rest: string): void => {
    if (u.k === 'array') {
      out.push(u.len);
      return go(u.elem, rest.slice(2));
    }
    if (u.k === 'map') {
      out.push(undefined);
      return;
    }
    if (u.k === 'record') {
      const m = /^\.?([^.[{]+)/.exec(rest);
      const f = m && u.fields.find((x) => x.name === m[1]);
      if (f) go(f.type, rest.slice(m[0].length));
    }
  };
  go(t, key);
  return out;
}

/** A local as the user knows it: the front end's own temporaries (`$spread`, `$operand`) are values of an expression. */
function describeLocal(name: string): string {
  return name.startsWith('$') ? 'a record the expression computed' : `the local ${name}`;
}

function describePath(e: Expr): string {
  switch (e.k) {
    case 'var':
      return e.name;
    case 'field':
      return `${describePath(e.obj)}.${e.field}`;
    case 'index':
      return `${describePath(e.obj)}[…]`;
    default:
      return '…';
  }
}

function isNonNeg(v: { lo?: bigint }): boolean {
  return v.lo !== undefined && v.lo >= 0n;
}
function isPos(v: { lo?: bigint }): boolean {
  return v.lo !== undefined && v.lo > 0n;
}

/** TypeScript's `Math.trunc(a / b)` from SMT-LIB's Euclidean `div`. */
function truncDiv(l: SVal & { k: 's' }, r: SVal & { k: 's' }): Term {
  if (isNonNeg(l) && isPos(r)) return T.div(l.t, r.t);
  const abs = (x: Term) => T.ite(T.le(T.mkInt(0), x), x, T.neg(x));
  const q = T.div(abs(l.t), abs(r.t));
  const sameSign = T.eq(T.le(T.mkInt(0), l.t), T.lt(T.mkInt(0), r.t));
  return T.ite(sameSign, q, T.neg(q));
}

/** `Math.floor(a / b)`: Euclidean division agrees with floor for positive divisors. */
function floorDiv(l: SVal & { k: 's' }, r: SVal & { k: 's' }): Term {
  if (isPos(r)) return T.div(l.t, r.t);
  return T.ite(T.lt(T.mkInt(0), r.t), T.div(l.t, r.t), T.div(T.neg(l.t), T.neg(r.t)));
}

function addB(a?: bigint, b?: bigint): bigint | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}
function subB(a?: bigint, b?: bigint): bigint | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}
function minOf(xs: (bigint | undefined)[]): bigint | undefined {
  if (xs.some((x) => x === undefined)) return undefined;
  return (xs as bigint[]).reduce((a, b) => (a < b ? a : b));
}
function maxOf(xs: (bigint | undefined)[]): bigint | undefined {
  if (xs.some((x) => x === undefined)) return undefined;
  return (xs as bigint[]).reduce((a, b) => (a > b ? a : b));
}
function maxAbs(a: bigint, b: bigint): bigint {
  const x = a < 0n ? -a : a, y = b < 0n ? -b : b;
  return x > y ? x : y;
}
function mulInterval(l: { lo?: bigint; hi?: bigint }, r: { lo?: bigint; hi?: bigint }): [bigint?, bigint?] {
  if (l.lo === undefined || l.hi === undefined || r.lo === undefined || r.hi === undefined) return [undefined, undefined];
  const ps = [l.lo * r.lo, l.lo * r.hi, l.hi * r.lo, l.hi * r.hi];
  return [minOf(ps), maxOf(ps)];
}
function divInterval(l: { lo?: bigint; hi?: bigint }, r: { lo?: bigint; hi?: bigint }): [bigint?, bigint?] {
  // |a / b| <= |a| whenever the division is defined
  if (l.lo === undefined || l.hi === undefined) return [undefined, undefined];
  const m = maxAbs(l.lo, l.hi);
  return [l.lo >= 0n && r.lo !== undefined && r.lo > 0n ? 0n : -m, m];
}
