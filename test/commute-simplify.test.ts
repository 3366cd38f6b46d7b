// verify commute's readable cases (issue 29): each commutative case is simplified under its own path
// (simplify.ts, simplify-family.ts, then the solver's checks in simplify-solve.ts) and printed
// whole. The simplified case must be equivalent to the unsimplified one (the path's branch
// conditions and the agreement of the two orders) wherever the pair's given facts hold: the
// solver is asked, case by case, on small specs and on POSIX pairs. The rewriting alone is also
// held to term-eval on random formulas, and an always pair on an 8-slot bit set must print as its
// path conditions, without the eight element comparisons.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { analysePair, cubeTerm, inputLengths, type PairAnalysis } from '../verifier/commute/analyze.ts';
import { loadCommuteSpec } from '../verifier/commute/command.ts';
import { solverSimplify } from '../verifier/commute/simplify-solve.ts';
import { Rewriter, baseView } from '../verifier/commute/simplify.ts';
import { foldFamilies } from '../verifier/commute/simplify-family.ts';
import { queryJob, scalarizeQuery, type QueryGoal } from '../verifier/commute/query.ts';
import { evalTerm, ArrayValue, type Value } from '../symexec/term-eval.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'commute', `${name}.ts`);

let pool: SolverPool;
beforeAll(() => {
  pool = new SolverPool({ jobs: 2 });
});
afterAll(() => pool.close());

/** Asks the solver, per commutative path, whether the printed case and the path's own condition differ anywhere the given facts hold. */
async function differences(an: PairAnalysis): Promise<string[]> {
  const p = an.problem;
  const paths = an.paths.filter((x) => x.commutative);
  const goals: QueryGoal[] = paths.map((x) => ({
    id: x.id,
    asserts: [T.not(T.eq(T.and(...x.condition!), T.and(cubeTerm(p, x.cube), p.agree)))],
    project: [],
    cap: 1,
    budgetMs: 60_000,
    models: false,
  }));
  const q = scalarizeQuery(p.given, goals, inputLengths(p.inputs));
  const rs = await pool.solve(queryJob(q.shared, q.goals, 60_000));
  return rs.flatMap((r, k) => (r.status === 'unsat' ? [] : [`${p.a.name}/${p.b.name} ${paths[k].id}: ${r.status}`]));
}

/** Each spec lowered once for the file (posix: about 2 s each time; its analyses do not change it). */
const specs = new Map<string, ReturnType<typeof loadCommuteSpec>>();

async function analysed(target: string, pair: string): Promise<PairAnalysis> {
  let spec = specs.get(target);
  if (!spec) specs.set(target, (spec = loadCommuteSpec(root, target)));
  const [a, b] = pair.split('/').map((n) => spec.operations.find((o) => o.name === n)!);
  const an = await analysePair(spec, a, b, pool);
  await solverSimplify(an, pool, 60_000);
  return an;
}

describe('simplified cases are equivalent to the unsimplified ones', () => {
  const small: [string, string[]][] = [
    [fixture('set'), ['add/add', 'add/remove', 'add/has', 'remove/has']],
    [fixture('bitset'), ['set/set', 'set/clear', 'set/get']],
    [fixture('counter'), ['incr/incr', 'incr/read', 'read/reset']],
    [fixture('register'), ['set/set', 'set/get']],
    // spec choices: the agreement speaks of both orders' choices
    ['anyslot', ['alloc/alloc', 'alloc/free']],
    // two processes, per-process tables
    [fixture('twoproc'), ['put/put']],
  ];
  for (const [target, pairs] of small) {
    for (const pair of pairs) {
      it(`${path.basename(target)} ${pair}`, async () => {
        const an = await analysed(target, pair);
        expect(an.result.cases.length).toBe(an.result.commutativePaths);
        expect(an.result.cases.join('\n')).not.toMatch(/…/);
        expect(await differences(an)).toEqual([]);
      }, 60_000);
    }
  }

  // the shipped POSIX model: pairs whose analysis takes about a second (open's and mmap's take minutes)
  for (const pair of ['fstat/pwrite', 'mprotect/mprotect']) {
    it(`posix ${pair}`, async () => {
      const an = await analysed('posix', pair);
      expect(an.result.commutativePaths).toBeGreaterThan(0);
      expect(an.result.cases.join('\n')).not.toMatch(/…/);
      expect(await differences(an)).toEqual([]);
    }, 120_000);
  }
});

