// The solving ladder of verifier/run.ts: what each rung is for, shown on small subsystems.
import { describe, it, expect, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { loadProject } from '../verifier/frontend/project.ts';
import { loadSubsystem } from '../verifier/subsystem.ts';
import { refinement } from '../verifier/theorems.ts';
import { hasQuantifier } from '../symexec/term.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, 'fixtures', 'solving');
const runner = new Runner(fixture, { timeoutMs: 10_000, jobs: 2 });
afterAll(() => runner.close());

describe('solving', () => {
  it('expands quantifiers over 40 elements into ground facts exactly, and not in the first encoding', () => {
    const [pair] = discover(fixture);
    const sub = loadSubsystem(loadProject(fixture), pair.name, pair.specFile, pair.implFile);
    const op = sub.operations.find((o) => o.name === 'put')!;
    const quantified = refinement(sub, op);
    const expanded = refinement(sub, op, { expandLimit: 256 });
    const terms = (t: typeof quantified) => [...t.facts, ...t.hypotheses, ...t.goals.map((g) => g.holds)];
    expect(hasQuantifier(terms(quantified))).toBe(true);
    expect(hasQuantifier(terms(expanded))).toBe(false);
    expect(expanded.goals.map((g) => g.id)).toEqual(quantified.goals.map((g) => g.id));
  });

  it('refutes a bug hidden behind quantified invariants, with a counterexample that replays', async () => {
    const [pair] = discover(fixture);
    const out = await runner.verify(pair);
    expect(out.status).toBe('refuted');
    const put = out.operations.find((o) => o.name === 'put')!;
    const result = put.goals.find((g) => g.kind === 'result')!;
    expect(result.status).toBe('refuted');
    expect(result.counterexample?.confirmed).toBe(true);
    expect(result.counterexample?.inputs.find((i) => i.name === 'v')?.value).toBe(11);
    // the spec's own invariants hold: only the refinement goals fail
    expect(put.goals.filter((g) => g.theorem === 'invariants').every((g) => g.status === 'proved')).toBe(true);
  });
});

describe('implies', () => {
  it('evaluates both arguments, as the TypeScript call does: an index guarded by implies is still checked', async () => {
    const root = path.join(here, 'fixtures', 'implies');
    const r = new Runner(root, { timeoutMs: 10_000, jobs: 1 });
    try {
      const out = await r.verify(discover(root)[0]);
      const bounds = out.operations.find((o) => o.name === 'probe')!.goals.filter((g) => g.id.includes('#bounds'));
      expect(bounds.length).toBeGreaterThan(0);
      expect(bounds.every((g) => g.status === 'refuted' && g.counterexample?.confirmed)).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe('counts', () => {
  it('a counterexample that does not replay is asked again with exact counts, and the real bug is refuted', async () => {
    // count over 20 elements is symbolic; the first model of the buggy variant came from the
    // count's loose encoding and did not replay (redteam2 p49/p51), the exact definitions find the real one
    const root = path.join(here, 'fixtures', 'counts');
    const r = new Runner(root, { timeoutMs: 60_000, jobs: 1, filter: ['tags'] });
    try {
      const pair = discover(root).find((p) => p.implFile.endsWith('tags.skips.ts'))!;
      const out = await r.verify(pair);
      const result = out.operations.find((o) => o.name === 'tags')!.goals.find((g) => g.kind === 'result')!;
      expect(result.status).toBe('refuted');
      expect(result.scope).toBe('the exact definition of each count');
      expect(result.counterexample?.confirmed).toBe(true);
    } finally {
      await r.close();
    }
  }, 120_000);
});
