// A whole-subsystem cache entry is trusted only while every file its program read is unchanged
// (verifier/sources.ts). Red-team round 7 (t01-t03, t15): the key hashed only the regular files
// under the project folder, so an edit to an import outside it, or a re-pointed symbolic link,
// left a cached "proved" standing over a bug, and `verify merge` took shards of two versions.
// Round 8: a lookup that failed decided an import too (u04: helper/index.ts because helper.ts did
// not exist), and a file outside the folder was recorded by its absolute path, so a second
// checkout sharing the cache was checked against the first one's files (u14).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Runner, type SubsystemOutcome } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';
import { ProofCache } from '../verifier/cache.ts';
import { recordSources, sourcesHash, treeHash, unchanged } from '../verifier/sources.ts';
import { loadProject, programFiles } from '../verifier/frontend/project.ts';
import { resolutionLookups } from '../verifier/frontend/lookups.ts';

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

  // The round-8 cases need only the front end: with `--filter init` (no goals here) a run is
  // stored whole, with the record of what its program read, without asking the solver; whether a
  // later run is a hit or a miss is what these check (the first test shows a miss re-proves).
  const project = (dir: string, files: Record<string, string>) => {
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
  };
  async function frontOnly(at: string, cacheDir: string): Promise<boolean | undefined> {
    const cache = new ProofCache(cacheDir, { solver: 'test', options: { rlimit: 32_000_000 } });
    const runner = new Runner(at, { timeoutMs: 60_000, jobs: 1, cache, filter: ['init'] });
    try {
      const out = await runner.verify(discover(at)[0]);
      expect(out.status, JSON.stringify(out.diagnostics)).toBe('proved');
      return out.cached;
    } finally {
      await runner.close();
    }
  }

  it('a new file that now wins an extensionless import is a miss (red-team round 8, u04)', async () => {
    const dir = path.join(base, 'u04');
    const at = path.join(dir, 'proj');
    project(dir, { 'proj/examples/c/spec.ts': SPEC, 'proj/examples/c/impl.ts': IMPL('../../../shared/lib'), 'shared/lib/index.ts': HELPER('x') });
    const cacheDir = path.join(dir, 'cache');
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
    expect(await frontOnly(at, cacheDir)).toBe(true);
    // shared/lib.ts now takes the import over (TypeScript and tsx): the stored verdict was about index.ts
    fs.writeFileSync(path.join(dir, 'shared', 'lib.ts'), HELPER('x + 1'));
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
    // and the lookups are not a miss for ever: the run that followed is used again
    expect(await frontOnly(at, cacheDir)).toBe(true);
  }, 60_000);

  it("a tsconfig paths fallback is in the record: a file at an earlier candidate is a miss (u04's kind)", async () => {
    const dir = path.join(base, 'u04-paths');
    const at = path.join(dir, 'proj');
    project(dir, {
      'proj/tsconfig.json': JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true, allowImportingTsExtensions: true, noEmit: true, paths: { '@lib/*': ['../first/*', '../second/*'] } } }),
      'proj/examples/c/spec.ts': SPEC,
      'proj/examples/c/impl.ts': IMPL('@lib/helper'),
      'second/helper.ts': HELPER('x'),
    });
    const cacheDir = path.join(dir, 'cache');
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
    expect(await frontOnly(at, cacheDir)).toBe(true);
    fs.mkdirSync(path.join(dir, 'first'));
    fs.writeFileSync(path.join(dir, 'first', 'helper.ts'), HELPER('x + 1')); // the first candidate now matches
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
  }, 60_000);

  it("a tsconfig extends of a package: a copy installed nearer is a miss (red-team round 9, v06)", async () => {
    const dir = path.join(base, 'v06-extends');
    const at = path.join(dir, 'proj');
    const baseConfig = (target: string) => JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true, allowImportingTsExtensions: true, noEmit: true, paths: { '@lib/*': [target] } } });
    project(dir, {
      'proj/tsconfig.json': JSON.stringify({ extends: '@org/base/tsconfig.json' }),
      'node_modules/@org/base/package.json': JSON.stringify({ name: '@org/base', version: '1.0.0' }),
      'node_modules/@org/base/tsconfig.json': baseConfig(path.join(dir, 'first', '*')),
      'proj/examples/c/spec.ts': SPEC,
      'proj/examples/c/impl.ts': IMPL('@lib/helper'),
      'first/helper.ts': HELPER('x'),
      'second/helper.ts': HELPER('x + 1'),
    });
    const cacheDir = path.join(dir, 'cache');
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
    expect(await frontOnly(at, cacheDir)).toBe(true);
    // a second copy, nearer the project, now wins the extends lookup (and points elsewhere)
    fs.mkdirSync(path.join(at, 'node_modules', '@org', 'base'), { recursive: true });
    fs.writeFileSync(path.join(at, 'node_modules', '@org', 'base', 'package.json'), JSON.stringify({ name: '@org/base', version: '2.0.0' }));
    fs.writeFileSync(path.join(at, 'node_modules', '@org', 'base', 'tsconfig.json'), baseConfig(path.join(dir, 'second', '*')));
    expect(await frontOnly(at, cacheDir)).toBeUndefined();
  }, 60_000);

  it('a package.json outside the folder that module resolution read is in the record', () => {
    const dir = path.join(base, 'u04-imports');
    const at = path.join(dir, 'proj');
    project(dir, {
      'proj/main.ts': "import { other } from '#other';\nexport const y = other(1);\n",
      'package.json': JSON.stringify({ name: 'pkg', imports: { '#other': './a.ts' } }),
      'a.ts': 'export function other(x: number): number { return x; }\n',
      'b.ts': 'export function other(x: number): number { return x; }\n',
    });
    const p = loadProject(at);
    p.addSourceFileAtPath(path.join(at, 'main.ts'));
    const rec = recordSources(at, programFiles(p), resolutionLookups(p));
    expect(Object.keys(rec)).toEqual(expect.arrayContaining(['../a.ts', '../package.json']));
    expect(unchanged(at, rec)).toBe(true);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pkg', imports: { '#other': './b.ts' } })); // '#other' now means b.ts
    expect(unchanged(at, rec)).toBe(false);
  });

  it('two checkouts sharing one cache folder: each is checked against its own files (red-team round 8, u14)', async () => {
    const dir = path.join(base, 'u14');
    const cacheDir = path.join(dir, 'cache');
    // three checkouts with the same tree under --root; the helper outside it differs in wt2 only
    for (const [wt, body] of [['wt1', 'x'], ['wt2', 'x + 1'], ['wt3', 'x']]) {
      project(path.join(dir, wt), { 'proj/examples/c/spec.ts': SPEC, 'proj/examples/c/impl.ts': IMPL('../../../shared/helper.ts'), 'shared/helper.ts': HELPER(body) });
    }
    expect(await frontOnly(path.join(dir, 'wt1', 'proj'), cacheDir)).toBeUndefined();
    // a checkout whose files are the same does use the entry (the record is not tied to one place)
    expect(await frontOnly(path.join(dir, 'wt3', 'proj'), cacheDir)).toBe(true);
    expect(await frontOnly(path.join(dir, 'wt2', 'proj'), cacheDir)).toBeUndefined();
  }, 60_000);

  it('a file reached by an absolute path is checked there too, from any checkout', () => {
    const here = path.join(base, 'abs-a', 'proj');
    const f = path.join(base, 'abs-a', 'shared', 'abs.ts');
    project(path.join(base, 'abs-a'), { 'shared/abs.ts': HELPER('x') });
    fs.mkdirSync(here, { recursive: true });
    const rec = recordSources(here, new Map([[f, undefined]]));
    expect(Object.keys(rec)).toEqual(expect.arrayContaining(['../shared/abs.ts', f]));
    // the same record read from another checkout at the same depth: its ../shared/abs.ts is missing
    const other = path.join(base, 'abs-b', 'proj');
    fs.mkdirSync(other, { recursive: true });
    expect(unchanged(other, rec)).toBe(false);
    project(path.join(base, 'abs-b'), { 'shared/abs.ts': HELPER('x') });
    expect(unchanged(other, rec)).toBe(true);
    // the absolute copy: a program there that names this very file by its absolute path reads it
    fs.writeFileSync(f, HELPER('x + 1'));
    expect(unchanged(other, rec)).toBe(false);
  });
});
