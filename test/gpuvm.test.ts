// The GPUvm model (docs/gpuvm.md): every goal of the A3-layout implementation (every operation,
// init, every invariant) proves against spec/gpuvm.ts at the default budget, and every seeded bug
// B1-B10 in bugs/gpuvm.*.ts is refuted in the operation it breaks, with a counterexample that
// replayed on the TypeScript code.
//
// One Runner (one solver pool) for the file, one proof of the whole model; a bug run stops at its
// first refutation (failFast) and only asks the refinement theorem of the operation the bug is in:
// a bug file is an implementation, and an operation's invariants theorem is the spec's alone, the
// same query whatever the implementation (test/spec-theorems.test.ts), proved here by the model's
// proof, for gpuvm-pervm.test.ts too.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner, type RunOptions, type SubsystemOutcome } from '../verifier/run.ts';
import { discover, select } from '../verifier/discover.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = discover(root);

/** The operation each seeded bug breaks (a.7 of the research notes: B1-B10). */
const BUGS: Record<string, string> = {
  'B1-playlist-bounds': 'playlist_submit',
  'B2-partition-wrap': 'bar_map',
  'B3-sysram-mfn0': 'pv_map',
  'B4-pramin-window': 'pramin_write',
  'B5-set-pgd-bounds': 'pv_set_pgd',
  'B6-pv-free-referenced': 'pv_free',
  'B7-slot-exhaustion': 'vm_create',
  'B8-lazy-no-flush-point': 'doorbell',
  'B9-destroy-leaves-channels': 'vm_destroy',
  'B10-mmio-passthrough': 'mmio_other',
};

// the verdicts rest on the rlimit (deterministic); the wall clock (CLI default 2 min) is only a net:
// the heaviest goals (doorbell's and chan_bind's equiv, about 4M rlimit each) took tens of seconds
// on this 2-core machine under other sessions' load
const opts: RunOptions = { timeoutMs: 120_000, jobs: 2 };
const runner = new Runner(root, opts);
afterAll(() => runner.close());

async function run(selector: string, filter?: string[]): Promise<SubsystemOutcome> {
  const pairs = select(root, all, selector);
  expect(pairs.length, `${selector} selects one subsystem`).toBe(1);
  // anchored globs: '*pv_map' is pv_map, not pv_unmap
  opts.filter = filter?.map((op) => `*${op}`);
  opts.failFast = filter !== undefined;
  opts.theorems = filter && ['refinement'];
  try {
    return await runner.verify(pairs[0]);
  } finally {
    opts.filter = undefined;
    opts.failFast = false;
    opts.theorems = undefined;
  }
}

const goalsOf = (out: SubsystemOutcome) => out.operations.flatMap((o) => o.goals);

describe('gpuvm', () => {
  it('has the bounded model sizes of docs/gpuvm.md', async () => {
    const spec = await import('../spec/gpuvm.ts');
    expect([spec.NVM, spec.CPV, spec.NCH, spec.FPV, spec.NPTE]).toEqual([2, 2, 4, 8, 4]);
  });

  it('proves init, every operation and every invariant: every goal, at the default budget', async () => {
    // the A3-style implementation (`verify gpuvm` is both; gpuvm-pervm.test.ts proves the other)
    const out = await run('impl/gpuvm.ts');
    expect(out.diagnostics).toEqual([]);
    expect(out.operations.length).toBeGreaterThanOrEqual(20);
    const goals = goalsOf(out);
    expect(goals.length).toBeGreaterThan(500);
    expect(goals.filter((g) => g.status !== 'proved').map((g) => `${g.id}: ${g.status} ${g.reason ?? ''}`)).toEqual([]);
    expect(out.status).toBe('proved');
    // the spec's invariants theorems (gpuvm-pervm.test.ts leaves them to this proof): every
    // operation's spec operation keeps some invariant (one trivially true is not asked)
    const ops = out.operations.map((o) => o.name).filter((n) => n !== 'init');
    for (const op of ops) expect(goals.filter((g) => g.id.startsWith(`gpuvm.${op}.spec#inv_`) && g.theorem === 'invariants').length, op).toBeGreaterThan(0);
  }, 900_000);

  it('every seeded bug file is listed here, with a first-line comment naming the bug', () => {
    const files = fs.readdirSync(path.join(root, 'bugs')).filter((f) => /^gpuvm\..*\.ts$/.test(f));
    expect(files.map((f) => f.slice('gpuvm.'.length, -3)).sort()).toEqual(Object.keys(BUGS).sort());
    for (const f of files) expect(fs.readFileSync(path.join(root, 'bugs', f), 'utf8').split('\n')[0]).toMatch(/^\/\/ Seeded bug: B\d+, /);
  });

  for (const [bug, op] of Object.entries(BUGS)) {
    it(`refutes ${bug} in ${op} with a counterexample that replays`, async () => {
      const out = await run(path.join(root, 'bugs', `gpuvm.${bug}.ts`), [op]);
      expect(out.diagnostics).toEqual([]);
      expect(out.status).toBe('refuted');
      expect(out.operations.filter((o) => o.status === 'refuted').map((o) => o.name)).toEqual([op]);
      const refuted = goalsOf(out).filter((g) => g.status === 'refuted');
      expect(refuted.length).toBeGreaterThan(0);
      for (const g of refuted) expect(g.counterexample?.confirmed, `${g.id}: ${g.counterexample?.replay}`).toBe(true);
    }, 300_000);
  }
});
