// Random formulas for the differential tests of the term builders (symexec/term.ts): each formula
// is built once through the simplifying builders and the quantifier normal forms, evaluated once
// plainly in JavaScript, and printed once as raw SMT-LIB with every quantifier expanded into a
// conjunction or disjunction (its ranges are literal). The three must agree.
//
// Integers over x, y, z and literals (+, -, * by a literal, negation, div and mod by a non-zero
// literal, also of `x*c + r`, which the builders fold), booleans (and, or, not, =>, =, <, <=, ite),
// arrays A and B (store, ite, constant arrays, select, reads after writes at equal indices), and
// forall/exists over small literal ranges, nested, whose bodies use the bound variables anywhere.

import fc from 'fast-check';
import * as T from '../../../symexec/term.ts';
import type { Term } from '../../../symexec/term.ts';
import { ArrayValue, type Value } from '../../../symexec/term-eval.ts';

export type IntE =
  | { k: 'var'; name: 'x' | 'y' | 'z' }
  | { k: 'bv'; depth: number }
  | { k: 'lit'; v: number }
  | { k: '+' | '-'; a: IntE; b: IntE }
  | { k: '*'; a: IntE; c: number }
  | { k: 'neg'; a: IntE }
  | { k: 'div' | 'mod'; a: IntE; c: number }
  | { k: 'ite'; c: BoolE; a: IntE; b: IntE }
  | { k: 'select'; arr: ArrE; i: IntE };
export type BoolE =
  | { k: 'b'; v: boolean }
  | { k: 'not'; a: BoolE }
  | { k: 'and' | 'or'; xs: BoolE[] }
  | { k: '=>'; a: BoolE; b: BoolE }
  | { k: 'beq'; a: BoolE; b: BoolE }
  | { k: '=' | '<' | '<='; a: IntE; b: IntE }
  | { k: 'bite'; c: BoolE; a: BoolE; b: BoolE }
  | { k: 'forall' | 'exists'; n: number; body: BoolE };
export type ArrE =
  | { k: 'arr'; name: 'A' | 'B' }
  | { k: 'const'; v: IntE }
  | { k: 'store'; arr: ArrE; i: IntE; v: IntE }
  | { k: 'aite'; c: BoolE; a: ArrE; b: ArrE };

