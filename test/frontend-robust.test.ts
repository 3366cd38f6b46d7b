// The front end on bad input: whatever TypeScript rejects is outside the subset, and nothing a user
// can put where a source file is expected makes the verifier crash or hang.
//
// Through the CLI (`node bin/verify.mjs`, as test/cli.test.ts runs it), in a copy of
// test/fixtures/robust/counter: each case of test/fixtures/robust/cases/*.ts.txt replaces the
// implementation and must be exit 2 with the error at the line marked `// expect: REGEX`; FIFOs,
// link loops, folders and devices are made in the temporary folder at test time. Then signatures
// through the API, and a seeded mutation mini-fuzzer over the shipped examples (front end only).

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../verifier/frontend/project.ts';
import { loadSpec, loadSubsystem } from '../verifier/subsystem.ts';
import { MAX_DEPTH } from '../verifier/frontend/typecheck.ts';
import { SubsetError, type Diagnostic } from '../verifier/diagnostics.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin', 'verify.mjs');
const ROBUST = path.join(REPO, 'test', 'fixtures', 'robust');
/** A run that takes this long is a hang (a good one takes a few seconds, more on a loaded machine). */
const HANG_MS = 90_000;
vi.setConfig({ testTimeout: 2 * HANG_MS, hookTimeout: HANG_MS });

interface Run {
  code: number | null;
  out: string;
  ms: number;
}

function verify(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, PUSHBUTTON_DEBUG: '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: performance.now() - t0 });
    });
  });
}

