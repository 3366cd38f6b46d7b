// The command line as a user runs it: `node bin/verify.mjs ...` spawned in a project folder, with
// the exit codes of DESIGN.md (0 proved, 1 counterexample, 2 rejected or unusable, 3 unknown).
//
// The projects are the folders of test/fixtures/cli/, copied into a fresh temporary folder so
// that no node_modules and no tsconfig.json of this repository is anywhere above them.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, both, verify, verifyShared, type Run } from './support/run-verify.ts';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'cli');
const SPAWN_TIMEOUT = 120_000;
vi.setConfig({ testTimeout: SPAWN_TIMEOUT, hookTimeout: SPAWN_TIMEOUT });

/**
 * Runs whose subject is the command's output, a project's layout or a rerun, not the solving, use
 * the suite run's proof cache (verifyShared: what one proved, the others do not solve again; a
 * refutation from it is replayed anew). --smt2, the unknown goal and the rejections run without.
 *
 * Most runs below prove a fixture of a few goals: one solver worker instead of the default (one per
 * core) spares a worker's start (about 2 s of CPU) per run. The first run and the printed rerun
 * command keep the defaults, as a user types them.
 */
const ONE_WORKER = ['--jobs', '1'];

/** A stack frame line as Node prints it: the user must never see one. */
const STACK = '    at ';