/** Formulas whose quantifiers are nested at most `maxDepth` deep (bound variables bv0, bv1, ...), the first `free` of them free. */
export function boolArb(maxDepth = 2, free = 0): fc.Arbitrary<BoolE> {
  const memo = new Map<number, { int: fc.Arbitrary<IntE>; bool: fc.Arbitrary<BoolE>; arr: fc.Arbitrary<ArrE> }>();
  const at = (depth: number) => {
    let r = memo.get(depth);
    if (!r) memo.set(depth, (r = gen(depth)));
    return r;
  };
  const gen = (depth: number): { int: fc.Arbitrary<IntE>; bool: fc.Arbitrary<BoolE>; arr: fc.Arbitrary<ArrE> } =>
    fc.letrec<{ int: IntE; bool: BoolE; arr: ArrE }>((tie) => {
      const lit = fc.integer({ min: -3, max: 4 });
      const divisor = fc.constantFrom(2, 3, -2, 1, -1);
      const leaves: fc.Arbitrary<IntE>[] = [fc.constantFrom('x', 'y', 'z').map((name) => ({ k: 'var' as const, name })), lit.map((v) => ({ k: 'lit' as const, v }))];
      if (depth > 0) leaves.push(fc.integer({ min: 0, max: depth - 1 }).map((d) => ({ k: 'bv' as const, depth: d })));
      const quant = depth < maxDepth ? [fc.record({ k: fc.constantFrom('forall' as const, 'exists' as const), n: fc.integer({ min: 0, max: 3 }), body: fc.constant(null) }).chain((q) => at(depth + 1).bool.map((body) => ({ ...q, body })))] : [];
      return {
        int: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          ...leaves,
          fc.record({ k: fc.constantFrom('+' as const, '-' as const), a: tie('int') as fc.Arbitrary<IntE>, b: tie('int') as fc.Arbitrary<IntE> }),
          fc.record({ k: fc.constant('*' as const), a: tie('int') as fc.Arbitrary<IntE>, c: lit }),
          fc.record({ k: fc.constant('neg' as const), a: tie('int') as fc.Arbitrary<IntE> }),
          fc.record({ k: fc.constantFrom('div' as const, 'mod' as const), a: tie('int') as fc.Arbitrary<IntE>, c: divisor }),
          // x*c + r with 0 <= r < c, divided by c: the builders fold it to x (div) and r (mod)
          fc.tuple(tie('int') as fc.Arbitrary<IntE>, fc.constantFrom(2, 3), fc.integer({ min: 0, max: 3 }), fc.constantFrom('div' as const, 'mod' as const)).map(([a, c, r, k]) => ({ k, a: { k: '+' as const, a: { k: '*' as const, a, c }, b: { k: 'lit' as const, v: r } }, c })),
          fc.record({ k: fc.constant('ite' as const), c: tie('bool') as fc.Arbitrary<BoolE>, a: tie('int') as fc.Arbitrary<IntE>, b: tie('int') as fc.Arbitrary<IntE> }),
          fc.record({ k: fc.constant('select' as const), arr: tie('arr') as fc.Arbitrary<ArrE>, i: tie('int') as fc.Arbitrary<IntE> }),
        ),
        bool: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          fc.record({ k: fc.constantFrom('=' as const, '<' as const, '<=' as const), a: tie('int') as fc.Arbitrary<IntE>, b: tie('int') as fc.Arbitrary<IntE> }),
          fc.boolean().map((v) => ({ k: 'b' as const, v })),
          fc.record({ k: fc.constant('not' as const), a: tie('bool') as fc.Arbitrary<BoolE> }),
          fc.record({ k: fc.constantFrom('and' as const, 'or' as const), xs: fc.array(tie('bool') as fc.Arbitrary<BoolE>, { minLength: 0, maxLength: 3 }) }),
          // a formula beside its negation: and/or of complementary arguments fold to false/true
          fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('bool') as fc.Arbitrary<BoolE>, tie('bool') as fc.Arbitrary<BoolE>).map(([k, a, b]) => ({ k, xs: [b, { k: 'not' as const, a }, a] })),
          fc.record({ k: fc.constantFrom('=>' as const, 'beq' as const), a: tie('bool') as fc.Arbitrary<BoolE>, b: tie('bool') as fc.Arbitrary<BoolE> }),
          fc.record({ k: fc.constant('bite' as const), c: tie('bool') as fc.Arbitrary<BoolE>, a: tie('bool') as fc.Arbitrary<BoolE>, b: tie('bool') as fc.Arbitrary<BoolE> }),
          ...quant,
        ),
        arr: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          fc.constantFrom('A', 'B').map((name) => ({ k: 'arr' as const, name })),
          fc.record({ k: fc.constant('const' as const), v: tie('int') as fc.Arbitrary<IntE> }),
          fc.record({ k: fc.constant('store' as const), arr: tie('arr') as fc.Arbitrary<ArrE>, i: tie('int') as fc.Arbitrary<IntE>, v: tie('int') as fc.Arbitrary<IntE> }),
          fc.record({ k: fc.constant('aite' as const), c: tie('bool') as fc.Arbitrary<BoolE>, a: tie('arr') as fc.Arbitrary<ArrE>, b: tie('arr') as fc.Arbitrary<ArrE> }),
        ),
      };
    });
  return at(free).bool;
}

export interface Env {
  x: bigint;
  y: bigint;
  z: bigint;
  /** cells -4..5 of A and B (elsewhere a function of the index) */
  A: bigint[];
  B: bigint[];
}
const small = fc.bigInt({ min: -3n, max: 4n });
export const envArb: fc.Arbitrary<Env> = fc.record({ x: small, y: small, z: small, A: fc.array(small, { minLength: 10, maxLength: 10 }), B: fc.array(small, { minLength: 10, maxLength: 10 }) });
const cell = (xs: bigint[], salt: bigint) => (i: bigint): bigint => (i >= -4n && i <= 5n ? xs[Number(i) + 4] : i * 3n + salt);

// ---- the plain meaning -------------------------------------------------------------------------

/** SMT-LIB's Euclidean division, written out (not term.ts's euclidDiv, which is under test). */
function ediv(a: bigint, c: bigint): [bigint, bigint] {
  const m = c < 0n ? -c : c;
  const r = ((a % m) + m) % m;
  return [(a - r) / c, r];
}

