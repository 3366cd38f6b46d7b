// The run-resolution check against real runs (verifier/frontend/run-resolution.ts): random project
// layouts (test/fuzz/layouts.ts) where one module re-exports K from a specifier that several files
// could answer, each file with a K of its own. Whenever the verifier accepts the import (the
// gate's checks, TypeScript's, then the run's resolver asked before a verdict), the real run
// (`node --import tsx run.ts`) must print the K of the file TypeScript read: the file the proof
// is about. RES_FUZZ_RUNS (default 40) and RES_FUZZ_SEED widen or move the search by hand.

import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../verifier/frontend/project.ts';
import { checkSources } from '../verifier/frontend/typecheck.ts';
import { confirmRunLoads } from '../verifier/frontend/run-resolution.ts';
import { SubsetError } from '../verifier/diagnostics.ts';
import { layout } from './fuzz/layouts.ts';

const RUNS = Number(process.env.RES_FUZZ_RUNS ?? 40);
const SEED = Number(process.env.RES_FUZZ_SEED ?? 0);
const TSX = createRequire(import.meta.url).resolve('tsx');

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** The file TypeScript read for the import, when the verifier accepts it; undefined when it refuses. */
function verifierFile(root: string, spec: string): string | undefined {
  const importer = path.join(root, 'impl', 't.ts');
  try {
    const project = loadProject(root);
    if (checkSources(project, [importer]).length > 0) return undefined;
    return confirmRunLoads(project).find((e) => e.from === importer && e.spec === spec)?.file;
  } catch (e) {
    if (e instanceof SubsetError) return undefined;
    throw e;
  }
}

describe('the run-resolution check against real runs of random layouts', () => {
  it(`${RUNS} layouts: every import the verifier accepts loads, at run time, the file TypeScript read`, () => {
    const problems: string[] = [];
    const stats = { accepted: 0, rejected: 0, ran: 0 };
    for (let k = 0; k < RUNS; k++) {
      const l = layout(SEED * 1_000_003 + k + 1);
      const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-layout-')));
      roots.push(root);
      for (const [rel, text] of Object.entries(l.files)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
      }
      const file = verifierFile(root, l.spec);
      if (file === undefined) {
        stats.rejected++;
        continue;
      }
      stats.accepted++;
      const expected = l.marks[path.relative(root, file)];
      const run = spawnSync(process.execPath, ['--import', TSX, 'run.ts'], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TSX_TSCONFIG_PATH: undefined } });
      // a run that cannot load at all (CommonJS requiring an ES module) shows no other file
      if (run.status !== 0) continue;
      stats.ran++;
      const printed = run.stdout.trim();
      if (printed !== JSON.stringify(expected)) problems.push(`${l.describe}\n  TypeScript read ${path.relative(root, file)} (K = ${expected}); the run printed ${printed}`);
    }
    if (process.env.RES_FUZZ_STATS) console.log(JSON.stringify(stats));
    expect(problems, problems.join('\n')).toEqual([]);
    // a fuzzer whose layouts are all refused, or never run, tests nothing
    expect(stats.accepted, JSON.stringify(stats)).toBeGreaterThan(RUNS / 5);
    expect(stats.rejected, JSON.stringify(stats)).toBeGreaterThan(RUNS / 10);
    expect(stats.ran, JSON.stringify(stats)).toBeGreaterThan(stats.accepted / 2);
  }, 300_000);
});
