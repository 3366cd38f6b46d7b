// The examples prove, and every seeded bug in examples/NAME/bugs/ is refuted in the operation it
// sits in, with a counterexample that replayed on the TypeScript code.
//
// One Runner (one solver pool) for the whole file, in-process. Bug files are selected exactly as
// `verify examples/NAME/bugs/FILE.ts` selects them (discover.ts), and verified with --filter set
// to the operations the bug is expected in, which keeps the file to a couple of minutes: the
// correct operations of a bug file are the ones the example's own proof already covers. For the
// same reason a bug file (an implementation) is asked only its operations' refinement theorems:
// an operation's invariants theorem is the spec's alone, the same query whatever the
// implementation (test/spec-theorems.test.ts), and the example's proof proves it (it was 40-50% of
// the solving of fdtable's dup2 bugs, PUSHBUTTON_TRACE=1). A folder (a buggy spec) is asked both.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner, type RunOptions, type SubsystemOutcome } from '../verifier/run.ts';
import { discover, select, type Pair } from '../verifier/discover.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every seeded bug, by example: a file in bugs/ (an implementation checked against the example's
 * spec.ts), or a folder in bugs/ holding a buggy spec.ts with an implementation; and the
 * operations where the verifier must refute it. A bug in a helper shared by two operations is
 * expected in both.
 */
const BUGS: Record<string, Record<string, string[]>> = {
  counter: {
    'carry-assert.ts': ['incr'],
    'carry-off-by-one.ts': ['incr'],
    'inexact-division.ts': ['incr'],
    'sum-overflow.ts': ['incr'],
    'update-before-check.ts': ['incr'],
    'wrong-errno.ts': ['incr'],
  },
  fdtable: {
    'close-keeps-file.ts': ['close', 'dup2'],
    'close-wrong-errno.ts': ['close'],
    'dup-missing-refcnt.ts': ['dup'],
    'dup2-bad-assert.ts': ['dup2'],
    'dup2-emfile-state-change.ts': ['dup2'],
    'dup2-same-fd.ts': ['dup2'],
    'offset-u16.ts': ['lseek'],
    'open-file-off-by-one.ts': ['open'],
    'spec-nfds-bound': ['open', 'dup', 'dup2'],
  },
  anyslot: {
    'spurious-enospc.ts': ['alloc'],
    'used-slot.ts': ['alloc'],
  },
  allocator: {
    'double-free.ts': ['free'],
    'free-bound-off-by-one.ts': ['free'],
    'free-keeps-hint.ts': ['free'],
    'hint-assert.ts': ['alloc'],
    'next-free-off-by-one.ts': ['alloc'],
    'no-hint-inv.ts': ['alloc'],
    'no-nfree-inv.ts': ['alloc', 'free', 'available'],
    'owner-unchecked.ts': ['alloc'],
    'spec-owner-bound': ['alloc'],
    'wrong-errno.ts': ['free'],
  },
};

const opts: RunOptions = { timeoutMs: 60_000, jobs: 2 };
const runner = new Runner(root, opts);
afterAll(() => runner.close());

const all = discover(root);

function pairsOf(selector: string): Pair[] {
  const pairs = select(root, all, selector);
  expect(pairs.length, `${selector} selects a subsystem`).toBeGreaterThan(0);
  return pairs;
}

async function run(pair: Pair, filter?: string[], theorems?: RunOptions['theorems']): Promise<SubsystemOutcome> {
  // a glob is anchored: '*dup' selects dup and not dup2 (a plain 'dup' would match both)
  opts.filter = filter?.map((op) => `*${op}`);
  opts.theorems = theorems;
  try {
    return await runner.verify(pair);
  } finally {
    opts.filter = undefined;
    opts.theorems = undefined;
  }
}

function goalsOf(out: SubsystemOutcome) {
  return out.operations.flatMap((o) => o.goals.map((g) => ({ op: o.name, ...g })));
}

/** Every folder examples/NAME holding a spec.ts. */
const EXAMPLES = fs
  .readdirSync(path.join(root, 'examples'))
  .filter((d) => fs.existsSync(path.join(root, 'examples', d, 'spec.ts')))
  .sort();

describe('examples prove', () => {
  it('every example has seeded bugs in the table', () => {
    expect(Object.keys(BUGS).sort()).toEqual(EXAMPLES);
  });

  for (const name of EXAMPLES) {
    it(`examples/${name}`, async () => {
      const pairs = pairsOf(`examples/${name}`);
      for (const pair of pairs) {
        const out = await run(pair);
        expect(out.diagnostics).toEqual([]);
        expect(out.operations.length).toBeGreaterThan(1);
        const open = goalsOf(out).filter((g) => g.status !== 'proved').map((g) => `${g.id}: ${g.status} ${g.reason ?? ''}`);
        expect(open, `${pair.name}: goals not proved`).toEqual([]);
        expect(out.status).toBe('proved');
      }
    }, 600_000);
  }
});

describe('the bug table lists every seeded bug', () => {
  for (const [name, bugs] of Object.entries(BUGS)) {
    it(`examples/${name}/bugs`, () => {
      const dir = path.join(root, 'examples', name, 'bugs');
      const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') || fs.statSync(path.join(dir, f)).isDirectory()).sort();
      expect(entries).toEqual(Object.keys(bugs).sort());
      for (const e of entries) {
        // each bug starts with a comment naming it
        const file = e.endsWith('.ts') ? path.join(dir, e) : path.join(dir, e, 'spec.ts');
        expect(fs.readFileSync(file, 'utf8').split('\n')[0], file).toMatch(/^\/\/ Seeded (spec )?bug/);
      }
    });
  }
});

describe('seeded bugs are refuted where they are', () => {
  for (const [name, bugs] of Object.entries(BUGS)) {
    for (const [bug, ops] of Object.entries(bugs)) {
      it(`examples/${name}/bugs/${bug} in ${ops.join(', ')}`, async () => {
        const [pair, ...more] = pairsOf(`examples/${name}/bugs/${bug}`);
        expect(more).toEqual([]);
        const out = await run(pair, ops, bug.endsWith('.ts') ? ['refinement'] : undefined);
        expect(out.diagnostics).toEqual([]);
        expect(out.status).toBe('refuted');
        const refutedOps = out.operations.filter((o) => o.status === 'refuted').map((o) => o.name);
        expect(refutedOps.sort()).toEqual([...ops].sort());
        const refuted = goalsOf(out).filter((g) => g.status === 'refuted');
        for (const g of refuted) {
          expect(g.counterexample?.confirmed, `${g.id}: ${g.counterexample?.replay}`).toBe(true);
        }
        // nothing is left undecided: a goal of a buggy operation is proved or refuted
        expect(goalsOf(out).filter((g) => g.status === 'unknown').map((g) => g.id)).toEqual([]);
      }, 600_000);
    }
  }
});
