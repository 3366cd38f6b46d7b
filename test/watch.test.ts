// verify --watch: verifies, then again after each saved change, with the proof cache answering
// what did not change; an editor's save (a new file renamed over the old one) is seen too; and so
// is an edit to a file outside the project that the program imports (red-team round 8, u05).

import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { affectsVerdicts, watchProject } from '../verifier/watch.ts';
import { recordSources } from '../verifier/sources.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-watch-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('verify --watch', () => {
  it('which changes can change a verdict', () => {
    expect(affectsVerdicts('impl/counter.ts')).toBe(true);
    expect(affectsVerdicts('tsconfig.json')).toBe(true);
    expect(affectsVerdicts('.pushbutton/cache/ab/cd.json')).toBe(false);
    expect(affectsVerdicts('node_modules/x/index.ts')).toBe(false);
    expect(affectsVerdicts('README.md')).toBe(false);
    // what the run may load instead (red-team round 17, w02 w03: a new h.js or h.tsx beside h/index.ts)
    for (const f of ['impl/h.js', 'impl/h.tsx', 'impl/h.mjs', 'impl/h.cts', 'lib/package.json']) expect(affectsVerdicts(f), f).toBe(true);
  });

  it('a folder moved into place, a node_modules folder made, a package re-linked in node_modules are changes (red-team round 18b, w01 w03 w04)', async () => {
    const proj = path.join(tmp, 'r18', 'proj');
    for (const d of ['lib', 'lib2', 'sub', 'node_modules', 'copy1', 'copy2', 'elsewhere/node_modules']) fs.mkdirSync(path.join(proj, d), { recursive: true });
    fs.writeFileSync(path.join(proj, 'lib', 'h.ts'), 'export const K = 0;\n');
    fs.writeFileSync(path.join(proj, 'lib2', 'h.ts'), 'export const K = 7;\n');
    fs.symlinkSync(path.join(proj, 'copy1'), path.join(proj, 'node_modules', 'pushbutton'), 'dir');
    const w = watchProject(proj);
    const seen = async (act: () => void) => {
      const next = w.next();
      await new Promise((r) => setTimeout(r, 100));
      act();
      return within(next);
    };
    try {
      // mv lib lib_old && mv lib2 lib: no file inside either raises an event
      expect(await seen(() => {
        fs.renameSync(path.join(proj, 'lib'), path.join(proj, 'lib_old'));
        fs.renameSync(path.join(proj, 'lib2'), path.join(proj, 'lib'));
      })).toEqual(expect.arrayContaining(['lib']));
      // npm link of another copy: the link in node_modules points elsewhere
      expect(await seen(() => {
        fs.unlinkSync(path.join(proj, 'node_modules', 'pushbutton'));
        fs.symlinkSync(path.join(proj, 'copy2'), path.join(proj, 'node_modules', 'pushbutton'), 'dir');
      })).toEqual(['node_modules/pushbutton']);
      // a node_modules folder moved in beside a module: Node looks there first
      expect(await seen(() => fs.renameSync(path.join(proj, 'elsewhere', 'node_modules'), path.join(proj, 'sub', 'node_modules')))).toEqual(expect.arrayContaining(['sub/node_modules']));
    } finally {
      w.close();
    }
  });

  it('watches the folders above the project for what decides how imports resolve, not for anything else (red-team round 17, w01)', async () => {
    const outer = path.join(tmp, 'w01');
    const proj = path.join(outer, 'proj');
    fs.mkdirSync(proj, { recursive: true });
    fs.writeFileSync(path.join(outer, 'package.json'), '{ "type": "commonjs" }\n');
    // a report the command writes after each run is no change either (--sarif report.json)
    const w = watchProject(proj, undefined, [path.join(proj, 'report.json')]);
    try {
      const quiet = w.next();
      await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(path.join(outer, 'notes.json'), '{}\n');
      fs.writeFileSync(path.join(proj, 'report.json'), '{}\n');
      expect(await within(quiet, 1000)).toBe('nothing seen');
      // the parent's package.json makes the project's modules ES modules: what ./h%41.ts loads changes
      fs.writeFileSync(path.join(outer, 'package.json'), '{ "type": "module" }\n');
      expect(await within(quiet)).toEqual(['../package.json']);
    } finally {
      w.close();
    }
  });

  // next() within `ms`, or the reason it did not come
  const within = <T>(p: Promise<T>, ms = 5000) => Promise.race([p, new Promise<string>((r) => setTimeout(() => r('nothing seen'), ms))]);

  it('watches what the program read outside the root: a helper, a place a lookup found empty', async () => {
    const proj = path.join(tmp, 'u05', 'proj');
    const helper = path.join(tmp, 'u05', 'shared', 'helper.ts');
    fs.mkdirSync(proj, { recursive: true });
    fs.mkdirSync(path.dirname(helper), { recursive: true });
    fs.writeFileSync(helper, 'export const k = 0;\n');
    // what a run records (run.ts): the helper, and a lookup that found no folder shared/pkg
    const record = () => recordSources(proj, new Map([[helper, undefined]]), [{ kind: 'folder', path: path.join(tmp, 'u05', 'shared', 'pkg'), answer: false }]);
    let rec = record();
    const w = watchProject(proj, () => rec);
    try {
      const edit = w.next();
      await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(helper, 'export const k = 1;\n');
      expect(await within(edit)).toEqual(['../shared/helper.ts']);
      rec = record(); // the run that follows records the new text
      const made = w.next();
      await new Promise((r) => setTimeout(r, 100));
      fs.mkdirSync(path.join(tmp, 'u05', 'shared', 'pkg')); // not a .ts name: seen because it was looked up
      expect(await within(made)).toEqual(['../shared/pkg']);
    } finally {
      w.close();
    }
  });

  it('watches a lookup in the project\'s node_modules: an install there is a change (red-team round 9, v11)', async () => {
    const proj = path.join(tmp, 'v11', 'proj');
    fs.mkdirSync(path.join(proj, 'node_modules'), { recursive: true });
    // a tsconfig `extends` looked up in the project's node_modules found nothing (yet)
    const base = path.join(proj, 'node_modules', '@org', 'base', 'tsconfig.json');
    const record = () => recordSources(proj, new Map(), [{ kind: 'file', path: base, answer: fs.existsSync(base) }]);
    let rec = record();
    const w = watchProject(proj, () => rec);
    try {
      const install = w.next();
      await new Promise((r) => setTimeout(r, 100));
      fs.mkdirSync(path.dirname(base), { recursive: true });
      fs.writeFileSync(base, '{}\n');
      expect(await within(install)).toEqual(['node_modules/@org']);
      rec = record(); // the run that follows records the file found
      const edit = w.next();
      await new Promise((r) => setTimeout(r, 100));
      fs.writeFileSync(base, '{ "compilerOptions": {} }\n');
      expect(await within(edit)).toEqual(['node_modules/@org/base/tsconfig.json']);
    } finally {
      w.close();
    }
  });

  it('an edit made during the run, before the folder was watched, is seen at the next wait', async () => {
    const proj = path.join(tmp, 'u05b', 'proj');
    const helper = path.join(tmp, 'u05b', 'shared', 'helper.ts');
    fs.mkdirSync(proj, { recursive: true });
    fs.mkdirSync(path.dirname(helper), { recursive: true });
    fs.writeFileSync(helper, 'export const k = 0;\n');
    const rec = recordSources(proj, new Map([[helper, 'export const k = 0;\n']]));
    fs.writeFileSync(helper, 'export const k = 1;\n'); // saved after the front end read it
    const w = watchProject(proj, () => rec);
    try {
      expect(await within(w.next())).toEqual(['../shared/helper.ts']);
      // reported once: the same stale entry does not start a batch again (a run would record it anew)
      expect(await within(w.next(), 600)).toBe('nothing seen');
    } finally {
      w.close();
    }
  });

  it('re-verifies after each save: a broken edit is refuted, the repair proves again', async () => {
    const root = path.join(tmp, 'project');
    fs.cpSync(path.join(REPO, 'examples', 'counter'), path.join(root, 'examples', 'counter'), { recursive: true });
    const impl = path.join(root, 'examples', 'counter', 'impl.ts');
    const good = fs.readFileSync(impl, 'utf8');
    // (the cache on, as at the desk: the test suite turns it off for other runs)
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'verify.mjs'), 'counter', '--watch', '--jobs', '1', '--quiet'], { cwd: root, env: { ...process.env, PUSHBUTTON_CACHE: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const waitFor = async (what: RegExp, n: number) => {
      for (let t = 0; t < 1200 && (out.match(new RegExp(what, 'g'))?.length ?? 0) < n; t++) await new Promise((r) => setTimeout(r, 100));
      expect(out.match(new RegExp(what, 'g'))?.length ?? 0, out).toBeGreaterThanOrEqual(n);
    };
    try {
      await waitFor(/watching for changes/, 1);
      expect(out).toMatch(/2 proved, 0 refuted/);
      // an editor's save: the new text written beside, then renamed over the file
      const save = (text: string) => {
        fs.writeFileSync(`${impl}.tmp`, text);
        fs.renameSync(`${impl}.tmp`, impl);
      };
      save(good.replace('if (s.rest >= 100) {', 'if (s.rest > 100) {'));
      await waitFor(/watching for changes/, 2);
      expect(out).toMatch(/changed: examples\/counter\/impl\.ts/);
      expect(out).toMatch(/✗ incr +refuted/);
      expect(out).toMatch(/counterexample \(confirmed by replay\)/);
      save(good);
      await waitFor(/watching for changes/, 3);
      const last = out.slice(out.lastIndexOf('changed:'));
      expect(last).toMatch(/2 proved, 0 refuted/);
      // the repair is the first version again: every goal from the proof cache
      expect(last).toMatch(/from the proof cache .*: 1 subsystem whole/);
      // a constant from a file outside the project (red-team round 8, u05): its edit re-verifies too
      const limits = path.join(tmp, 'shared', 'limits.ts');
      fs.mkdirSync(path.dirname(limits), { recursive: true });
      fs.writeFileSync(limits, 'export const HUNDRED = 100;\n');
      save(good.replace("import { MAX } from './spec';", "import { MAX } from './spec';\nimport { HUNDRED } from '../../../shared/limits.ts';").replace('if (s.rest >= 100) {', 'if (s.rest >= HUNDRED) {'));
      await waitFor(/watching for changes/, 4);
      expect(out.slice(out.lastIndexOf('changed:'))).toMatch(/2 proved, 0 refuted/);
      fs.writeFileSync(limits, 'export const HUNDRED = 101;\n');
      await waitFor(/watching for changes/, 5);
      const edited = out.slice(out.lastIndexOf('changed:'));
      expect(edited).toMatch(/^changed: \.\.\/shared\/limits\.ts/);
      expect(edited).toMatch(/✗ incr +refuted/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(130);
  }, 180_000);
});
