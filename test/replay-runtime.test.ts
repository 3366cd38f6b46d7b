// The replay of a runtime-error goal that no TypeScript run can show (a division by zero gives
// NaN, not an error): the IR interpreter must run what the goal is about, init's predicates
// included, or a real bug ends as a "toolchain error" (unknown) instead of a refutation.
import { describe, it, expect, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'replay-runtime');
const runner = new Runner(root, { timeoutMs: 20_000, jobs: 1 });
afterAll(() => runner.close());

describe('replay of runtime errors in predicates', () => {
  it('refutes init when an invariant divides by zero on the initial state, located by the IR interpreter', async () => {
    const out = await runner.verify(discover(root)[0]);
    expect(out.status).toBe('refuted');
    const init = out.operations.find((o) => o.name === 'init')!;
    const divs = init.goals.filter((g) => g.id.includes('#divzero'));
    expect(divs.length).toBe(2);
    for (const g of divs) {
      expect(g.status).toBe('refuted');
      expect(g.counterexample?.confirmed).toBe(true);
      expect(g.counterexample?.replay).toMatch(/IR interpreter, which checks it, stops at nan\.ts:9:\d+: the divisor is zero/);
    }
  });
});
