// verify commute's budgets are Z3's resource count (rlimit), not the wall clock: a goal that
// exhausts it is unknown with the resource limit as the reason, never a verdict, and the same
// budget gives the same verdicts and the same counts however busy the machine is.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SolverPool, type GoalResult, type Job } from '../verifier/solver/pool.ts';
import { analysePair, analyseProblem, pairProblem, DEFAULT_POLICY, type CommuteSpec } from '../verifier/commute/analyze.ts';
import { commuteText, loadCommuteSpec, runCommute } from '../verifier/commute/command.ts';
import { RETRY_FACTOR, Spend } from '../verifier/commute/query.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'commute', `${name}.ts`);

let pool: SolverPool;
let spec: CommuteSpec;
beforeAll(() => {
  pool = new SolverPool({ jobs: 2 });
  spec = loadCommuteSpec(root, fixture('set'));
});
afterAll(async () => {
  await pool.close();
});
const op = (n: string) => spec.operations.find((o) => o.name === n)!;

describe('verify commute: budgets in resource counts', () => {
  it('at the default budget add/has is sometimes and has/has always, each check well within the budget', async () => {
    const spend = new Spend();
    const some = await analysePair(spec, op('add'), op('has'), pool, { ...DEFAULT_POLICY, spend });
    const always = await analysePair(spec, op('has'), op('has'), pool, { ...DEFAULT_POLICY, spend });
    expect([some.result.verdict, always.result.verdict]).toEqual(['sometimes', 'always']);
    expect(spend.maxCheck).toBeGreaterThan(0);
    expect(spend.maxCheck * 100).toBeLessThan(DEFAULT_POLICY.rlimit);
  });

  it('a check that exhausts a small rlimit is unknown with the resource limit as the reason, never a verdict', async () => {
    // has/has: the divergent side must end unsat for "always"; at 1 per check (3 retried) it cannot
    for (const [a, b] of [['has', 'has'], ['add', 'has']]) {
      const an = await analysePair(spec, op(a), op(b), pool, { ...DEFAULT_POLICY, rlimit: 1 });
      expect(an.result.verdict, `${a}/${b}`).toBe('unknown');
      expect(an.result.unknowns).toBeGreaterThan(0);
      expect(an.result.cases.join('\n')).toContain(`resource limit (rlimit ${RETRY_FACTOR})`);
    }
  });

  it("an enumeration's budgetRlimit stops it with the reason, and a verdict is only given where the side that decides it ended", async () => {
    // add/add has several commutative and divergent paths: a budget of one check per enumeration
    // stops both sides after their first path (a 'sometimes' that stands: both kinds were found)
    const full = await analysePair(spec, op('add'), op('add'), pool);
    const cut = await analysePair(spec, op('add'), op('add'), pool, { ...DEFAULT_POLICY, pathBudgetRlimit: 1 });
    expect(full.result.paths).toBeGreaterThan(2);
    expect(cut.result.paths).toBe(2);
    expect(cut.result.verdict).toBe(full.result.verdict);
    expect(cut.result.cases.join('\n')).toMatch(/enumeration stopped: commutative: budget \(rlimit 1\)/);
    // has/has cut after its first commutative path: the divergent side still ends unsat (always)
    const hh = await analysePair(spec, op('has'), op('has'), pool, { ...DEFAULT_POLICY, pathBudgetRlimit: 1 });
    expect(hh.result.verdict).toBe('always');
  });

  it("a divergent enumeration stopped by its budget with no path found is no 'always' (it may have refuted cases of B;A's choices, found nothing, and be 'sat')", async () => {
    // the worker's answer when an enumeration's budget runs out after refuting cases (worker.ts
    // enumerateGoal): sat, stopped, no solution; the commutative side found a path and ended
    const pool = {
      solve: async (job: Job): Promise<GoalResult[]> =>
        job.goals.map((g) =>
          g.id === 'divergent'
            ? { id: g.id, status: 'sat', stopped: 'budget (rlimit 1)', solutions: [], refuted: 2, ms: 1 }
            : { id: g.id, status: 'unsat', solutions: g.id === 'commutative' ? [{ values: g.enumerate!.project.map(() => '') }] : [], ms: 1 },
        ),
    } as unknown as SolverPool;
    const an = await analyseProblem(pairProblem(spec, op('has'), op('has')), pool);
    expect(an.result.commutativePaths).toBe(1);
    expect(an.result.verdict).toBe('unknown');
    expect(an.result.cases.join('\n')).toContain('enumeration stopped: divergent: budget (rlimit 1)');
  });

  it('the run exits with unknowns at a tiny rlimit, and its report states the budget first', async () => {
    const run = await runCommute({ root, target: fixture('set'), jobs: 2, pool, rlimit: 1, noTests: true, filter: ['has/has'] });
    expect(run.pairs.map((p) => p.verdict)).toEqual(['unknown']);
    const text = commuteText(run, true);
    expect(text.split('\n')[0]).toMatch(/^verify commute set · rlimit 1 per check \(Z3's resource count, deterministic\), wall-clock net \d+ ms$/);
    expect(text).toContain(`resource limit (rlimit ${RETRY_FACTOR})`);
    expect(String(run.policy['solver budget per check'])).toMatch(/^rlimit 1 /);
  });

  it('the same budget spends the same counts: two runs of a pair agree on every goal, and a limit not reached changes nothing', async () => {
    const counts = async (rlimit = DEFAULT_POLICY.rlimit) => {
      const spend = new Spend();
      const an = await analysePair(spec, op('add'), op('remove'), pool, { ...DEFAULT_POLICY, rlimit, spend });
      // every goal's counts (its wall-clock time apart, which is not deterministic)
      return { verdict: an.result.verdict, paths: an.result.paths, spend: spend.log.map(({ ms: _ms, ...x }) => x) };
    };
    const first = await counts();
    expect(await counts()).toEqual(first);
    // a tenth of a million per check is still more than any check here spends
    expect(Math.max(...first.spend.map((x) => x.check))).toBeLessThan(100_000);
    expect(await counts(100_000)).toEqual(first);
  });
});

describe('verify commute: the conflict check sees every read', () => {
  it('sameMap reads every entry of both maps: put1/eq is not conflict-free (red-team q38)', async () => {
    const run = await runCommute({ root: path.join(root, 'test', 'fixtures', 'commute', 'samemap'), target: 'sm', jobs: 2, pool, noTests: true, filter: ['put1/eq'] });
    const proofs = run.pairs[0].proofs!;
    const [impl] = Object.keys(proofs);
    expect(run.pairs[0].commutativePaths).toBeGreaterThan(0);
    expect(proofs[impl].conflictFree).toBe(0);
    expect(proofs[impl].cells.join(' ')).toMatch(/m1/);
  }, 120_000);
});
