// Output paths (--sarif FILE, --junit FILE, --smt2 DIR) are checked before any proof starts: a
// path that cannot be written is a usage error (exit 2) naming the option and the path, at once,
// not "internal error" after the whole run (issue 24: `--smt2 /proc/nope` spun for minutes).

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOutputFile, checkOutputFolder, checkOutputs } from '../verifier/outputs.ts';
import { REPO, SPAWN_TIMEOUT, both, verify } from './support/run-verify.ts';

vi.setConfig({ testTimeout: SPAWN_TIMEOUT });

let tmp: string;
let root: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-out-')));
  // a project that would verify (and take seconds to): the checks must come first
  root = path.join(tmp, 'project');
  fs.cpSync(path.join(REPO, 'test', 'fixtures', 'cli', 'ok'), root, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'a-file'), 'x');
  fs.mkdirSync(path.join(tmp, 'a-folder'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the checks', () => {
  it('accept a new file in an existing folder, an existing file, /dev/null, and leave nothing behind', () => {
    expect(checkOutputFile(path.join(tmp, 'new.sarif'))).toBeUndefined();
    expect(fs.existsSync(path.join(tmp, 'new.sarif'))).toBe(false);
    expect(checkOutputFile(path.join(tmp, 'a-file'))).toBeUndefined();
    expect(fs.readFileSync(path.join(tmp, 'a-file'), 'utf8')).toBe('x');
    expect(checkOutputFile('/dev/null')).toBeUndefined();
    expect(checkOutputFolder(path.join(tmp, 'a-folder'))).toBeUndefined();
    expect(fs.readdirSync(path.join(tmp, 'a-folder'))).toEqual([]);
  });

  it('refuse a missing folder, a folder for a file, a file for a folder, /proc and /sys, a FIFO, a name too long', () => {
    expect(checkOutputFile(path.join(tmp, 'nope', 'x.sarif'))).toMatch(/the folder .*nope does not exist/);
    expect(checkOutputFile(path.join(tmp, 'a-folder'))).toMatch(/is a folder; name a file/);
    expect(checkOutputFile(path.join(tmp, 'a-file', 'x.xml'))).toMatch(/a-file is not a folder/);
    expect(checkOutputFile('/proc/nope.xml')).toMatch(/under \/proc, a kernel file system/);
    expect(checkOutputFile('/proc/self/status')).toMatch(/under \/proc/);
    expect(checkOutputFolder('/proc/nope')).toMatch(/under \/proc/);
    expect(checkOutputFolder('/sys/nope')).toMatch(/under \/sys/);
    expect(checkOutputFolder(path.join(tmp, 'a-file'))).toMatch(/exists and is not a folder/);
    expect(checkOutputFile(path.join(tmp, 'x'.repeat(300)))).toMatch(/the name is too long/);
    // a link into /proc is judged by where it leads
    fs.symlinkSync('/proc', path.join(tmp, 'proc-link'));
    expect(checkOutputFolder(path.join(tmp, 'proc-link', 'nope'))).toMatch(/under \/proc/);
  });

  it('refuse a FIFO (opening it would block) and two options naming one file', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(checkOutputFile(fifo)).toMatch(/is not a regular file/);
    const same = path.join(tmp, 'r.out');
    expect(checkOutputs({ '--sarif': same, '--junit': same })).toMatch(/--junit .*r\.out: the same file as --sarif/);
    expect(checkOutputs({ '--sarif': '' })).toMatch(/--sarif: an empty path/);
  });
});

describe('verify with an output path it cannot write: exit 2 before any proof, naming the option and the path', () => {
  const cases: [string, string[], RegExp][] = [
    ['--smt2 /proc/nope', ['--smt2', '/proc/nope'], /^verify: --smt2 \/proc\/nope: \/proc\/nope is under \/proc/m],
    ['--sarif in a missing folder', ['--sarif', 'reports/verify.sarif'], /^verify: --sarif reports\/verify\.sarif: the folder .*\/reports does not exist/m],
    ['--junit naming a folder', ['--junit', '.'], /^verify: --junit \.: .* is a folder; name a file/m],
    ['--junit under /proc', ['--junit', '/proc/junit.xml'], /^verify: --junit \/proc\/junit\.xml: .*under \/proc/m],
    ['--smt2 naming a file', ['--smt2', 'spec/counter.ts'], /^verify: --smt2 spec\/counter\.ts: .* exists and is not a folder/m],
    ['--sarif and --junit the same file', ['--sarif', 'r.out', '--junit', 'r.out'], /^verify: --junit r\.out: the same file as --sarif/m],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await verify(root, ...args);
      expect(r.code, both(r)).toBe(2);
      expect(r.stderr).toMatch(message);
      // nothing was verified: no header, no subsystem, no summary
      expect(r.stdout).not.toMatch(/pushbutton verify|counter|summary/);
      expect(both(r)).not.toContain('internal error');
      expect(both(r)).not.toContain('    at ');
    });
  }

  it('verify merge checks its outputs first too', async () => {
    const r = await verify(root, 'merge', 'nonexistent.json', '--junit', '/proc/x.xml');
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/^verify merge: --junit \/proc\/x\.xml: .*under \/proc/m);
  });

  it('verify rid and verify commute check theirs first too', async () => {
    const rid = await verify(REPO, 'rid', 'examples/refcount/L1-pm-get-sync/buggy.ts', '--sarif', path.join(tmp, 'nope', 'rid.sarif'));
    expect(rid.code, both(rid)).toBe(2);
    expect(rid.stderr).toMatch(/^verify rid: --sarif .*nope\/rid\.sarif: the folder .*nope does not exist/m);
    expect(rid.stdout).toBe('');
    const commute = await verify(REPO, 'commute', 'counter', '--html', '/proc/c.html');
    expect(commute.code, both(commute)).toBe(2);
    expect(commute.stderr).toMatch(/^verify commute: --html \/proc\/c\.html: .*under \/proc/m);
    expect(commute.stdout).toBe('');
  });

  it('a good path is written: --sarif and --junit in an existing folder, --smt2 creating its folder', async () => {
    const r = await verify(root, 'toggle', '--sarif', path.join(tmp, 'ok.sarif'), '--junit', path.join(tmp, 'ok.xml'), '--smt2', path.join(tmp, 'smt', 'deep'));
    expect(r.code, both(r)).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'ok.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(fs.readFileSync(path.join(tmp, 'ok.xml'), 'utf8')).toMatch(/^<\?xml/);
    expect(fs.readdirSync(path.join(tmp, 'smt', 'deep')).filter((f) => f.endsWith('.smt2')).length).toBeGreaterThan(0);
  });
});
