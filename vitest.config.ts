import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * About the seconds each test file takes in `npm test` (bench/README.md, "Test suite time"); only
 * the order the files start in depends on it. Without it a fresh clone (CI: no vitest results
 * cache) starts the largest files by bytes first, and the short kernel.test.ts, the slowest of
 * all, started near the end and ran on alone for minutes. Longest first keeps the two workers busy
 * to the end. A file not listed here (a new one: its time unknown) starts first, as vitest does
 * with files it has no time for; add it here once measured. (The 20 slowest files: CI at 902ca10;
 * the files changed since (seeded bugs asking only refinement theorems, gpuvm-pervm's and
 * posix.scalable's spec invariants left to one proof, shared runs in rid-cli and commute) scaled
 * by the CPU the change saved, measured old and new side by side: bench/README.md, "Test suite
 * time". The other files: earlier CI runs.)
 */
const SECONDS: Record<string, number> = {
  'test/kernel-bugs-1.test.ts': 70,
  'test/kernel-bugs-2.test.ts': 89,
  'test/install.test.ts': 48,
  'test/kernel.test.ts': 100,
  'test/program-fuzz.test.ts': 118,
  'test/gpuvm.test.ts': 133,
  'test/gpuvm-pervm.test.ts': 30,
  'test/commute-simplify.test.ts': 22,
  'test/commute-emit.test.ts': 20,
  'test/gpuvm-mbt.test.ts': 10,
  'test/json-report.test.ts': 1,
  'test/frontend-robust.test.ts': 74,
  'test/posix.test.ts': 84,
  'test/commute.test.ts': 96,
  'test/rid-cli.test.ts': 80,
  'test/init.test.ts': 38,
  'test/solver.test.ts': 69,
  'test/examples.test.ts': 50,
  'test/rid.test.ts': 39,
  'test/kernel-mbt.test.ts': 52,
  'test/cli.test.ts': 49,
  'test/diagnostics.test.ts': 35,
  'test/ci-reports.test.ts': 35,
  'test/solving.test.ts': 31,
  'test/shard.test.ts': 26,
  'test/differential.test.ts': 25,
  'test/output-paths.test.ts': 25,
  'test/rid-exactness.test.ts': 25,
  'test/sandbox.test.ts': 25,
  'test/proofs-as-tests.test.ts': 30,
  'test/budget.test.ts': 20,
  'test/quant-encoding.test.ts': 17,
  'test/encodings.test.ts': 16,
  'test/cache.test.ts': 15,
  'test/cache-sources.test.ts': 30,
  'test/watch.test.ts': 12,
  'test/rid-issue28.test.ts': 12,
  'test/choose-predicate.test.ts': 10,
  'test/commute-equivalent.test.ts': 8,
  'test/commute-discovery.test.ts': 8,
  'test/replay-runtime.test.ts': 6,
  'test/prelude-identity.test.ts': 4,
  'test/posix-mbt.test.ts': 15,
  'test/logic.test.ts': 14,
  'test/count-encoding.test.ts': 13,
  'test/commute-budget.test.ts': 6,
  'test/lint.test.ts': 3,
  'test/replay-values.test.ts': 3,
  'test/soundness.test.ts': 3,
  'test/scalarize.test.ts': 2,
  'test/propagate.test.ts': 2,
  'test/commute-footprint.test.ts': 1,
  'test/commute-report.test.ts': 1,
  'test/maps.test.ts': 1,
  'test/posix-footprint.test.ts': 1,
  'test/progress.test.ts': 1,
  'test/solver-model.test.ts': 1,
  'test/state-takers.test.ts': 2,
  'test/spec-theorems.test.ts': 7,
  'test/run-resolution.test.ts': 10,
  'test/commute-maps.test.ts': 4,
  'test/resolution-fuzz.test.ts': 14,
};

/** A listed file's seconds; a new file ranks above all (unknown time), larger ones first. */
function cost(spec: TestSpecification): number {
  const rel = path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/');
  if (rel in SECONDS) return SECONDS[rel];
  try {
    return 1e6 + fs.statSync(spec.moduleId).size;
  } catch {
    return 1e6;
  }
}

/** Longest first (see SECONDS), whatever results a previous run left in the cache. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => cost(b) - cost(a) || (a.moduleId < b.moduleId ? -1 : 1));
  }
}

// Proof tests start solver worker processes of their own; two test files at a time keep the
// 2-core machine busy without starving the solvers' timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    // the command's proof cache stays out of tests that check what solving prints (test/cache.test.ts
    // tests it); tests of what is not the solving share one per run (test/support/shared-cache.ts)
    env: { PUSHBUTTON_CACHE: 'off' },
    globalSetup: ['test/support/shared-cache.ts'],
  },
});
