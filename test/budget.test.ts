// Deterministic solver budgets: a goal's budget is Z3's resource count (Job.rlimit), the wall
// clock only a safety net, so the verdicts do not depend on how busy the machine is. A slow
// machine is simulated by stopping the worker process most of the time (SIGSTOP/SIGCONT): its
// wall clock runs on, its CPU does not. No assertion here is about time.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SolverPool, type GoalResult, type Job } from '../verifier/solver/pool.ts';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';

/**
 * Pigeonhole: n+1 distinct integers in [0, n); unsat, linear. Z3 needs about 300 k for n = 5 and
 * 33 M for n = 7. (Not a nonlinear query such as a^3 + b^3 = c^3: on that, measured, Z3 gave up
 * "incomplete (theory arithmetic)" at different counts in three runs of the same job in new
 * workers, so its count is not deterministic.)
 */
function pigeons(n: number): string {
  const xs = Array.from({ length: n + 1 }, (_, i) => `x${i}`);
  return xs.map((x) => `(declare-const ${x} Int)(assert (and (<= 0 ${x}) (< ${x} ${n})))`).join('') + `(assert (distinct ${xs.join(' ')}))`;
}

/** Pids of this process's children running the solver worker. */
function workerChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes('solver/worker.ts'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

/**
 * Runs `fn` while the pool's workers are stopped 9 ms in every 10 (a machine ten times slower,
 * as far as the wall clock can tell); returns fn's value and how many times they were stopped.
 */
async function slowly<T>(fn: () => Promise<T>): Promise<{ value: T; stops: number }> {
  let stops = 0;
  let on = true;
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of workerChildren()) {
      try {
        process.kill(pid, sig);
        if (sig === 'SIGSTOP') stops++;
      } catch {
        // gone meanwhile
      }
    }
  };
  const tick = () => {
    if (!on) return;
    signal('SIGSTOP');
    setTimeout(() => {
      signal('SIGCONT');
      if (on) setTimeout(tick, 1);
    }, 9);
  };
  tick();
  try {
    return { value: await fn(), stops };
  } finally {
    on = false;
    signal('SIGCONT');
  }
}

const job = (rlimit: number): Job => ({
  prelude: '',
  // the wall-clock net is generous: only the rlimit may stop a check here
  timeoutMs: 120_000,
  rlimit,
  goals: [
    { id: 'hard', smt: pigeons(7) },
    { id: 'pigeons', smt: pigeons(5) },
  ],
});

const summary = (rs: GoalResult[]) => rs.map((r) => ({ id: r.id, status: r.status, reason: r.reason, rlimit: r.rlimit }));

