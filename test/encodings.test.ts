// Differential tests of the term-level shortcuts against the plain expanded meaning, on random
// formulas (test/support/encodings/term-gen.ts): integers, booleans, arrays written and read at
// indices that are often equal, forall/exists over small literal ranges, nested.
//
//   - the builders' simplifications (ite and select-over-store folding, and/or flattening,
//     arithmetic and div/mod folding) and the quantifier normal forms (T.forall splitting
//     conjunctions and merging nested quantifiers, T.exists): built formula vs plain JavaScript
//     (term-eval, many), and vs raw SMT-LIB with the quantifiers expanded (Z3, fewer);
//   - T.substitute and T.replace: a formula with a bound variable (a constant) replaced by a
//     literal vs the plain meaning at that value;
//   - scalarize.ts on these formulas (test/scalarize.test.ts has its own generator, with 2-D
//     arrays): rewritten vs original, with the element constants equal to the array's elements;
//   - propagate.ts simplifyByEachOther: the simplified conjuncts mean the conjunction of the facts;
//   - query.ts logicOf: wherever it names QF_AUFLIA, Z3 answers as without a logic.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { evalTerm, showValue, type Value } from '../symexec/term-eval.ts';
import { scalarizeArrays, elementName } from '../symexec/scalarize.ts';
import { simplifyByEachOther } from '../symexec/propagate.ts';
import { logicOf, queryJob, type QueryGoal } from '../verifier/commute/query.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { boolArb, envArb, plainBool, buildBool, rawBool, termEnv, CONSTS, type Env } from './support/encodings/term-gen.ts';

const RUNS = Number(process.env.ENC_RUNS ?? 1500);
const Z3_FORMULAS = Number(process.env.ENC_Z3 ?? 150);
const DECLS = ['x', 'y', 'z'].map((n) => `(declare-const ${n} Int)`).concat(['A', 'B'].map((n) => `(declare-const ${n} (Array Int Int))`));

const show = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
const same = (got: Value, want: boolean, what: string) => {
  if (got !== want) throw new Error(`${what}: got ${showValue(got)}, plainly ${want}`);
};

/** One job: each goal asserts that a built term and a raw SMT-LIB text differ; all must be unsat. */
function differs(items: { id: string; built: Term; raw: string }[], extra: string[] = []) {
  const printer = new T.SmtPrinter('e');
  items.forEach((x) => printer.count(x.built));
  const goals = items.map((x) => ({ id: x.id, smt: `(assert (not (= ${printer.print(x.built)} ${x.raw})))` }));
  const consts = T.constantsOf(items.map((x) => x.built)).filter((c) => !['x', 'y', 'z', 'A', 'B'].includes(c.name!));
  const prelude = [...DECLS, ...consts.map((c) => `(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`), ...printer.defs, ...extra].join('\n');
  return { prelude, goals, timeoutMs: 30_000, models: true };
}

/** Formulas for Z3: of at most 60 distinct terms (a few larger quantified ones with mod took over 30 s). */
const z3Sized = boolArb().filter((e) => T.dagSize([buildBool(e)]) <= 60);

let pool: SolverPool;
beforeAll(() => {
  pool = new SolverPool({ jobs: 2 });
});
afterAll(() => pool.close());

async function allUnsat(j: ReturnType<typeof differs>, describe: (id: string) => string): Promise<void> {
  const rs = await pool.solve(j);
  expect(rs.filter((r) => r.status !== 'unsat').map((r) => `${r.status} ${r.reason ?? ''}: ${describe(r.id)}\n${r.model ?? ''}`)).toEqual([]);
}

describe('term builders and quantifier normal forms', () => {
  it('mean what the formula plainly means (term-eval, random formulas and inputs)', () => {
    let quantified = 0;
    fc.assert(
      fc.property(boolArb(), fc.array(envArb, { minLength: 4, maxLength: 4 }), (e, envs) => {
        const t = buildBool(e);
        if (T.hasQuantifier([t])) quantified++;
        for (const env of envs) same(evalTerm(t, termEnv(env)), plainBool(e, env), show({ e, env }));
      }),
      { seed: 3301, numRuns: RUNS },
    );
    expect(quantified).toBeGreaterThan(RUNS / 10);
  });

  it('are equivalent to the raw formula with quantifiers expanded (Z3, every input)', async () => {
    const es = fc.sample(z3Sized, { seed: 3302, numRuns: Z3_FORMULAS });
    await allUnsat(differs(es.map((e, k) => ({ id: String(k), built: buildBool(e), raw: rawBool(e) }))), (id) => show(es[Number(id)]));
  }, 120_000);

  it('substitute and replace: a variable replaced by a literal means the formula at that value', () => {
    fc.assert(
      fc.property(boolArb(2, 1), envArb, fc.bigInt({ min: -2n, max: 4n }), (e, env, c) => {
        const v = T.mkBvar('free', T.INT);
        const t = T.substitute(buildBool(e, [v]), new Map([[v, T.mkInt(c)]]));
        same(evalTerm(t, termEnv(env)), plainBool(e, env, [c]), `substitute ${show({ e, env, c })}`);
        const closed = buildBool(e, [T.mkInt(c)]);
        same(evalTerm(T.replace(closed, CONSTS.x, T.mkInt(c + 1n)), termEnv(env)), plainBool(e, { ...env, x: c + 1n }, [c]), `replace ${show({ e, env, c })}`);
      }),
      { seed: 3303, numRuns: RUNS },
    );
  });
});

