// The proof cache (verifier/cache.ts): a warm run answers from it, an edit to one operation asks
// again only that operation's goals, a refutation is replayed again, a corrupt entry is ignored.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Runner, type SubsystemOutcome } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { ProofCache } from '../verifier/cache.ts';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SPEC = `import type { u8 } from 'pushbutton';
export interface State { n: u8; m: u8 }
export function init(): State { return { n: 0, m: 0 }; }
export function up(s: State): number { if (s.n >= 200) return -1; s.n = s.n + 1; return 0; }
export function down(s: State): number { if (s.m === 0) return -1; s.m = s.m - 1; return 0; }
`;
const IMPL = (up: string) => `import type { u8 } from 'pushbutton';
import type * as spec from '../spec/pair';
export interface State { n: u8; m: u8 }
export function init(): State { return { n: 0, m: 0 }; }
export function up(s: State): number { ${up} }
export function down(s: State): number { if (s.m === 0) return -1; s.m = s.m - 1; return 0; }
export function equiv(i: State, s: spec.State): boolean { return i.n === s.n && i.m === s.m; }
`;
const UP = 'if (s.n >= 200) return -1; s.n = s.n + 1; return 0;';

let root: string;
let cacheDir: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-cache-'));
  cacheDir = path.join(root, '.pushbutton', 'cache');
  fs.mkdirSync(path.join(root, 'spec'));
  fs.mkdirSync(path.join(root, 'impl'));
  fs.writeFileSync(path.join(root, 'spec', 'pair.ts'), SPEC);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function run(upBody: string): Promise<{ out: SubsystemOutcome; cache: ProofCache }> {
  fs.writeFileSync(path.join(root, 'impl', 'pair.ts'), IMPL(upBody));
  const cache = new ProofCache(cacheDir, { solver: 'test', options: { rlimit: 32_000_000 } });
  const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1, cache });
  try {
    return { out: await runner.verify(discover(root)[0]), cache };
  } finally {
    await runner.close();
  }
}
const goalsOf = (o: SubsystemOutcome, op: string) => o.operations.find((x) => x.name === op)!.goals;

describe('the proof cache', () => {
  it('answers a warm run whole, without the front end or the solver', async () => {
    const cold = await run(UP);
    expect(cold.out.status).toBe('proved');
    expect(cold.cache.hits).toEqual({ goals: 0, subsystems: 0 });
    const warm = await run(UP);
    expect(warm.out.cached).toBe(true);
    expect(warm.out.status).toBe('proved');
    expect(warm.out.solverMs).toBe(0);
    expect(warm.out.operations.map((o) => o.name)).toEqual(cold.out.operations.map((o) => o.name));
  }, 120_000);

  it('asks again only the goals of the operation that changed', async () => {
    // same meaning, other code: up's queries change, down's do not
    const edited = await run('if (s.n > 199) return -1; s.n = s.n + 1; return 0;');
    expect(edited.out.cached).toBeUndefined();
    expect(edited.out.status).toBe('proved');
    expect(goalsOf(edited.out, 'down').every((g) => g.cached)).toBe(true);
    expect(goalsOf(edited.out, 'up').some((g) => !g.cached)).toBe(true);
  }, 120_000);

  it('replays a cached refutation on the current code', async () => {
    const bug = 'if (s.n >= 200) return -1; s.n = s.n + 1; return 1;';
    const cold = await run(bug);
    const goal = (o: SubsystemOutcome) => goalsOf(o, 'up').find((g) => g.status === 'refuted')!;
    expect(goal(cold.out).counterexample?.confirmed).toBe(true);
    const warm = await run(bug);
    expect(goal(warm.out).cached).toBe(true);
    expect(goal(warm.out).counterexample?.confirmed).toBe(true);
    expect(goal(warm.out).counterexample?.replay).toBe(goal(cold.out).counterexample?.replay);
  }, 120_000);

  it('ignores a corrupt or foreign entry with a notice, and proves again', async () => {
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(cacheDir);
    for (const f of files) fs.writeFileSync(f, f.endsWith('0.json') ? '{"format":1,"kind":"goal","key":"someone else","value":{"status":"proved"}}' : 'not json');
    const r = await run(UP);
    expect(r.out.status).toBe('proved');
    expect(r.out.cached).toBeUndefined();
    expect(r.cache.notices.length).toBeGreaterThan(0);
    expect(r.cache.notices[0]).toMatch(/ignored a cache entry that is corrupt or not what its name says/);
    expect(goalsOf(r.out, 'up').every((g) => !g.cached)).toBe(true);
  }, 120_000);

  it('keeps the spec\'s own goals across processes when only the implementation changed', () => {
    // a query's text is its key: its shared subterms are numbered in the order the query defines
    // them, not by term ids, which depend on what the process built before (the implementation).
    // Each run is a process of its own, as at the desk; the spec's invariant goals do not change
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-cache-proc-'));
    try {
      fs.mkdirSync(path.join(dir, 'spec'));
      fs.mkdirSync(path.join(dir, 'impl'));
      fs.writeFileSync(path.join(dir, 'spec', 'pair.ts'), `${SPEC}export function inv_bounded(s: State): boolean { return s.n <= 200; }\n`);
      const verify = (upBody: string) => {
        fs.writeFileSync(path.join(dir, 'impl', 'pair.ts'), IMPL(upBody));
        const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'verify.mjs'), '--root', dir, '--json', '--jobs', '1'], { encoding: 'utf8', env: { ...process.env, PUSHBUTTON_CACHE: '' } });
        const doc = JSON.parse(r.stdout) as { subsystems: { operations: { name: string; goals: { id: string; theorem: string; cached?: boolean }[] }[] }[] };
        return doc.subsystems[0].operations.find((o) => o.name === 'up')!.goals;
      };
      expect(verify(UP).some((g) => g.cached)).toBe(false);
      // other code, with more terms: the implementation's are made first in the process
      const edited = verify('if (s.n > 199 || s.m > 255) return -1; s.n = s.n + 1; return 0;');
      const spec = edited.filter((g) => g.theorem === 'invariants');
      expect(spec.length).toBeGreaterThan(0);
      expect(spec.filter((g) => !g.cached).map((g) => g.id)).toEqual([]);
      expect(edited.some((g) => g.theorem === 'refinement' && !g.cached)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
