// Random IR functions for the differential tests of the evaluator's quantifier and count encodings
// (symexec/evaluate.ts quant, countSum, readCases): writes into a state's 1-D and 2-D arrays at
// indices that are often equal (under ifs, after early returns), then a result that combines
// several counts, foralls and exists (over small and large domains, nested, reading the written
// arrays at the bound variable and elsewhere). The IR interpreter (symexec/concrete.ts) gives
// their plain meaning.

import fc from 'fast-check';
import type { Expr, Stmt, Type, Func, Loc, Program } from '../../../verifier/ir.ts';
import { intType, NUMBER, BOOL } from '../../../verifier/ir.ts';

export const LEN = 24; // over EXPAND_LIMIT: counts and quantifiers over it stay symbolic
export const R = 3;
export const C = 4;

const U8 = intType('u8');
const ROW: Type = { k: 'array', elem: U8, len: C };
export const STATE: Type = {
  k: 'record',
  name: 'S',
  fields: [
    { name: 'a', type: { k: 'array', elem: U8, len: LEN } },
    { name: 'g', type: { k: 'array', elem: ROW, len: R } },
  ],
};

let line = 1;
const loc = (): Loc => ({ file: 'gen.ts', line: line++, col: 1 });

const v = (name: string, type: Type): Expr => ({ k: 'var', name, type, loc: loc() });
const lit = (n: number): Expr => ({ k: 'int', v: BigInt(n), type: NUMBER, loc: loc() });
const bin = (op: Expr & { k: 'binary' } extends { op: infer O } ? O : never, l: Expr, r: Expr, type: Type = BOOL): Expr => ({ k: 'binary', op, l, r, type, loc: loc() });
const s = v('s', STATE);
const a = (): Expr => ({ k: 'field', obj: s, field: 'a', type: STATE.k === 'record' ? STATE.fields[0].type : STATE, loc: loc() });
const g = (): Expr => ({ k: 'field', obj: s, field: 'g', type: STATE.k === 'record' ? STATE.fields[1].type : STATE, loc: loc() });
const at = (obj: Expr, i: Expr): Expr => ({ k: 'index', obj, index: i, type: (obj.type as { elem: Type }).elem, loc: loc() });
const quant = (q: 'forall' | 'exists' | 'count', n: number, param: string, body: Expr): Expr => ({ k: 'quant', q, n, param, body, type: q === 'count' ? NUMBER : BOOL, loc: loc() });

/** Indices and values: the three arguments and small literals. */
const idx: fc.Arbitrary<() => Expr> = fc.oneof(
  { arbitrary: fc.constantFrom('x', 'y', 'z').map((n) => () => v(n, U8)), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => () => lit(k)), weight: 2 },
);
const cond: fc.Arbitrary<() => Expr> = fc.tuple(fc.constantFrom<'===' | '<'>('===', '<'), idx, idx).map(([op, l, r]) => () => bin(op, l(), r()));

/** A boolean over reads, with `reads` the reads it may make (given the bound variables). */
function boolOver(reads: fc.Arbitrary<() => Expr>, extra: fc.Arbitrary<() => Expr>[] = []): fc.Arbitrary<() => Expr> {
  return fc.letrec<{ b: () => Expr }>((tie) => ({
    b: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: fc.tuple(fc.constantFrom<'===' | '<' | '<='>('===', '<', '<='), reads, fc.oneof(reads, idx)).map(([op, l, r]) => () => bin(op, l(), r())), weight: 4 },
      ...extra.map((arbitrary) => ({ arbitrary, weight: 1 })),
      { arbitrary: tie('b').map((b) => () => ({ k: 'not', e: b(), type: BOOL, loc: loc() }) as Expr), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom<'&&' | '||'>('&&', '||'), tie('b'), tie('b')).map(([op, l, r]) => () => bin(op, l(), r())), weight: 2 },
    ),
  })).b;
}

const I = (name: string) => () => v(name, NUMBER);

/** A quantifier over a prefix of `a`, its body reading a[i] and a[idx]. */
const lineQuant: fc.Arbitrary<{ q: 'forall' | 'exists' | 'count'; make: () => Expr }> = fc
  .tuple(fc.constantFrom<'forall' | 'exists' | 'count'>('count', 'count', 'forall', 'exists'), fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 17, max: LEN })))
  .chain(([q, n]) => {
    const reads = fc.oneof({ arbitrary: fc.constant(() => at(a(), v('i', NUMBER))), weight: 3 }, { arbitrary: idx.map((k) => () => at(a(), k())), weight: 1 });
    const onI = fc.tuple(fc.constantFrom<'===' | '<'>('===', '<'), fc.oneof(fc.integer({ min: 0, max: n }).map((k) => () => lit(k)), idx)).map(([op, r]) => () => bin(op, I('i')(), r()));
    return boolOver(reads, [onI]).map((body) => ({ q, make: () => quant(q, n, 'i', body()) }));
  });

