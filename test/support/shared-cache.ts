// The suite's proof cache (vitest.config.ts, globalSetup): one fresh folder per `npm test` run,
// removed after it, so that tests in different files share proofs instead of each solving them
// again. Only tests whose subject is not the solving use it (through sharedCache(): the CLI's
// output and reports, sharding and merging, installing), by `--cache DIR`; the others run with
// the cache off (vitest.config.ts's PUSHBUTTON_CACHE=off) and solve. Within a run every proof is
// still solved once, by the code under test, and a refutation taken from the cache is replayed
// anew on the code before it is shown (verifier/cache.ts), so a test still fails if what it
// names breaks.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the suite run's proof cache folder */
    proofCache: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-test-cache-'));
  project.provide('proofCache', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