describe('readable cases', () => {
  it('an always pair on an 8-slot bit set prints its path conditions, not the eight element comparisons', async () => {
    const an = await analysed(fixture('bitset'), 'set/set');
    expect(an.result.verdict).toBe('always');
    for (const c of an.result.cases) {
      expect(c).not.toMatch(/s\.bit\[/);
      expect(c.length, c).toBeLessThan(60);
    }
    expect(an.result.cases).toContain('c0: a.i >= 0 && a.i < 8 && b.i >= 0 && b.i < 8');
  }, 60_000);

  it("set/clear on the bit set: the element family is read as the indices' condition, a.i !== b.i", async () => {
    const an = await analysed(fixture('bitset'), 'set/clear');
    expect(an.result.cases).toContain('c0: a.i >= 0 && a.i < 8 && b.i >= 0 && b.i < 8 && a.i !== b.i');
  }, 60_000);

  it('the hand-known set conditions print as COMMUTER would (no redundant conjunct)', async () => {
    const an = await analysed(fixture('set'), 'add/has');
    expect(an.result.cases.map((c) => c.replace(/^c\d+: /, '')).sort()).toEqual(['a.x < 0 || a.x >= 4', 'a.x >= 0 && a.x < 4 && !s.in[a.x] && a.x !== b.x', 'a.x >= 0 && a.x < 4 && s.in[a.x]'].sort());
  }, 60_000);
});

/** A small random formula generator over two integer arguments and a boolean array of 4 elements. */
function randomFormulas(seed: number) {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const ax = T.mkConst('a.x', T.INT), bx = T.mkConst('b.x', T.INT);
  const arr = T.mkConst('s.in[]', T.arraySort(T.INT, T.BOOLS));
  const int = (): Term => [ax, bx, T.mkInt(rnd(6) - 1)][rnd(3)];
  const atom = (): Term => {
    switch (rnd(5)) {
      case 0: return T.eq(int(), int());
      case 1: return T.lt(int(), int());
      case 2: return T.le(int(), int());
      case 3: return T.select(arr, int());
      default: return T.select(T.store(arr, int(), T.mkBool(rnd(2) === 0)), int());
    }
  };
  const formula = (d: number): Term => {
    if (d === 0) return atom();
    switch (rnd(5)) {
      case 0: return T.not(formula(d - 1));
      case 1: return T.and(formula(d - 1), formula(d - 1));
      case 2: return T.or(formula(d - 1), formula(d - 1));
      case 3: return T.ite(formula(d - 1), formula(d - 1), formula(d - 1));
      default: return T.eq(T.ite(formula(d - 1), T.mkInt(rnd(2)), T.mkInt(rnd(2))), T.ite(formula(d - 1), T.mkInt(rnd(2)), int()));
    }
  };
  const env = (): Map<string, Value> =>
    new Map<string, Value>([
      ['a.x', BigInt(rnd(6) - 1)],
      ['b.x', BigInt(rnd(6) - 1)],
      ['s.in[]', ArrayValue.constant(rnd(2) === 0, [0, 1, 2, 3].map((k): [Value, Value] => [BigInt(k), rnd(2) === 0]))],
    ]);
  return { formula, env, rnd };
}

describe('the rewriting alone, held to term-eval', () => {
  it('a conjunction of random formulas rewritten has the same value as before on random inputs', () => {
    const g = randomFormulas(29);
    let decided = 0;
    for (let n = 0; n < 200; n++) {
      const conjuncts = Array.from({ length: 1 + g.rnd(4) }, () => g.formula(1 + g.rnd(3)));
      const before = T.and(...conjuncts);
      const after = new Rewriter().conjunction(conjuncts, baseView([]), true);
      if (after.op === 'bool') decided++;
      for (let k = 0; k < 10; k++) {
        const e = g.env();
        expect(evalTerm(after, e), `${n}.${k}`).toBe(evalTerm(before, e));
      }
    }
    // the generator makes formulas the rewriting can decide, so the check above is not vacuous
    expect(decided).toBeGreaterThan(10);
  });

  it('an element family folds into a statement about the indices, with the same value everywhere', () => {
    const ax = T.mkConst('a.i', T.INT), bx = T.mkConst('b.i', T.INT);
    const family = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => T.or(T.not(T.eq(bx, T.mkInt(k))), T.not(T.eq(ax, T.mkInt(k)))));
    const folded = foldFamilies(family);
    expect(folded.length).toBe(1);
    for (let a = -2n; a < 10n; a++) {
      for (let b = -2n; b < 10n; b++) {
        const e = new Map<string, Value>([['a.i', a], ['b.i', b]]);
        expect(evalTerm(folded[0], e)).toBe(evalTerm(T.and(...family), e));
      }
    }
    // with as many compared terms as elements, no element is left for G(none): not folded
    expect(foldFamilies(family.slice(0, 2))).toEqual(family.slice(0, 2));
  });
});
