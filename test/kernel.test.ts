// The kernel model at Hyperkernel's sizes (docs/kernel.md): every handler and init prove, and
// every seeded bug in bugs/kernel.*.ts is refuted in the handler it sits in, with a counterexample
// that replayed on the TypeScript code. The refutations are in test/kernel-bugs-1.test.ts and
// test/kernel-bugs-2.test.ts (test/support/kernel-bugs.ts), so that `npm test`'s two workers share
// them; this file proves the model and checks that every bug file is in their table.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Runner, type RunOptions } from '../verifier/run.ts';
import { discover, select } from '../verifier/discover.ts';
import { KERNEL_BUGS, root } from './support/kernel-bugs.ts';

describe('kernel', () => {
  it('has at least 22 handlers and Hyperkernel sizes', async () => {
    const spec = await import('../spec/kernel.ts');
    expect([spec.NPROC, spec.NPAGE, spec.NOFILE, spec.NFILE, spec.NPTE]).toEqual([64, 8192, 16, 128, 512]);
  });

  const opts: RunOptions = { timeoutMs: 20_000, jobs: 2 };
  const runner = new Runner(root, opts);
  afterAll(() => runner.close());

  it('proves init, every handler and every invariant', async () => {
    const pairs = select(root, discover(root), 'kernel');
    expect(pairs.length, 'kernel selects one subsystem').toBe(1);
    const out = await runner.verify(pairs[0]);
    expect(out.diagnostics).toEqual([]);
    expect(out.operations.length).toBeGreaterThanOrEqual(23);
    const open = out.operations.flatMap((o) => o.goals).filter((g) => g.status !== 'proved').map((g) => `${g.id}: ${g.status} ${g.reason ?? ''}`);
    expect(open).toEqual([]);
    expect(out.status).toBe('proved');
  }, 1_200_000);

  it('every seeded bug file is listed in test/support/kernel-bugs.ts, with a first-line comment naming the bug', () => {
    const files = fs.readdirSync(path.join(root, 'bugs')).filter((f) => /^kernel\..*\.ts$/.test(f));
    expect(files.map((f) => f.slice('kernel.'.length, -3)).sort()).toEqual(Object.keys(KERNEL_BUGS).sort());
    for (const f of files) expect(fs.readFileSync(path.join(root, 'bugs', f), 'utf8').split('\n')[0]).toMatch(/^\/\/ Seeded bug: /);
    // both halves refute some (each half's file registers exactly its own)
    expect(new Set(Object.values(KERNEL_BUGS).map((b) => b.half))).toEqual(new Set([1, 2]));
  });
});
