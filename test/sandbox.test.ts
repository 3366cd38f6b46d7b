// The user's code runs only in the sandbox (verifier/sandbox/): a module whose top-level code ends
// the process or never finishes, and an operation that does either at run time, give a located
// error or an `unknown`, never a verdict and never the user's exit code.
//
// The CLI cases are the fixtures of test/fixtures/hostile/, run as a user runs them with a 2 s
// limit per run. The front end may itself reject code at module level (frontend/typecheck.ts):
// then the located error is its, and the sandbox is the second line, tested directly below on
// transpiled modules written by hand.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromWire, toWire } from '../verifier/sandbox/wire.ts';
import { runLimits, DEFAULT_LIMITS, Sandbox, ModuleLoadError, RunFailure } from '../verifier/sandbox/sandbox.ts';
import { pathToFileURL } from 'node:url';
import { SMap } from '../verifier/prelude.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin', 'verify.mjs');
const HOSTILE = path.join(REPO, 'test', 'fixtures', 'hostile');
const TIMEOUT = 180_000;
const LIMIT_MS = 2000;
vi.setConfig({ testTimeout: TIMEOUT });

interface Run {
  code: number | null;
  out: string;
  ms: number;
}

function verify(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env = { ...process.env, PUSHBUTTON_DEBUG: '', NO_COLOR: '1', PUSHBUTTON_RUN_TIMEOUT_MS: String(LIMIT_MS) };
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: performance.now() - t0 });
    });
  });
}

