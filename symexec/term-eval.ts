// A concrete evaluator for SMT terms (term.ts): the reference meaning the differential tests hold
// the symbolic evaluator to.
//
// The symbolic evaluator turns IR into terms; the concrete interpreter (concrete.ts) runs the same
// IR on JavaScript values. Evaluating the terms on the very inputs the interpreter ran on, and
// comparing, checks the symbolic evaluator without a solver. This file must therefore follow
// SMT-LIB's meaning, not TypeScript's: `div`/`mod` are Euclidean, `ite` is a value choice, arrays
// are total functions. Whether the SMT-LIB text means the same to Z3 is checked separately by
// sending terms to the solver (test/differential.test.ts).

import type { Term, Sort } from './term.ts';
import { euclidDiv, sortToSmt, countFn } from './term.ts';

/**
 * SMT-LIB leaves `(div x 0)` and `(mod x 0)` unspecified (Z3 treats them as an uninterpreted
 * function of x), so no concrete value is right for them. They evaluate to UNDEF, which spreads
 * through every operator unless the operator's value is decided without it (`(and false UNDEF)` is
 * false, `(ite true a UNDEF)` is a, `(=> false UNDEF)` is true, `(* 0 UNDEF)` is 0): a defined
 * result is then the value Z3 gives the term whatever it picks for the division (Kleene's
 * three-valued logic is sound for that, though not complete: `(= u u)` stays UNDEF).
 */
export const UNDEF: unique symbol = Symbol('undef');
export type Undef = typeof UNDEF;

/** Int → bigint, Bool → boolean, an uninterpreted sort's element → a string naming it. */
export type Value = bigint | boolean | string | ArrayValue | Undef;

/** The key under which an index value is stored in an array's overrides. */
export function indexKey(v: Value): string {
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  if (typeof v === 'string') return `s${v}`;
  throw new TermEvalError(`an array index must be a scalar, got ${showValue(v)}`);
}

/**
 * An SMT array: a base function plus overrides written by `store`. A constant array (and any array
 * built from the environment) also knows its default, which is what makes equality of two arrays
 * decidable here: they are equal when their defaults and every overridden index agree. A lambda's
 * base is a function of the index; it has no default and cannot be compared as a whole.
 */
export class ArrayValue {
  constructor(
    readonly base: (i: Value) => Value,
    readonly overrides: ReadonlyMap<string, { index: Value; value: Value }> = new Map(),
    /** present when every index outside `overrides` reads this value */
    readonly dflt?: Value,
    /** identifies the base, so arrays stored over the same base can still be compared */
    readonly baseId: object = {},
  ) {}

  static constant(v: Value, entries: Iterable<[Value, Value]> = []): ArrayValue {
    const a = new ArrayValue(() => v, new Map(), v);
    let out = a;
    for (const [i, x] of entries) out = out.store(i, x);
    return out;
  }

  get(i: Value): Value {
    if (i === UNDEF) {
      // an unknown index still reads a known value from a constant array with no overrides
      return this.overrides.size === 0 && this.dflt !== undefined ? this.dflt : UNDEF;
    }
    const o = this.overrides.get(indexKey(i));
    return o ? o.value : this.base(i);
  }

  store(i: Value, v: Value): ArrayValue {
    if (i === UNDEF) throw new TermEvalError('store at an unspecified index (a division by zero feeds an array index)');
    const m = new Map(this.overrides);
    m.set(indexKey(i), { index: i, value: v });
    return new ArrayValue(this.base, m, this.dflt, this.baseId);
  }
}

export class TermEvalError extends Error {}