let tmp: string;
/** Copies a fixture project into the temporary folder; returns its path. */
function project(fixture: string, as = fixture): string {
  const dest = path.join(tmp, as);
  fs.cpSync(path.join(FIXTURES, fixture), dest, { recursive: true });
  return dest;
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-cli-')));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('exit 0: everything proved', () => {
  it('proves a spec/NAME.ts + impl/NAME.ts project with no node_modules and no tsconfig', async () => {
    const root = project('ok');
    // what this test is about: nothing above the project could resolve 'pushbutton'
    for (let d = root; d !== path.dirname(d); d = path.dirname(d)) {
      expect(fs.existsSync(path.join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
      expect(fs.existsSync(path.join(d, 'tsconfig.json')), `${d}/tsconfig.json`).toBe(false);
    }
    const r = await verifyShared(root);
    expect(r.code, both(r)).toBe(0);
    expect(r.stdout).toMatch(/^counter {2}\(spec\/counter\.ts ↔ impl\/counter\.ts\)$/m);
    expect(r.stdout).toMatch(/^toggle {2}\(spec\/toggle\.ts ↔ impl\/toggle\.ts\)$/m);
    expect(r.stdout).toMatch(/✓ incr +proved/);
    expect(r.stdout).toMatch(/✓ flip +proved/);
    expect(r.stdout).toMatch(/summary: 2 subsystems, 4 operations: 4 proved, 0 refuted, 0 unknown/);
    expect(both(r)).not.toContain(STACK);
  });

  it('proves the same project under a tsconfig.json with "moduleResolution": "node16" and node_modules/pushbutton linked', async () => {
    const root = project('node16');
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.symlinkSync(REPO, path.join(root, 'node_modules', 'pushbutton'), 'dir');
    expect(JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).compilerOptions.moduleResolution).toBe('node16');
    expect(fs.readFileSync(path.join(root, 'impl', 'counter.ts'), 'utf8')).toContain("from '../spec/counter.js'");
    const r = await verifyShared(root, ...ONE_WORKER);
    expect(r.code, both(r)).toBe(0);
    expect(r.stdout).toMatch(/summary: 2 subsystems, 4 operations: 4 proved, 0 refuted, 0 unknown/);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await verify(tmp, '--help');
    expect(r.code, both(r)).toBe(0);
    expect(r.stdout).toMatch(/^usage: verify/);
    for (const opt of ['--filter', '--timeout', '--jobs', '--json', '--smt2']) expect(r.stdout).toContain(opt);
    expect(r.stdout).toMatch(/exit codes: 0 .*1 .*2 .*3/);
  });

  it('positional subsystem names select: only the named subsystem is verified', async () => {
    const root = project('ok', 'ok-positional');
    const r = await verifyShared(root, 'toggle', ...ONE_WORKER);
    expect(r.code, both(r)).toBe(0);
    expect(r.stdout).toMatch(/^toggle {2}\(/m);
    expect(r.stdout).not.toMatch(/^counter {2}\(/m);
    expect(r.stdout).toMatch(/summary: 1 subsystem, 2 operations: 2 proved/);
  });

  it('--smt2 DIR writes one SMT-LIB2 file per goal', async () => {
    const root = project('ok', 'ok-smt2');
    const dir = path.join(tmp, 'smt2-out');
    const r = await verify(root, 'counter', '--json', '--smt2', dir, ...ONE_WORKER);
    expect(r.code, both(r)).toBe(0);
    const doc = JSON.parse(r.stdout);
    const goals: { id: string }[] = doc.subsystems.flatMap((s: { operations: { goals: { id: string }[] }[] }) => s.operations.flatMap((o) => o.goals));
    expect(goals.length).toBeGreaterThan(0);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.smt2'));
    expect(files).toHaveLength(goals.length);
    for (const f of files) {
      expect(f.startsWith('counter.')).toBe(true);
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(text).toMatch(/\(declare-(const|fun) /);
      expect(text).toMatch(/\(assert \(not /);
      expect(text.trimEnd().endsWith('(check-sat)')).toBe(true);
    }
  });
});

describe('exit 1: a counterexample', () => {
  let root: string;
  let text: Run;
  beforeAll(async () => {
    root = project('buggy');
    text = await verifyShared(root, ...ONE_WORKER);
  }, SPAWN_TIMEOUT);

  it('names the refuted operation and shows a counterexample confirmed by replay', () => {
    expect(text.code, both(text)).toBe(1);
    expect(text.stdout).toMatch(/✗ incr +refuted/);
    expect(text.stdout).toMatch(/error\[refinement\] impl\/counter\.ts:\d+:\d+: incr may return a different result than the spec/);
    expect(text.stdout).toContain('counterexample (confirmed by replay)');
    expect(text.stdout).toMatch(/implementation returned -28, spec returned -22/);
    // the correct subsystem next to it is still proved
    expect(text.stdout).toMatch(/✓ flip +proved/);
    expect(both(text)).not.toContain(STACK);
  });

  it('the rerun command it prints reproduces the same failure', async () => {
    const m = /rerun: npx verify (\S+) --filter (\S+)/.exec(text.stdout);
    expect(m, text.stdout).not.toBeNull();
    const goal = /goal (\S+) · .*rerun: npx verify/.exec(text.stdout)![1];
    const r = await verifyShared(root, m![1], '--filter', m![2]);
    expect(r.code, both(r)).toBe(1);
    expect(r.stdout).toContain(`goal ${goal} `);
    expect(r.stdout).toMatch(/summary: 1 subsystem, 1 operations: 0 proved, 1 refuted/);
  });

  it('--json prints one JSON document with exitCode 1 and the confirmed counterexample', async () => {
    const r = await verifyShared(root, '--json', ...ONE_WORKER);
    expect(r.code, both(r)).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.tool).toBe('pushbutton');
    expect(doc.exitCode).toBe(1);
    const counter = doc.subsystems.find((s: { name: string }) => s.name === 'counter');
    expect(counter.status).toBe('refuted');
    const incr = counter.operations.find((o: { name: string }) => o.name === 'incr');
    expect(incr.status).toBe('refuted');
    const refuted = incr.goals.filter((g: { status: string }) => g.status === 'refuted');
    expect(refuted.length).toBeGreaterThan(0);
    for (const g of refuted) {
      expect(g.counterexample.confirmed).toBe(true);
      expect(g.loc.file).toBe(path.join(root, 'impl', 'counter.ts'));
    }
    const result = refuted.find((g: { kind: string }) => g.kind === 'result');
    expect(result.counterexample).toMatchObject({ implResult: -28, specResult: -22 });
    expect(doc.summary.refuted).toBe(refuted.length);
    expect(doc.subsystems.find((s: { name: string }) => s.name === 'toggle').status).toBe('proved');
  });

  it('replays through .js imports under node16 resolution', async () => {
    const n16 = project('node16', 'node16-buggy');
    fs.mkdirSync(path.join(n16, 'node_modules'));
    fs.symlinkSync(REPO, path.join(n16, 'node_modules', 'pushbutton'), 'dir');
    const buggy = fs.readFileSync(path.join(FIXTURES, 'buggy', 'impl', 'counter.ts'), 'utf8').replaceAll("'../spec/counter'", "'../spec/counter.js'");
    fs.writeFileSync(path.join(n16, 'impl', 'counter.ts'), buggy);
    const r = await verifyShared(n16, 'counter', '--json', ...ONE_WORKER);
    expect(r.code, both(r)).toBe(1);
    const doc = JSON.parse(r.stdout);
    const goals = doc.subsystems[0].operations.flatMap((o: { goals: unknown[] }) => o.goals);
    const refuted = goals.filter((g: { status: string }) => g.status === 'refuted');
    expect(refuted.length).toBeGreaterThan(0);
    expect(refuted.every((g: { counterexample: { confirmed: boolean } }) => g.counterexample.confirmed)).toBe(true);
  });
});

describe('exit 2: input outside the subset or otherwise unusable', () => {
  it('a construct outside the subset: file:line:col, the construct and the fix, no stack trace', async () => {
    const root = project('rejected');
    const r = await verify(root);
    expect(r.code, both(r)).toBe(2);
    expect(r.stdout).toContain('impl/counter.ts:18:3: error: a while loop: loops must have a constant bound');
    expect(r.stdout).toContain('impl/counter.ts:30:10: error: the operator ==: use === (strict equality)');
    expect(r.stdout).toMatch(/1 rejected/);
    expect(both(r)).not.toContain(STACK);
  });

  it('--json on rejected input: exitCode 2 and the located diagnostics', async () => {
    const root = project('rejected', 'rejected-json');
    const r = await verify(root, '--json');
    expect(r.code, both(r)).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.exitCode).toBe(2);
    expect(doc.subsystems[0].status).toBe('rejected');
    expect(doc.subsystems[0].diagnostics.map((d: { loc: { line: number; col: number }; construct: string }) => [d.loc.line, d.loc.col, d.construct])).toEqual([
      [18, 3, 'a while loop'],
      [30, 10, 'the operator =='],
    ]);
  });

  it('a syntax error is a located diagnostic, not a crash', async () => {
    const root = project('ok', 'syntax');
    const file = path.join(root, 'impl', 'counter.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('s.rest = s.rest + by;', 's.rest = s.rest + ;'));
    const r = await verify(root, 'counter');
    expect(r.code, both(r)).toBe(2);
    expect(r.stdout).toMatch(/impl\/counter\.ts:17:\d+: error: a syntax error: Expression expected\./);
    expect(both(r)).not.toContain(STACK);
    expect(both(r)).not.toContain('internal error');
  });

  it('a selector that matches nothing', async () => {
    const root = project('ok', 'ok-selector');
    const r = await verify(root, 'nosuch');
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/'nosuch' matches no subsystem/);
    expect(r.stderr).toMatch(/known: counter, toggle/);
    expect(r.stdout).not.toMatch(/proved/);
  });

  it('--filter that matches no operation', async () => {
    const root = project('ok', 'ok-filter');
    const r = await verify(root, '--filter', 'nosuchop');
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/--filter nosuchop selects no operation/);
    expect(r.stdout).not.toMatch(/summary/);
  });

  it('an unknown option', async () => {
    const r = await verify(tmp, '--bogus');
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
    expect(r.stderr).toMatch(/usage: verify/);
    expect(both(r)).not.toContain(STACK);
  });

  it('a malformed option value', async () => {
    const r = await verify(tmp, '--timeout', 'soon');
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/--timeout soon: write milliseconds or a duration/);
  });

  it('a spec without an implementation, alone', async () => {
    const root = project('orphan');
    const r = await verify(root);
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/spec\/counter\.ts has no implementation \(expected impl\/counter\.ts\)/);
    const named = await verify(root, 'counter');
    expect(named.code, both(named)).toBe(2);
    expect(named.stderr).toMatch(/'counter' matches no subsystem \(looked for spec\/counter\.ts with impl\/counter\.ts/);
  });

  it('a spec without an implementation next to complete subsystems is not skipped silently', async () => {
    const root = project('ok', 'ok-orphan');
    fs.copyFileSync(path.join(root, 'spec', 'counter.ts'), path.join(root, 'spec', 'draft.ts'));
    // a helper module in spec/ (no State) is not a spec and needs no implementation
    fs.writeFileSync(path.join(root, 'spec', 'common.ts'), 'export const EINVAL = -22;\n');
    const r = await verify(root);
    expect(r.code, both(r)).toBe(2);
    expect(r.stderr).toMatch(/spec\/draft\.ts has no implementation \(expected impl\/draft\.ts\)/);
    expect(r.stderr).not.toMatch(/common\.ts/);
  });
});

describe('exit 3: unknown, nothing refuted', () => {
  it('an obligation the solver cannot decide within --timeout 200 (sums of two cubes)', async () => {
    const root = project('unknown');
    const r = await verify(root, '--timeout', '200', ...ONE_WORKER);
    expect(r.code, both(r)).toBe(3);
    expect(r.stdout).toMatch(/\? probe +unknown/);
    expect(r.stdout).toMatch(/unknown\[refinement\] impl\/cubes\.ts:\d+:\d+: probe may return a different result than the spec/);
    expect(r.stdout).toMatch(/timeout \(200 ms\)/);
    expect(r.stdout).not.toMatch(/✓ probe/);
    expect(r.stdout).toMatch(/summary: 1 subsystem, 2 operations: 1 proved, 0 refuted, 1 unknown/);
  });
});
