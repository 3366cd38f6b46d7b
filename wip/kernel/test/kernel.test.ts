// The kernel model (see docs/kernel.md): the correct implementation proves (a subset
// of handlers here), and every seeded bug in bugs/kernel.*.ts is refuted with a counterexample
// that replays on the TypeScript code.
//
// Opt-in (PUSHBUTTON_KERNEL=1): with the current verifier a single kernel handler takes minutes
// (docs/kernel.md, "Status"), so these proofs are not part of the default `npm test` yet.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner, type RunOptions } from '../verifier/run.ts';
import { discover, select } from '../verifier/discover.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = discover(root);

/** The handler each seeded bug breaks: the test asks only about it. */
const BUGS: Record<string, string> = {
  'clone-children': 'clone',
  'close-refcnt': 'close',
  'dup-nrfds': 'dup',
  'alloc-type': 'alloc_pd',
  'fd-bound': 'lseek',
  'alloc-leak': 'alloc_frame',
  'reap-errno': 'reap',
  'free-tlb': 'free_pt',
  'reclaim-live': 'reclaim_page',
  'dup2-self': 'dup2',
  'switch-killed': 'switch_to',
  'reparent-count': 'reparent',
  'free-target': 'free_frame',
  'copy-owner': 'copy_frame',
};

// One Runner (one solver pool) for the file; each test selects the operations it asks about.
const opts: RunOptions = { timeoutMs: 10_000, jobs: 2 };
const shared = new Runner(root, opts);
const runner = (filter: string[]) => {
  opts.filter = filter;
  return shared;
};
afterAll(() => shared.close());

const proofs = process.env.PUSHBUTTON_KERNEL === '1';

describe('kernel', () => {
  it('every seeded bug file is listed here, with a first-line comment naming the bug', () => {
    const files = fs.readdirSync(path.join(root, 'bugs')).filter((f) => /^kernel\..*\.ts$/.test(f));
    expect(files.map((f) => f.slice('kernel.'.length, -3)).sort()).toEqual(Object.keys(BUGS).sort());
    for (const f of files) expect(fs.readFileSync(path.join(root, 'bugs', f), 'utf8').split('\n')[0]).toMatch(/^\/\/ Seeded bug: /);
  });

  it.skipIf(!proofs)('proves init and the process handlers set_runnable, kill', async () => {
    const [pair] = select(root, all, 'kernel');
    const out = await runner(['init', 'set_runnable', 'kill']).verify(pair);
    const bad = out.operations.flatMap((o) => o.goals.filter((g) => g.status !== 'proved').map((g) => `${g.id}: ${g.status} ${g.reason ?? ''}`));
    expect(bad).toEqual([]);
    expect(out.status).toBe('proved');
  }, 600_000);

  for (const [bug, op] of Object.entries(BUGS)) {
    it.skipIf(!proofs)(`refutes ${bug} (in ${op}) with a counterexample that replays`, async () => {
      const [pair] = select(root, all, path.join(root, 'bugs', `kernel.${bug}.ts`));
      const out = await runner([op]).verify(pair);
      expect(out.status).toBe('refuted');
      const refuted = out.operations.flatMap((o) => o.goals).filter((g) => g.status === 'refuted');
      expect(refuted.length).toBeGreaterThan(0);
      for (const g of refuted) expect(g.counterexample?.confirmed).toBe(true);
    }, 600_000);
  }
});
