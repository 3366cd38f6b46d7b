// The program fuzzer: random programs inside the subset (test/fuzz/generator.ts), each lowered by
// the front end and evaluated symbolically, against the real TypeScript run of the same source
// (test/fuzz/oracle.ts). Also programs just outside the subset, which must get a located
// diagnostic, and spec/implementation pairs through the whole `verify` pipeline, which must
// never be proved when their real runs differ.
//
// Deterministic: fixed seeds. FUZZ_RUNS (programs, default 2000) and FUZZ_SEED (moves every
// seed) widen or move the search by hand, e.g. FUZZ_RUNS=20000 FUZZ_SEED=3; FUZZ_STATS=1 prints
// what was exercised. Constructs the verifier is known to get wrong are switched off in one place,
// test/fuzz/known.ts (KNOWN_UNSOUND), each with its finding in /work/notes/fuzz-findings.md.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from './fuzz/generator.ts';
import { checkBatch, newStats, type Case, type Problem } from './fuzz/oracle.ts';
import { outsideCase, OUTSIDE_CONSTRUCTS } from './fuzz/outside.ts';
import { pairCase, findDifference } from './fuzz/pairs.ts';
import { KNOWN_UNSOUND } from './fuzz/known.ts';
import { Runner } from '../verifier/run.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 0);
/** programs lowered by one Lowering (one ts-morph project) */
const BATCH = 125;
/** random inputs per program */
const INPUTS = 6;
const seedOf = (k: number) => (SEED * 1_000_003 + k + 1) >>> 0;

function report(problems: Problem[]): string {
  const kinds = new Map<string, number>();
  for (const p of problems) kinds.set(p.what, (kinds.get(p.what) ?? 0) + 1);
  const head = `${problems.length} disagreements (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); rerun one with FUZZ_RUNS/FUZZ_SEED, shrink with test/fuzz/minimize.ts`;
  return [head, ...problems.slice(0, 3).map((p) => `--- ${p.id}: ${p.what}\n${p.detail}\n${p.source}`)].join('\n');
}

const stats = newStats();

describe('program fuzzer: the verifier means what TypeScript does', () => {
  for (let from = 0; from < RUNS; from += BATCH) {
    const to = Math.min(RUNS, from + BATCH);
    it(`programs ${from}..${to - 1}`, () => {
      const cases: Case[] = [];
      for (let k = from; k < to; k++) {
        const g = generate(seedOf(k));
        cases.push({ id: `program ${k} (seed ${seedOf(k)})`, source: g.source, instrumented: g.instrumented });
      }
      const problems = checkBatch(cases, { inputs: INPUTS, seedOf: (c) => Number(/seed (\d+)/.exec(c.id)![1]) }, stats);
      expect(problems.length, report(problems)).toBe(0);
    }, 120_000);
  }

  it('exercised what it claims to', () => {
    // a fuzzer that rejects most of its programs, or whose inputs all fail early, tests little
    expect(stats.programs).toBe(RUNS);
    expect(stats.accepted / stats.programs).toBeGreaterThan(0.85);
    expect(stats.inDomain / stats.inputs).toBeGreaterThan(0.15);
    // forking mode (verify rid) checked on most of the same inputs
    expect(stats.forkedInputs / stats.inputs).toBeGreaterThan(0.8);
    for (const kind of ['overflow', 'bounds', 'divzero', 'inexact-division', 'assert']) {
      expect(stats.errors.get(kind) ?? 0, `runtime errors of kind ${kind}`).toBeGreaterThan(0);
    }
  });
});

describe('program fuzzer: programs outside the subset get a located diagnostic', () => {
  it(`${OUTSIDE_CONSTRUCTS} constructs, each in two random programs`, () => {
    const cases = Array.from({ length: 2 * OUTSIDE_CONSTRUCTS }, (_, k) => outsideCase(seedOf(900_000 + k), k));
    const st = newStats();
    const problems = checkBatch(cases, { inputs: 1, seedOf: () => 1 }, st);
    expect(problems.length, report(problems)).toBe(0);
    expect(st.expectedRejections).toBe(cases.length);
  }, 120_000);
});

describe('program fuzzer: spec/implementation pairs through verify', () => {
  const PAIRS = 12;

  it(`${PAIRS} pairs: a pair whose real runs differ is never proved`, async () => {
    // made here, not when the file is collected: a filtered run would leave the folder behind
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-fuzz-pairs-'));
    // failFast: a pair's first refutation ends its climb (what is checked is only that a pair
    // whose runs differ is not proved, and a pair that proves still proves every goal)
    const runner = new Runner(root, { timeoutMs: 10_000, jobs: 2, filter: ['op'], failFast: true });
    try {
      await pairs(root, runner);
    } finally {
      await runner.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  async function pairs(root: string, runner: Runner): Promise<void> {
    const outcomes = await Promise.all(
      Array.from({ length: PAIRS }, async (_, k) => {
        // every third pair is an identical copy; the others carry one mutation
        const c = pairCase(seedOf(500_000 + k), k % 3 === 0);
        const dir = path.join(root, `p${k}`);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'spec.ts'), c.spec);
        fs.writeFileSync(path.join(dir, 'impl.ts'), c.impl);
        const differs = findDifference(c, 300);
        const out = await runner.verify({ name: `p${k}`, specFile: path.join(dir, 'spec.ts'), implFile: path.join(dir, 'impl.ts') });
        return { k, c, differs, status: out.status, diagnostics: out.diagnostics };
      }),
    );
    const unsound = outcomes.filter((o) => o.differs && o.status === 'proved');
    expect(unsound.map((o) => `pair ${o.k} (${o.c.mutation ?? 'identical'}) is proved, but ${o.differs}\n--- spec\n${o.c.spec}--- impl\n${o.c.impl}`)).toEqual([]);
    // the check must have bitten: some differing pairs went through the solver
    expect(outcomes.filter((o) => o.differs && o.status !== 'rejected').length).toBeGreaterThanOrEqual(3);
    if (process.env.FUZZ_STATS) console.log(outcomes.map((o) => `pair ${o.k}: ${o.c.mutation ?? 'identical'}; ${o.differs ? 'differs' : 'no difference found'}; ${o.status}`).join('\n'));
  }
});

afterAll(() => {
  if (!process.env.FUZZ_STATS) return;
  const on = Object.entries(KNOWN_UNSOUND).filter(([, v]) => v).map(([k]) => k);
  console.log([
    `programs ${stats.programs}: accepted ${stats.accepted}, rejected while lowering ${stats.rejectedLowering}, while evaluating ${stats.rejectedEvaluation}`,
    `inputs ${stats.inputs}: completed ${stats.inDomain}; runtime errors ${[...stats.errors].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `rejections: ${[...stats.rejectReasons].map(([k, n]) => `${k} (${n})`).join('; ')}`,
    `forking mode: ${stats.forkedInputs} inputs checked, ${stats.forkRejected} programs rejected only there`,
    `ms: ${Object.entries(stats.ms).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`,
    `known-unsound flags on: ${on.join(', ') || 'none'}`,
  ].join('\n'));
});
