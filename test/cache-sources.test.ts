// A whole-subsystem cache entry is trusted only while every file its program read is unchanged
// (verifier/sources.ts). Red-team round 7 (t01-t03, t15): the key hashed only the regular files
// under the project folder, so an edit to an import outside it, or a re-pointed symbolic link,
// left a cached "proved" standing over a bug, and `verify merge` took shards of two versions.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Runner, type SubsystemOutcome } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { ProofCache } from '../verifier/cache.ts';
import { recordSources, sourcesHash, treeHash, unchanged } from '../verifier/sources.ts';

const SPEC = `import type { u8 } from 'pushbutton';
export interface State { v: u8 }
export function init(): State { return { v: 0 }; }
export function get(s: State): number { return s.v; }
`;
const IMPL = (from: string) => `import type { u8 } from 'pushbutton';
import type * as spec from './spec';
import { same } from '${from}';
export interface State { v: u8 }
export function init(): State { return { v: 0 }; }
export function get(s: State): number { return same(s.v); }
export function equiv(i: State, s: spec.State): boolean { return i.v === s.v; }
`;
const HELPER = (body: string) => `export function same(x: number): number { return ${body}; }\n`;

let base: string;
let root: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-cache-sources-'));
  root = path.join(base, 'proj');
  fs.mkdirSync(path.join(root, 'examples', 'c'), { recursive: true });
  fs.mkdirSync(path.join(base, 'shared'));
  fs.mkdirSync(path.join(root, 'alt'));
  fs.writeFileSync(path.join(root, 'examples', 'c', 'spec.ts'), SPEC);
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

async function verify(cacheDir: string): Promise<{ out: SubsystemOutcome; cache: ProofCache; runner: Runner }> {
  const cache = new ProofCache(cacheDir, { solver: 'test', options: { rlimit: 32_000_000 } });
  const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1, cache });
  try {
    return { out: await runner.verify(discover(root)[0]), cache, runner };
  } finally {
    await runner.close();
  }
}

describe('the proof cache and the files a program reads', () => {
  it('an edit to an import outside the project folder is a miss, and the bug is refuted', async () => {
    const cacheDir = path.join(base, 'cache-outside');
    fs.writeFileSync(path.join(root, 'examples', 'c', 'impl.ts'), IMPL('../../../shared/helper.ts'));
    fs.writeFileSync(path.join(base, 'shared', 'helper.ts'), HELPER('x'));
    const good = await verify(cacheDir);
    expect(good.out.status).toBe('proved');
    const warm = await verify(cacheDir);
    expect([warm.out.cached, warm.cache.hits.subsystems]).toEqual([true, 1]);
    fs.writeFileSync(path.join(base, 'shared', 'helper.ts'), HELPER('x + 1'));
    const bad = await verify(cacheDir);
    expect(bad.out.cached).toBeUndefined();
    expect(bad.cache.hits.subsystems).toBe(0);
    expect(bad.out.status).toBe('refuted');
  });

  it('a re-pointed symbolic link is a miss', async () => {
    const cacheDir = path.join(base, 'cache-link');
    fs.writeFileSync(path.join(root, 'alt', 'good.ts'), HELPER('x'));
    fs.writeFileSync(path.join(root, 'alt', 'bad.ts'), HELPER('x + 1'));
    const link = path.join(root, 'examples', 'c', 'helper.ts');
    fs.writeFileSync(path.join(root, 'examples', 'c', 'impl.ts'), IMPL('./helper.ts'));
    fs.rmSync(link, { force: true });
    fs.symlinkSync('../../alt/good.ts', link);
    expect((await verify(cacheDir)).out.status).toBe('proved');
    fs.rmSync(link);
    fs.symlinkSync('../../alt/bad.ts', link);
    const bad = await verify(cacheDir);
    expect([bad.out.cached, bad.out.status]).toEqual([undefined, 'refuted']);
  });

  it("records what the program read: a file's contents, and its folder's names (a new file there can change an import's resolution)", () => {
    const f = path.join(base, 'shared', 'helper.ts');
    fs.writeFileSync(f, HELPER('x'));
    const rec = recordSources(root, new Map([[f, undefined]]));
    expect(unchanged(root, rec)).toBe(true);
    fs.writeFileSync(path.join(base, 'shared', 'helper.tsx'), HELPER('x'));
    expect(unchanged(root, rec)).toBe(false);
    fs.rmSync(path.join(base, 'shared', 'helper.tsx'));
    expect(unchanged(root, rec)).toBe(true);
    // the proof cache's own folder, made during the first run, is not a change (a cold npm run
    // verify then missed the first subsystem it had stored)
    fs.mkdirSync(path.join(base, 'shared', '.pushbutton', 'cache'), { recursive: true });
    expect(unchanged(root, rec)).toBe(true);
    // the text the front end lowered, not the file as it is later: an edit saved during a run is not recorded as verified
    expect(unchanged(root, recordSources(root, new Map([[f, HELPER('y')]])))).toBe(false);
  });

  it("merge's sources hash follows imports outside the folder and links inside it", () => {
    const f = path.join(base, 'shared', 'helper.ts');
    fs.writeFileSync(f, HELPER('x'));
    const before = sourcesHash(root, recordSources(root, new Map([[f, undefined]])));
    fs.writeFileSync(f, HELPER('x + 1'));
    expect(sourcesHash(root, recordSources(root, new Map([[f, undefined]])))).not.toBe(before);
    const tree = treeHash(root);
    const link = path.join(root, 'examples', 'c', 'helper.ts');
    fs.rmSync(link, { force: true });
    fs.symlinkSync('../../alt/good.ts', link);
    const viaGood = treeHash(root);
    fs.rmSync(link);
    fs.symlinkSync('../../alt/bad.ts', link);
    expect(new Set([tree, viaGood, treeHash(root)]).size).toBeGreaterThan(1);
    expect(treeHash(root)).not.toBe(viaGood);
  });
});
