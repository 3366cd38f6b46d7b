// Unit tests of the model reader on literal Z3 output: fast, no solver. The last one writes a
// model built through Z3's C API (no solving) with model-text.ts, as the workers do.
import { describe, it, expect } from 'vitest';
import { init } from 'z3-solver';
import { Model, type MArray, type MValue } from '../verifier/solver/model.ts';
import { modelText } from '../verifier/solver/model-text.ts';

const arr = (v: MValue | undefined): MArray => {
  if (typeof v !== 'object' || v.kind !== 'array') throw new Error(`not an array: ${String(v)}`);
  return v;
};

// Verbatim z3-solver 5.2.0 output (see the brief), kept as a regression sample.
const SAMPLE = `;; universe for Pid:
;;   Pid!val!1 Pid!val!0
;; -----------
;; definitions for universe elements:
(declare-fun Pid!val!1 () Pid)
(declare-fun Pid!val!0 () Pid)
;; cardinality constraint:
(forall ((x Pid)) (or (= x Pid!val!1) (= x Pid!val!0)))
;; -----------
(define-fun p () Pid
  Pid!val!0)
(define-fun a () (Array Int Int)
  (lambda ((x!1 Int))
  (let ((a!1 (or (and (<= 3 x!1) (<= 10 x!1) (<= 19 x!1))
                 (and (<= 3 x!1) (<= 10 x!1) (not (<= 19 x!1))))))
    (ite (and (<= 3 x!1) (not (<= 10 x!1))) 8 (ite a!1 4 (ite (<= 3 x!1) 6 2))))))
(define-fun x () Int
  0)
`;