type Arr = (i: bigint) => bigint;
export function plainBool(e: BoolE, env: Env, bv: bigint[] = []): boolean {
  const I = (x: IntE) => plainInt(x, env, bv), B = (x: BoolE) => plainBool(x, env, bv);
  switch (e.k) {
    case 'b': return e.v;
    case 'not': return !B(e.a);
    case 'and': return e.xs.every(B);
    case 'or': return e.xs.some(B);
    case '=>': return !B(e.a) || B(e.b);
    case 'beq': return B(e.a) === B(e.b);
    case '=': return I(e.a) === I(e.b);
    case '<': return I(e.a) < I(e.b);
    case '<=': return I(e.a) <= I(e.b);
    case 'bite': return B(e.c) ? B(e.a) : B(e.b);
    case 'forall':
    case 'exists': {
      const vals = Array.from({ length: e.n }, (_, k) => plainBool(e.body, env, [...bv, BigInt(k)]));
      return e.k === 'forall' ? vals.every((x) => x) : vals.some((x) => x);
    }
  }
}
export function plainInt(e: IntE, env: Env, bv: bigint[] = []): bigint {
  const I = (x: IntE) => plainInt(x, env, bv);
  switch (e.k) {
    case 'var': return env[e.name];
    case 'bv': return bv[e.depth];
    case 'lit': return BigInt(e.v);
    case '+': return I(e.a) + I(e.b);
    case '-': return I(e.a) - I(e.b);
    case '*': return I(e.a) * BigInt(e.c);
    case 'neg': return -I(e.a);
    case 'div': return ediv(I(e.a), BigInt(e.c))[0];
    case 'mod': return ediv(I(e.a), BigInt(e.c))[1];
    case 'ite': return plainBool(e.c, env, bv) ? I(e.a) : I(e.b);
    case 'select': return plainArr(e.arr, env, bv)(I(e.i));
  }
}
function plainArr(e: ArrE, env: Env, bv: bigint[]): Arr {
  switch (e.k) {
    case 'arr': return e.name === 'A' ? cell(env.A, 1n) : cell(env.B, 2n);
    case 'const': {
      const v = plainInt(e.v, env, bv);
      return () => v;
    }
    case 'store': {
      const a = plainArr(e.arr, env, bv), i = plainInt(e.i, env, bv), v = plainInt(e.v, env, bv);
      return (j) => (j === i ? v : a(j));
    }
    case 'aite': return plainBool(e.c, env, bv) ? plainArr(e.a, env, bv) : plainArr(e.b, env, bv);
  }
}

// ---- built through the builders ------------------------------------------------------------------

export const CONSTS = { x: T.mkConst('x', T.INT), y: T.mkConst('y', T.INT), z: T.mkConst('z', T.INT), A: T.mkConst('A', T.arraySort(T.INT, T.INT)), B: T.mkConst('B', T.arraySort(T.INT, T.INT)) };

/** The formula through term.ts's builders; `bv` are the bound variables in scope (terms: bvars or literals). */
export function buildBool(e: BoolE, bv: Term[] = []): Term {
  const I = (x: IntE) => buildInt(x, bv), B = (x: BoolE) => buildBool(x, bv);
  switch (e.k) {
    case 'b': return T.mkBool(e.v);
    case 'not': return T.not(B(e.a));
    case 'and': return T.and(...e.xs.map(B));
    case 'or': return T.or(...e.xs.map(B));
    case '=>': return T.implies(B(e.a), B(e.b));
    case 'beq': return T.eq(B(e.a), B(e.b));
    case '=': return T.eq(I(e.a), I(e.b));
    case '<': return T.lt(I(e.a), I(e.b));
    case '<=': return T.le(I(e.a), I(e.b));
    case 'bite': return T.ite(B(e.c), B(e.a), B(e.b));
    case 'forall':
    case 'exists': {
      const v = T.mkBvar(`b${bv.length}`, T.INT);
      const range = T.and(T.le(T.mkInt(0), v), T.lt(v, T.mkInt(e.n)));
      const body = buildBool(e.body, [...bv, v]);
      return e.k === 'forall' ? T.forall([v], T.implies(range, body)) : T.exists([v], T.and(range, body));
    }
  }
}
export function buildInt(e: IntE, bv: Term[] = []): Term {
  const I = (x: IntE) => buildInt(x, bv);
  switch (e.k) {
    case 'var': return CONSTS[e.name];
    case 'bv': return bv[e.depth];
    case 'lit': return T.mkInt(e.v);
    case '+': return T.add(I(e.a), I(e.b));
    case '-': return T.sub(I(e.a), I(e.b));
    case '*': return T.mul(I(e.a), T.mkInt(e.c));
    case 'neg': return T.neg(I(e.a));
    case 'div': return T.div(I(e.a), T.mkInt(e.c));
    case 'mod': return T.mod(I(e.a), T.mkInt(e.c));
    case 'ite': return T.ite(buildBool(e.c, bv), I(e.a), I(e.b));
    case 'select': return T.select(buildArr(e.arr, bv), I(e.i));
  }
}
function buildArr(e: ArrE, bv: Term[]): Term {
  switch (e.k) {
    case 'arr': return CONSTS[e.name];
    case 'const': return T.constArray(T.INT, buildInt(e.v, bv));
    case 'store': return T.store(buildArr(e.arr, bv), buildInt(e.i, bv), buildInt(e.v, bv));
    case 'aite': return T.ite(buildBool(e.c, bv), buildArr(e.a, bv), buildArr(e.b, bv));
  }
}

