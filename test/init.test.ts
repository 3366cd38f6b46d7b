// `verify init NAME` (verifier/init.ts): what it refuses (a NAME that is no identifier, a file that
// exists: exit 2, naming them, nothing written), and what it writes, in a scratch project where
// pushbutton, vitest and fast-check are installed as a user installs them (test/support/scratch.ts:
// the tarball of `npm pack`, a loopback registry, no network): right after it, `npx verify NAME`
// proves the starter, the seeded bug is refuted with a replayed counterexample, and the vitest
// file it wrote passes in the project's own vitest (verifies, refutes and a model-based test).

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initCommand } from '../verifier/init.ts';
import { REPO, openWorkshop, run, shown, typecheck, type Workshop } from './support/scratch.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const BIN = path.join(REPO, 'bin', 'verify.mjs');
const WRITTEN = ['spec/counter.ts', 'impl/counter.ts', 'bugs/counter.no-owner-check.ts', 'test/counter.verify.test.ts'];

/** Everything under `dir` but folders (links included), relative, sorted. */
function files(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => !fs.lstatSync(path.join(dir, f)).isDirectory()).sort();
}

describe('verify init NAME: what it refuses', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-init-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const init = (cwd: string, ...args: string[]) => run(process.execPath, [BIN, 'init', ...args], cwd, { ...process.env, NO_COLOR: '1' });

  it('a NAME that is not an identifier, a reserved word or a command: exit 2, nothing written', async () => {
    const empty = fs.mkdtempSync(path.join(dir, 'names-'));
    // the command once (its exit code and message), the rest in this process
    const r = await init(empty, 'my-counter');
    expect(r.code, shown(r)).toBe(2);
    expect(r.stderr).toContain(`'my-counter' is not a valid name`);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const bad of ['1counter', 'counter.v2', '../counter', 'a b', 'class', 'init', 'commute', '']) {
        errors.mockClear();
        expect(initCommand([bad], empty), bad).toBe(2);
        expect(String(errors.mock.calls[0]?.[0])).toContain(`'${bad}' is not a valid name`);
      }
      errors.mockClear();
      expect(initCommand([], empty)).toBe(2);
      expect(String(errors.mock.calls[0]?.[0])).toContain('usage: verify init NAME');
      expect(initCommand(['a', 'b'], empty)).toBe(2);
    } finally {
      errors.mockRestore();
    }
    expect(files(empty)).toEqual([]);
  });

  it('existing files: exit 2, naming each, nothing written or changed', async () => {
    const project = fs.mkdtempSync(path.join(dir, 'existing-'));
    fs.mkdirSync(path.join(project, 'impl'));
    fs.writeFileSync(path.join(project, 'impl', 'counter.ts'), '// mine\n');
    fs.mkdirSync(path.join(project, 'test'));
    fs.symlinkSync(path.join(project, 'nowhere'), path.join(project, 'test', 'counter.verify.test.ts'));
    const r = await init(project, 'counter');
    expect(r.code, shown(r)).toBe(2);
    expect(r.stderr).toContain(`not overwriting what is there: ${path.join('impl', 'counter.ts')}, ${path.join('test', 'counter.verify.test.ts')}`);
    expect(fs.readFileSync(path.join(project, 'impl', 'counter.ts'), 'utf8')).toBe('// mine\n');
    expect(files(project)).toEqual([path.join('impl', 'counter.ts'), path.join('test', 'counter.verify.test.ts')]);
    expect(fs.existsSync(path.join(project, 'nowhere'))).toBe(false);
  });

  it('writes the four files, and a tsconfig.json only where there is none', async () => {
    const fresh = fs.mkdtempSync(path.join(dir, 'fresh-'));
    const r = await init(fresh, 'counter');
    expect(r.code, shown(r)).toBe(0);
    expect(files(fresh)).toEqual([...WRITTEN, 'tsconfig.json'].sort());
    expect(r.stdout).toContain('npx verify counter');
    const own = fs.mkdtempSync(path.join(dir, 'own-'));
    fs.writeFileSync(path.join(own, 'tsconfig.json'), '{}\n');
    const r2 = await init(own, 'slots');
    expect(r2.code, shown(r2)).toBe(0);
    expect(fs.readFileSync(path.join(own, 'tsconfig.json'), 'utf8')).toBe('{}\n');
    // the name is the file names' and the imports'
    expect(fs.readFileSync(path.join(own, 'impl', 'slots.ts'), 'utf8')).toContain("from '../spec/slots'");
  });
});

describe('verify init in a project where pushbutton is installed', () => {
  let ws: Workshop;
  let project: string;
  beforeAll(async () => {
    ws = await openWorkshop('pushbutton-init-');
    // the proof cache on, as for a user (the suite turns it off): the vitest run at the end asks
    // again what the commands before it proved and refuted, and a refutation is replayed anew
    ws.env.PUSHBUTTON_CACHE = '';
    project = path.join(ws.dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'project', private: true, type: 'module' }, null, 2));
    const i = await run('npm', ['install', '--save-dev', ws.tarball, 'vitest', 'fast-check'], project, ws.env);
    expect(i.code, shown(i)).toBe(0);
    const r = await run('npx', ['verify', 'init', 'counter'], project, ws.env);
    expect(r.code, shown(r)).toBe(0);
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('npx verify counter proves the starter', async () => {
    const r = await run('npx', ['verify', 'counter'], project, ws.env);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toMatch(/summary: 1 subsystem, 3 operations: 3 proved, 0 refuted, 0 unknown/);
    // and TypeScript accepts every file it wrote, the vitest file's pushbutton/vitest and pushbutton/mbt included
    const tc = await typecheck(project, ws.env);
    expect(tc.code, shown(tc)).toBe(0);
  });

  it('the seeded bug is refuted, with a counterexample replayed on the code', async () => {
    const r = await run('npx', ['verify', 'bugs/counter.no-owner-check.ts', '--filter', 'release'], project, ws.env);
    expect(r.code, shown(r)).toBe(1);
    expect(r.stdout).toContain('error[refinement] bugs/counter.no-owner-check.ts');
    expect(r.stdout).toContain('counterexample (confirmed by replay)');
    expect(r.stdout).toMatch(/replay: results differ: implementation 0, spec -1/);
    expect(r.stdout).toMatch(/goal counter\.no-owner-check\.release#result /);
  });

  it('the vitest file it wrote passes in the project: verifies, refutes and the model-based test', async () => {
    const r = await run('npx', ['vitest', 'run'], project, ws.env, 300_000);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toMatch(/Tests +3 passed \(3\)/);
  }, 300_000);
});
