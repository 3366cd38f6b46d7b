// Random instances of symbolic counts (symexec/term.ts countOf) at the term level, with their plain
// meaning computed in JavaScript, independently of the term builders.
//
// A state is a 1-D array A (counted over prefixes of up to LEN elements) and a 2-D array G (R rows
// of C columns). A random list of writes (at indices drawn from a few variables and literals, so
// often equal; guarded writes; merges of branches; a row replaced by a written copy of another
// row) makes the post-state, and a body reads it at the counted variable, at i + 1, at another
// index, or reads the pre-state. Three kinds of count: over a prefix of A ('line'), over a row
// G[p] with p an enclosing quantifier's variable ('nested'), and over G flattened as
// G[floor(i / C)][i % C] ('flat').

import fc from 'fast-check';
import * as T from '../../../symexec/term.ts';
import type { Term } from '../../../symexec/term.ts';
import { ArrayValue, type Value } from '../../../symexec/term-eval.ts';

export const LEN = 24;
export const R = 3;
export const C = 4;

export type Idx = { k: 'var'; name: 'x' | 'y' | 'z' } | { k: 'lit'; v: number };
export type Cond = { op: '=' | '<'; l: Idx; r: Idx };
export type Write =
  | { k: 'a'; i: Idx; v: Idx; guard?: Cond }
  | { k: 'g'; p: Idx; q: Idx; v: Idx; guard?: Cond }
  | { k: 'row'; p: Idx; src: Idx; q: Idx; v: Idx }
  | { k: 'branch'; c: Cond; then: Write[]; else: Write[] };
export type Kind = 'line' | 'nested' | 'flat';
export type Read =
  | { k: 'A'; at: 'i' | 'i+1' | Idx; pre: boolean }
  | { k: 'G'; row: 'p' | Idx; col: 'i' | Idx }
  | { k: 'Gflat' };
export type Body =
  | { k: 'cmp'; op: '=' | '<' | '<='; l: Read; r: Read | Idx }
  | { k: 'icmp'; op: '=' | '<'; v: number }
  | { k: 'not'; b: Body }
  | { k: 'and' | 'or'; a: Body; b: Body };
const isRead = (x: Read | Idx): x is Read => x.k === 'A' || x.k === 'G' || x.k === 'Gflat';

export interface CountSpec {
  kind: Kind;
  n: number;
  body: Body;
}

// ---- generators ----------------------------------------------------------------------------------

/** Indices: three variables and small literals, so that writes often hit the same element. */
export const idxArb: fc.Arbitrary<Idx> = fc.oneof(
  { arbitrary: fc.constantFrom('x', 'y', 'z').map((name) => ({ k: 'var' as const, name })), weight: 3 },
  { arbitrary: fc.integer({ min: -1, max: 4 }).map((v) => ({ k: 'lit' as const, v })), weight: 2 },
);
const condArb: fc.Arbitrary<Cond> = fc.record({ op: fc.constantFrom('=' as const, '<' as const), l: idxArb, r: idxArb });

export const writesArb: fc.Arbitrary<Write[]> = fc.letrec<{ ws: Write[]; w: Write }>((tie) => ({
  ws: fc.array(tie('w'), { maxLength: 4 }),
  w: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('a' as const), i: idxArb, v: idxArb, guard: fc.option(condArb, { nil: undefined }) }),
    fc.record({ k: fc.constant('g' as const), p: idxArb, q: idxArb, v: idxArb, guard: fc.option(condArb, { nil: undefined }) }),
    fc.record({ k: fc.constant('row' as const), p: idxArb, src: idxArb, q: idxArb, v: idxArb }),
    fc.record({ k: fc.constant('branch' as const), c: condArb, then: tie('ws'), else: tie('ws') }),
  ),
})).ws;

function readArb(kind: Kind, n: number): fc.Arbitrary<Read> {
  const a = fc.record({ k: fc.constant('A' as const), at: n < LEN ? fc.oneof(fc.constant('i' as const), fc.constant('i+1' as const), idxArb) : fc.oneof(fc.constant('i' as const), idxArb), pre: fc.boolean() });
  if (kind === 'line') return a;
  if (kind === 'nested') return fc.oneof(fc.record({ k: fc.constant('G' as const), row: fc.oneof(fc.constant('p' as const), idxArb), col: fc.oneof(fc.constant('i' as const), idxArb) }), a);
  return fc.oneof({ arbitrary: fc.constant({ k: 'Gflat' as const }), weight: 3 }, { arbitrary: fc.record({ k: fc.constant('G' as const), row: idxArb, col: idxArb }), weight: 1 });
}

