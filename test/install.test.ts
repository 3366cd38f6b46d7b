// Installing pushbutton as a user would, every way README.md documents, each into a scratch project
// holding examples/counter as spec/counter.ts + impl/counter.ts, and then `npx verify` there: it
// must prove the counter (exit 0). pushbutton is this repository as `npm pack` packs it (what
// package.json's `files` ships); its dependencies come from a loopback registry that serves the
// packages of this repository's node_modules (test/support/registry.ts): no network.
//
// - a tarball: npm install --save-dev pushbutton-X.tgz (a copy, its dependencies installed);
// - a folder: npm install --save-dev PATH (npm links the folder; its dependencies are the
//   folder's own node_modules, which npm does not fill: without them `verify` says so), and with
//   --install-links (a copy, its dependencies installed);
// - npm link in the folder, then npm link pushbutton in the project;
// - an npm workspace holding both.
// The "folder" is the unpacked tarball; its own `npm install` is stood in for by links to this
// repository's node_modules (what a clone's `npm install` gives), in a folder of its own so that
// npm, should it write there, writes into the scratch folder and not into this repository.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, counterProject, openWorkshop, run, shown, typecheck, type Workshop } from './support/scratch.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let ws: Workshop;
beforeAll(async () => {
  ws = await openWorkshop('pushbutton-install-');
});
afterAll(async () => {
  await ws?.close();
});

/** `npx verify` in `dir`: the counter proved, and the command said so. */
async function provesCounter(dir: string): Promise<void> {
  const r = await run('npx', ['verify'], dir, ws.env);
  expect(r.code, shown(r)).toBe(0);
  expect(r.stdout).toMatch(/^counter {2}\(spec\/counter\.ts ↔ impl\/counter\.ts\)$/m);
  expect(r.stdout).toMatch(/✓ incr +proved +8 goals/);
  expect(r.stdout).toMatch(/summary: 1 subsystem, 2 operations: 2 proved, 0 refuted, 0 unknown/);
}

async function npm(args: string[], cwd: string): Promise<void> {
  const r = await run('npm', args, cwd, ws.env);
  expect(r.code, `npm ${args.join(' ')}\n${shown(r)}`).toBe(0);
}

/** The unpacked tarball as a user's folder of pushbutton; with `deps`, as after its own `npm install`. */
async function folder(dir: string, deps: boolean): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const r = await run('tar', ['-xzf', ws.tarball, '-C', dir, '--strip-components=1'], dir, ws.env);
  expect(r.code, shown(r)).toBe(0);
  if (deps) {
    const nm = path.join(dir, 'node_modules');
    fs.mkdirSync(nm);
    for (const e of fs.readdirSync(path.join(REPO, 'node_modules'))) if (!e.startsWith('.')) fs.symlinkSync(path.join(REPO, 'node_modules', e), path.join(nm, e));
  }
  return dir;
}

const isLink = (p: string) => fs.lstatSync(p).isSymbolicLink();

describe('installing pushbutton into a scratch project', () => {
  it('npm install --save-dev pushbutton-X.tgz (the tarball of npm pack)', async () => {
    const project = counterProject(path.join(ws.dir, 'tarball'));
    await npm(['install', '--save-dev', ws.tarball], project);
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.pushbutton).toMatch(/^file:.*pushbutton-.*\.tgz$/);
    // a copy with its dependencies beside it, and the bin linked
    expect(isLink(path.join(project, 'node_modules', 'pushbutton'))).toBe(false);
    for (const d of ['tsx', 'ts-morph', 'z3-solver']) expect(fs.existsSync(path.join(project, 'node_modules', d, 'package.json')), d).toBe(true);
    expect(fs.existsSync(path.join(project, 'node_modules', '.bin', 'verify'))).toBe(true);
    // only what `files` ships
    expect(fs.existsSync(path.join(project, 'node_modules', 'pushbutton', 'test'))).toBe(false);
    await provesCounter(project);
    // `import type { u32 } from 'pushbutton'` resolves for TypeScript itself (package.json's exports)
    const tc = await typecheck(project, ws.env);
    expect(tc.code, shown(tc)).toBe(0);
    // the served packages were really asked for: the install went through the loopback registry
    expect(ws.registry.served).toContain('tarball z3-solver@' + JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', 'z3-solver', 'package.json'), 'utf8')).version);
  });

  it('npm install --save-dev PATH: a link to the folder, whose own node_modules it uses', async () => {
    const home = await folder(path.join(ws.dir, 'clone-a'), false);
    const project = counterProject(path.join(ws.dir, 'path'));
    await npm(['install', '--save-dev', home], project);
    expect(isLink(path.join(project, 'node_modules', 'pushbutton'))).toBe(true);
    // a folder whose `npm install` was not run: the command says what to do, not a stack trace
    const bare = await run('npx', ['verify'], project, ws.env);
    expect(bare.code, shown(bare)).toBe(2);
    expect(bare.stderr).toContain(`pushbutton's dependencies are not installed in ${home}`);
    expect(bare.stderr).toContain('--install-links');
    expect(bare.stderr).not.toMatch(/\n\s+at /);
    // after it, the link works
    const deps = await folder(path.join(ws.dir, 'clone-b'), true);
    await npm(['install', '--save-dev', deps], project);
    await provesCounter(project);
    const tc = await typecheck(project, ws.env);
    expect(tc.code, shown(tc)).toBe(0);
  });

  it('npm install --save-dev --install-links PATH: a copy, its dependencies installed', async () => {
    const home = await folder(path.join(ws.dir, 'clone-c'), false);
    const project = counterProject(path.join(ws.dir, 'install-links'));
    await npm(['install', '--save-dev', '--install-links', home], project);
    expect(isLink(path.join(project, 'node_modules', 'pushbutton'))).toBe(false);
    await provesCounter(project);
  });

  it('npm link (in the folder), then npm link pushbutton (in the project)', async () => {
    const home = await folder(path.join(ws.dir, 'clone-d'), true);
    await npm(['link'], home);
    // (the global folder is the workshop's: npm_config_prefix)
    expect(fs.realpathSync(path.join(ws.env.npm_config_prefix as string, 'lib', 'node_modules', 'pushbutton'))).toBe(home);
    const project = counterProject(path.join(ws.dir, 'linked'));
    await npm(['link', 'pushbutton'], project);
    expect(fs.realpathSync(path.join(project, 'node_modules', 'pushbutton'))).toBe(home);
    await provesCounter(project);
  });

  it('an npm workspace holding pushbutton and the project', async () => {
    const root = path.join(ws.dir, 'workspace');
    await folder(path.join(root, 'pushbutton'), false);
    const app = counterProject(path.join(root, 'app'), 'app');
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ ...pkg, devDependencies: { pushbutton: '*' } }, null, 2));
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['pushbutton', 'app'] }, null, 2));
    await npm(['install'], root);
    expect(isLink(path.join(root, 'node_modules', 'pushbutton'))).toBe(true);
    // in the project's folder, as in any other
    await provesCounter(app);
    const tc = await typecheck(app, ws.env);
    expect(tc.code, shown(tc)).toBe(0);
  });
});
