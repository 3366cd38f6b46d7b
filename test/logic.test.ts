// verify commute tells Z3 the logic of a query in QF_AUFLIA (query.ts logicOf), which makes Z3
// set its solver up for that logic instead of configuring itself. The answers must not change:
// random quantifier-free formulas (integer arithmetic with products and divisions by literals,
// arrays read, an opaque sort, if-then-else) are solved with the logic and without it, and every
// goal must get the same answer. A query outside what the logic is used for (a quantifier, a
// product of two unknowns, a division by one, a write to an array, a constant array) gets none.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { logicOf, queryJob, type QueryGoal } from '../verifier/commute/query.ts';

const NAME = { k: 'Unint', name: 'Name' } as const;
const A = T.mkConst('A', T.arraySort(T.INT, T.INT));
const A2 = T.mkConst('A2', T.arraySort(T.INT, T.INT));
const M = T.mkConst('M', T.arraySort(NAME, T.INT));
const [x, y, z] = ['x', 'y', 'z'].map((n) => T.mkConst(n, T.INT));
const [n1, n2] = ['n1', 'n2'].map((n) => T.mkConst(n, NAME));

type Gen = { int: Term; bool: Term; name: Term; arr: Term };
const literal = fc.integer({ min: -3, max: 4 }).map((k) => T.mkInt(k));
const divisor = fc.constantFrom(2, 3, -2).map((k) => T.mkInt(k));
const terms = fc.letrec<Gen>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(x, y, z),
    literal,
    fc.tuple(tie('arr'), tie('int')).map(([a, i]) => T.select(a, i)),
    tie('name').map((k) => T.select(M, k)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.add(p, q)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.sub(p, q)),
    fc.tuple(tie('int'), literal).map(([p, k]) => T.mul(p, k)),
    fc.tuple(tie('int'), divisor).map(([p, k]) => T.div(p, k)),
    fc.tuple(tie('int'), divisor).map(([p, k]) => T.mod(p, k)),
    fc.tuple(tie('bool'), tie('int'), tie('int')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
  bool: fc.oneof(
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.eq(p, q)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.lt(p, q)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.le(p, q)),
    fc.tuple(tie('name'), tie('name')).map(([p, q]) => T.eq(p, q)),
    tie('bool').map((b) => T.not(b)),
    fc.tuple(tie('bool'), tie('bool')).map(([p, q]) => T.or(p, q)),
  ),
  name: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(n1, n2),
    fc.tuple(tie('bool'), tie('name'), tie('name')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
  arr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(A, A2),
    fc.tuple(tie('bool'), tie('arr'), tie('arr')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
}));

const goal = (id: string, asserts: Term[]): QueryGoal => ({ id, asserts, project: [], cap: 1, budgetMs: 10_000, models: false });

describe('the logic of a verify commute query', () => {
  let pool: SolverPool;
  beforeAll(() => {
    pool = new SolverPool({ jobs: 1 });
  });
  afterAll(() => pool.close());

  it('is QF_AUFLIA for quantifier-free linear terms, and none otherwise', () => {
    const linear = T.le(T.add(T.mul(x, T.mkInt(3)), T.div(T.select(A, y), T.mkInt(2))), T.select(M, n1));
    expect(logicOf([linear])).toBe('QF_AUFLIA');
    const v = T.mkBvar('v', T.INT);
    expect(logicOf([linear, T.forall([v], T.le(T.select(A, v), T.mkInt(0)))])).toBeUndefined();
    expect(logicOf([T.eq(T.mul(x, y), z)])).toBeUndefined();
    expect(logicOf([T.eq(T.mod(x, y), z)])).toBeUndefined();
    expect(logicOf([T.eq(T.select(T.store(A, x, y), z), x)])).toBeUndefined();
    expect(logicOf([T.eq(T.select(T.ite(T.lt(x, y), A, T.constArray(T.INT, T.mkInt(0))), z), x)])).toBeUndefined();
  });

  it('gives the answers Z3 gives without it', async () => {
    const jobs = fc.sample(fc.tuple(fc.array(terms.bool, { maxLength: 1 }), fc.array(fc.array(terms.bool, { minLength: 2, maxLength: 6 }), { minLength: 8, maxLength: 8 })), { numRuns: 25, seed: 7 });
    let sat = 0;
    let unsat = 0;
    for (const [shared, asserts] of jobs) {
      const job = queryJob(shared, asserts.map((a, k) => goal(`g${k}`, a)), 10_000);
      expect(job.logic).toBe('QF_AUFLIA');
      const withLogic = await pool.solve(job);
      const without = await pool.solve({ ...job, logic: undefined });
      expect(withLogic.map((r) => r.status)).toEqual(without.map((r) => r.status));
      sat += withLogic.filter((r) => r.status === 'sat').length;
      unsat += withLogic.filter((r) => r.status === 'unsat').length;
    }
    // both answers occur, or the comparison would say little
    expect(sat).toBeGreaterThan(20);
    expect(unsat).toBeGreaterThan(20);
  });
});