export function bodyArb(kind: Kind, n: number): fc.Arbitrary<Body> {
  const read = readArb(kind, n);
  return fc.letrec<{ b: Body }>((tie) => ({
    b: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: fc.record({ k: fc.constant('cmp' as const), op: fc.constantFrom('=' as const, '<' as const, '<=' as const), l: read, r: fc.oneof(read, idxArb) }), weight: 4 },
      { arbitrary: fc.record({ k: fc.constant('icmp' as const), op: fc.constantFrom('=' as const, '<' as const), v: fc.integer({ min: -1, max: n }) }), weight: 1 },
      { arbitrary: tie('b').map((b) => ({ k: 'not' as const, b })), weight: 1 },
      { arbitrary: fc.record({ k: fc.constantFrom('and' as const, 'or' as const), a: tie('b'), b: tie('b') }), weight: 2 },
    ),
  })).b;
}

/** Counts over prefixes of A of at most `maxLine` elements (Z3 splits cases per element: it gets shorter ones). */
export const countArbOf = (maxLine: number): fc.Arbitrary<CountSpec> =>
  fc
    .constantFrom<Kind>('line', 'line', 'nested', 'flat')
    .chain((kind) => (kind === 'line' ? fc.integer({ min: 1, max: maxLine }) : kind === 'nested' ? fc.integer({ min: 1, max: C }) : fc.constantFrom(R * C, 2 * C, 5)).map((n) => [kind, n] as const))
    .chain(([kind, n]) => bodyArb(kind, n).map((body) => ({ kind, n, body })));
export const countArb = countArbOf(LEN);

/** Concrete inputs: the variables mostly within 0..3 (equal often), arrays of small values. */
export interface Env {
  x: number;
  y: number;
  z: number;
  a: number[];
  g: number[][];
}
const small = fc.integer({ min: 0, max: 3 });
export const envArb: fc.Arbitrary<Env> = fc.record({
  x: fc.integer({ min: -1, max: 4 }),
  y: fc.integer({ min: -1, max: 4 }),
  z: fc.integer({ min: 0, max: 2 }),
  // cells -2 .. LEN + 2 of A, and -2 .. R + 2 by -2 .. C + 2 of G
  a: fc.array(small, { minLength: LEN + 5, maxLength: LEN + 5 }),
  g: fc.array(fc.array(small, { minLength: C + 5, maxLength: C + 5 }), { minLength: R + 5, maxLength: R + 5 }),
});

// ---- the plain meaning --------------------------------------------------------------------------

type Fn = (k: number) => number;
type Fn2 = (k: number) => Fn;
const baseA = (e: Env): Fn => (k) => (k >= -2 && k <= LEN + 2 ? e.a[k + 2] : k * 7 + 1);
const baseG = (e: Env): Fn2 => (r) => (c) => (r >= -2 && r <= R + 2 && c >= -2 && c <= C + 2 ? e.g[r + 2][c + 2] : r * 5 + c * 3 + 2);

const idxVal = (i: Idx, e: Env): number => (i.k === 'lit' ? i.v : e[i.name]);
const condVal = (c: Cond, e: Env): boolean => (c.op === '=' ? idxVal(c.l, e) === idxVal(c.r, e) : idxVal(c.l, e) < idxVal(c.r, e));
const upd = (f: Fn, at: number, v: number): Fn => (k) => (k === at ? v : f(k));

function runWrites(ws: Write[], s: { A: Fn; G: Fn2 }, e: Env): { A: Fn; G: Fn2 } {
  for (const w of ws) {
    if (w.k === 'a') {
      if (!w.guard || condVal(w.guard, e)) s = { ...s, A: upd(s.A, idxVal(w.i, e), idxVal(w.v, e)) };
    } else if (w.k === 'g') {
      if (!w.guard || condVal(w.guard, e)) {
        const p = idxVal(w.p, e), row = upd(s.G(p), idxVal(w.q, e), idxVal(w.v, e)), G = s.G;
        s = { ...s, G: (r) => (r === p ? row : G(r)) };
      }
    } else if (w.k === 'row') {
      const p = idxVal(w.p, e), row = upd(s.G(idxVal(w.src, e)), idxVal(w.q, e), idxVal(w.v, e)), G = s.G;
      s = { ...s, G: (r) => (r === p ? row : G(r)) };
    } else s = runWrites(condVal(w.c, e) ? w.then : w.else, s, e);
  }
  return s;
}

