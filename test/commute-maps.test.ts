// verify commute's tests on map states: each test's starting state is decoded from a solver model
// (verifier/counterexample.ts, decode), and must meet the path condition it was made for, or the
// spec's two orders disagree at run time and the pair ends in a toolchain error (red-team round
// 16: c01, a model that leaves out a map's values lost its keys; c02, a key no model constant
// names, `k + 1`, was never tried).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SolverPool } from '../verifier/solver/pool.ts';
import { runCommute } from '../verifier/commute/command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'commute', `${name}.ts`);

let pool: SolverPool;
beforeAll(() => {
  pool = new SolverPool({ jobs: 1 });
});
afterAll(async () => {
  await pool.close();
});

describe('tests from map states meet their path conditions', () => {
  it('keys only tested with has(): put/probe is sometimes, with tests of both paths that commute at run time', async () => {
    const run = await runCommute({ root, target: fixture('haskeys'), jobs: 1, pool, filter: ['put/probe'] });
    expect(run.toolchainErrors).toEqual([]);
    const pair = run.pairs.find((p) => p.a === 'put' && p.b === 'probe')!;
    expect(pair.verdict).toBe('sometimes');
    // the commutative path that needs bit k set at the start has its tests
    expect(run.tests.filter((t) => t.test.pair.join('/') === 'put/probe').length).toBeGreaterThan(0);
  }, 120_000);

  it('a map read at k + 1: stamp/stamp is sometimes, its commutative path tested without a toolchain error', async () => {
    const run = await runCommute({ root, target: fixture('nextkey'), jobs: 1, pool, filter: ['stamp/stamp'] });
    expect(run.toolchainErrors).toEqual([]);
    const pair = run.pairs.find((p) => p.a === 'stamp' && p.b === 'stamp')!;
    expect(pair.verdict).toBe('sometimes');
    expect(run.tests.filter((t) => t.test.pair.join('/') === 'stamp/stamp').length).toBeGreaterThan(0);
  }, 120_000);
});
