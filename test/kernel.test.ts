// The kernel model at Hyperkernel's sizes (docs/kernel.md): every handler and init prove, and
// every seeded bug in bugs/kernel.*.ts is refuted in the handler it sits in, with a counterexample
// that replayed on the TypeScript code.
//
// One Runner (one solver pool) for the file. Bug files are selected exactly as
// `verify bugs/kernel.NAME.ts` selects them, with --filter set to the handler the bug is in.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner, type RunOptions, type SubsystemOutcome } from '../verifier/run.ts';
import { discover, select } from '../verifier/discover.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = discover(root);

/** The handler each seeded bug breaks. */
const BUGS: Record<string, string> = {
  'alloc-leak': 'alloc_frame',
  'alloc-type': 'alloc_pd',
  'clone-children': 'clone',
  'close-refcnt': 'close',
  'copy-owner': 'copy_frame',
  'dup-nrfds': 'dup',
  'dup2-self': 'dup2',
  'offset-bound': 'lseek',
  'free-target': 'free_frame',
  'free-tlb': 'free_pt',
  'reap-errno': 'reap',
  'reclaim-live': 'reclaim_page',
  'reparent-count': 'reparent',
  'switch-killed': 'switch_to',
};

// 20 s per goal: the small-scope searches of the seeded bugs take up to about 16 s
const opts: RunOptions = { timeoutMs: 20_000, jobs: 2 };
const runner = new Runner(root, opts);
afterAll(() => runner.close());

async function run(selector: string, filter?: string[]): Promise<SubsystemOutcome> {
  const pairs = select(root, all, selector);
  expect(pairs.length, `${selector} selects one subsystem`).toBe(1);
  // anchored globs: '*dup' is dup, not dup2
  opts.filter = filter?.map((op) => `*${op}`);
  // a seeded bug needs one refutation: its handler's other undecided goals are not climbed
  opts.failFast = filter !== undefined;
  try {
    return await runner.verify(pairs[0]);
  } finally {
    opts.filter = undefined;
    opts.failFast = false;
  }
}

const goalsOf = (out: SubsystemOutcome) => out.operations.flatMap((o) => o.goals);

describe('kernel', () => {
  it('has at least 22 handlers and Hyperkernel sizes', async () => {
    const spec = await import('../spec/kernel.ts');
    expect([spec.NPROC, spec.NPAGE, spec.NOFILE, spec.NFILE, spec.NPTE]).toEqual([64, 8192, 16, 128, 512]);
  });

  it('proves init, every handler and every invariant', async () => {
    const out = await run('kernel');
    expect(out.diagnostics).toEqual([]);
    expect(out.operations.length).toBeGreaterThanOrEqual(23);
    const open = goalsOf(out).filter((g) => g.status !== 'proved').map((g) => `${g.id}: ${g.status} ${g.reason ?? ''}`);
    expect(open).toEqual([]);
    expect(out.status).toBe('proved');
  }, 1_200_000);

  it('every seeded bug file is listed here, with a first-line comment naming the bug', () => {
    const files = fs.readdirSync(path.join(root, 'bugs')).filter((f) => /^kernel\..*\.ts$/.test(f));
    expect(files.map((f) => f.slice('kernel.'.length, -3)).sort()).toEqual(Object.keys(BUGS).sort());
    for (const f of files) expect(fs.readFileSync(path.join(root, 'bugs', f), 'utf8').split('\n')[0]).toMatch(/^\/\/ Seeded bug: /);
  });

  for (const [bug, op] of Object.entries(BUGS)) {
    it(`refutes ${bug} in ${op} with a counterexample that replays`, async () => {
      const out = await run(path.join(root, 'bugs', `kernel.${bug}.ts`), [op]);
      expect(out.diagnostics).toEqual([]);
      expect(out.status).toBe('refuted');
      expect(out.operations.filter((o) => o.status === 'refuted').map((o) => o.name)).toEqual([op]);
      const refuted = goalsOf(out).filter((g) => g.status === 'refuted');
      for (const g of refuted) expect(g.counterexample?.confirmed, `${g.id}: ${g.counterexample?.replay}`).toBe(true);
    }, 600_000);
  }
});