/** The count, by counting: for a 'nested' count, one value per row p in 0..R-1. */
export function plainCount(c: CountSpec, ws: Write[], e: Env): number[] {
  const pre = { A: baseA(e), G: baseG(e) };
  const post = runWrites(ws, pre, e);
  const read = (r: Read, i: number, p: number): number => {
    if (r.k === 'A') return (r.pre ? pre : post).A(r.at === 'i' ? i : r.at === 'i+1' ? i + 1 : idxVal(r.at, e));
    if (r.k === 'G') return post.G(r.row === 'p' ? p : idxVal(r.row, e))(r.col === 'i' ? i : idxVal(r.col, e));
    return post.G(Math.floor(i / C))(i % C);
  };
  const body = (b: Body, i: number, p: number): boolean => {
    switch (b.k) {
      case 'cmp': {
        const l = read(b.l, i, p), r = isRead(b.r) ? read(b.r, i, p) : idxVal(b.r, e);
        return b.op === '=' ? l === r : b.op === '<' ? l < r : l <= r;
      }
      case 'icmp':
        return b.op === '=' ? i === b.v : i < b.v;
      case 'not':
        return !body(b.b, i, p);
      case 'and':
        return body(b.a, i, p) && body(b.b, i, p);
      case 'or':
        return body(b.a, i, p) || body(b.b, i, p);
    }
  };
  const rows = c.kind === 'nested' ? R : 1;
  return Array.from({ length: rows }, (_, p) => {
    let total = 0;
    for (let i = 0; i < c.n; i++) if (body(c.body, i, p)) total++;
    return total;
  });
}

// ---- terms --------------------------------------------------------------------------------------

/** The terms of one instance: its own constants (names unique to it), pre- and post-state. */
export class Instance {
  readonly A0: Term;
  readonly G0: Term;
  readonly vars: Record<'x' | 'y' | 'z', Term>;
  readonly A: Term;
  readonly G: Term;
  readonly p = T.mkBvar('p', T.INT);

  constructor(readonly tag: string, readonly writes: Write[]) {
    this.A0 = T.mkConst(`A${tag}`, T.arraySort(T.INT, T.INT));
    this.G0 = T.mkConst(`G${tag}`, T.arraySort(T.INT, T.arraySort(T.INT, T.INT)));
    this.vars = { x: T.mkConst(`x${tag}`, T.INT), y: T.mkConst(`y${tag}`, T.INT), z: T.mkConst(`z${tag}`, T.INT) };
    const s = this.run(writes, { A: this.A0, G: this.G0 });
    this.A = s.A;
    this.G = s.G;
  }

  idx(i: Idx): Term {
    return i.k === 'lit' ? T.mkInt(i.v) : this.vars[i.name];
  }

  cond(c: Cond): Term {
    return c.op === '=' ? T.eq(this.idx(c.l), this.idx(c.r)) : T.lt(this.idx(c.l), this.idx(c.r));
  }

  /** Writes as the symbolic evaluator makes them: a guarded value `ite(g, v, old)`, branches merged by ite. */
  private run(ws: Write[], s: { A: Term; G: Term }): { A: Term; G: Term } {
    for (const w of ws) {
      if (w.k === 'a') {
        const i = this.idx(w.i), v = this.idx(w.v);
        s = { ...s, A: T.store(s.A, i, w.guard ? T.ite(this.cond(w.guard), v, T.select(s.A, i)) : v) };
      } else if (w.k === 'g') {
        const p = this.idx(w.p), q = this.idx(w.q), v = this.idx(w.v), row = T.select(s.G, p);
        s = { ...s, G: T.store(s.G, p, T.store(row, q, w.guard ? T.ite(this.cond(w.guard), v, T.select(row, q)) : v)) };
      } else if (w.k === 'row') {
        s = { ...s, G: T.store(s.G, this.idx(w.p), T.store(T.select(s.G, this.idx(w.src)), this.idx(w.q), this.idx(w.v))) };
      } else {
        const a = this.run(w.then, s), b = this.run(w.else, s), c = this.cond(w.c);
        s = { A: T.ite(c, a.A, b.A), G: T.ite(c, a.G, b.G) };
      }
    }
    return s;
  }