let tmp: string;
let serial = 0;
/** A fresh copy of the robust counter project. */
function project(): string {
  const dest = path.join(tmp, `p${serial++}`);
  fs.cpSync(path.join(ROBUST, 'counter'), dest, { recursive: true });
  return dest;
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-robust-')));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Exit 2, a located error at `where` matching `what`, no stack trace, no internal error. */
function expectLocated(r: Run, where: string, what: RegExp): void {
  expect(r.code, r.out).toBe(2);
  expect(r.out).not.toMatch(/internal error|\n\s+at /);
  const lines = r.out.split('\n').filter((l) => l.includes(where) && l.includes(': error: '));
  expect(lines.some((l) => what.test(l)), `${where}...: error: ${what} in\n${r.out}`).toBe(true);
}

describe('what is not a source file: a located error (exit 2), never a crash or a hang', () => {
  const IMPL = 'impl/counter.ts';
  const replaceImpl = (make: (file: string) => void) => {
    const root = project();
    fs.rmSync(path.join(root, IMPL));
    make(path.join(root, IMPL));
    return root;
  };

  it('a FIFO as the implementation (opening it would block forever)', async () => {
    const root = replaceImpl((f) => execFileSync('mkfifo', [f]));
    const r = await verify(root, 'counter');
    expectLocated(r, `${IMPL}:1:1`, /it is a named pipe \(FIFO\)/);
  });

  it('a symbolic link loop as the implementation', async () => {
    const root = replaceImpl((f) => fs.symlinkSync(path.basename(f), f));
    const r = await verify(root, 'counter');
    expectLocated(r, `${IMPL}:1:1`, /a symbolic link loop/);
  });

  it('a device file as the implementation (/dev/zero never ends)', async () => {
    const root = replaceImpl((f) => fs.symlinkSync('/dev/zero', f));
    const r = await verify(root, 'counter');
    expectLocated(r, `${IMPL}:1:1`, /a device file/);
  });

  it('a folder as the spec, found by the project-wide discovery', async () => {
    const root = project();
    fs.rmSync(path.join(root, 'spec', 'counter.ts'));
    fs.mkdirSync(path.join(root, 'spec', 'counter.ts'));
    const r = await verify(root);
    expectLocated(r, 'spec/counter.ts:1:1', /it is a directory/);
  });

  it('an import of a FIFO is an error at the import, not a hang', async () => {
    const root = project();
    execFileSync('mkfifo', [path.join(root, 'impl', 'helper.ts')]);
    const impl = path.join(root, IMPL);
    fs.writeFileSync(impl, fs.readFileSync(impl, 'utf8').replace("import { MAX } from '../spec/counter';", "import { MAX } from '../spec/counter';\nimport { twice } from './helper.ts';"));
    const r = await verify(root, 'counter');
    // TypeScript finds no such module (a FIFO is no file to it): located at the import
    expectLocated(r, `${IMPL}:5:`, /helper/);
  });

  it('verify rid on a FIFO', async () => {
    const root = project();
    execFileSync('mkfifo', [path.join(root, 'pipe.ts')]);
    const r = await verify(root, 'rid', 'pipe.ts', '--jobs', '1');
    expectLocated(r, 'pipe.ts:1:1', /it is a named pipe \(FIFO\)/);
  });

  for (const [name, make] of [
    ['a FIFO', (f: string) => execFileSync('mkfifo', [f])],
    ['a folder', (f: string) => fs.mkdirSync(f)],
    ['a symbolic link loop', (f: string) => fs.symlinkSync('tsconfig.json', f)],
  ] as const) {
    it(`${name} as tsconfig.json`, async () => {
      const root = project();
      make(path.join(root, 'tsconfig.json'));
      const r = await verify(root);
      expectLocated(r, 'tsconfig.json:1:1', /the project configuration tsconfig\.json: it is/);
    });
  }

  it('a malformed tsconfig.json: each JSON error at its line and column', async () => {
    const root = project();
    fs.copyFileSync(path.join(ROBUST, 'cases', 'tsconfig-malformed.json'), path.join(root, 'tsconfig.json'));
    const r = await verify(root, 'counter');
    expectLocated(r, 'tsconfig.json:4:5', /tsconfig\.json: ',' expected/);
  });

  it('an unknown option in tsconfig.json, at the option', async () => {
    const root = project();
    fs.copyFileSync(path.join(ROBUST, 'cases', 'tsconfig-unknown-option.json'), path.join(root, 'tsconfig.json'));
    const r = await verify(root, 'counter');
    expectLocated(r, 'tsconfig.json:4:5', /Unknown compiler option 'stict'/);
  });
});

describe('what TypeScript rejects, and code at module level: located errors (exit 2)', () => {
  // stored as .ts.txt: the repository's own type check (tsc -p .) must not see these broken files
  const cases = fs.readdirSync(path.join(ROBUST, 'cases')).filter((f) => f.endsWith('.ts.txt'));
  it('there are cases', () => expect(cases.length).toBeGreaterThanOrEqual(10));
  it.each(cases)('%s', async (c) => {
    const text = fs.readFileSync(path.join(ROBUST, 'cases', c), 'utf8');
    const k = text.split('\n').findIndex((l) => /\/\/ expect: /.test(l));
    expect(k, `${c} marks its expected line`).toBeGreaterThanOrEqual(0);
    const what = new RegExp(/\/\/ expect: (.*)$/.exec(text.split('\n')[k])![1]);
    const root = project();
    fs.writeFileSync(path.join(root, 'impl', 'counter.ts'), text);
    const r = await verify(root, 'counter');
    expectLocated(r, `impl/counter.ts:${k + 1}:`, what);
  });
});

describe(`nesting deeper than ${MAX_DEPTH}: a located error within seconds, not a stack overflow`, () => {
  const withInvariant = (expr: string) => {
    const root = project();
    const impl = path.join(root, 'impl', 'counter.ts');
    fs.writeFileSync(impl, fs.readFileSync(impl, 'utf8').replace('  return s.rest < 100;', `  return ${expr};`));
    return root;
  };
  const INV_LINE = 26;

  it('5,000 nested parentheses (TypeScript cannot parse them: located by where its parser gives up)', async () => {
    const r = await verify(withInvariant(`${'('.repeat(5000)}s.rest < 100${')'.repeat(5000)}`), 'counter');
    expectLocated(r, `impl/counter.ts:${INV_LINE}:`, /nesting deeper than \d+/);
    expect(r.ms).toBeLessThan(HANG_MS / 3);
  });

  it('a 50,000-term sum (TypeScript parses it, its checker took minutes): at the sum', async () => {
    const r = await verify(withInvariant(`${Array(50_000).fill('s.rest').join(' + ')} < 100`), 'counter');
    expectLocated(r, `impl/counter.ts:${INV_LINE}:10`, new RegExp(`nesting deeper than ${MAX_DEPTH}`));
    expect(r.ms).toBeLessThan(HANG_MS / 3);
  });

  it('3,000 nested ifs and 5,000 negations', async () => {
    const ifs = await verify(withInvariant(`s.rest < 100;\n  ${'if (s.rest > 1) '.repeat(3000)}return true`), 'counter');
    expectLocated(ifs, `impl/counter.ts:${INV_LINE + 1}:`, /nesting deeper than \d+/);
    const nots = await verify(withInvariant(`${'!'.repeat(5000)}(s.rest < 100)`), 'counter');
    expectLocated(nots, `impl/counter.ts:${INV_LINE}:`, /nesting deeper than \d+/);
  });

  it('just under the limit is accepted and proved (the limit is not so low that it costs real code)', async () => {
    // a 90-term sum inside 90 parentheses: about 190 levels from the file down
    const r = await verify(withInvariant(`${'('.repeat(90)}${Array(90).fill('s.rest').join(' + ')}${')'.repeat(90)} >= 0 && s.rest < 100`), 'counter', '--jobs', '1');
    expect(r.code, r.out).toBe(0);
  });
});

describe('the shipped models still verify', () => {
  it('verify examples/counter', async () => {
    // one solver worker: a few goals, and a worker's start is about 2 s of CPU
    const r = await verify(REPO, 'examples/counter', '--jobs', '1');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/summary: 1 subsystem, \d+ operations: \d+ proved, 0 refuted, 0 unknown/);
  });
});