describe('scalarize.ts on random formulas', () => {
  const lengths = (name: string) => ({ A: [3], B: [5] })[name];
  const elems = (env: Env) => new Map<string, Value>([...[0, 1, 2].map((k) => [elementName('A', [k]), env.A[k + 4]] as const), ...[0, 1, 2, 3, 4].map((k) => [elementName('B', [k]), env.B[k + 4]] as const)]);

  it('rewritten formulas mean the original ones when the elements are the arrays\' (term-eval)', () => {
    let rewritten = 0;
    fc.assert(
      fc.property(boolArb(), fc.array(envArb, { minLength: 3, maxLength: 3 }), (e, envs) => {
        const t = buildBool(e);
        const r = scalarizeArrays([t], lengths);
        if (!r) return;
        rewritten++;
        const u = r(t);
        for (const env of envs) same(evalTerm(u, new Map([...termEnv(env), ...elems(env)])), plainBool(e, env), show({ e, env }));
      }),
      { seed: 3304, numRuns: RUNS },
    );
    expect(rewritten).toBeGreaterThan(RUNS / 2);
  });

  it('and for every input (Z3)', async () => {
    const es = fc.sample(z3Sized, { seed: 3305, numRuns: Z3_FORMULAS });
    const items = es.flatMap((e, k) => {
      const t = buildBool(e);
      const r = scalarizeArrays([t], lengths);
      return r ? [{ id: String(k), built: r(t), raw: rawBool(e) }] : [];
    });
    const links = [...[0, 1, 2].map((k) => ['A', k]), ...[0, 1, 2, 3, 4].map((k) => ['B', k])].map(([a, k]) => `(assert (= ${T.quoteSym(elementName(a as string, [k as number]))} (select ${a} ${k})))`);
    expect(items.length).toBeGreaterThan(Z3_FORMULAS / 2);
    await allUnsat(differs(items, links), (id) => show(es[Number(id)]));
  }, 120_000);
});

describe('propagate.ts simplifyByEachOther', () => {
  // facts over a few shared atoms, as an equiv's unrolled loops make them: `P and not (not Q and P)`
  const atoms = fc.array(boolArb(0), { minLength: 3, maxLength: 3 });
  type F = { k: 'atom'; j: number } | { k: 'not'; a: F } | { k: 'and' | 'or'; a: F; b: F };
  const fact: fc.Arbitrary<F> = fc.letrec<{ f: F }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 0, max: 2 }).map((j) => ({ k: 'atom' as const, j })),
      tie('f').map((a) => ({ k: 'not' as const, a })),
      fc.record({ k: fc.constantFrom('and' as const, 'or' as const), a: tie('f'), b: tie('f') }),
    ),
  })).f;
  const build = (f: F, as: Term[]): Term => (f.k === 'atom' ? as[f.j] : f.k === 'not' ? T.not(build(f.a, as)) : f.k === 'and' ? T.and(build(f.a, as), build(f.b, as)) : T.or(build(f.a, as), build(f.b, as)));

  it('the simplified conjuncts hold exactly when the facts all hold (term-eval)', () => {
    let changed = 0;
    fc.assert(
      fc.property(atoms, fc.array(fact, { minLength: 1, maxLength: 4 }), fc.array(envArb, { minLength: 4, maxLength: 4 }), (es, fs, envs) => {
        const as = es.map((e) => buildBool(e));
        const facts = fs.map((f) => build(f, as));
        const out = simplifyByEachOther(facts);
        if (out.length !== facts.length || out.some((t, k) => t !== facts[k])) changed++;
        for (const env of envs) {
          const want = es.map((e) => plainBool(e, env));
          const plainF = (f: F): boolean => (f.k === 'atom' ? want[f.j] : f.k === 'not' ? !plainF(f.a) : f.k === 'and' ? plainF(f.a) && plainF(f.b) : plainF(f.a) || plainF(f.b));
          same(evalTerm(T.and(...out), termEnv(env)), fs.every(plainF), show({ fs, es, env }));
        }
      }),
      { seed: 3306, numRuns: RUNS },
    );
    expect(changed).toBeGreaterThan(RUNS / 10);
  });
});

describe('query.ts logicOf', () => {
  const [x, y, z] = [CONSTS.x, CONSTS.y, CONSTS.z];
  // formulas in and out of the fragment: quantifiers, stores and constant arrays come from the
  // generator; products of unknowns and divisions by unknowns are added here
  const nonlinear = fc.constantFrom(T.eq(T.mul(x, y), z), T.lt(T.div(x, y), z), T.eq(T.mod(y, x), T.mkInt(1)), T.le(T.mul(T.add(x, T.mkInt(1)), y), T.mkInt(3)));
  const formula = fc.tuple(boolArb(1), fc.option(nonlinear, { nil: undefined, freq: 3 })).map(([e, o]) => (o ? T.and(buildBool(e), o) : buildBool(e)));

  it('names QF_AUFLIA only where Z3 then answers as without it', async () => {
    const fs = fc.sample(fc.array(formula, { minLength: 1, maxLength: 2 }), { seed: 3307, numRuns: 20 });
    const goal = (id: string, asserts: Term[]): QueryGoal => ({ id, asserts, project: [], cap: 1, budgetMs: 10_000, models: false });
    let named = 0;
    let outside = 0;
    for (const [k, asserts] of fs.entries()) {
      const j = queryJob([], asserts.map((a, n) => goal(`${k}.${n}`, [a])), 20_000);
      expect(j.logic).toBe(logicOf(asserts));
      if (j.logic) named++;
      else outside++;
      const withLogic = await pool.solve(j);
      const without = await pool.solve({ ...j, logic: undefined });
      expect(withLogic.map((r) => r.status), `job ${k}: logic ${j.logic ?? 'none'}`).toEqual(without.map((r) => r.status));
    }
    expect(named).toBeGreaterThan(2);
    expect(outside).toBeGreaterThan(2);
  }, 120_000);
});
