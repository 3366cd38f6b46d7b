// symexec/propagate.ts: models of ground facts by propagation (verify commute's starting states).
// What it returns must satisfy every fact; where the facts decide every cell, it must find them;
// where it cannot tell (a conflict, a guess that does not hold, a quantifier), it says so.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { ArrayValue, evalTerm, type Value } from '../symexec/term-eval.ts';
import { PropagationModels, cellKey, simplifyByEachOther, type Cells } from '../symexec/propagate.ts';

const ints = (name: string) => T.mkConst(name, T.arraySort(T.INT, T.INT));
const int = (name: string) => T.mkConst(name, T.INT);
const lit = (n: number) => T.mkInt(n);
const at = (a: Term, k: number) => T.select(a, lit(k));
const zeroes = (s: T.Sort): Value => (s.k === 'Int' ? 0n : s.k === 'Bool' ? false : 'any');
const givenArray = (xs: number[]) => ArrayValue.constant(0n, xs.map((x, k) => [BigInt(k), BigInt(x)] as [Value, Value]));

/** The facts evaluated by term-eval on the cells found, read back as arrays: every one must be true. */
function holdsOn(facts: Term[], given: Map<string, Value>, cells: Cells): boolean {
  const env = new Map(given);
  for (const c of T.constantsOf(facts)) {
    if (env.has(c.name!)) continue;
    env.set(c.name!, c.sort.k === 'Array' ? new ArrayValue((i) => cells.get(cellKey(c.name!, [i])) ?? 0n) : (cells.get(cellKey(c.name!, [])) ?? 0n));
  }
  return facts.every((f) => evalTerm(f, env) === true);
}