describe('Model', () => {
  it('reads the sample: constants, opaque values, a lambda array', () => {
    const m = Model.parse(SAMPLE);
    expect(m.value('x')).toBe(0n);
    expect(m.value('p')).toEqual({ kind: 'opaque', sort: 'Pid', id: 'Pid!val!0' });
    expect(m.has('a')).toBe(true);
    expect(m.has('nope')).toBe(false);
    expect(m.value('nope')).toBeUndefined();
    const a = arr(m.value('a'));
    expect(a.get(0n)).toBe(2n);
    expect(a.get(3n)).toBe(8n);
    expect(a.get(9n)).toBe(8n);
    expect(a.get(10n)).toBe(4n);
    expect(a.get(19n)).toBe(4n);
    expect(a.get(-7n)).toBe(2n);
  });

  it('reads const arrays, store chains, negatives and quoted symbols', () => {
    const m = Model.parse(`
      (define-fun |my var| () Int (- 5))
      (define-fun b () (Array Int Int) (store (store ((as const (Array Int Int)) 0) 1 5) 2 7))
      (define-fun over () (Array Int Int) (store (store ((as const (Array Int Int)) 0) 1 5) 1 9))
      (define-fun flag () Bool false)`);
    expect(m.value('my var')).toBe(-5n);
    const b = arr(m.value('b'));
    expect([b.get(0n), b.get(1n), b.get(2n), b.get(3n)]).toEqual([0n, 5n, 7n, 0n]);
    // The outer store wins.
    expect(arr(m.value('over')).get(1n)).toBe(9n);
    expect(m.value('flag')).toBe(false);
  });

  it('reads as-array through a separately defined function', () => {
    const m = Model.parse(`
      (define-fun a () (Array Int Int) (_ as-array k!0))
      (define-fun k!0 ((x!0 Int)) Int (ite (= x!0 1) 5 7))`);
    const a = arr(m.value('a'));
    expect(a.get(1n)).toBe(5n);
    expect(a.get(2n)).toBe(7n);
    expect(m.call('k!0', [1n])).toBe(5n);
  });

  it('reads nested arrays and arrays indexed by opaque values', () => {
    const m = Model.parse(`
      (declare-fun Pid!val!0 () Pid)
      (declare-fun Pid!val!1 () Pid)
      (define-fun n () (Array Int (Array Int Bool))
        (store ((as const (Array Int (Array Int Bool))) ((as const (Array Int Bool)) true))
               1 (store ((as const (Array Int Bool)) true) 3 false)))
      (define-fun ps () (Array Pid Bool) (store ((as const (Array Pid Bool)) false) Pid!val!0 true))`);
    const n = arr(m.value('n'));
    expect(arr(n.get(1n)).get(3n)).toBe(false);
    expect(arr(n.get(1n)).get(2n)).toBe(true);
    expect(arr(n.get(4n)).get(3n)).toBe(true);
    const ps = arr(m.value('ps'));
    expect(ps.get({ kind: 'opaque', sort: 'Pid', id: 'Pid!val!0' })).toBe(true);
    expect(ps.get({ kind: 'opaque', sort: 'Pid', id: 'Pid!val!1' })).toBe(false);
  });

  it('follows SMT-LIB (Euclidean) div and mod', () => {
    const m = Model.parse('');
    const cases: [bigint, bigint, bigint, bigint][] = [
      [7n, 2n, 3n, 1n],
      [-7n, 2n, -4n, 1n],
      [7n, -2n, -3n, 1n],
      [-7n, -2n, 4n, 1n],
      [6n, 3n, 2n, 0n],
    ];
    for (const [a, b, q, r] of cases) {
      const lit = (v: bigint) => (v < 0n ? `(- ${-v})` : `${v}`);
      expect(m.evaluate(`(div ${lit(a)} ${lit(b)})`)).toBe(q);
      expect(m.evaluate(`(mod ${lit(a)} ${lit(b)})`)).toBe(r);
    }
    // Division by zero uses Z3's div0/mod0 when the model has them.
    const z = Model.parse('(define-fun div0 ((x!0 Int) (x!1 Int)) Int 3)');
    expect(z.evaluate('(div 7 0)')).toBe(3n);
    expect(() => m.evaluate('(div 7 0)')).toThrow(/div0/);
  });

  it('evaluates the boolean and arithmetic operators', () => {
    const m = Model.parse('(declare-fun S!val!0 () S) (declare-fun S!val!1 () S) (define-fun f ((a Int) (b Int)) Int (+ a (* 2 b)))');
    const ev = (t: string) => m.evaluate(t);
    expect(ev('(- 10 3 2)')).toBe(5n);
    expect(ev('(- 4)')).toBe(-4n);
    expect(ev('(+ 1 2 3)')).toBe(6n);
    expect(ev('(* 2 3 4)')).toBe(24n);
    expect(ev('(abs (- 9))')).toBe(9n);
    expect(ev('(< 1 2 3)')).toBe(true);
    expect(ev('(< 1 3 2)')).toBe(false);
    expect(ev('(>= 3 3 1)')).toBe(true);
    expect(ev('(> 3 3)')).toBe(false);
    expect(ev('(<= 3 3)')).toBe(true);
    expect(ev('(= 1 1 1)')).toBe(true);
    expect(ev('(distinct 1 2 1)')).toBe(false);
    expect(ev('(= S!val!0 S!val!0)')).toBe(true);
    expect(ev('(distinct S!val!0 S!val!1)')).toBe(true);
    expect(ev('(and true (or false true) (not false))')).toBe(true);
    expect(ev('(=> true false)')).toBe(false);
    expect(ev('(=> false false)')).toBe(true);
    expect(ev('(xor true true true)')).toBe(true);
    expect(ev('(ite (= 1 2) 10 20)')).toBe(20n);
    // Parallel let: the inner x in y's definition is the outer one (1).
    expect(ev('(let ((x 1)) (let ((x 2) (y x)) (+ x y)))')).toBe(3n);
    expect(ev('(f 1 10)')).toBe(21n);
    expect(ev('(select (lambda ((i Int)) (* i i)) 7)')).toBe(49n);
    expect(ev('(select (store ((as const (Array Int Int)) 0) 2 5) 2)')).toBe(5n);
  });

  it('names the operator it does not know', () => {
    const m = Model.parse('(define-fun r () Real 1.5) (define-fun w () Int (bvadd 1 2))');
    expect(() => m.value('w')).toThrow(/bvadd/);
    expect(() => m.value('r')).toThrow(/Real/);
  });

  it('copes with very long ite and store chains', () => {
    const n = 20_000;
    let ite = '0';
    for (let i = n; i >= 1; i--) ite = `(ite (= x!0 ${i}) ${i * 2} ${ite})`;
    let st = '((as const (Array Int Int)) 0)';
    for (let i = 1; i <= n; i++) st = `(store ${st} ${i} ${i * 3})`;
    const m = Model.parse(`(define-fun f ((x!0 Int)) Int ${ite}) (define-fun a () (Array Int Int) ${st})`);
    expect(m.call('f', [BigInt(n)])).toBe(BigInt(n * 2));
    expect(arr(m.value('a')).get(BigInt(n))).toBe(BigInt(n * 3));
    expect(arr(m.value('a')).get(0n)).toBe(0n);
  });
});

