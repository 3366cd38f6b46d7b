// Constructs whose TypeScript meaning the theorems could silently change (issue: "Soundness first").
// Each case is a small spec/implementation pair that, before these checks, was proved although
// its real run disagrees with its spec. The theorems are built in-process (no solver): a case must
// either be rejected with a diagnostic at the marked place, or produce the obligation that
// refutes it.
//
//   - predicates (inv_*, equiv) that write their inputs or assume: what they return would not be
//     what is proved;
//   - operations that write into an argument: an output refinement does not compare;
//   - an implementation's assume(): it may not narrow the inputs the spec accepts;
//   - records and arrays of one shape but other integer types: shared, not converted.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../verifier/frontend/project.ts';
import { loadSubsystem, type Subsystem } from '../verifier/subsystem.ts';
import { theoremOf, type Theorem } from '../verifier/theorems.ts';
import { SubsetError, type Diagnostic } from '../verifier/diagnostics.ts';

const MARK = '⟪';
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const HEAD = `import type { u8, u32, i32, Arr } from 'pushbutton';
import { arr, assume } from 'pushbutton';
export interface Buf { data: Arr<u8, 4>; len: u8 }
`;

/** A spec with one counter and one buffer; operations and predicates come from each case. */
const SPEC = (extra: string) => `${HEAD}export interface State { n: u32; buf: Buf }
export function init(): State { return { n: 0, buf: { data: arr(4, (i) => 0), len: 0 } }; }
export function put(s: State, x: u8, b: Buf): number {
  if (s.n >= 100) return -1;
  s.n = s.n + 1;
  return x;
}
${extra}`;

const IMPL = (op: string, extra = '') => `${HEAD}import type * as spec from '../spec/t';
export interface State { n: u32; buf: Buf }
export function init(): State { return { n: 0, buf: { data: arr(4, (i) => 0), len: 0 } }; }
${op}
export function equiv(i: State, s: spec.State): boolean { return i.n === s.n; }
${extra}`;

const PUT = `export function put(s: State, x: u8, b: Buf): number {
  if (s.n >= 100) return -1;
  s.n = s.n + 1;
  return x;
}`;

/** Writes the pair into a fresh folder; returns the subsystem and the marked location (impl or spec). */
function load(spec: string, impl: string): { sub: Subsystem; mark?: { file: string; line: number; col: number } } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-sound-')));
  roots.push(root);
  let mark: { file: string; line: number; col: number } | undefined;
  const write = (rel: string, text: string) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const at = text.indexOf(MARK);
    if (at >= 0) {
      const before = text.slice(0, at).split('\n');
      mark = { file, line: before.length, col: before[before.length - 1].length + 1 };
    }
    fs.writeFileSync(file, text.replace(MARK, ''));
    return file;
  };
  const specFile = write('spec/t.ts', spec);
  const implFile = write('impl/t.ts', impl);
  return { sub: loadSubsystem(loadProject(root), 't', specFile, implFile), mark };
}

/** Every theorem of the subsystem; the first SubsetError's diagnostics if building one throws. */
function build(sub: Subsystem): { theorems: Theorem[]; rejected?: Diagnostic[] } {
  const theorems: Theorem[] = [];
  try {
    theorems.push(theoremOf(sub, 'init', 'init'));
    for (const op of sub.operations) {
      theorems.push(theoremOf(sub, op.name, 'refinement'));
      theorems.push(theoremOf(sub, op.name, 'invariants'));
    }
  } catch (e) {
    if (e instanceof SubsetError) return { theorems, rejected: e.diagnostics };
    throw e;
  }
  return { theorems };
}

function expectRejectedAtMark(spec: string, impl: string, construct: RegExp): void {
  const { sub, mark } = load(spec, impl);
  const { rejected } = build(sub);
  expect(rejected, 'expected a located rejection').toBeDefined();
  const d = rejected![0];
  expect(d.construct).toMatch(construct);
  expect({ file: d.loc.file, line: d.loc.line, col: d.loc.col }).toEqual(mark);
}