describe('propagation models', () => {
  const g = ints('g[]'), x = ints('x[]');

  it('follows definitions in any order and direction, through sums and if-then-else', () => {
    const facts = [
      T.eq(T.add(at(x, 2), lit(1)), at(x, 1)), // x2 + 1 = x1
      T.eq(at(x, 0), at(g, 0)), // x0 = g0
      T.eq(at(x, 1), T.ite(T.lt(at(x, 0), lit(5)), T.sub(at(g, 1), at(x, 0)), lit(7))), // x1 = x0 < 5 ? g1 - x0 : 7
    ];
    const given = new Map([['g[]', givenArray([3, 10])]]);
    const cells = new PropagationModels(facts, zeroes).find(given)!;
    expect([0, 1, 2].map((k) => cells.get(cellKey('x[]', [BigInt(k)])))).toEqual([3n, 7n, 6n]);
  });

  it('a count split into a base and per-core deltas keeps the count in the base, the deltas at zero', () => {
    // equiv `s.nlink = base + delta[0] + delta[1]`, with the deltas bounded (LINKCACHE)
    const base = int('base'), d = ints('delta[]');
    const bounded = (t: Term) => T.and(T.le(lit(-2), t), T.le(t, lit(2)));
    const facts = [T.eq(int('nlink'), T.add(T.add(base, at(d, 0)), at(d, 1))), bounded(at(d, 0)), bounded(at(d, 1))];
    const given = new Map<string, Value>([['nlink', 5n]]);
    const cells = new PropagationModels(facts, zeroes).find(given)!;
    expect([cells.get(cellKey('base', [])), cells.get(cellKey('delta[]', [0n])), cells.get(cellKey('delta[]', [1n]))]).toEqual([5n, 0n, 0n]);
  });

  it('an equiv loop with an early `return false` is a conjunction once its earlier iterations are facts', () => {
    const p = T.eq(at(x, 0), at(g, 0));
    const q = T.eq(at(x, 1), at(g, 1));
    // for (k...) if (!eq(k)) return false: iteration 1 holds "if iteration 0 held, then q"
    const loop = T.and(p, T.not(T.and(T.not(q), p)));
    expect(simplifyByEachOther([loop])).toEqual([p, q]);
  });

  it('gives up on a conflict, on a guess that does not hold, and on quantified facts', () => {
    const given = new Map<string, Value>([['g[]', givenArray([1, 2])]]);
    const y = int('y'), z = int('z');
    // x0 = g0 and x0 = g1
    expect(new PropagationModels([T.eq(at(x, 0), at(g, 0)), T.eq(at(x, 0), at(g, 1))], zeroes).find(given)).toBeUndefined();
    // y + z = 3 and y - z = 1: the guess z = 0 gives y = 3, and y - z = 3 (the solver's business)
    expect(new PropagationModels([T.eq(T.add(y, z), lit(3)), T.eq(T.sub(y, z), lit(1))], zeroes).find(given)).toBeUndefined();
    const k = T.mkBvar('k', T.INT);
    const all = T.forall([k], T.implies(T.and(T.le(lit(0), k), T.lt(k, lit(2))), T.eq(T.select(x, k), T.select(g, k))));
    expect(new PropagationModels([all], zeroes).find(given)).toBeUndefined();
  });

  // Random systems over x[0..5] and y, given g[0..3]. Each cell is defined from the given values
  // and cells defined before it; the facts come in random order, written in one of four ways.
  const N = 6;
  type Expr = { k: 'g'; j: number } | { k: 'x'; j: number } | { k: 'lit'; n: number } | { k: '+' | '-'; a: Expr; b: Expr } | { k: 'ite'; a: Expr; b: Expr; c: Expr; d: Expr };
  const exprOver = (defined: number): fc.Arbitrary<Expr> =>
    fc.letrec<{ e: Expr }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ k: fc.constant('g' as const), j: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ k: fc.constant('lit' as const), n: fc.integer({ min: -5, max: 5 }) }),
        ...(defined > 0 ? [fc.record({ k: fc.constant('x' as const), j: fc.integer({ min: 0, max: defined - 1 }) })] : []),
        fc.record({ k: fc.constantFrom('+' as const, '-' as const), a: tie('e'), b: tie('e') }),
        fc.record({ k: fc.constant('ite' as const), a: tie('e'), b: tie('e'), c: tie('e'), d: tie('e') }),
      ),
    })).e;
  // cell k's definition reads cells before it in `order`
  const system = fc
    .tuple(fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: N, maxLength: N }), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 4, maxLength: 4 }))
    .chain(([order, gs]) => fc.tuple(fc.constant(order), fc.constant(gs), fc.tuple(...order.map((_, k) => exprOver(k))), fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: N, maxLength: N }), fc.shuffledSubarray(order.map((_, k) => k), { minLength: N, maxLength: N })));

  it('finds exactly the values of a system that defines every cell (random systems, facts in random order)', () => {
    fc.assert(
      fc.property(system, ([order, gs, defs, forms, factOrder]) => {
        const value = new Map<number, number>();
        const term = (e: Expr): Term => {
          switch (e.k) {
            case 'g': return at(g, e.j);
            case 'lit': return lit(e.n);
            case 'x': return at(x, order[e.j]);
            case '+': return T.add(term(e.a), term(e.b));
            case '-': return T.sub(term(e.a), term(e.b));
            case 'ite': return T.ite(T.lt(term(e.a), term(e.b)), term(e.c), term(e.d));
          }
        };
        const calc = (e: Expr): number => {
          switch (e.k) {
            case 'g': return gs[e.j];
            case 'lit': return e.n;
            case 'x': return value.get(order[e.j])!;
            case '+': return calc(e.a) + calc(e.b);
            case '-': return calc(e.a) - calc(e.b);
            case 'ite': return calc(e.a) < calc(e.b) ? calc(e.c) : calc(e.d);
          }
        };
        defs.forEach((e, k) => value.set(order[k], calc(e)));
        // x = e, e = x, g + x = g + e, x - g = e - g (g a given value)
        const facts = factOrder.map((k) => {
          const [form, j] = forms[k];
          const [c, e, o] = [at(x, order[k]), term(defs[k]), at(g, j)];
          return [T.eq(c, e), T.eq(e, c), T.eq(T.add(o, c), T.add(o, e)), T.eq(T.sub(c, o), T.sub(e, o))][form];
        });
        const given = new Map([['g[]', givenArray(gs)]]);
        const cells = new PropagationModels(facts, zeroes).find(given);
        expect(cells).toBeDefined();
        expect(order.map((c) => cells!.get(cellKey('x[]', [BigInt(c)])))).toEqual(order.map((c) => BigInt(value.get(c)!)));
      }),
      { numRuns: 300 },
    );
  });

  it('whatever it returns satisfies every fact (random facts, many unsatisfiable)', () => {
    const y = int('y');
    const atom = fc.oneof(
      fc.integer({ min: 0, max: N - 1 }).map((k) => at(x, k)),
      fc.integer({ min: 0, max: 3 }).map((k) => at(g, k)),
      fc.integer({ min: -3, max: 3 }).map(lit),
      fc.constant(y),
    );
    const intTerm = fc.oneof(
      atom,
      fc.tuple(atom, atom).map(([a, b]) => T.add(a, b)),
      fc.tuple(atom, atom).map(([a, b]) => T.sub(a, b)),
      fc.tuple(atom, atom, fc.boolean()).map(([a, b, d]) => (d ? T.div(a, b) : T.mod(a, b))),
    );
    const fact = fc.oneof(
      fc.tuple(intTerm, intTerm).map(([a, b]) => T.eq(a, b)),
      fc.tuple(intTerm, intTerm).map(([a, b]) => T.le(a, b)),
      fc.tuple(intTerm, intTerm, intTerm, intTerm).map(([a, b, c, d]) => T.or(T.eq(a, b), T.not(T.eq(c, d)))),
      fc.tuple(intTerm, intTerm, intTerm).map(([a, b, c]) => T.implies(T.lt(a, b), T.eq(b, c))),
    );
    let found = 0;
    fc.assert(
      fc.property(fc.array(fact, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 4, maxLength: 4 }), (facts, gs) => {
        const given = new Map([['g[]', givenArray(gs)]]);
        const cells = new PropagationModels(facts, zeroes).find(given);
        if (cells) {
          found++;
          expect(holdsOn(facts, given, cells)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    // the property is not vacuous: propagation finds models of a good share of them
    expect(found).toBeGreaterThan(50);
  });
});