export function showValue(v: Value): string {
  if (v === UNDEF) return 'UNDEF';
  if (v instanceof ArrayValue) {
    const parts = [...v.overrides.values()].map((o) => `${showValue(o.index)}:${showValue(o.value)}`);
    return `[${parts.join(', ')}${v.dflt !== undefined ? `, else ${showValue(v.dflt)}` : ', else <fn>'}]`;
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * A binary integer operator on values (an operand UNDEF: UNDEF, unless `*` by 0 decides).
 * `div` and `mod` are Euclidean (SMT-LIB: x = y*q + r with 0 <= r < |y|, unlike JavaScript's
 * truncation), and by zero UNDEF. Shared with propagate.ts, which evaluates the same terms.
 */
export function intOp(op: '+' | '-' | '*' | '<' | '<=' | 'div' | 'mod', a: Value, b: Value): Value {
  if (op === '*' && (a === 0n || b === 0n)) return 0n;
  if (a === UNDEF || b === UNDEF) return UNDEF;
  const x = a as bigint, y = b as bigint;
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '<': return x < y;
    case '<=': return x <= y;
    default: {
      if (y === 0n) return UNDEF;
      const q = euclidDiv(x, y);
      return op === 'div' ? q : x - y * q;
    }
  }
}

/** Quantifiers enumerate at most this many assignments of their bound variables. */
export const ENUM_LIMIT = 1_000_000;

interface Scope {
  /** values of the bound variables in scope, by term */
  bvars: Map<Term, Value>;
  /** memo of non-closed terms, valid only under these bvars */
  memo: Map<number, Value>;
}

/**
 * The value of `t` when every constant has the value `env` gives its name. Throws TermEvalError for
 * a missing constant, a sort mismatch, or a quantifier that is not over a finite range of integers.
 */
export function evalTerm(t: Term, env: ReadonlyMap<string, Value>): Value {
  return new TermEvaluator(env).eval(t);
}

/** Evaluates many terms over one environment, sharing the memo of closed subterms. */
export class TermEvaluator {
  /** closed subterms do not depend on bound variables: one memo for the whole evaluation */
  private readonly closedMemo = new Map<number, Value>();

  constructor(readonly env: ReadonlyMap<string, Value>) {}

  eval(t: Term): Value {
    return this.go(t, { bvars: new Map(), memo: new Map() });
  }

  private go(t: Term, s: Scope): Value {
    const memo = t.closed ? this.closedMemo : s.memo;
    if (memo.has(t.id)) return memo.get(t.id)!;
    const v = this.compute(t, s);
    checkSort(v, t.sort, t);
    memo.set(t.id, v);
    return v;
  }

  private compute(t: Term, s: Scope): Value {
    // `this.go(t.args[i], s)` written out, not a local closure: this runs once per term, and tsx
    // wraps every arrow function bound to a name in a call that keeps its name (esbuild's
    // keepNames), which showed in profiles of verify commute's starting states
    switch (t.op) {
      case 'const': {
        if (!this.env.has(t.name!)) throw new TermEvalError(`no value for the constant ${t.name}`);
        return this.env.get(t.name!)!;
      }
      case 'bvar': {
        if (!s.bvars.has(t)) throw new TermEvalError(`the bound variable ${t.name} is free here`);
        return s.bvars.get(t)!;
      }
      case 'int':
      case 'bool':
        return t.value!;
      case 'not': {
        const a = this.go(t.args[0], s);
        return a === UNDEF ? UNDEF : !(a as boolean);
      }
      case 'and': {
        // false wins over UNDEF, and decides without evaluating the rest (which may be unevaluable)
        let undef = false;
        for (let i = 0; i < t.args.length; i++) {
          const a = this.go(t.args[i], s);
          if (a === false) return false;
          if (a === UNDEF) undef = true;
        }
        return undef ? UNDEF : true;
      }
      case 'or': {
        let undef = false;
        for (let i = 0; i < t.args.length; i++) {
          const a = this.go(t.args[i], s);
          if (a === true) return true;
          if (a === UNDEF) undef = true;
        }
        return undef ? UNDEF : false;
      }
      case '=>': {
        const a = this.go(t.args[0], s);
        if (a === false) return true;
        const b = this.go(t.args[1], s);
        if (b === true) return true;
        return a === UNDEF || b === UNDEF ? UNDEF : false;
      }
      case 'ite': {
        const c = this.go(t.args[0], s);
        if (c === true) return this.go(t.args[1], s);
        if (c === false) return this.go(t.args[2], s);
        const a = this.go(t.args[1], s), b = this.go(t.args[2], s);
        return equalValues(a, b) === true ? a : UNDEF;
      }
      case '=':
        return equalValues(this.go(t.args[0], s), this.go(t.args[1], s));
      case '+':
      case '-':
      case '*':
      case '<':
      case '<=':
      case 'div':
      case 'mod':
        return intOp(t.op, this.go(t.args[0], s), this.go(t.args[1], s));
      case 'neg': {
        const a = this.go(t.args[0], s);
        return a === UNDEF ? UNDEF : -(a as bigint);
      }
      case 'select': {
        const a = this.go(t.args[0], s), i = this.go(t.args[1], s);
        if (a === UNDEF) return UNDEF;
        return (a as ArrayValue).get(i);
      }
      case 'store': {
        const a = this.go(t.args[0], s), i = this.go(t.args[1], s), v = this.go(t.args[2], s);
        if (a === UNDEF) return UNDEF;
        return (a as ArrayValue).store(i, v);
      }
      case 'constArray':
        return ArrayValue.constant(this.go(t.args[0], s));
      case 'lambda': {
        // the body is evaluated lazily, per index read, in a scope that binds the variable
        const x = t.bound![0];
        const body = t.args[0];
        const cache = new Map<string, Value>();
        return new ArrayValue((i) => {
          if (i === UNDEF) return UNDEF;
          const k = indexKey(i);
          if (!cache.has(k)) cache.set(k, this.go(body, { bvars: new Map([...s.bvars, [x, i]]), memo: new Map() }));
          return cache.get(k)!;
        });
      }
      case 'forall':
      case 'exists':
        return this.quantifier(t, s);
      case 'count': {
        const f = countFn(t.name!);
        if (!f) throw new TermEvalError(`unknown count ${t.name}`);
        const bvars = new Map<Term, Value>(f.params.map((p, k) => [p, this.go(t.args[k], s)]));
        let total = 0n;
        for (let k = 0n; k < BigInt(f.n); k++) {
          const v = this.go(f.body, { bvars: new Map([...bvars, [f.index, k]]), memo: new Map() });
          if (v === UNDEF) return UNDEF;
          if (v) total++;
        }
        return total;
      }
    }
  }

  /**
   * `forall`/`exists` over Int variables, each confined to a finite range by the body's guard:
   * `(forall (i) (=> (and … (<= lo i) … (< i hi) …) body))` (or a chain of such implications) or
   * `(exists (i) (and … (<= lo i) (< i hi) … body))`,
   * the shapes the symbolic evaluator builds for `forall(N, i => …)` and for obligations raised
   * inside quantifier bodies. Outside the guard the body is trivially true (forall) or false
   * (exists), so enumerating the range gives the exact value. Anything else (an unguarded
   * variable, a non-Int sort, bounds that depend on the variable itself) cannot be enumerated and
   * throws: guessing would make the differential tests lie.
   */
  private quantifier(t: Term, s: Scope): Value {
    const body = t.args[0];
    const vars = t.bound!;
    let guards: readonly Term[];
    if (t.op === 'forall') {
      if (body.op !== '=>') throw new TermEvalError(`a forall whose body is not a guarded implication cannot be enumerated: ${describe(t)}`);
      // (=> a (=> b c)) is (=> (and a b) c): the range may sit in any antecedent of the chain
      const gs: Term[] = [];
      for (let u = body; u.op === '=>'; u = u.args[1]) gs.push(...conjuncts(u.args[0]));
      guards = gs;
    } else {
      guards = conjuncts(body);
    }
    const ranges: { v: Term; lo: bigint; hi: bigint }[] = [];
    for (const v of vars) {
      if (v.sort.k !== 'Int') throw new TermEvalError(`a quantifier over ${sortToSmt(v.sort)} cannot be enumerated: ${describe(t)}`);
      let lo: bigint | undefined, hi: bigint | undefined;
      for (const g of guards) {
        if (g.op !== '<' && g.op !== '<=') continue;
        const [a, b] = g.args;
        // lower bound `lo <= v` / `lo < v`, upper bound `v < hi` / `v <= hi`; the other side must
        // not mention the quantifier's own variables
        if (b === v && !mentionsAny(a, vars)) {
          const x = this.go(a, s);
          if (typeof x !== 'bigint') continue;
          const l = g.op === '<=' ? x : x + 1n;
          if (lo === undefined || l > lo) lo = l;
        } else if (a === v && !mentionsAny(b, vars)) {
          const x = this.go(b, s);
          if (typeof x !== 'bigint') continue;
          const h = g.op === '<' ? x : x + 1n; // exclusive
          if (hi === undefined || h < hi) hi = h;
        }
      }
      if (lo === undefined || hi === undefined) throw new TermEvalError(`the variable ${v.name} of a quantifier has no finite guard: ${describe(t)}`);
      ranges.push({ v, lo, hi });
    }
    const total = ranges.reduce((n, r) => n * (r.hi > r.lo ? r.hi - r.lo : 0n), 1n);
    if (total > BigInt(ENUM_LIMIT)) throw new TermEvalError(`a quantifier over ${total} assignments is too large to enumerate`);
    const isForall = t.op === 'forall';
    let undef = false;
    const assign = new Map(s.bvars);
    const walk = (k: number): boolean => {
      if (k === ranges.length) {
        const v = this.go(body, { bvars: new Map(assign), memo: new Map() });
        if (v === UNDEF) undef = true;
        return isForall ? v === false : v === true; // found a counterexample / witness
      }
      const r = ranges[k];
      for (let i = r.lo; i < r.hi; i++) {
        assign.set(r.v, i);
        if (walk(k + 1)) return true;
      }
      return false;
    };
    if (walk(0)) return !isForall;
    return undef ? UNDEF : isForall;
  }
}

function conjuncts(t: Term): readonly Term[] {
  return t.op === 'and' ? t.args : [t];
}

function mentionsAny(t: Term, vars: readonly Term[]): boolean {
  if (t.closed) return false;
  if (t.op === 'bvar') return vars.includes(t);
  return t.args.some((a) => mentionsAny(a, vars));
}

function describe(t: Term): string {
  return `${t.op} over ${t.bound?.map((b) => b.name).join(', ') ?? '?'}`;
}

/** `=` on values: UNDEF when either side is; arrays compare by default and overrides. */
export function equalValues(a: Value, b: Value): Value {
  if (a === UNDEF || b === UNDEF) return UNDEF;
  if (a instanceof ArrayValue || b instanceof ArrayValue) {
    if (!(a instanceof ArrayValue && b instanceof ArrayValue)) throw new TermEvalError('= between an array and a scalar');
    const sameBase = a.baseId === b.baseId;
    if (!sameBase && (a.dflt === undefined || b.dflt === undefined)) {
      throw new TermEvalError('= between arrays whose bases are functions (lambdas) cannot be decided by evaluation');
    }
    let undef = false;
    const keys = new Map<string, Value>();
    for (const [k, o] of a.overrides) keys.set(k, o.index);
    for (const [k, o] of b.overrides) keys.set(k, o.index);
    for (const i of keys.values()) {
      const e = equalValues(a.get(i), b.get(i));
      if (e === false) return false;
      if (e === UNDEF) undef = true;
    }
    if (!sameBase) {
      const e = equalValues(a.dflt!, b.dflt!);
      if (e === false) return false;
      if (e === UNDEF) undef = true;
    }
    return undef ? UNDEF : true;
  }
  return a === b;
}

function checkSort(v: Value, s: Sort, t: Term): void {
  if (v === UNDEF) return;
  const ok =
    s.k === 'Int' ? typeof v === 'bigint' :
    s.k === 'Bool' ? typeof v === 'boolean' :
    s.k === 'Unint' ? typeof v === 'string' :
    v instanceof ArrayValue;
  if (!ok) throw new TermEvalError(`the term ${t.op}${t.name ? ` ${t.name}` : ''} of sort ${sortToSmt(s)} evaluated to ${showValue(v)}`);
}
