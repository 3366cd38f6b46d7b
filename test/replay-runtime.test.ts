// The replay of a runtime-error goal that no TypeScript run can show (a division by zero gives
// NaN, not an error): the IR interpreter must run what the goal is about, init's predicates
// included, or a real bug ends as a "toolchain error" (unknown) instead of a refutation.
import { describe, it, expect, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { goalText, summaryText } from '../verifier/report.ts';

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
      // the report says what showed it: not the run (red-team round 11, w59)
      expect(g.counterexample?.by).toBe('interpreter');
      const text = goalText(out, init, g, root).join('\n');
      expect(text).toContain('counterexample (confirmed by the IR interpreter: the TypeScript run cannot show this error)');
      expect(text).not.toContain('confirmed by replay');
    }
    // unknown goals are counted in the summary also where their operation is refuted
    const unknown = out.operations.flatMap((o) => o.goals).filter((g) => g.status === 'unknown').length;
    expect(summaryText([out], 0)).toMatch(new RegExp(`goals${unknown ? ` \\(${unknown} unknown\\)` : ''} · `));
  });
});

describe('the summary', () => {
  it('counts unknown goals of an operation that is refuted (its status is its worst goal\'s)', () => {
    const goal = (status: string) => ({ id: `k.q#${status}`, status, ms: 1 });
    const sub = { name: 'k', status: 'refuted', operations: [{ name: 'q', status: 'refuted', ms: 1, goals: [goal('refuted'), goal('unknown'), goal('unknown'), goal('proved')] }], solverMs: 0 } as unknown as Parameters<typeof summaryText>[0][number];
    const text = summaryText([sub], 1000);
    expect(text).toMatch(/1 operations: 0 proved, 1 refuted, 0 unknown/);
    expect(text).toMatch(/4 goals \(2 unknown\) · /);
  });
});
