// An operation's invariants theorem is the spec's alone (verifier/theorems.ts, invariants(): the
// spec's operation keeps the spec's invariants), the same query whatever implementation the spec is
// paired with. Tests that leave it to another run rest on this (RunOptions.theorems, bench/README.md
// "Test suite time"): the seeded-bug tests of the kernel, GPUvm and POSIX models (a bug file is an
// implementation: its invariants theorems are the ones kernel.test.ts, gpuvm.test.ts and
// posix.test.ts prove), gpuvm-pervm.test.ts (gpuvm.test.ts proves the spec's) and posix.test.ts's
// second implementation. Checked here on examples/fdtable's implementation and bug files, query for
// query, where lowering takes a second; and RunOptions.theorems asks only the kinds it names.
import { describe, it, expect, afterAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../verifier/frontend/project.ts';
import { loadSubsystem, type Subsystem } from '../verifier/subsystem.ts';
import { theoremOf, toSmt, type TheoremKind } from '../verifier/theorems.ts';
import { discover, select } from '../verifier/discover.ts';
import { Runner } from '../verifier/run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = discover(root);

/**
 * The solver's query of one theorem, without what names the subsystem (the prelude's comment line,
 * the goal ids' prefix), its bound variables renumbered in order of appearance (the term builder
 * numbers them across the process: d0!0 in one run is d0!1 in the next).
 */
function query(sub: Subsystem, op: string, kind: TheoremKind): string {
  const smt = toSmt(theoremOf(sub, op, kind));
  const text = [...smt.prelude.split('\n').slice(1), ...smt.goals.flatMap((g) => [g.id.slice(sub.name.length), g.smt])].join('\n');
  const renamed = new Map<string, string>();
  return text.replace(/(\w+)!(\d+)/g, (v, name: string) => {
    if (!renamed.has(v)) renamed.set(v, `${name}!${renamed.size}`);
    return renamed.get(v)!;
  });
}

describe("an operation's invariants theorem does not depend on the implementation", () => {
  it('examples/fdtable: the same query with its implementation and with each of three seeded bugs', () => {
    const bugs = ['close-keeps-file.ts', 'dup-missing-refcnt.ts', 'open-file-off-by-one.ts'];
    const pairs = [...select(root, all, 'examples/fdtable'), ...bugs.flatMap((b) => select(root, all, `examples/fdtable/bugs/${b}`))];
    expect(pairs.length).toBe(4);
    const project = loadProject(root);
    const [impl, ...buggy] = pairs.map((p) => loadSubsystem(project, p.name, p.specFile, p.implFile));
    const ops = impl.operations.map((o) => o.name);
    expect(ops).toEqual(expect.arrayContaining(['open', 'close', 'dup']));
    for (const sub of buggy) for (const op of ops) expect(query(sub, op, 'invariants'), `${sub.name}.${op}`).toBe(query(impl, op, 'invariants'));
    // the comparison can tell implementations apart: the refinement theorem of a bug's operation differs
    expect(query(buggy[0], 'close', 'refinement')).not.toBe(query(impl, 'close', 'refinement'));
    expect(query(buggy[2], 'open', 'refinement')).not.toBe(query(impl, 'open', 'refinement'));
  });

  const runner = new Runner(root, { timeoutMs: 60_000, jobs: 1, filter: ['*incr'], theorems: ['refinement'] });
  afterAll(() => runner.close());

  it("RunOptions.theorems: a run asks only the theorems of the kinds named (examples/counter's incr, refinement)", async () => {
    const out = await runner.verify(select(root, all, 'examples/counter')[0]);
    expect(out.diagnostics).toEqual([]);
    expect(out.operations.map((o) => o.name)).toEqual(['incr']);
    const goals = out.operations.flatMap((o) => o.goals);
    expect(goals.length).toBeGreaterThan(0);
    expect([...new Set(goals.map((g) => g.theorem))]).toEqual(['refinement']);
    expect(out.status).toBe('proved');
  });
});