// ---- the API ------------------------------------------------------------------------------------

/** Writes files (relative path → text) into a fresh folder; returns it. */
function write(files: Record<string, string>): string {
  const root = path.join(tmp, `api${serial++}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}
function rejection(f: () => unknown): Diagnostic[] {
  try {
    f();
  } catch (e) {
    if (e instanceof SubsetError) return e.diagnostics;
    throw e;
  }
  throw new Error('accepted, but a SubsetError was expected');
}

const SPEC = `import type { u8, u32 } from 'pushbutton';
export type Mode = 'r' | 'w';
export interface Args { n: u8; mode: Mode }
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function put(s: State, a: Args): number { s.value = a.n; return 0; }
export function inv_small(s: State): boolean { return s.value < 256; }
`;
const IMPL = (put: string, extra = '') => `import type { u8, u16, u32 } from 'pushbutton';
import type * as spec from '../spec/t';
export type Mode = 'r' | 'w';
export interface Args { n: u8; mode: Mode }
export interface Args16 { n: u16; mode: Mode }
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
${put}
export function equiv(i: State, s: spec.State): boolean { return i.value === s.value; }
${extra}`;

describe('an operation signature must equal the spec exactly', () => {
  const load = (put: string, extra = '') => {
    const root = write({ 'spec/t.ts': SPEC, 'impl/t.ts': IMPL(put, extra) });
    return () => loadSubsystem(loadProject(root), 't', path.join(root, 'spec/t.ts'), path.join(root, 'impl/t.ts'));
  };

  it('the same types are accepted (a record parameter of the same fields included)', () => {
    expect(load('export function put(s: State, a: Args): number { s.value = a.n; return 0; }')().operations.map((o) => o.name)).toEqual(['put']);
  });

  it('a record parameter whose field is u16 where the spec has u8: at the implementation', () => {
    const ds = rejection(load('export function put(s: State, a: Args16): number { s.value = a.n; return 0; }'));
    expect(ds, JSON.stringify(ds)).toHaveLength(1);
    expect(ds[0]).toMatchObject({ construct: 'the operation put', loc: { line: 8, col: 1 } });
    expect(ds[0].message).toMatch(/do not match the spec's/);
  });

  it('a result of u8 where the spec returns number', () => {
    const ds = rejection(load('export function put(s: State, a: Args): u8 { s.value = a.n; return 0; }'));
    expect(ds.map((d) => d.message)).toEqual([expect.stringMatching(/returns u8 but the spec returns number/)]);
  });

  it("an implementation invariant over the spec's State, and equiv with its states swapped", () => {
    const root = write({
      'spec/t.ts': SPEC.replace('export interface State { value: u32 }', 'export interface State { value: u32; extra: boolean }').replace('return { value: 0 }', 'return { value: 0, extra: false }'),
      'impl/t.ts': IMPL('export function put(s: State, a: Args): number { s.value = a.n; return 0; }', 'export function inv_x(s: spec.State): boolean { return s.extra; }\n').replace(
        'export function equiv(i: State, s: spec.State): boolean { return i.value === s.value; }',
        'export function equiv(s: spec.State, i: State): boolean { return i.value === s.value; }',
      ),
    });
    const ds = rejection(() => loadSubsystem(loadProject(root), 't', path.join(root, 'spec/t.ts'), path.join(root, 'impl/t.ts')));
    expect(ds.map((d) => d.construct).sort()).toEqual(['the predicate equiv', 'the predicate inv_x']);
    expect(ds.find((d) => d.construct === 'the predicate equiv')!.message).toMatch(/it is \(s: State, i: State\) => boolean: equiv is \(i: State, s: spec\.State\)/);
  });

  it('verify commute: equivalent, an invariant and commuteFirst of the wrong types are located, not crashes', () => {
    const bad = (extra: string) => {
      const root = write({ 'spec/t.ts': SPEC + extra });
      return rejection(() => loadSpec(loadProject(root), path.join(root, 'spec/t.ts')));
    };
    expect(bad('export function equivalent(a: State, b: Args): boolean { return true; }\n')[0]).toMatchObject({ construct: 'the function equivalent', loc: { line: 8 } });
    expect(bad('export function inv_n(n: u32): boolean { return n > 0; }\n')[0]).toMatchObject({ construct: 'the invariant inv_n', loc: { line: 8 } });
    expect(bad('export function commuteFirst(n: u8): number { return n; }\n')[0]).toMatchObject({ construct: 'the function commuteFirst', loc: { line: 8 } });
  });
});

// ---- the mutation mini-fuzzer --------------------------------------------------------------------

interface MutantResult {
  i: number;
  example: string;
  file: string;
  ops: string[];
  outcome: 'accepted' | 'rejected' | 'internal';
  ms: number;
  diags: { file: string; line: number; col: number; construct: string; message: string }[];
  lineCounts: Record<string, number>;
  tsErrors: string[];
  internal: string;
  text?: string;
}

/** Runs test/fixtures/robust/mutate.ts; a mutant that takes longer than `silenceMs` kills it. */
function mutants(seed: number, count: number, silenceMs: number): Promise<{ results: MutantResult[]; hung?: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROBUST, 'mutate.ts'), String(seed), String(count)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const results: MutantResult[] = [];
    let stderr = '';
    let hung: string | undefined;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timer = setTimeout(() => {}, 0);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = `mutant ${results.length} of seed ${seed} ran longer than ${silenceMs} ms`;
        child.kill('SIGKILL');
      }, silenceMs);
    };
    arm();
    createInterface({ input: child.stdout }).on('line', (l) => {
      results.push(JSON.parse(l) as MutantResult);
      arm();
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ results, hung, stderr });
    });
  });
}

describe('mutation mini-fuzzer over the shipped examples (front end only)', () => {
  it('200 seeded mutants: each a located rejection, or accepted and type-correct per TypeScript; no internal error, no hang', async () => {
    const COUNT = 200;
    const { results, hung, stderr } = await mutants(20260501, COUNT, 30_000);
    expect(hung, hung).toBeUndefined();
    expect(results, stderr).toHaveLength(COUNT);
    for (const r of results) {
      const id = `mutant ${r.i} (${r.example}/${r.file}: ${r.ops.join(', ')})`;
      expect(r.outcome, `${id}: ${r.internal}`).not.toBe('internal');
      expect(r.ms, `${id} took ${r.ms} ms`).toBeLessThan(15_000);
      if (r.outcome === 'accepted') {
        // accepted: TypeScript (the typescript package, independently of the front end) agrees
        expect(r.tsErrors, `${id} accepted, but TypeScript says:\n${r.tsErrors.join('\n')}\n${r.text}`).toEqual([]);
        continue;
      }
      expect(r.diags.length, id).toBeGreaterThan(0);
      for (const d of r.diags) {
        const lines = r.lineCounts[d.file];
        expect(lines, `${id}: ${d.file} is one of the mutant's files`).toBeDefined();
        expect(d.line >= 1 && d.line <= lines && d.col >= 1, `${id}: ${d.file}:${d.line}:${d.col}`).toBe(true);
        expect(d.construct.length > 0 && d.message.length > 0, `${id}: ${d.construct}: ${d.message}`).toBe(true);
      }
    }
    // the fuzzer exercises both sides: not every mutant rejected, not every one accepted
    const accepted = results.filter((r) => r.outcome === 'accepted').length;
    expect(accepted).toBeGreaterThan(COUNT / 20);
    expect(accepted).toBeLessThan(COUNT / 2);
  });
});
