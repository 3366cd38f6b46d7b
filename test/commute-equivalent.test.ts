// verify commute checks the spec's `equivalent` instead of trusting it: every verdict compares
// final states with it, so one coarser than what the operations can tell apart gave a false
// "always" (red-team q46). congruence.ts asks, per operation, whether equivalent states give equal
// results and equivalent states; a failure is replayed on the real spec before it is shown.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SolverPool } from '../verifier/solver/pool.ts';
import { commuteText, exitCodeOf, runCommute } from '../verifier/commute/command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'commute', `${name}.ts`);
let pool: SolverPool;
beforeAll(() => {
  pool = new SolverPool({ jobs: 1 });
});
afterAll(() => pool.close());

describe('verify commute checks equivalent', () => {
  it('an equivalent that get() sees through is refuted with a replayed pair of states, and the run exits 1', async () => {
    const run = await runCommute({ root, target: fixture('coarse'), jobs: 1, pool, noTests: true });
    const byOp = Object.fromEntries(run.equivalence.map((e) => [e.op, e.status]));
    expect(byOp).toEqual({ set: 'holds', get: 'fails' });
    const get = run.equivalence.find((e) => e.op === 'get')!;
    expect(get.detail).toMatch(/^get tells equivalent states apart from x = \{"v":\d+\} and y = \{"v":\d+\}: it returns \d+ from x and \d+ from y$/);
    expect(exitCodeOf(run)).toBe(1);
    expect(commuteText(run, false)).toContain('error: equivalent against get: get tells equivalent states apart');
  });

  it('an operation that returns the same from equivalent states but leaves states that are not equivalent is found too', async () => {
    const run = await runCommute({ root, target: fixture('shadow'), jobs: 1, pool, noTests: true });
    expect(run.equivalence.map((e) => `${e.op} ${e.status}`)).toEqual(['get holds', 'setw holds', 'promote fails']);
    expect(run.equivalence[2].detail).toMatch(/promote tells equivalent states apart .*: the states it leaves are not equivalent/);
  });

  it('an equivalent no operation sees through (order of an unordered pair) is proved for every operation', async () => {
    const run = await runCommute({ root, target: fixture('unordered'), jobs: 1, pool, noTests: true });
    expect(run.equivalence.map((e) => `${e.op} ${e.status}`)).toEqual(['has holds', 'replace holds']);
    expect(exitCodeOf(run)).toBe(0);
    expect(commuteText(run, false)).toContain('equivalent: checked against all 2 operations');
  });
});