/** The 1-based line of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const k = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  expect(k, `${file} contains ${text}`).toBeGreaterThanOrEqual(0);
  return k + 1;
}

let tmp: string;
/** A hostile project copied out of the repository (no tsconfig or node_modules of ours above it). */
function project(name: string): string {
  const dest = path.join(tmp, name);
  fs.cpSync(path.join(HOSTILE, name), dest, { recursive: true });
  return dest;
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-hostile-')));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The front end's rejection of code at module level, located at `line` (frontend/typecheck.ts). */
const frontEnd = (file: string, line: number) => new RegExp(`${file.replace(/[.]/g, '\\.')}:${line}:\\d+: error: the statement .* at module level`);

describe('verify: module-level code never decides the verdict or the exit code', () => {
  it("process.exit(0) at the module's top level: exit 2 with the call located, not 0", async () => {
    const dir = project('exit-top');
    const r = await verify(dir);
    expect(r.code, r.out).toBe(2);
    const line = lineOf(path.join(dir, 'impl', 'counter.ts'), 'process.exit(0)');
    const sandbox = r.out.includes(`impl/counter.ts:${line}:9: error: the module's top-level code: called process.exit(0), which ends the process`);
    expect(sandbox || frontEnd('impl/counter.ts', line).test(r.out), r.out).toBe(true);
    expect(r.out).not.toContain('refuted  ');
  });

  it("an endless loop at the module's top level: exit 2 within the limit, located", async () => {
    const dir = project('hang-top');
    const r = await verify(dir);
    expect(r.code, r.out).toBe(2);
    const sandbox = r.out.includes("impl/counter.ts:1:1: error: the module's top-level code: did not finish in 2 s");
    expect(sandbox || frontEnd('impl/counter.ts', lineOf(path.join(dir, 'impl', 'counter.ts'), 'while (true)')).test(r.out), r.out).toBe(true);
    expect(r.ms).toBeLessThan(120_000);
  });

  for (const [name, what] of [['hang-op', 'did not finish in 2 s'], ['exit-op', 'the code called process.exit(0) at impl/counter.ts:']] as const) {
    it(`${name}: an operation that ${name === 'hang-op' ? 'never finishes' : 'calls process.exit'} at run time: never a verdict, never exit 0`, async () => {
      const dir = project(name);
      const r = await verify(dir);
      const line = lineOf(path.join(dir, 'impl', 'counter.ts'), '(Math as');
      if (r.code === 2) expect(r.out).toMatch(frontEnd('impl/counter.ts', line));
      else {
        expect(r.code, r.out).toBe(3);
        expect(r.out).toContain(`the counterexample could not be replayed: the replay of incr (refinement): ${what}`);
      }
    });
  }
});

describe('verify rid and verify commute load the module in the sandbox', () => {
  const rel = (f: string) => path.relative(REPO, path.join(HOSTILE, f));
  for (const cmd of ['rid', 'commute'] as const) {
    it(`verify ${cmd}: process.exit(0) at the top level is a located error, exit 2`, async () => {
      const file = rel(`${cmd}/exit-top.ts`);
      const r = await verify(REPO, cmd, file, '--jobs', '1');
      expect(r.code, r.out).toBe(2);
      const line = lineOf(path.join(REPO, file), 'process.exit(0)');
      expect(r.out.includes(`${file}:${line}:9: error: the module's top-level code: called process.exit(0)`) || frontEnd(file, line).test(r.out), r.out).toBe(true);
    });

    it(`verify ${cmd}: an endless loop at the top level is a located error within the limit, exit 2`, async () => {
      const file = rel(`${cmd}/hang-top.ts`);
      const r = await verify(REPO, cmd, file, '--jobs', '1');
      expect(r.code, r.out).toBe(2);
      const line = lineOf(path.join(REPO, file), 'while (true)');
      expect(r.out.includes(`${file}:1:1: error: the module's top-level code: did not finish in 2 s`) || frontEnd(file, line).test(r.out), r.out).toBe(true);
      expect(r.ms).toBeLessThan(120_000);
    });
  }
});

describe('the sandbox itself, on modules written by hand', () => {
  /** A sandbox of one module `mod` (source text as transpiled JS), with a 1.5 s limit and a 96 MB heap. */
  function sandboxOf(js: string): { sandbox: Sandbox; file: string } {
    const dir = fs.mkdtempSync(path.join(tmp, 'mod-'));
    const mjs = path.join(dir, 'evil.mjs');
    const file = path.join(dir, 'evil.ts');
    fs.writeFileSync(mjs, js);
    const url = pathToFileURL(mjs).href;
    const sandbox = new Sandbox('evil', () => ({ modules: [{ key: 'mod', file, url }], sources: new Map([[url, file]]), dispose: () => {} }), { timeoutMs: 1500, memoryMb: 96 });
    return { sandbox, file };
  }
  /** verify rid's task with no parameters: calls `fn` of the module. */
  const call = (fn: string) => ({ fn, inputs: [], model: '', outcomes: [] });
  const FNS = [
    'export function ok() { return 7; }',
    'export function spin() { while (true) {} }',
    'export function bye() { process.exit(0); }',
    'export function hog() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }',
  ].join('\n');

  it('runs after a run that hung, exited or ran out of memory go on in a new child, each failure named', async () => {
    const { sandbox } = sandboxOf(FNS);
    try {
      const rs = await sandbox.runEach<{ result: unknown }>('rid-run', ['ok', 'spin', 'ok', 'bye', 'ok', 'hog', 'ok'].map(call), (k) => `run ${k}`);
      expect(rs.map((r) => (r.ok ? fromWire(r.value.result) : r.error))).toEqual([
        7,
        'run 1: did not finish in 1.5 s',
        7,
        expect.stringMatching(/^run 3: the code called process\.exit\(0\) at .*evil\.ts:3:\d+, which ends the process$/),
        7,
        'run 5: ran out of memory (the sandbox\'s heap limit is 96 MB)',
        7,
      ]);
      await expect(sandbox.run('rid-run', call('spin'), 'the spin')).rejects.toThrow(new RunFailure('the spin: did not finish in 1.5 s'));
    } finally {
      await sandbox.close();
    }
  });

  for (const [top, what] of [['process.exit(0);', 'called process.exit(0), which ends the process'], ['while (true) {}', 'did not finish in 1.5 s'], ['throw new Error("no");', 'threw Error: no']] as const) {
    it(`module-level \`${top}\`: a ModuleLoadError located in the module, for every later run too`, async () => {
      const { sandbox, file } = sandboxOf(`export function ok() { return 7; }\n${top}\n`);
      try {
        for (let k = 0; k < 2; k++) {
          const e = await sandbox.run('rid-run', call('ok'), 'ok').then(() => undefined, (x: unknown) => x);
          expect(e).toBeInstanceOf(ModuleLoadError);
          const d = (e as ModuleLoadError).diagnostics[0];
          expect(d.loc.file).toBe(file);
          expect(d.message.startsWith(what), d.message).toBe(true);
        }
      } finally {
        await sandbox.close();
      }
    });
  }
});

describe('values between the verifier and the sandbox', () => {
  it('round-trip: records, maps, long numeric arrays, -0 and NaN; functions and cycles become descriptions', () => {
    const m = new SMap<string, number[]>([0]);
    m.set('a', [1, 2]);
    const big = Array.from({ length: 100 }, (_, k) => k - 0.5);
    const v = { n: -0, x: NaN, e: 'ENOENT', b: true, m, big, nested: [{ u: undefined }] };
    const back = fromWire(structuredClone(toWire(v))) as typeof v;
    expect(back.m).toBeInstanceOf(SMap);
    expect(back.m.get('a')).toEqual([1, 2]);
    expect(back.m.get('zz')).toEqual([0]);
    expect(Object.is(back.n, -0)).toBe(true);
    expect(back.x).toBeNaN();
    expect(back.big).toEqual(big);
    expect(back.nested).toEqual([{ u: undefined }]);
    const cyc: Record<string, unknown> = { f: function named() {} };
    cyc.self = cyc;
    expect(fromWire(structuredClone(toWire(cyc)))).toEqual({ f: '<a function (named)>', self: '<a cycle>' });
  });

  it('limits come from the environment, positive integers only', () => {
    expect(runLimits({ PUSHBUTTON_RUN_TIMEOUT_MS: '1500', PUSHBUTTON_RUN_MEMORY_MB: '256' })).toEqual({ timeoutMs: 1500, memoryMb: 256 });
    expect(runLimits({ PUSHBUTTON_RUN_TIMEOUT_MS: '-3', PUSHBUTTON_RUN_MEMORY_MB: 'lots' })).toEqual(DEFAULT_LIMITS);
  });
});
