// The run's own module resolution, asked in a child process (verifier/frontend/run-resolution.ts):
// an import whose file the run (Node with tsx) loads is not the file TypeScript read is refused at
// the import, whatever rule of either resolver made them differ.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../verifier/frontend/project.ts';
import { confirmRunLoads, runResolutionProblems } from '../verifier/frontend/run-resolution.ts';
import { loadCommuteSpec } from '../verifier/commute/command.ts';
import { runRid } from '../verifier/rid/command.ts';
import { loadSubsystem } from '../verifier/subsystem.ts';
import { SubsetError, type Diagnostic } from '../verifier/diagnostics.ts';
import { ProofCache } from '../verifier/cache.ts';
import { Runner } from '../verifier/run.ts';
import { verify } from './support/run-verify.ts';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const SPEC = `import type { u8 } from 'pushbutton';
export interface State { v: u8 }
export function init(): State { return { v: 0 }; }
export function get(s: State): u8 { return s.v; }
`;
// the helper's import is on line 3, column 19
const IMPL = `import type { u8 } from 'pushbutton';
import type * as spec from '../spec/t.ts';
import { h } from './h%41.ts';
export interface State { v: u8 }
export function init(): State { return { v: 0 }; }
export function get(s: State): u8 { return h(s.v); }
export function equiv(i: State, s: spec.State): boolean { return i.v === s.v; }
`;

/** spec/t.ts and impl/t.ts, and two helpers in impl/: `h%41.ts` (what TypeScript reads for './h%41.ts') and `hA.ts`, its URL-decoded name. */
function project(extra: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-runres-')));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'spec'));
  fs.mkdirSync(path.join(root, 'impl'));
  const files: Record<string, string> = {
    'spec/t.ts': SPEC,
    'impl/t.ts': IMPL,
    'impl/h%41.ts': "import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return x; }\n",
    'impl/hA.ts': "import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return 7; }\n",
    ...extra,
  };
  for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(root, rel), text);
  return root;
}
const SPEC_FILE = (root: string) => path.join(root, 'spec', 't.ts');
const IMPL_FILE = (root: string) => path.join(root, 'impl', 't.ts');

function subsetErrorOf(f: () => unknown): Diagnostic[] {
  try {
    f();
  } catch (e) {
    if (e instanceof SubsetError) return e.diagnostics;
    throw e;
  }
  throw new Error('expected a SubsetError');
}

const load = (root: string) => loadSubsystem(loadProject(root), 't', SPEC_FILE(root), IMPL_FILE(root));

describe('the run resolves every import to the file TypeScript read', () => {
  it('an ES module: Node decodes %41 in a relative URL and loads hA.ts, TypeScript reads h%41.ts: verify, verify commute and verify rid refuse it at the import', async () => {
    // (at b044b4a, before this check, this pair was proved, and the run's get returns 7 where the spec's returns 0)
    const root = project({ 'package.json': '{ "type": "module" }\n' });
    const expected = [{ file: IMPL_FILE(root), line: 3, col: 19, construct: "the import of './h%41.ts'" }];
    const located = (ds: Diagnostic[]) => ds.map((d) => ({ file: d.loc.file, line: d.loc.line, col: d.loc.col, construct: d.construct }));
    // loading alone reports nothing: the run's resolver is asked before a verdict
    expect(load(root).operations.map((o) => o.name)).toEqual(['get']);
    const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1 });
    try {
      const out = await runner.verify({ name: 't', specFile: SPEC_FILE(root), implFile: IMPL_FILE(root) });
      expect(out.status).toBe('rejected');
      expect(located(out.diagnostics)).toEqual(expected);
      expect(out.diagnostics[0].message).toContain(`TypeScript reads ${path.join(root, 'impl', 'h%41.ts')} for it, while the run (Node with tsx) loads ${path.join(root, 'impl', 'hA.ts')}`);
    } finally {
      await runner.close();
    }
    expect(located(subsetErrorOf(() => loadCommuteSpec(root, 't')))).toEqual(expected);
    let ridError: unknown;
    await runRid({ root, paths: ['impl/t.ts'], timeoutMs: 10_000, jobs: 1 }).catch((e) => (ridError = e));
    expect(ridError).toBeInstanceOf(SubsetError);
    expect(located((ridError as SubsetError).diagnostics)).toEqual(expected);
  }, 120_000);

  it('CommonJS: require takes the name as it is, the file TypeScript read: accepted', () => {
    const root = project({ 'package.json': '{ "type": "commonjs" }\n' });
    const project_ = loadProject(root);
    loadSubsystem(project_, 't', SPEC_FILE(root), IMPL_FILE(root));
    expect(confirmRunLoads(project_).map((e) => e.spec).sort()).toEqual(['./h%41.ts']);
  });

  it('an import the run finds no file for is refused, naming what the run says', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-runres-')));
    roots.push(root);
    fs.writeFileSync(path.join(root, 'a.ts'), '');
    const ds = runResolutionProblems([{ from: path.join(root, 'a.ts'), spec: './b.ts', loc: { file: path.join(root, 'a.ts'), line: 1, col: 1 }, file: path.join(root, 'b.ts') }], root);
    expect(ds.map((d) => d.message)).toEqual([expect.stringMatching(/while the run \(Node with tsx\) finds no file for it \(Cannot find module/)]);
  });

  it('when the run\'s resolver cannot be asked, every import is refused rather than trusted', () => {
    const loc = { file: '/nowhere/a.ts', line: 1, col: 1 };
    const ds = runResolutionProblems([{ from: '/nowhere/a.ts', spec: './b.ts', loc, file: '/nowhere/b.ts' }], '/nonexistent-folder-for-the-child');
    expect(ds).toHaveLength(1);
    expect(ds[0].message).toMatch(/could not ask the run's module resolution/);
  });
});