/** A quantifier over the rows p of g of one over the columns q (a count compared with a literal, or forall/exists). */
const gridQuant: fc.Arbitrary<{ q: 'forall' | 'exists' | 'count'; make: () => Expr }> = fc
  .tuple(fc.constantFrom<'forall' | 'exists' | 'count'>('forall', 'exists', 'count'), fc.constantFrom<'forall' | 'exists' | 'count'>('count', 'forall', 'exists'), fc.integer({ min: 0, max: C }), fc.constantFrom<'===' | '<' | '<='>('===', '<', '<='))
  .chain(([outer, inner, k, op]) => {
    const p = I('p'), q = I('q');
    const reads = fc.oneof(
      { arbitrary: fc.constant(() => at(at(g(), p()), q())), weight: 3 },
      { arbitrary: idx.map((r) => () => at(at(g(), r()), q())), weight: 1 },
      { arbitrary: idx.map((c) => () => at(at(g(), p()), c())), weight: 1 },
    );
    return boolOver(reads).map((body) => {
      const innerE = () => (inner === 'count' ? bin(op, quant('count', C, 'q', body()), lit(k)) : quant(inner, C, 'q', body()));
      return { q: outer, make: () => quant(outer, R, 'p', innerE()) };
    });
  });

/** Statements writing a and g, with ifs and early returns. */
const stmts: fc.Arbitrary<() => Stmt[]> = fc.letrec<{ ss: () => Stmt[]; s: () => Stmt }>((tie) => ({
  ss: fc.array(tie('s'), { maxLength: 4 }).map((xs) => () => xs.map((x) => x())),
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.tuple(idx, idx).map(([i, val]) => () => ({ k: 'assign', target: at(a(), i()), value: val(), loc: loc() }) as Stmt), weight: 3 },
    { arbitrary: fc.tuple(idx, idx, idx).map(([p, q, val]) => () => ({ k: 'assign', target: at(at(g(), p()), q()), value: val(), loc: loc() }) as Stmt), weight: 3 },
    { arbitrary: fc.tuple(cond, tie('ss'), tie('ss')).map(([c, t, e]) => () => ({ k: 'if', c: c(), then: t(), else: e(), loc: loc() }) as Stmt), weight: 2 },
    { arbitrary: cond.map((c) => () => ({ k: 'if', c: c(), then: [{ k: 'return', value: lit(7), loc: loc() }], else: [], loc: loc() }) as Stmt), weight: 1 },
  ),
})).ss;

export interface Generated {
  fn: Func;
  program: Program;
  /** which quantifiers the result has: for the tests' coverage counts */
  kinds: string[];
}

/** A function `f(s, x, y, z): number` returning Σ weight_k * part_k over up to four quantifiers. */
export const functionArb: fc.Arbitrary<() => Generated> = fc
  .tuple(stmts, fc.array(fc.oneof(lineQuant, gridQuant), { minLength: 1, maxLength: 4 }))
  .map(([body, parts]) => () => {
    let sum: Expr = lit(0);
    parts.forEach((p, k) => {
      const e = p.make();
      const num = e.type.k === 'bool' ? ({ k: 'cond', c: e, t: lit(1), e: lit(0), type: NUMBER, loc: loc() } as Expr) : e;
      sum = bin('+', sum, bin('*', num, lit(32 ** k), NUMBER), NUMBER);
    });
    const fn: Func = {
      key: 'gen.ts#f',
      name: 'f',
      file: 'gen.ts',
      loc: loc(),
      params: [{ name: 's', type: STATE }, { name: 'x', type: U8 }, { name: 'y', type: U8 }, { name: 'z', type: U8 }],
      ret: NUMBER,
      body: [...body(), { k: 'return', value: sum, loc: loc() }],
      exported: true,
    };
    return { fn, program: new Map([[fn.key, fn]]), kinds: parts.map((p) => p.q) };
  })
  // fast-check prints a counterexample with this: the function as TypeScript
  .map((make) => Object.assign(make, { [fc.toStringMethod]: () => showFunc(make().fn) }));

/** The generated function as TypeScript (for counterexamples). */
export function showFunc(fn: Func): string {
  const e = (x: Expr): string => {
    switch (x.k) {
      case 'int': return String(x.v);
      case 'bool': return String(x.v);
      case 'var': return x.name;
      case 'field': return `${e(x.obj)}.${x.field}`;
      case 'index': return `${e(x.obj)}[${e(x.index)}]`;
      case 'not': return `!(${e(x.e)})`;
      case 'binary': return `(${e(x.l)} ${x.op} ${e(x.r)})`;
      case 'cond': return `(${e(x.c)} ? ${e(x.t)} : ${e(x.e)})`;
      case 'quant': return `${x.q}(${x.n}, (${x.param}) => ${e(x.body)})`;
      default: return `<${x.k}>`;
    }
  };
  const st = (x: Stmt, ind: string): string => {
    switch (x.k) {
      case 'assign': return `${ind}${e(x.target)} = ${e(x.value)};`;
      case 'return': return `${ind}return ${x.value ? e(x.value) : ''};`;
      case 'if': return `${ind}if ${e(x.c)} {\n${x.then.map((y) => st(y, ind + '  ')).join('\n')}\n${ind}} else {\n${x.else.map((y) => st(y, ind + '  ')).join('\n')}\n${ind}}`;
      default: return `${ind}<${x.k}>`;
    }
  };
  return `function f(s, x, y, z) {\n${fn.body.map((x) => st(x, '  ')).join('\n')}\n}`;
}

/** Arguments: x, y within 0..4 (4 is out of g's and its rows' range), z within 0..2; cells 0..3. */
export const argsArb: fc.Arbitrary<unknown[]> = fc.tuple(
  fc.record({
    a: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: LEN, maxLength: LEN }),
    g: fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: C, maxLength: C }), { minLength: R, maxLength: R }),
  }),
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 0, max: 2 }),
);