// ---- raw SMT-LIB, quantifiers expanded ---------------------------------------------------------

const num = (v: bigint | number) => (BigInt(v) < 0n ? `(- ${-BigInt(v)})` : `${v}`);
export function rawBool(e: BoolE, bv: bigint[] = []): string {
  const I = (x: IntE) => rawInt(x, bv), B = (x: BoolE) => rawBool(x, bv);
  switch (e.k) {
    case 'b': return String(e.v);
    case 'not': return `(not ${B(e.a)})`;
    case 'and': return e.xs.length ? `(and true ${e.xs.map(B).join(' ')})` : 'true';
    case 'or': return e.xs.length ? `(or false ${e.xs.map(B).join(' ')})` : 'false';
    case '=>': return `(=> ${B(e.a)} ${B(e.b)})`;
    case 'beq': return `(= ${B(e.a)} ${B(e.b)})`;
    case '=': case '<': case '<=': return `(${e.k} ${I(e.a)} ${I(e.b)})`;
    case 'bite': return `(ite ${B(e.c)} ${B(e.a)} ${B(e.b)})`;
    case 'forall':
    case 'exists': {
      const parts = Array.from({ length: e.n }, (_, k) => rawBool(e.body, [...bv, BigInt(k)]));
      return e.k === 'forall' ? `(and true ${parts.join(' ')})` : `(or false ${parts.join(' ')})`;
    }
  }
}
function rawInt(e: IntE, bv: bigint[]): string {
  const I = (x: IntE) => rawInt(x, bv);
  switch (e.k) {
    case 'var': return e.name;
    case 'bv': return num(bv[e.depth]);
    case 'lit': return num(e.v);
    case '+': case '-': return `(${e.k} ${I(e.a)} ${I(e.b)})`;
    case '*': return `(* ${I(e.a)} ${num(e.c)})`;
    case 'neg': return `(- ${I(e.a)})`;
    case 'div': case 'mod': return `(${e.k} ${I(e.a)} ${num(e.c)})`;
    case 'ite': return `(ite ${rawBool(e.c, bv)} ${I(e.a)} ${I(e.b)})`;
    case 'select': return `(select ${rawArr(e.arr, bv)} ${I(e.i)})`;
  }
}
function rawArr(e: ArrE, bv: bigint[]): string {
  switch (e.k) {
    case 'arr': return e.name;
    case 'const': return `((as const (Array Int Int)) ${rawInt(e.v, bv)})`;
    case 'store': return `(store ${rawArr(e.arr, bv)} ${rawInt(e.i, bv)} ${rawInt(e.v, bv)})`;
    case 'aite': return `(ite ${rawBool(e.c, bv)} ${rawArr(e.a, bv)} ${rawArr(e.b, bv)})`;
  }
}

/** The constants at `env`, for term-eval. */
export function termEnv(env: Env): Map<string, Value> {
  return new Map<string, Value>([
    ['x', env.x], ['y', env.y], ['z', env.z],
    ['A', new ArrayValue((i) => cell(env.A, 1n)(i as bigint))],
    ['B', new ArrayValue((i) => cell(env.B, 2n)(i as bigint))],
  ]);
}