describe('the proof cache asks the run\'s resolver again on a hit', () => {
  it('a whole-subsystem entry is not trusted once a package.json above the project makes the run load another file (red-team round 16, b40)', async () => {
    // the project has no package.json: its modules' type comes from the folder above, outside
    // what the cache's record of the sources covers
    const outer = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-runres-')));
    roots.push(outer);
    const root = path.join(outer, 'proj');
    fs.mkdirSync(path.join(root, 'spec'), { recursive: true });
    fs.mkdirSync(path.join(root, 'impl'));
    fs.writeFileSync(path.join(root, 'spec', 't.ts'), SPEC);
    fs.writeFileSync(path.join(root, 'impl', 't.ts'), IMPL);
    fs.writeFileSync(path.join(root, 'impl', 'h%41.ts'), "import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return x; }\n");
    fs.writeFileSync(path.join(root, 'impl', 'hA.ts'), "import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return 7; }\n");
    const cacheDir = path.join(outer, 'cache');
    const verify = async () => {
      const cache = new ProofCache(cacheDir, { solver: 'test', options: { rlimit: 32_000_000 } });
      const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1, cache });
      try {
        const out = await runner.verify({ name: 't', specFile: path.join(root, 'spec', 't.ts'), implFile: path.join(root, 'impl', 't.ts') });
        return { out, hits: cache.hits.subsystems };
      } finally {
        await runner.close();
      }
    };
    fs.writeFileSync(path.join(outer, 'package.json'), '{ "type": "commonjs" }\n');
    const cold = await verify();
    expect(cold.out.status).toBe('proved');
    const warm = await verify();
    expect([warm.out.status, warm.hits]).toEqual(['proved', 1]);
    fs.writeFileSync(path.join(outer, 'package.json'), '{ "type": "module" }\n');
    const flipped = await verify();
    expect([flipped.out.status, flipped.hits]).toEqual(['rejected', 0]);
    expect(flipped.out.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('while the run (Node with tsx) loads')]);
  }, 120_000);
});

describe('the resolver child reads the user\'s tsconfig.json, not the verifier\'s', () => {
  it('a tsconfig "paths" alias the run follows is accepted through bin/verify.mjs (which points tsx at its own tsconfig for its own code)', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-runres-')));
    roots.push(root);
    fs.mkdirSync(path.join(root, 'spec'));
    fs.mkdirSync(path.join(root, 'impl'));
    fs.mkdirSync(path.join(root, 'lib'));
    const tsconfig = { compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, allowImportingTsExtensions: true, paths: { '@lib/*': ['./lib/*'] } } };
    fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
    fs.writeFileSync(path.join(root, 'spec', 't.ts'), SPEC);
    fs.writeFileSync(path.join(root, 'impl', 't.ts'), IMPL.replace("'./h%41.ts'", "'@lib/h.ts'"));
    fs.writeFileSync(path.join(root, 'lib', 'h.ts'), "import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return x; }\n");
    const r = await verify(root, '--jobs', '1');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 proved/);
  }, 120_000);
});

describe('a tsconfig "baseUrl" bare import, which TypeScript and tsx both follow', () => {
  const baseUrlProject = (helper: string) => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-runres-')));
    roots.push(root);
    for (const d of ['spec', 'impl', 'lib']) fs.mkdirSync(path.join(root, d));
    const tsconfig = { compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, allowImportingTsExtensions: true, ignoreDeprecations: '6.0', baseUrl: '.' } };
    fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
    fs.writeFileSync(path.join(root, 'spec', 't.ts'), SPEC);
    fs.writeFileSync(path.join(root, 'impl', 't.ts'), IMPL.replace("'./h%41.ts'", "'lib/h'"));
    fs.writeFileSync(path.join(root, 'lib', 'h.ts'), helper);
    return root;
  };

  it('is verified, the run\'s resolver having found the same file (round 15 refused it, saying the run does not follow baseUrl)', async () => {
    const root = baseUrlProject("import type { u8 } from 'pushbutton';\nexport function h(x: u8): u8 { return x; }\n");
    const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1 });
    try {
      const out = await runner.verify({ name: 't', specFile: SPEC_FILE(root), implFile: IMPL_FILE(root) });
      expect(out.diagnostics).toEqual([]);
      expect(out.status).toBe('proved');
    } finally {
      await runner.close();
    }
  }, 120_000);
});
