// The user's code runs only in the sandbox (verifier/sandbox/): a module whose top-level code ends
// the process or never finishes, and an operation that does either at run time, give a located
// error or an `unknown`, never a verdict and never the user's exit code. Each case is a fixture of
// test/fixtures/hostile/ run through the CLI as a user runs it, with a 2 s limit per run.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromWire, toWire } from '../verifier/sandbox/wire.ts';
import { runLimits, DEFAULT_LIMITS } from '../verifier/sandbox/sandbox.ts';
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

describe('verify: the module is loaded in the sandbox', () => {
  it("process.exit(0) at the module's top level: exit 2 with the call located, not 0", async () => {
    const dir = project('exit-top');
    const r = await verify(dir);
    expect(r.code, r.out).toBe(2);
    const line = lineOf(path.join(dir, 'impl', 'counter.ts'), 'process.exit(0)');
    expect(r.out).toContain(`impl/counter.ts:${line}:9: error: the module's top-level code: called process.exit(0), which ends the process`);
    // the buggy operation's goal is not decided either way
    expect(r.out).toMatch(/incr +unknown/);
    expect(r.out).not.toContain('refuted  ');
  });

  it("an endless loop at the module's top level: exit 2 within the limit, located at the module", async () => {
    const r = await verify(project('hang-top'));
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain("impl/counter.ts:1:1: error: the module's top-level code: did not finish in 2 s");
    expect(r.ms).toBeLessThan(120_000);
  });

  it('an operation that never finishes at run time: its goal unknown (exit 3), naming the replay', async () => {
    const r = await verify(project('hang-op'));
    expect(r.code, r.out).toBe(3);
    expect(r.out).toContain('the counterexample could not be replayed: the replay of incr (refinement): did not finish in 2 s');
  });

  it('an operation that calls process.exit at run time: its goal unknown (exit 3), the call located', async () => {
    const dir = project('exit-op');
    const r = await verify(dir);
    expect(r.code, r.out).toBe(3);
    const line = lineOf(path.join(dir, 'impl', 'counter.ts'), 'process.exit(0)');
    expect(r.out).toMatch(new RegExp(`the replay of incr \\(refinement\\): the code called process\\.exit\\(0\\) at impl/counter\\.ts:${line}:\\d+, which ends the process`));
  });
});

describe('verify rid and verify commute load the module in the sandbox', () => {
  const rel = (f: string) => path.relative(REPO, path.join(HOSTILE, f));
  for (const cmd of ['rid', 'commute'] as const) {
    it(`verify ${cmd}: process.exit(0) at the top level is a located error, exit 2`, async () => {
      const file = rel(`${cmd}/exit-top.ts`);
      const r = await verify(REPO, cmd, file, '--jobs', '1');
      expect(r.code, r.out).toBe(2);
      expect(r.out).toContain(`${file}:${lineOf(path.join(REPO, file), 'process.exit(0)')}:9: error: the module's top-level code: called process.exit(0)`);
    });

    it(`verify ${cmd}: an endless loop at the top level is a located error within the limit, exit 2`, async () => {
      const file = rel(`${cmd}/hang-top.ts`);
      const r = await verify(REPO, cmd, file, '--jobs', '1');
      expect(r.code, r.out).toBe(2);
      expect(r.out).toContain(`${file}:1:1: error: the module's top-level code: did not finish in 2 s`);
      expect(r.ms).toBeLessThan(120_000);
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
