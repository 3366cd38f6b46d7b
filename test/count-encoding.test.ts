// Differential tests of the symbolic count (symexec/term.ts countOf, countFacts, countDefinitions):
// an uninterpreted function of the unwritten body plus deltas at the written elements must mean
// the count by counting. Random instances (test/support/encodings/count-gen.ts): writes at indices
// that are often equal, guarded writes, merged branches, rows replaced; bodies reading the
// post-state at the counted index, at i + 1, elsewhere, or the pre-state; counts over a prefix of
// a 1-D array, over a row with an enclosing quantifier's variable, over a flattened 2-D array;
// several counts per instance.
//
//   1. term-eval: the shortcut's value (term-eval counts a `count` by its definition) equals the
//      count computed in JavaScript, on random inputs;
//   2. Z3, over all inputs: with every count's exact definition asserted, `shortcut != expanded`
//      (a sum of if-then-else) is unsat, and so is the negation of countFacts (the facts the
//      verifier assumes instead of the definitions).
// The expanded counts of evaluate.ts (countSum, unwritten) are tested through the evaluator in
// test/quant-encoding.test.ts.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { TermEvaluator, showValue } from '../symexec/term-eval.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { countArb, countArbOf, writesArb, envArb, instance, plainCount, LEN, bodyArb, type CountSpec, type Instance, type Write } from './support/encodings/count-gen.ts';
import { job, notUnsat } from './support/encodings/smt.ts';

const RUNS = Number(process.env.ENC_RUNS ?? 400);
const Z3_INSTANCES = Number(process.env.ENC_Z3 ?? 16);
/** Z3 splits cases per element of a sum: its instances count over prefixes of at most this many. */
const Z3_LINE = 8;

/** The count functions a term applies (`count!N`). */
function countApps(t: Term): Term[] {
  const out: Term[] = [];
  const seen = new Set<number>();
  const go = (u: Term): void => {
    if (seen.has(u.id)) return;
    seen.add(u.id);
    if (u.op === 'count') out.push(u);
    u.args.forEach(go);
  };
  go(t);
  return out;
}

/** Whether the shortcut applies a function registered for another size (F1, fixed: must not happen). */
const sizeClash = (t: Term, n: number): boolean => countApps(t).some((a) => T.countFn(a.name!)!.n !== n);

interface Built {
  inst: Instance;
  counts: { spec: CountSpec; t: Term }[];
}

const stats = { instances: 0, counts: 0, declined: 0, nested: 0, flat: 0 };

/** Builds the shortcuts of an instance; counts the shortcut declines (the evaluator then expands) are dropped. */
function build(writes: Write[], specs: CountSpec[]): Built {
  const inst = instance(writes);
  const counts: Built['counts'] = [];
  for (const spec of specs) {
    const t = inst.shortcut(spec);
    stats.counts++;
    if (!t) {
      stats.declined++;
      continue;
    }
    if (sizeClash(t, spec.n)) throw new Error(`F1 again: a count over ${spec.n} applies a function of another size`);
    if (spec.kind === 'nested') stats.nested++;
    if (spec.kind === 'flat') stats.flat++;
    counts.push({ spec, t });
  }
  stats.instances++;
  return { inst, counts };
}

const instanceArb = fc.tuple(writesArb, fc.array(countArb, { minLength: 1, maxLength: 4 }));

describe('symbolic count: countOf against counting', () => {
  it('agrees with the count computed in JavaScript on random writes, bodies, sizes and inputs', () => {
    fc.assert(
      fc.property(instanceArb, fc.array(envArb, { minLength: 3, maxLength: 3 }), ([writes, specs], envs) => {
        const b = build(writes, specs);
        for (const e of envs) {
          const ev = new TermEvaluator(b.inst.env(e));
          for (const { spec, t } of b.counts) {
            const want = plainCount(spec, writes, e);
            const ok = ev.eval(b.inst.agrees(spec, t, want.map((v) => T.mkInt(v))));
            if (ok !== true) {
              const got = spec.kind === 'nested' ? '(per row)' : showValue(ev.eval(t));
              throw new Error(`count ${JSON.stringify(spec)} after ${JSON.stringify(writes)} at ${JSON.stringify({ x: e.x, y: e.y, z: e.z })}: shortcut ${got}, counted ${want.join(',')}`);
            }
          }
        }
      }),
      { seed: 1101, numRuns: RUNS },
    );
    // the property is not vacuous: most counts get a shortcut, of every kind
    expect(stats.counts - stats.declined).toBeGreaterThan(RUNS);
    expect(stats.nested).toBeGreaterThan(RUNS / 10);
    expect(stats.flat).toBeGreaterThan(RUNS / 10);
  });

  // Found by this file (F1): the same body over two sizes had been one function, with the size
  // seen first in the process, which bounded the larger count by the smaller size.
  it('two counts of one body over different sizes each mean their own size', () => {
    fc.assert(
      fc.property(writesArb, bodyArb('line', LEN - 1), fc.integer({ min: 1, max: LEN - 2 }), envArb, (writes, body, n1, e) => {
        const inst = instance(writes);
        const specs: CountSpec[] = [{ kind: 'line', n: n1, body }, { kind: 'line', n: LEN - 1, body }];
        const ev = new TermEvaluator(inst.env(e));
        for (const spec of specs) {
          const t = inst.shortcut(spec);
          if (t) expect(ev.eval(t)).toBe(BigInt(plainCount(spec, writes, e)[0]));
        }
      }),
      { seed: 1102, numRuns: 200 },
    );
  });
});

describe('symbolic count through Z3', () => {
  let pool: SolverPool;
  beforeAll(() => {
    pool = new SolverPool({ jobs: 2 });
  });
  afterAll(() => pool.close());

  const samples = fc.sample(fc.tuple(writesArb, fc.array(countArbOf(Z3_LINE), { minLength: 1, maxLength: 4 })), { seed: 1103, numRuns: Z3_INSTANCES });

  /** One job per instance (its definitions in the prelude); the goals that are not unsat, described. */
  async function check(goalsOf: (b: Built) => Term[]): Promise<{ asked: number; bad: string[] }> {
    let asked = 0;
    const answers = await Promise.all(
      samples.map(async ([writes, specs], k) => {
        const b = build(writes, specs);
        const terms = goalsOf(b);
        asked += terms.length;
        const bad = await notUnsat(pool, job(T.countDefinitions(b.counts.map((c) => c.t)), terms.map((term, j) => ({ id: `${k}.${j}`, term })), 40_000));
        return bad.map((r) => `${r.id}: ${r.status} ${r.reason ?? ''} for ${JSON.stringify(specs)} after ${JSON.stringify(writes)}\n${r.model ?? ''}`);
      }),
    );
    return { asked, bad: answers.flat() };
  }

  it('shortcut = expanded sum, under the exact definitions, for every input', async () => {
    const r = await check((b) => b.counts.map(({ spec, t }) => T.not(b.inst.equalsExpanded(spec, t))));
    expect(r.asked).toBeGreaterThanOrEqual(Z3_INSTANCES);
    expect(r.bad).toEqual([]);
  }, 120_000);

  it('countFacts follow from the exact definitions', async () => {
    const r = await check((b) => T.countFacts(b.counts.map((c) => c.t)).map((f) => T.not(f)));
    expect(r.asked).toBeGreaterThanOrEqual(Z3_INSTANCES);
    expect(r.bad).toEqual([]);
  }, 120_000);
});

afterAll(() => {
  if (process.env.ENC_STATS) console.log(`count-encoding: ${JSON.stringify(stats)}`);
});
