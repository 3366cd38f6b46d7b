// Proofs as tests: pushbutton/vitest (verifier/vitest.ts: verifies, refutes) on the shipped
// examples, including how each fails (the replayed counterexample, the unknown reason, a refutation
// of the wrong goal), and pushbutton/mbt (verifier/mbt.ts: checkModel) on examples whose seeded bugs
// it must catch: a wrong result, a broken representation invariant, and for a spec that chooses
// (examples/anyslot), an implementation that picks another slot than the spec's run-time default
// (accepted) and one that picks a slot no choice allows (caught). test/kernel-mbt.test.ts and
// test/posix-mbt.test.ts use checkModel on the shipped models; test/init.test.ts runs both helpers
// in a user's project.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vt from '../verifier/vitest.ts';
import type * as declared from '../verifier/vitest-types.d.ts';
import { checkModel, runModel, steps, type Model } from '../verifier/mbt.ts';
import * as counterSpec from '../examples/counter/spec.ts';
import * as counterImpl from '../examples/counter/impl.ts';
import * as wrongErrno from '../examples/counter/bugs/wrong-errno.ts';
import * as carryOffByOne from '../examples/counter/bugs/carry-off-by-one.ts';
import * as anySpec from '../examples/anyslot/spec.ts';
import * as anyImpl from '../examples/anyslot/impl.ts';
import * as usedSlot from '../examples/anyslot/bugs/used-slot.ts';
import { sharedCache } from './support/run-verify.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// the declared types of pushbutton/vitest (package.json's exports) are those of the code, both ways
const asDeclared: typeof declared = vt;
const asCode: Pick<typeof vt, keyof typeof declared> = asDeclared;
void asCode;

describe('pushbutton/vitest', () => {
  // The helpers are the subject, not the solving: their runs use the suite run's proof cache
  // (test/support/shared-cache.ts; the three runs of the seeded bug below solve it once, each
  // replays its counterexample), which the suite's PUSHBUTTON_CACHE=off would turn off. The unknown
  // run keeps it off (--no-cache): an unknown is never cached anyway.
  let suiteCache: string | undefined;
  const cached = (): string[] => ['--cache', sharedCache()];
  beforeAll(() => {
    suiteCache = process.env.PUSHBUTTON_CACHE;
    process.env.PUSHBUTTON_CACHE = '';
  });
  afterAll(() => {
    if (suiteCache === undefined) delete process.env.PUSHBUTTON_CACHE;
    else process.env.PUSHBUTTON_CACHE = suiteCache;
  });

  it('verifies: resolves when proved', async () => {
    const r = await vt.verifies('counter', { root: REPO, args: cached() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ incr');
  });

  const bug = 'examples/counter/bugs/wrong-errno.ts';

  it('verifies: rejects with the replayed counterexample when refuted', async () => {
    await expect(vt.verifies(bug, { root: REPO, filter: 'incr', args: cached() })).rejects.toThrow(/expected every goal proved, but it was refuted[\s\S]*counterexample \(confirmed by replay\)[\s\S]*implementation returned -1, spec returned -22/);
  });

  it('refutes: resolves on a refutation of the goal named, rejects when no refuted goal is that one', async () => {
    const r = await vt.refutes(bug, { root: REPO, filter: 'incr', goal: 'incr#result', args: cached() });
    expect(r.code).toBe(1);
    // the goal named must be one of the refuted ones
    await expect(vt.refutes(bug, { root: REPO, filter: 'incr', goal: 'incr#equiv', args: cached() })).rejects.toThrow(/no refuted goal's id contains 'incr#equiv' \(refuted: counter\.wrong-errno\.incr#result\)/);
  });

  it('refutes: rejects when proved; verifies: rejects with the reason when unknown', async () => {
    await expect(vt.refutes('counter', { root: REPO, filter: 'init', args: cached() })).rejects.toThrow(/expected a counterexample, but it was proved/);
    await expect(vt.verifies('counter', { root: REPO, filter: 'incr', args: ['--rlimit', '1', '--no-cache'] })).rejects.toThrow(/but it was unknown[\s\S]*resource limit/);
  });
});

describe('pushbutton/mbt', () => {
  const incr = steps({ incr: [fc.integer({ min: 0, max: 12 })] });
  const seqs = fc.array(incr, { minLength: 1, maxLength: 150 });

  it('a correct pair passes, and the sequences reach both outcomes', () => {
    const done = checkModel({ spec: counterSpec, impl: counterImpl }, seqs, { numRuns: 100, seed: 1 });
    expect(done.some((r) => r.result === 0)).toBe(true);
    expect(done.some((r) => r.result === -22)).toBe(true);
  });

  it('a wrong result fails, with the step and both results', () => {
    expect(() => checkModel({ spec: counterSpec, impl: wrongErrno }, seqs, { numRuns: 100, seed: 1 })).toThrow(/^impl: step 0: incr\(11\) returned -1; the spec returns -22\nProperty failed[\s\S]*Counterexample: \[\[\{"op":"incr","args":\[11\]\}/);
  });

  it('a broken representation invariant fails, after the step that broke it', () => {
    // rest reaches exactly 100 only for some sums: the scripted sequence gets there
    expect(() => runModel({ spec: counterSpec, impl: carryOffByOne }, Array.from({ length: 10 }, () => ({ op: 'incr', args: [10] })))).toThrow(/impl inv_rest is false after step 9: incr\(10\)/);
  });

  it('a spec that chooses: another choice than the default is accepted, one no choice allows is caught', () => {
    const any = steps({ alloc: [], free: [fc.integer({ min: -1, max: anySpec.NSLOT })] });
    const model: Model = { spec: anySpec, impl: anyImpl };
    const done = checkModel(model, fc.array(any, { maxLength: 20 }), { numRuns: 200, seed: 3 });
    // the implementation hands out the highest free slot: the spec's choice followed it
    expect(done.some((r) => r.op === 'alloc' && r.result === anySpec.NSLOT - 1)).toBe(true);
    expect(() => runModel({ spec: anySpec, impl: usedSlot }, [{ op: 'alloc', args: [] }, { op: 'alloc', args: [] }])).toThrow(/step 1: alloc\(\) returned 0; the spec returns 1 \| 2 \| 3 \| 4 \| 5/);
  });
});