  /** The body at the counted index `i` (a bound variable or a literal), p the enclosing row. */
  body(b: Body, i: Term, p: Term = this.p): Term {
    const read = (r: Read): Term => {
      if (r.k === 'A') return T.select(r.pre ? this.A0 : this.A, r.at === 'i' ? i : r.at === 'i+1' ? T.add(i, T.mkInt(1)) : this.idx(r.at));
      if (r.k === 'G') return T.select(T.select(this.G, r.row === 'p' ? p : this.idx(r.row)), r.col === 'i' ? i : this.idx(r.col));
      return T.select(T.select(this.G, T.div(i, T.mkInt(C))), T.mod(i, T.mkInt(C)));
    };
    switch (b.k) {
      case 'cmp': {
        const l = read(b.l), r = isRead(b.r) ? read(b.r) : this.idx(b.r);
        return b.op === '=' ? T.eq(l, r) : b.op === '<' ? T.lt(l, r) : T.le(l, r);
      }
      case 'icmp':
        return b.op === '=' ? T.eq(i, T.mkInt(b.v)) : T.lt(i, T.mkInt(b.v));
      case 'not':
        return T.not(this.body(b.b, i, p));
      case 'and':
        return T.and(this.body(b.a, i, p), this.body(b.b, i, p));
      case 'or':
        return T.or(this.body(b.a, i, p), this.body(b.b, i, p));
    }
  }

  /** The shortcut: T.countOf over a fresh bound variable (undefined when it declines). */
  shortcut(c: CountSpec): Term | undefined {
    const i = T.mkBvar('i', T.INT);
    return T.countOf(i, c.n, this.body(c.body, i));
  }

  /** The plain expansion: a sum of if-then-else over the literal indices (p stays the bound variable). */
  expanded(c: CountSpec): Term {
    let sum = T.mkInt(0);
    for (let k = 0; k < c.n; k++) sum = T.add(sum, T.ite(this.body(c.body, T.mkInt(k)), T.mkInt(1), T.mkInt(0)));
    return sum;
  }

  /** `shortcut = expanded`, for every row p of a nested count. */
  equalsExpanded(c: CountSpec, shortcut: Term): Term {
    const eq = T.eq(shortcut, this.expanded(c));
    return c.kind === 'nested' ? T.forall([this.p], T.implies(T.and(T.le(T.mkInt(0), this.p), T.lt(this.p, T.mkInt(R))), eq)) : eq;
  }

  /** `shortcut = values[p]` for every row p of a nested count (just `=` otherwise), as one term. */
  agrees(c: CountSpec, shortcut: Term, values: Term[]): Term {
    if (c.kind !== 'nested') return T.eq(shortcut, values[0]);
    let want = values[values.length - 1];
    for (let k = values.length - 2; k >= 0; k--) want = T.ite(T.eq(this.p, T.mkInt(k)), values[k], want);
    return T.forall([this.p], T.implies(T.and(T.le(T.mkInt(0), this.p), T.lt(this.p, T.mkInt(R))), T.eq(shortcut, want)));
  }

  /** The instance's constants at the concrete inputs `e`. */
  env(e: Env): Map<string, Value> {
    const a = baseA(e), g = baseG(e);
    return new Map<string, Value>([
      [this.A0.name!, new ArrayValue((k) => BigInt(a(Number(k))))],
      [this.G0.name!, new ArrayValue((r) => new ArrayValue((k) => BigInt(g(Number(r))(Number(k)))))],
      [this.vars.x.name!, BigInt(e.x)],
      [this.vars.y.name!, BigInt(e.y)],
      [this.vars.z.name!, BigInt(e.z)],
    ]);
  }
}

let instances = 0;
/** A fresh instance: constants named apart from every earlier one (see encoding-findings.md F1). */
export const instance = (writes: Write[]): Instance => new Instance(`#${instances++}`, writes);
