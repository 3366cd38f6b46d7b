// SMap end to end: maps related by sameMap in equiv, proved operations, and a counterexample whose
// map entries are decoded from the model and replayed.
import { it, expect, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { smap, sameMap } from '../verifier/prelude.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'maps');
const runner = new Runner(fixture, { timeoutMs: 10_000, jobs: 2 });
afterAll(() => runner.close());

it('sameMap compares defaults and entries', () => {
  const a = smap<string, number>(0), b = smap<string, number>(0);
  expect(sameMap(a, b)).toBe(true);
  a.set('x', 1);
  expect(sameMap(a, b)).toBe(false);
  b.set('x', 1);
  expect(sameMap(a, b)).toBe(true);
  expect(sameMap(a, smap<string, number>(1))).toBe(false);
});

it('proves put and refutes get with a replayed map counterexample', async () => {
  const out = await runner.verify(discover(fixture)[0]);
  const op = (n: string) => out.operations.find((o) => o.name === n)!;
  expect(op('put').status).toBe('proved');
  expect(op('get').status).toBe('refuted');
  const g = op('get').goals.find((x) => x.status === 'refuted')!;
  expect(g.kind).toBe('result');
  expect(g.counterexample?.confirmed).toBe(true);
  const spec = g.counterexample!.inputs.find((i) => i.role === 'spec')!.value as { m: { entries: [string, number][] } };
  expect(spec.m.entries.some(([, v]) => v === 7)).toBe(true);
});