describe('predicates are pure', () => {
  it('an invariant that writes the state is rejected where it writes', () => {
    expectRejectedAtMark(SPEC(`export function inv_small(s: State): boolean {\n  ${MARK}s.n = 0;\n  return s.n <= 100;\n}`), IMPL(PUT), /a write in the predicate inv_small/);
  });
  it('equiv that writes through a helper is rejected in the helper', () => {
    const impl = IMPL(PUT.replace('export function equiv', 'function x'), `function zero(i: State): boolean {\n  ${MARK}i.buf.len = 0;\n  return true;\n}\nexport function inv_z(i: State): boolean { return zero(i) && i.n <= 100; }`);
    expectRejectedAtMark(SPEC(''), impl, /a write in the predicate inv_z/);
  });
  it('an invariant that assumes is rejected', () => {
    expectRejectedAtMark(SPEC(`export function inv_small(s: State): boolean {\n  ${MARK}assume(s.n < 50);\n  return s.n <= 100;\n}`), IMPL(PUT), /assume in the predicate inv_small/);
  });
  it('a predicate may build and write a record of its own', () => {
    const { sub } = load(SPEC(`export function inv_buf(s: State): boolean {\n  const t: Buf = { data: arr(4, (i) => 1), len: 2 };\n  t.len = 3;\n  return s.buf.len <= t.len + 100;\n}`), IMPL(PUT));
    expect(build(sub).rejected).toBeUndefined();
  });
});

describe('outputs through arguments', () => {
  it("an implementation writing into its argument's array is rejected there", () => {
    const put = PUT.replace('  s.n = s.n + 1;', `  s.n = s.n + 1;\n  ${MARK}b.data[0] = x;`);
    expectRejectedAtMark(SPEC(''), IMPL(put), /a write into the argument b/);
  });
  it('a spec writing into its argument through a helper is rejected in the helper', () => {
    const spec = SPEC('').replace('  s.n = s.n + 1;\n  return x;', '  s.n = s.n + 1;\n  clear(b);\n  return x;') + `function clear(b: Buf): void {\n  ${MARK}b.len = 0;\n}\n`;
    expectRejectedAtMark(spec, IMPL(PUT), /a write into the argument b/);
  });
});

describe("an implementation's assume is an obligation", () => {
  it('refinement gets an assume obligation at the assume, instead of a hypothesis', () => {
    const put = PUT.replace('  if (s.n >= 100) return -1;', `  if (s.n >= 100) return -1;\n  ${MARK}assume(x < 10);`);
    const { sub, mark } = load(SPEC(''), IMPL(put));
    const { theorems, rejected } = build(sub);
    expect(rejected).toBeUndefined();
    const refinement = theorems.find((t) => t.kind === 'refinement')!;
    const goal = refinement.goals.find((g) => g.obligation?.kind === 'assume');
    expect(goal, 'an assume obligation').toBeDefined();
    expect({ file: goal!.loc.file, line: goal!.loc.line, col: goal!.loc.col }).toEqual(mark);
  });
  it("the spec's assume stays a precondition (a hypothesis, no goal)", () => {
    const spec = SPEC('').replace('  if (s.n >= 100) return -1;', '  if (s.n >= 100) return -1;\n  assume(x < 10);');
    const { sub } = load(spec, IMPL(PUT));
    const { theorems } = build(sub);
    expect(theorems.flatMap((t) => t.goals).some((g) => g.obligation?.kind === 'assume')).toBe(false);
  });
});

describe('records and arrays are shared, not converted', () => {
  it('a record with a u32 field stored where the type says u8 is rejected by the front end', () => {
    const spec = `${HEAD}export interface Wide { v: u32 }\nexport interface Narrow { v: u8 }\nexport interface State { n: Narrow }
export function init(): State { return { n: { v: 0 } }; }
export function put(s: State, x: u32): number {
  const w: Wide = { v: x };
  s.n = ${MARK}w;
  return 0;
}`;
    const impl = `${HEAD}import type * as spec from '../spec/t';\nexport interface Narrow { v: u8 }\nexport interface State { n: Narrow }
export function init(): State { return { n: { v: 0 } }; }
export function put(s: State, x: u32): number { return 0; }
export function equiv(i: State, s: spec.State): boolean { return i.n.v === s.n.v; }`;
    let thrown: unknown;
    try {
      load(spec, impl);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SubsetError);
    const d = (thrown as SubsetError).diagnostics[0];
    expect(d.message).toMatch(/same integer types/);
    expect(d.loc.line).toBe(spec.slice(0, spec.indexOf(MARK)).split('\n').length);
  });
});

