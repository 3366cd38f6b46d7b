import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * About the seconds each slow test file takes in `npm test` (bench/README.md, "Test suite time");
 * only the order the files start in depends on it. Without it a fresh clone (CI: no vitest
 * results cache) starts the largest files first by bytes, and the short kernel.test.ts, the
 * slowest of all, started near the end and ran on alone for minutes. Longest first keeps the two
 * workers busy to the end. A file not listed counts by its size (about 1 s per kB), so a new slow
 * file only starts later than ideal.
 */
const SECONDS: Record<string, number> = {
  'test/kernel-bugs-1.test.ts': 200,
  'test/kernel-bugs-2.test.ts': 160,
  'test/kernel.test.ts': 130,
  'test/program-fuzz.test.ts': 130,
  'test/frontend-robust.test.ts': 115,
  'test/posix.test.ts': 110,
  'test/commute.test.ts': 100,
  'test/rid-cli.test.ts': 100,
  'test/cli.test.ts': 80,
  'test/solver.test.ts': 75,
  'test/examples.test.ts': 75,
  'test/rid.test.ts': 65,
  'test/kernel-mbt.test.ts': 60,
  'test/solving.test.ts': 35,
  'test/diagnostics.test.ts': 30,
  'test/sandbox.test.ts': 25,
  'test/differential.test.ts': 21,
  'test/budget.test.ts': 21,
  'test/quant-encoding.test.ts': 17,
  'test/encodings.test.ts': 16,
};

function cost(spec: TestSpecification): number {
  const rel = path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/');
  if (rel in SECONDS) return SECONDS[rel];
  try {
    return fs.statSync(spec.moduleId).size / 1000;
  } catch {
    return 0;
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
    // the command's proof cache stays out of tests that check what solving prints (test/cache.test.ts tests it)
    env: { PUSHBUTTON_CACHE: 'off' },
  },
});