describe('rlimit budgets (pool)', () => {
  const pools: SolverPool[] = [];
  const fresh = () => {
    const p = new SolverPool();
    pools.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('passes the rlimit to Z3: a query that needs more comes back unknown, "resource limit", having spent exactly it', async () => {
    const rs = await fresh().solve({ prelude: '(declare-const x Int)', timeoutMs: 120_000, rlimit: 20_000, goals: [{ id: 'hard', smt: pigeons(7) }, { id: 'easy', smt: '(assert (and (> x 2) (< x 1)))' }] });
    expect(rs[0]).toMatchObject({ status: 'unknown', reason: 'resource limit (rlimit 20000)', rlimit: 20_000 });
    // a budget is per check: the next goal of the same solver gets its own
    expect(rs[1]!.status).toBe('unsat');
    expect(rs[1]!.rlimit).toBeLessThan(20_000);
  }, 60_000);

  it('the same verdicts and the same resource counts when the wall clock runs ten times faster than the worker', async () => {
    // 1 M: five pigeons (about 300 k) fit, seven do not
    const quiet = summary(await fresh().solve(job(1_000_000)));
    expect(quiet.map((r) => [r.status, r.reason])).toEqual([
      ['unknown', 'resource limit (rlimit 1000000)'],
      ['unsat', undefined],
    ]);
    const pool = fresh();
    await pool.solve({ prelude: '', timeoutMs: 60_000, goals: [{ id: 'start', smt: '(assert true)' }] }); // a worker to slow down
    const slow = await slowly(() => pool.solve(job(1_000_000)));
    expect(slow.stops).toBeGreaterThan(3);
    // a job has a context of its own, so even the counts are equal to the unit, whatever the
    // worker solved before (here: the 'start' job)
    expect(summary(slow.value)).toEqual(quiet);
  }, 240_000);

  it('a budget too small for the pigeons makes them unknown, the same way slowed down or not', async () => {
    const quiet = summary(await fresh().solve(job(50_000)));
    const pool = fresh();
    await pool.solve({ prelude: '', timeoutMs: 60_000, goals: [{ id: 'start', smt: '(assert true)' }] });
    const slow = await slowly(() => pool.solve(job(50_000)));
    expect(quiet.map((r) => [r.status, r.reason])).toEqual([
      ['unknown', 'resource limit (rlimit 50000)'],
      ['unknown', 'resource limit (rlimit 50000)'],
    ]);
    expect(summary(slow.value)).toEqual(quiet);
  }, 240_000);

  it('enumerations: budgetRlimit stops at the same solution, and reports the counts', async () => {
    // x in [0, 40): one model per check, each check cheap; a budget of a few checks' worth
    const en = (budgetRlimit: number): Job => ({
      prelude: '(declare-const x Int)',
      timeoutMs: 120_000,
      rlimit: 1_000_000,
      goals: [{ id: 'xs', smt: '(assert (and (<= 0 x) (< x 40)))', enumerate: { project: [{ name: 'x' }], cap: 1000, budgetMs: 600_000, budgetRlimit, models: false } }],
    });
    const [all] = await fresh().solve(en(1e9));
    expect(all!.status).toBe('unsat');
    expect(all!.solutions).toHaveLength(40);
    expect(all!.rlimitMax).toBeGreaterThan(0);
    expect(all!.rlimit).toBeGreaterThan(all!.rlimitMax!);
    const budget = Math.floor(all!.rlimit! / 3);
    const [cut] = await fresh().solve(en(budget));
    expect(cut).toMatchObject({ status: 'sat', stopped: `budget (rlimit ${budget})` });
    expect(cut!.solutions!.length).toBeGreaterThan(0);
    expect(cut!.solutions!.length).toBeLessThan(40);
    const pool = fresh();
    await pool.solve({ prelude: '', timeoutMs: 60_000, goals: [{ id: 'start', smt: '(assert true)' }] });
    const [again] = (await slowly(() => pool.solve(en(budget)))).value;
    expect(again!.solutions).toEqual(cut!.solutions);
    expect(again!.rlimit).toBe(cut!.rlimit);
  }, 240_000);
});

describe('rlimit budgets (the solving ladder)', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.join(here, '..');

  it('a subsystem within budget is proved with a generous wall-clock net; with a tiny rlimit its goals are unknown for the resource limit, never proved', async () => {
    const pair = discover(root).find((p) => p.name === 'counter')!;
    const within = new Runner(root, { timeoutMs: 300_000, jobs: 1 });
    const tiny = new Runner(root, { timeoutMs: 300_000, jobs: 1, rlimit: 400 });
    try {
      const ok = await within.verify(pair);
      expect(ok.status).toBe('proved');
      const goals = ok.operations.flatMap((o) => o.goals);
      expect(goals.length).toBeGreaterThan(3);
      const small = await tiny.verify(pair);
      const answers = small.operations.flatMap((o) => o.goals);
      const unknown = answers.filter((g) => g.status === 'unknown');
      // the goals that needed more than 400 are unknown for that reason; none is proved unless
      // it took at most 400 (or simplified to true before the solver)
      expect(unknown.length).toBeGreaterThan(0);
      for (const g of unknown) expect(g.reason).toMatch(/^resource limit \(rlimit \d+\)/);
      for (const g of answers.filter((x) => x.status === 'proved')) expect(g.rlimit ?? 0).toBeLessThanOrEqual(400);
      expect(answers.some((g) => g.status === 'refuted')).toBe(false);
    } finally {
      await within.close();
      await tiny.close();
    }
  }, 240_000);
});
