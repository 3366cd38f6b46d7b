import { defineConfig } from 'vitest/config';

// Proof tests start solver worker processes of their own; two test files at a time keep the
// 2-core machine busy without starving the solvers' timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // the command's proof cache stays out of tests that check what solving prints (test/cache.test.ts tests it)
    env: { PUSHBUTTON_CACHE: 'off' },
  },
});
