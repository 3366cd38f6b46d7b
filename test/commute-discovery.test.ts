// Which spec and which implementations `verify commute TARGET` takes (issue 29, item 4): every
// implementation of the spec (impl.ts and impl.VARIANT.ts, as docs/commute.md says), one when the
// target names an implementation file, none for a spec that has no implementation file (its pairs
// are still analysed); and a spec named by its file path keeps its folder's name.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCommuteSpec, runCommute, exitCodeOf, UsageError } from '../verifier/commute/command.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { pathsText } from '../verifier/commute/report.ts';

const SPEC = `import type { i32 } from 'pushbutton';
export interface State { v: i32 }
export function init(): State { return { v: 0 }; }
export function set(s: State, x: i32): number { s.v = x; return 0; }
export function get(s: State): number { return s.v; }
`;
const IMPL = (field: string) => `import type { i32 } from 'pushbutton';
import type * as spec from './spec';
export interface State { ${field}: i32 }
export function init(): State { return { ${field}: 0 }; }
export function set(s: State, x: i32): number { s.${field} = x; return 0; }
export function get(s: State): number { return s.${field}; }
export function equiv(i: State, s: spec.State): boolean { return i.${field} === s.v; }
`;

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'commute-discovery-'));
  const reg = path.join(root, 'examples', 'reg');
  fs.mkdirSync(reg, { recursive: true });
  fs.writeFileSync(path.join(reg, 'spec.ts'), SPEC);
  fs.writeFileSync(path.join(reg, 'impl.ts'), IMPL('v'));
  fs.writeFileSync(path.join(reg, 'impl.renamed.ts'), IMPL('w'));
  fs.mkdirSync(path.join(root, 'spec'));
  fs.writeFileSync(path.join(root, 'spec', 'solo.ts'), SPEC);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const names = (target: string) => loadCommuteSpec(root, target).variants.map((v) => v.name).sort();

describe('verify commute: the spec and its implementations', () => {
  it('NAME, examples/NAME and the spec file take every implementation of the spec', () => {
    for (const target of ['reg', 'examples/reg', 'examples/reg/spec.ts']) expect(names(target), target).toEqual(['reg', 'reg.renamed']);
  });

  it('an implementation file takes that implementation only', () => {
    expect(names('examples/reg/impl.renamed.ts')).toEqual(['reg.renamed']);
  });

  it('a spec with no implementation yet is analysed without variants, under its own name', () => {
    const spec = loadCommuteSpec(root, 'solo');
    expect([spec.name, spec.variants.length, spec.operations.map((o) => o.name)]).toEqual(['solo', 0, ['set', 'get']]);
  });

  it('a spec named by its file path is called after its folder, not "spec"', () => {
    fs.mkdirSync(path.join(root, 'lone'), { recursive: true });
    fs.writeFileSync(path.join(root, 'lone', 'spec.ts'), SPEC);
    expect(loadCommuteSpec(root, 'lone/spec.ts').name).toBe('lone');
  });

  it('a target that names nothing is a usage error', () => {
    expect(() => loadCommuteSpec(root, 'nothing')).toThrow(UsageError);
  });

  it('counts paths in English', () => {
    expect([pathsText(1), pathsText(4)]).toEqual(['1 path', '4 paths']);
  });
});

describe('verify commute: a vacuous pair and a spec outside the root', () => {
  it('a commuteFirst no argument satisfies leaves the pair without a verdict (it said "never"), and the run exits 3', async () => {
    const dir = path.join(root, 'examples', 'cf');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'spec.ts'), `${SPEC}export function commuteFirst(x: i32): boolean { return x > 300 && x < 301; }\n`);
    const pool = new SolverPool({ jobs: 1 });
    try {
      const run = await runCommute({ root, target: 'cf', jobs: 1, pool, noTests: true, filter: ['set/get'] });
      expect(run.pairs.map((p) => p.verdict)).toEqual(['unknown']);
      expect(run.pairs[0].cases.join(' ')).toContain('the analysis is vacuous');
      expect(exitCodeOf(run)).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('a spec file outside the root finds the implementations beside it', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'commute-elsewhere-'));
    try {
      fs.mkdirSync(path.join(elsewhere, 'examples', 'reg'), { recursive: true });
      fs.writeFileSync(path.join(elsewhere, 'examples', 'reg', 'spec.ts'), SPEC);
      fs.writeFileSync(path.join(elsewhere, 'examples', 'reg', 'impl.ts'), IMPL('v'));
      expect(loadCommuteSpec(root, path.join(elsewhere, 'examples', 'reg', 'spec.ts')).variants.map((v) => v.name)).toEqual(['reg']);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
