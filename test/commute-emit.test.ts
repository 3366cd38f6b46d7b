// verify commute --emit-vitest (issue 29 item 3): the emitted files check, per test and variant,
// both orders' results, the final states (through equiv and the spec's equivalent) and
// conflict-freedom, in files of bounded size. An emitted file must pass on the implementation it
// was generated from and FAIL on a seeded one whose two orders return the same results but leave
// states that stand for different spec states: a check of results alone passes it.

import { describe, it, expect } from 'vitest';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { EMIT_MAX_TESTS, vitestFiles } from '../verifier/commute/emit-tests.ts';
import type { CommuteSpec } from '../verifier/commute/analyze.ts';
import type { TestCase } from '../verifier/commute/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const IMPL = `// the bit set, as the spec keeps it
import type { i32, Arr } from 'pushbutton';
import { arr } from 'pushbutton';
import type * as spec from '../spec/bits.ts';
import { N } from '../spec/bits.ts';

export interface State {
  b: Arr<boolean, typeof N>;
}
export function init(): State {
  return { b: arr(N, (k) => false) };
}
export function set(s: State, i: i32): number {
  if (i < 0 || i >= N) return -1;
  s.b[i] = true;
  return 0;
}
export function clear(s: State, i: i32): number {
  if (i < 0 || i >= N) return -1;
  s.b[i] = false;
  return 0;
}
export function get(s: State, i: i32): boolean {
  return i >= 0 && i < N && s.b[i];
}
export function equiv(i: State, s: spec.State): boolean {
  for (let k = 0; k < N; k++) if (i.b[k] !== s.bit[k]) return false;
  return true;
}
`;

/** The seeded bug: set(i) also clears every bit above i. Both orders of set(i)/set(j) still return 0, 0; the later call clears the earlier one's bit in one order only. */
const seeded = (impl: string) => impl.replace('  s.b[i] = true;\n', '  for (let k = i + 1; k < N; k++) s.b[k] = false;\n  s.b[i] = true;\n');

function cli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('node', [path.join(root, 'bin/verify.mjs'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout + x.stderr };
  }
}

function vitest(dir: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('npx', ['vitest', 'run', path.relative(root, dir)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout + x.stderr };
  }
}

describe('emitted vitest files', () => {
  it('pass on the implementation they were generated from, and fail on one whose orders leave different states with the same results', () => {
    // under test/, so that vitest's configuration (and the package's own imports) apply
    const dir = fs.mkdtempSync(path.join(root, 'test', '.commute-emit-'));
    try {
      fs.mkdirSync(path.join(dir, 'spec'));
      fs.mkdirSync(path.join(dir, 'impl'));
      fs.copyFileSync(path.join(root, 'test/fixtures/commute/bitset.ts'), path.join(dir, 'spec/bits.ts'));
      fs.writeFileSync(path.join(dir, 'impl/bits.ts'), IMPL);
      const out = path.join(dir, 'gen');
      const r = cli(['commute', 'bits', '--root', dir, '--filter', 'set/set', '--max-tests-per-path', '4', '--emit-vitest', out, '--jobs', '1']);
      expect(r.code, r.out).toBe(0);
      const files = fs.readdirSync(out);
      expect(files).toEqual(['bits.set_set.test.ts']);
      const text = fs.readFileSync(path.join(out, files[0]), 'utf8');
      expect(text).toMatch(/checkEmitted\(spec, impl, name, t, scoped\)/);
      const good = vitest(out);
      expect(good.code, good.out).toBe(0);
      expect(good.out).toMatch(/passed/);
      // the seeded implementation: results agree in both orders, the states do not
      fs.writeFileSync(path.join(dir, 'impl/bits.ts'), seeded(IMPL));
      const bad = vitest(out);
      expect(bad.code, bad.out).not.toBe(0);
      expect(bad.out).toMatch(/failed/);
      expect(bad.out).toMatch(/the state set;set leaves is related by equiv to no final state of the spec's set;set/);
      // the results alone show nothing wrong: no test fails on them
      expect(bad.out).not.toMatch(/which no run of the spec gives/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('splits a pair into files of at most EMIT_MAX_TESTS tests', () => {
    const spec = { name: 'big', specFile: path.join(root, 'spec/big.ts'), variants: [], scope: new Map() } as unknown as CommuteSpec;
    const test = (k: number): TestCase => ({ id: `t${k}`, pair: ['a', 'b'], path: 'c0', setup: { v: k }, calls: [{ op: 'a', args: [] }, { op: 'b', args: [] }], expect: { ab: [0, 0], ba: [0, 0] } });
    const tests = Array.from({ length: 2 * EMIT_MAX_TESTS + 1 }, (_, k) => test(k));
    const files = vitestFiles(path.join(root, 'gen'), spec, tests, [{ id: 't3', impl: 'big', resultsOk: true, conflicts: [{ cell: 'v', a: 'write', b: 'read' }] }]);
    expect(files.map((f) => f.file)).toEqual(['big.a_b.1.test.ts', 'big.a_b.2.test.ts', 'big.a_b.3.test.ts']);
    const count = (text: string) => text.split('\n').filter((l) => l.startsWith('{"id":')).length;
    expect(files.map((f) => count(f.text))).toEqual([EMIT_MAX_TESTS, EMIT_MAX_TESTS, 1]);
    // a test's conflicts on a variant when generated travel with it
    expect(files[0].text).toContain('"id":"t3"');
    expect(files[0].text).toMatch(/"id":"t3".*"conflicted":\{"big":\["v"\]\}/);
  });
});
