// choose() inside a predicate (equiv here) means what it means when the predicate runs: the lowest
// index where the body holds, or -1. An open choice there let the solver pick an index no run
// takes, so a correct pair ended "unknown" (red-team q27); the op that really breaks equiv must
// still be refuted.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../verifier/run.ts';
import { discover } from '../verifier/discover.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'choose-predicate');
const runner = new Runner(fixture, { timeoutMs: 20_000, jobs: 1 });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'choose-predicate-'));
afterAll(async () => {
  await runner.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('choose() in a predicate', () => {
  it('is the lowest index, as at run time: a correct pair whose equiv uses it is proved', async () => {
    const out = await runner.verify(discover(fixture)[0]);
    expect(out.operations.map((o) => `${o.name} ${o.status}`)).toEqual(['init proved', 'mark proved', 'first proved']);
  });

  it('still refutes an operation that breaks the relation (marking the HIGHEST slot in the spec)', async () => {
    for (const side of ['spec', 'impl']) fs.mkdirSync(path.join(scratch, side), { recursive: true });
    fs.copyFileSync(path.join(fixture, 'impl', 'first.ts'), path.join(scratch, 'impl', 'first.ts'));
    const spec = fs.readFileSync(path.join(fixture, 'spec', 'first.ts'), 'utf8');
    fs.writeFileSync(path.join(scratch, 'spec', 'first.ts'), spec.replace('k < s.first', 'k > s.first'));
    const r = new Runner(scratch, { timeoutMs: 20_000, jobs: 1 });
    try {
      const out = await r.verify(discover(scratch)[0]);
      const mark = out.operations.find((o) => o.name === 'mark')!;
      expect(mark.status).toBe('refuted');
      expect(mark.goals.find((g) => g.status === 'refuted')?.counterexample?.confirmed).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe('choose() inside a quantifier body', () => {
  it('is refused also where the verifier expands the quantifier element by element (red-team round 15, a34), directly and through a helper', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'in-count-'));
    for (const side of ['spec', 'impl']) fs.mkdirSync(path.join(dir, side));
    // each of the 4 elements' choose made a choice of its own: the spec allowed a count of 2 when
    // every slot is free, which no run without a chooser gives (it gives 1)
    const spec = `import type { u8, Arr } from 'pushbutton';
import { arr, count, choose } from 'pushbutton';
export interface State { used: Arr<boolean, 4> }
export function init(): State { return { used: arr(4, (i) => false) }; }
function firstFree(s: State): number { return choose(4, (j) => !s.used[j]); }
export function direct(s: State): u8 { return count(4, (i) => choose(4, (j) => !s.used[j]) === i); }
export function viaHelper(s: State): u8 { return count(4, (i) => firstFree(s) === i); }
`;
    const impl = `import type { u8, Arr } from 'pushbutton';
import type * as spec from '../spec/t.ts';
import { arr } from 'pushbutton';
export interface State { used: Arr<boolean, 4> }
export function init(): State { return { used: arr(4, (i) => false) }; }
export function direct(s: State): u8 { return 1; }
export function viaHelper(s: State): u8 { return 1; }
export function equiv(i: State, s: spec.State): boolean { return i.used[0] === s.used[0] && i.used[1] === s.used[1] && i.used[2] === s.used[2] && i.used[3] === s.used[3]; }
`;
    fs.writeFileSync(path.join(dir, 'spec', 't.ts'), spec);
    fs.writeFileSync(path.join(dir, 'impl', 't.ts'), impl);
    const r = new Runner(dir, { timeoutMs: 20_000, jobs: 1 });
    try {
      const out = await r.verify(discover(dir)[0]);
      expect(out.status).toBe('rejected');
      const lines = spec.split('\n');
      const at = (needle: string, from: number) => ({ line: lines.findIndex((l) => l.includes(needle)) + 1, col: lines.find((l) => l.includes(needle))!.indexOf('choose', from) + 1 });
      expect(out.diagnostics.map((d) => ({ line: d.loc.line, col: d.loc.col, construct: d.construct })).sort((a, b) => a.line - b.line)).toEqual([
        { ...at('function firstFree', 0), construct: 'choose() inside a quantifier, arr() or choose() body' },
        { ...at('export function direct', 40), construct: 'choose() inside a quantifier, arr() or choose() body' },
      ]);
    } finally {
      await r.close();
    }
  });
});
