// verify --watch: verifies, then again after each saved change, with the proof cache answering
// what did not change; an editor's save (a new file renamed over the old one) is seen too.

import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { affectsVerdicts } from '../verifier/watch.ts';

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
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(130);
  }, 180_000);
});