describe("Z3's auxiliary functions k!N", () => {
  // bugs/gpuvm.B2's counterexample: arrays given as lambdas that apply k!468, a function the
  // model defines. Z3 names such functions by an integer symbol (printed k!468), so the text
  // must define them under that name, or nothing the lambdas apply is defined ("unknown
  // operator 'k!468'"). Built by hand: a solver picks its own N, and rarely makes one for a
  // small query.
  it('are written under the name the values apply them by, and evaluate', async () => {
    const api = await init();
    const ctx = new api.Context('k-n-test');
    const [z3, c] = [api.Z3, ctx.ptr];
    // every object referenced (the context counts references: an unreferenced one may go)
    const keep = <A>(a: A): A => (z3.inc_ref(c, a as never), a);
    const decl = <D>(d: D): D => (z3.inc_ref(c, z3.func_decl_to_ast(c, d as never)), d);
    const int = keep(z3.mk_int_sort(c));
    const num = (n: number) => keep(z3.mk_int(c, n, int));
    const k = decl(z3.mk_func_decl(c, z3.mk_int_symbol(c, 468), [int], int));
    const m = z3.mk_model(c);
    z3.model_inc_ref(c, m);
    // k!468: 1 -> 5, 2 -> 6, otherwise 7
    const fi = z3.add_func_interp(c, m, k, num(7));
    for (const [x, y] of [[1, 5], [2, 6]]) {
      const args = z3.mk_ast_vector(c);
      z3.ast_vector_inc_ref(c, args);
      z3.ast_vector_push(c, args, num(x));
      z3.func_interp_add_entry(c, fi, args, num(y));
    }
    // vram = (lambda ((i Int)) (+ (k!468 i) 100)), and x = (k!468 2)
    const i = keep(z3.mk_const(c, z3.mk_string_symbol(c, 'i'), int));
    const lambda = keep(z3.mk_lambda_const(c, [i as never], keep(z3.mk_add(c, [keep(z3.mk_app(c, k, [i])), num(100)]))));
    z3.add_const_interp(c, m, decl(z3.mk_func_decl(c, z3.mk_string_symbol(c, 'vram'), [], keep(z3.mk_array_sort(c, int, int)))), lambda);
    z3.add_const_interp(c, m, decl(z3.mk_func_decl(c, z3.mk_string_symbol(c, 'x'), [], int)), keep(z3.mk_app(c, k, [num(2)])));
    const text = modelText(z3, c, m);
    expect(text).toMatch(/\(define-fun k!468 /);
    const model = Model.parse(text);
    expect(model.value('x')).toBe(6n);
    expect([1n, 2n, 3n].map((n) => arr(model.value('vram')).get(n))).toEqual([105n, 106n, 107n]);
    expect(model.call('k!468', [1n])).toBe(5n);
  }, 20_000);
});