describe('names are resolved, not matched by their text', () => {
  it("a user's own Math is not JavaScript's", () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-sound-')));
    roots.push(root);
    fs.mkdirSync(path.join(root, 'spec'));
    fs.writeFileSync(path.join(root, 'spec/mymath.ts'), `export function min(a: number, b: number): number { return a + b; }\n`);
    const spec = `import type { u8 } from 'pushbutton';\nimport * as Math from './mymath';\nexport interface State { x: u8 }\nexport function init(): State { return { x: 0 }; }\nexport function op(s: State, a: u8, b: u8): number { return ${MARK}Math.min(a, b); }\n`;
    fs.writeFileSync(path.join(root, 'spec/t.ts'), spec.replace(MARK, ''));
    fs.writeFileSync(path.join(root, 'impl.ts'), '');
    let thrown: unknown;
    try {
      loadSubsystem(loadProject(root), 't', path.join(root, 'spec/t.ts'), path.join(root, 'impl.ts'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SubsetError);
    const d = (thrown as SubsetError).diagnostics.find((x) => x.loc.file.endsWith('spec/t.ts'))!;
    expect(d.loc.line).toBe(5);
  });
});

describe('results are new objects', () => {
  it("an operation returning a record of its state is rejected (the caller would share it)", () => {
    const spec = `${HEAD}export interface State { n: u32; buf: Buf }
export function init(): State { return { n: 0, buf: { data: arr(4, (i) => 0), len: 0 } }; }
export function get(s: State): Buf { return { data: arr(4, (i) => s.buf.data[i]), len: s.buf.len }; }
`;
    const impl = IMPL(`export function get(s: State): Buf { return s.buf; }`);
    const { sub } = load(spec, impl);
    const { rejected } = build(sub);
    expect(rejected?.[0].construct).toMatch(/get returning a record or array of its state or arguments/);
    expect(rejected?.[0].loc.file).toBe(sub.implFile);
  });
  it('a field named __proto__ is rejected: a literal would set the prototype', () => {
    let thrown: unknown;
    try {
      load(SPEC('').replace('export interface State { n: u32; buf: Buf }', 'export interface State { n: u32; buf: Buf; __proto__: u8 }'), IMPL(PUT));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SubsetError);
    expect((thrown as SubsetError).diagnostics.some((d) => /__proto__/.test(d.construct))).toBe(true);
  });
});

describe('modules that could not be loaded', () => {
  it('a constant read at module level across an import cycle is rejected at the read', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-sound-')));
    roots.push(root);
    const spec = `import type { u8 } from 'pushbutton';\nimport { K } from './impl';\nexport const N = 4;\nexport const M = ${MARK}K + 1;\nexport interface State { x: u8 }\nexport function init(): State { return { x: 0 }; }\nexport function op(s: State): number { return M; }\n`;
    const impl = `import type { u8 } from 'pushbutton';\nimport { N } from './spec';\nimport type * as spec from './spec';\nexport const K = N;\nexport interface State { x: u8 }\nexport function init(): State { return { x: 0 }; }\nexport function op(s: State): number { return K + 1; }\nexport function equiv(i: State, s: spec.State): boolean { return i.x === s.x; }\n`;
    fs.writeFileSync(path.join(root, 'spec.ts'), spec.replace(MARK, ''));
    fs.writeFileSync(path.join(root, 'impl.ts'), impl);
    let thrown: unknown;
    try {
      loadSubsystem(loadProject(root), 't', path.join(root, 'spec.ts'), path.join(root, 'impl.ts'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SubsetError);
    const d = (thrown as SubsetError).diagnostics.find((x) => x.loc.file.endsWith('spec.ts'));
    expect(d?.construct).toMatch(/the constant K read at module level from a module that imports this one back/);
    expect(d?.loc.line).toBe(4);
  });
});
