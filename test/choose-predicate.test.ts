// choose() inside a predicate (equiv here) means what it means when the predicate runs: the lowest
// index where the body holds, or -1. An open choice there let the solver pick an index no run
// takes, so a correct pair ended "unknown" (red-team q27); the op that really breaks equiv must
// still be refuted.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'choose-predicate');
const runner = new Runner(fixture, { timeoutMs: 20_000, jobs: 1 });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'choose-predicate-'));
afterAll(async () => {
  await runner.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('choose() in a predicate', () => {
  it('is the lowest index, as at run time: a correct pair whose equiv uses it is proved', async () => {
    const out = await runner.verify(discover(fixture)[0]);
    expect(out.operations.map((o) => `${o.name} ${o.status}`)).toEqual(['init proved', 'mark proved', 'first proved']);
  });

  it('still refutes an operation that breaks the relation (marking the HIGHEST slot in the spec)', async () => {
    for (const side of ['spec', 'impl']) fs.mkdirSync(path.join(scratch, side), { recursive: true });
    fs.copyFileSync(path.join(fixture, 'impl', 'first.ts'), path.join(scratch, 'impl', 'first.ts'));
    const spec = fs.readFileSync(path.join(fixture, 'spec', 'first.ts'), 'utf8');
    fs.writeFileSync(path.join(scratch, 'spec', 'first.ts'), spec.replace('k < s.first', 'k > s.first'));
    const r = new Runner(scratch, { timeoutMs: 20_000, jobs: 1 });
    try {
      const out = await r.verify(discover(scratch)[0]);
      const mark = out.operations.find((o) => o.name === 'mark')!;
      expect(mark.status).toBe('refuted');
      expect(mark.goals.find((g) => g.status === 'refuted')?.counterexample?.confirmed).toBe(true);
    } finally {
      await r.close();
    }
  });
});
