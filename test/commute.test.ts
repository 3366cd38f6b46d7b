// verify commute on specs whose commutativity conditions are known by hand (test/fixtures/commute):
// the analysis must find exactly those conditions (the solver proves the found condition
// equivalent to the hand-written one), generated tests must commute on the real spec, and every
// implementation must pass them in both orders.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { SolverPool, type Job, type GoalResult } from '../verifier/solver/pool.ts';
import { analysePair, branchProjections, commuteCondition, cubeOf, cubeTerm, groundFacts, DEFAULT_NET_MS, DEFAULT_RLIMIT, type CommuteSpec, type PairAnalysis } from '../verifier/commute/analyze.ts';
import { showTerm } from '../verifier/commute/show.ts';
import { inParallel, loadCommuteSpec, runCommute } from '../verifier/commute/command.ts';
import type { TestVerdict } from '../verifier/commute/types.ts';
import { LINKCACHE } from '../impl/posix.scalable.ts';
import { queryJob, solveGoals, RETRY_FACTOR } from '../verifier/commute/query.ts';
import { atomsOf, realmsOf, generateTests, DEFAULT_TEST_POLICY, type GeneratedTest } from '../verifier/commute/testgen.ts';
import { valueFacts } from '../verifier/commute/start-state.ts';
import { checkTest, runSpec } from '../verifier/commute/check.ts';
import { withRunnableModules } from '../verifier/frontend/emit.ts';
import { evalTerm, ArrayValue, type Value } from '../symexec/term-eval.ts';
import { Model } from '../verifier/solver/model.ts';
import { decode, plain } from '../verifier/counterexample.ts';
import { intType, type Type } from '../verifier/ir.ts';
import { cpu, smap, SMap } from '../verifier/prelude.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'commute', `${name}.ts`);

/** The seeded bug: free frees the slot but reports EINVAL (free/free and alloc/free tests see a result the spec does not allow). */
const freeReportsEinval = (impl: string) => impl.replace('  s.busy[slot] = false;\n  return 0;', '  s.busy[slot] = false;\n  return -22;');

/** Runs `f` in a new temporary folder, removed afterwards. */
async function inTempDir<T>(f: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commute-'));
  try {
    return await f(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** examples/anyslot as a project of its own in `dir` (spec/slots.ts, impl/slots.ts); returns the implementation's text. */
function slotsProject(dir: string): string {
  fs.mkdirSync(path.join(dir, 'spec'));
  fs.mkdirSync(path.join(dir, 'impl'));
  fs.copyFileSync(path.join(root, 'examples/anyslot/spec.ts'), path.join(dir, 'spec/slots.ts'));
  const impl = fs.readFileSync(path.join(root, 'examples/anyslot/impl.ts'), 'utf8').replaceAll("'./spec.ts'", "'../spec/slots.ts'");
  fs.writeFileSync(path.join(dir, 'impl/slots.ts'), impl);
  return impl;
}
let pool: SolverPool;
beforeAll(() => {
  pool = new SolverPool({ jobs: 2 });
});
afterAll(() => pool.close());

const int = (name: string) => T.mkConst(name, T.INT);
const bools = (name: string) => T.mkConst(name, T.arraySort(T.INT, T.BOOLS));
const valid = (x: Term) => T.and(T.le(T.mkInt(0), x), T.lt(x, T.mkInt(4)));
const ax = int('a.x'), bx = int('b.x'), inSet = bools('s.in[]');
const has = (x: Term) => T.select(inSet, x);

/** The hand-written conditions, over the pair problem's constants (a.x, b.x, s.v, s.n, s.in[]). */
const HAND: Record<string, Record<string, Term>> = {
  register: {
    'set/set': T.eq(ax, bx),
    'set/get': T.eq(int('s.v'), ax),
    'get/get': T.TRUE,
  },
  counter: {
    'incr/incr': T.not(T.eq(int('s.n'), T.mkInt(9))),
    'incr/read': T.eq(int('s.n'), T.mkInt(10)),
    'incr/reset': T.FALSE,
    'read/read': T.TRUE,
    'read/reset': T.eq(int('s.n'), T.mkInt(0)),
    'reset/reset': T.TRUE,
  },
  set: {
    'add/add': T.or(T.not(T.eq(ax, bx)), T.not(valid(ax)), has(ax)),
    'add/remove': T.or(T.not(T.eq(ax, bx)), T.not(valid(ax))),
    'add/has': T.or(T.not(T.eq(ax, bx)), T.not(valid(ax)), has(ax)),
    'remove/remove': T.or(T.not(T.eq(ax, bx)), T.not(valid(ax)), T.not(has(ax))),
    'remove/has': T.or(T.not(T.eq(ax, bx)), T.not(valid(ax)), T.not(has(ax))),
    'has/has': T.TRUE,
  },
};

const VERDICT = (hand: Term) => (T.isTrue(hand) ? 'always' : T.isFalse(hand) ? 'never' : 'sometimes');

/** Asks the solver whether the analysis's condition and the hand-written one differ anywhere. */
async function differs(an: PairAnalysis, hand: Term): Promise<string> {
  const p = an.problem;
  const job = queryJob(p.given, [{ id: 'differ', asserts: [T.not(T.eq(commuteCondition(an), hand))], project: [], cap: 1, budgetMs: 10_000, models: false }], 10_000);
  const [r] = await pool.solve(job);
  return r.status;
}

describe('ANALYZER: conditions known by hand', () => {
  for (const [name, pairs] of Object.entries(HAND)) {
    describe(name, () => {
      let spec: CommuteSpec;
      beforeAll(() => {
        spec = loadCommuteSpec(root, fixture(name));
      });
      for (const [pair, hand] of Object.entries(pairs)) {
        it(`${pair}: ${VERDICT(hand)}, and exactly the hand-written condition`, async () => {
          const [a, b] = pair.split('/').map((n) => spec.operations.find((o) => o.name === n)!);
          const an = await analysePair(spec, a, b, pool);
          expect(an.result.verdict).toBe(VERDICT(hand));
          expect(an.result.unknowns).toBe(0);
          expect(await differs(an, hand)).toBe('unsat');
          expect(an.result.commutativePaths).toBe(an.result.cases.length);
        });
      }
    });
  }

  it('names what differs on a divergent path', async () => {
    const spec = loadCommuteSpec(root, fixture('register'));
    const set = spec.operations.find((o) => o.name === 'set')!;
    const get = spec.operations.find((o) => o.name === 'get')!;
    expect((await analysePair(spec, set, set, pool)).result.divergences.map((d) => d.first)).toEqual(['s.v']);
    expect((await analysePair(spec, set, get, pool)).result.divergences.map((d) => d.first)).toEqual(['the result of get (b)']);
  });

  it('enumerates every divergent path: with the commutative condition they cover every state and argument', async () => {
    const spec = loadCommuteSpec(root, fixture('set'));
    const [add, remove] = ['add', 'remove'].map((n) => spec.operations.find((o) => o.name === n)!);
    const an = await analysePair(spec, add, remove, pool);
    const divergent = an.paths.filter((x) => !x.commutative);
    // add(x);remove(x) of a valid x: x was in the set before, or it was not
    expect(divergent.length).toBe(2);
    expect(an.result.paths).toBe(an.result.commutativePaths + 2);
    const covered = T.or(commuteCondition(an), ...divergent.map((x) => cubeTerm(an.problem, x.cube)));
    const [gap] = await pool.solve(queryJob(an.problem.given, [{ id: 'gap', asserts: [T.not(covered)], project: [], cap: 1, budgetMs: 10_000, models: false }], 10_000));
    expect(gap.status).toBe('unsat');
  });

  it('a spec choice (choose) is made once per order: two allocations commute unless exactly one slot is free', async () => {
    const spec = loadCommuteSpec(root, 'anyslot');
    const alloc = spec.operations.find((o) => o.name === 'alloc')!;
    const an = await analysePair(spec, alloc, alloc, pool);
    expect(an.result.verdict, an.result.cases.join('\n')).toBe('sometimes');
    const used = bools('s.used[]');
    const free = Array.from({ length: 6 }, (_, k) => T.ite(T.select(used, T.mkInt(k)), T.mkInt(0), T.mkInt(1))).reduce((x, y) => T.add(x, y));
    // the path condition speaks of the choices; "some choices commute" is the condition
    const p = an.problem;
    const job = queryJob(p.given, [{ id: 'one-free', asserts: [T.eq(free, T.mkInt(1)), p.commutes], project: [], cap: 1, budgetMs: 10_000, models: false }, { id: 'two-free', asserts: [T.eq(free, T.mkInt(2)), T.not(p.commutes)], project: [], cap: 1, budgetMs: 10_000, models: false }], 10_000);
    const [one, two] = await pool.solve(job);
    expect(one.status).toBe('unsat');
    expect(two.status).toBe('unsat');
  });

  it("divergent paths with B;A's choices refuted lazily are those of \"no choice agrees\" asserted whole", async () => {
    // anyslot's alloc chooses a free slot: B;A makes a choice in each of these pairs
    const spec = loadCommuteSpec(root, 'anyslot');
    const [alloc, free] = ['alloc', 'free'].map((n) => spec.operations.find((o) => o.name === n)!);
    for (const [a, b] of [[alloc, alloc], [alloc, free], [free, alloc]]) {
      const an = await analysePair(spec, a, b, pool);
      const p = an.problem;
      expect(p.baChoices.length).toBeGreaterThan(0);
      const project = branchProjections(p);
      const [eager] = await solveGoals(pool, p.given, [{ id: 'eager', asserts: [T.not(p.commutes)], project, cap: 1000, budgetMs: 60_000, models: false }], { rlimit: DEFAULT_RLIMIT, timeoutMs: DEFAULT_NET_MS });
      expect(eager.status).toBe('unsat');
      const cubes = (cs: { branch: number; value: boolean }[][]) => cs.map((c) => c.map((x) => `${x.branch}=${x.value}`).join(' ')).sort();
      const lazy = an.paths.filter((x) => !x.commutative).map((x) => x.cube);
      expect(cubes(lazy), `${a.name}/${b.name}`).toEqual(cubes(eager.solutions!.map((sol) => cubeOf(project, sol.values))));
    }
  });
});

describe('TESTGEN and the conflict check', () => {
  it('each test of a path has its own equality pattern, and commutes on the real spec', async () => {
    const run = await runCommute({ root, target: fixture('set'), timeoutMs: 10_000, jobs: 2, pool });
    expect(run.toolchainErrors).toEqual([]);
    expect(run.tests.length).toBeGreaterThan(20);
    const byPath = new Map<string, string[]>();
    for (const t of run.tests) {
      const an = run.analyses.find((x) => x.result.a === t.test.pair[0] && x.result.b === t.test.pair[1])!;
      expect(an.paths.some((p) => p.commutative && p.id === t.test.path)).toBe(true);
      // the pattern, evaluated on the test's concrete values (not the solver's word for it)
      const [aArgs, bArgs] = t.args();
      const inSetup = (t.setup() as { in: boolean[] }).in;
      const env = new Map<string, Value>([
        ['a.x', BigInt(aArgs[0] as number)],
        ['b.x', BigInt(bArgs[0] as number)],
        ['s.in[]', ArrayValue.constant(false, inSetup.map((v, k): [Value, Value] => [BigInt(k), v]))],
      ]);
      const vals = t.atoms.map((x) => (x.when && evalTerm(x.when, env) !== true ? '-' : String(evalTerm(x.term, env))));
      const pattern = t.atoms.map((x, i) => (x.realm ? t.atoms.map((y, j) => (y.realm === x.realm && vals[i] !== '-' && vals[j] !== '-' ? vals[i] === vals[j] : '')).join('') : vals[i])).join('|');
      const key = `${t.test.pair.join('/')}:${t.test.path}`;
      byPath.set(key, [...(byPath.get(key) ?? []), pattern]);
    }
    for (const [key, patterns] of byPath) expect(new Set(patterns).size, key).toBe(patterns.length);
  });

  it("a path's tests are its equality patterns counted by hand, whatever order the solver returns them in (reads out of range included)", async () => {
    // remove(a.x) then has(b.x) on the set; has reads s.in[b.x] only when b.x is in range.
    //   remove removes a.x (present), so b.x != a.x: b.x out of range, in range and in, in range
    //     and out: 3;
    //   a.x is in range but absent: b.x = a.x, or b.x != a.x as above: 4;
    //   a.x is out of range: nothing else is read: 1.
    // Without whether b.x is in range in the pattern, a first model with b.x out of range blocked
    // the in-range ones of its path too (1, 1, 2 in one run).
    const spec = loadCommuteSpec(root, fixture('set'));
    const op = (n: string) => spec.operations.find((f) => f.name === n)!;
    const an = await analysePair(spec, op('remove'), op('has'), pool);
    const tests = await generateTests(spec, an, pool, { ...DEFAULT_TEST_POLICY, timeoutMs: 10_000 });
    expect(tests.perPath.map((x) => x.tests).sort()).toEqual([1, 3, 4]);
    expect(tests.perPath.every((x) => x.stopped === undefined)).toBe(true);
  });

  it("a generated test does not keep its pair's problem (nor the solver's model) alive", async () => {
    // A whole POSIX run holds 20,000 tests: with each one keeping its model and its pair's terms
    // (about 190 KB a test) the parent ran at its heap limit (4.26 GB).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const spec = loadCommuteSpec(root, fixture('set'));
    const op = (n: string) => spec.operations.find((f) => f.name === n)!;
    const { tests, problem } = await (async () => {
      const an = await analysePair(spec, op('remove'), op('has'), pool);
      const r = await generateTests(spec, an, pool, { ...DEFAULT_TEST_POLICY, timeoutMs: 10_000 });
      return { tests: r.tests, problem: new WeakRef(an.problem) };
    })();
    // a WeakRef's target is kept until the current job ends
    await new Promise((r) => setImmediate(r));
    gc();
    expect(tests.length).toBe(8);
    expect(tests.every((t) => t.setup() !== undefined)).toBe(true);
    expect(problem.deref()).toBeUndefined();
  });

  // one whole run of anyslot for the two tests below (each ran its own, the second on two of the
  // three pairs: the same analyses, tests and checks a second time)
  let anyslot: ReturnType<typeof runCommute> | undefined;
  const anyslotRun = () => (anyslot ??= runCommute({ root, target: 'anyslot', timeoutMs: 10_000, jobs: 2, pool }));

  it('the implementation starts from a state related by equiv and passes every test in both orders', async () => {
    const run = await anyslotRun();
    expect(run.toolchainErrors).toEqual([]);
    expect(run.verdicts.length).toBe(run.tests.length);
    expect(run.verdicts.every((v) => v.resultsOk)).toBe(true);
    // the verifier runs the implementation in its sandbox only; the test loads it here to look
    const v = run.spec.variants[0];
    const impl = await withRunnableModules(v.project, [v.implFile], (urls) => import(urls.get(v.implFile)!));
    const equiv = impl.equiv as (i: unknown, s: unknown) => boolean;
    for (const t of run.tests) expect(equiv(t.implSetup('anyslot'), t.setup())).toBe(true);
    // the implementation scans from the top: two allocations read slots the other writes
    const allocs = run.verdicts.filter((v) => v.id.startsWith('alloc_alloc') && v.conflicts.length);
    expect(allocs.length).toBeGreaterThan(0);
    expect(allocs[0].conflicts.map((c) => c.cell).join(' ')).toMatch(/busy\[\d\]|allocs/);
  });

  it('starting states come from propagation where equiv decides them, from the solver where it cannot tell', () =>
    inTempDir(async (dir) => {
      // anyslot's equiv copies the spec's cells: every starting state by propagation (every pair's)
      const whole = await anyslotRun();
      expect(whole.startStates).toEqual({ propagated: whole.tests.length, solved: 0 });
      // the tests of the pairs --filter free selects (alloc/free, free/free): as many as below
      const plain = { tests: whole.tests.filter((t) => t.test.pair.includes('free')) };
      expect(plain.tests.length).toBeGreaterThan(0);
      expect(plain.tests.length).toBeLessThan(whole.tests.length);
      // two more cells that equiv relates by a pair of equations: propagation guesses lo = 0, hi = 3,
      // which the second contradicts; the solver finds hi = 2, lo = 1
      const impl = slotsProject(dir)
        .replace('allocs: u8;\n}', 'allocs: u8;\n  hi: u8;\n  lo: u8;\n}')
        .replace('allocs: 0 };', 'allocs: 0, hi: 2, lo: 1 };')
        .replace('return i.allocs === s.allocs;', 'return i.allocs === s.allocs && i.hi + i.lo === 3 && i.hi - i.lo === 1;');
      fs.writeFileSync(path.join(dir, 'impl/slots.ts'), impl);
      const run = await runCommute({ root: dir, target: 'slots', timeoutMs: 10_000, jobs: 2, pool, filter: ['free'] });
      expect(run.toolchainErrors).toEqual([]);
      expect(run.tests.length).toBe(plain.tests.length);
      expect(run.startStates).toEqual({ propagated: 0, solved: run.tests.length });
      expect(run.tests.every((t) => (t.implSetup('slots') as { hi: number; lo: number }).hi === 2)).toBe(true);
    }));

  it('a seeded bug (an implementation returning what no choice of the spec allows) fails its tests', () =>
    inTempDir(async (dir) => {
      const impl = slotsProject(dir);
      fs.writeFileSync(path.join(dir, 'impl/slots.ts'), freeReportsEinval(impl));
      const run = await runCommute({ root: dir, target: 'slots', timeoutMs: 10_000, jobs: 2, pool, filter: ['free'] });
      expect(run.verdicts.some((v) => !v.resultsOk && /no run of the spec/.test(v.mismatch ?? ''))).toBe(true);
    }));

  it('proves conflict-freedom per path where the footprints cannot meet', async () => {
    const run = await runCommute({ root, target: 'anyslot', timeoutMs: 10_000, jobs: 2, pool, noTests: true });
    const freeFree = run.pairs.find((p) => p.a === 'free' && p.b === 'free')!;
    // two frees that commute touch different slots (or fail without writing)
    expect(freeFree.proofs?.anyslot).toMatchObject({ conflictFree: freeFree.commutativePaths, mayConflict: 0, unknown: 0 });
    const allocAlloc = run.pairs.find((p) => p.a === 'alloc' && p.b === 'alloc')!;
    expect(allocAlloc.proofs?.anyslot.mayConflict).toBeGreaterThan(0);
    expect(allocAlloc.proofs?.anyslot.cells).toContain('busy[]');
  });

  it('commuteFirst pins the first call (process 0) and leaves the second free', async () => {
    const run = await runCommute({ root, target: fixture('twoproc'), timeoutMs: 10_000, jobs: 2, pool });
    expect(run.toolchainErrors).toEqual([]);
    expect(run.tests.length).toBeGreaterThan(2);
    expect(run.tests.every((t) => t.test.calls[0].args[0] === 0)).toBe(true);
    // b in a's process and in the other one (and an invalid pid, on its own path)
    expect([0, 1].every((pid) => run.tests.some((t) => t.test.calls[1].args[0] === pid))).toBe(true);
    const [a, b] = [int('a.pid'), int('b.pid')];
    const okB = T.and(T.le(T.mkInt(0), b), T.lt(b, T.mkInt(2)));
    const hand = T.or(T.not(okB), T.not(T.eq(a, b)), T.eq(int('a.x'), int('b.x')));
    expect(await differs(run.analyses[0], hand)).toBe('unsat');
  });

  it('a spec with a small scope is analysed there and its tests run at the real sizes', async () => {
    const run = await runCommute({ root, target: fixture('scoped'), timeoutMs: 10_000, jobs: 2, pool });
    expect(String(run.policy['sizes (small scope)'])).toMatch(/N = 2/);
    expect(run.toolchainErrors).toEqual([]);
    expect(run.tests.length).toBeGreaterThan(3);
    // put(2, x) is out of range at the small scope, in range at N = 64: a test that then does not
    // commute is dropped and listed (whether the solver picks such an index varies); every test
    // kept commutes at the real sizes, its expectations taken from runs there
    expect(run.outOfScope.every((x) => x.id.startsWith('put_'))).toBe(true);
    expect(run.tests.every((t) => t.test.expect.ab.length === 2 && t.test.expect.ab.every((r) => r !== null))).toBe(true);
    // setups are of the small scope (2 slots); the spec ran on them widened to 64 (nonzero scans all)
    expect(run.tests.every((t) => (t.test.setup as { v: number[] }).v.length === 2)).toBe(true);
    const putPut = run.analyses.find((a) => a.result.a === 'put' && a.result.b === 'put')!;
    const [i, j] = [int('a.i'), int('b.i')];
    const ok = (x: Term) => T.and(T.le(T.mkInt(0), x), T.lt(x, T.mkInt(2)));
    expect(await differs(putPut, T.or(T.not(ok(i)), T.not(ok(j)), T.not(T.eq(i, j)), T.eq(int('a.x'), int('b.x'))))).toBe('unsat');
  });

  it('a setup fixed by valueFacts decodes back to itself (records, arrays, enums, maps with opaque keys)', async () => {
    const name: Type = { k: 'opaque', name: 'Nm' };
    const type: Type = {
      k: 'record', name: 'St', fields: [
        { name: 'rows', type: { k: 'array', len: 2, elem: { k: 'record', name: 'Row', fields: [{ name: 'kind', type: { k: 'enum', name: 'K', members: ['none', 'file', 'pipe'] } }, { name: 'n', type: intType('i8') }] } } },
        { name: 'on', type: { k: 'array', len: 3, elem: { k: 'bool' } } },
        { name: 'dir', type: { k: 'map', key: name, value: intType('i8') } },
      ],
    } as Type;
    const dir = smap<string, number>(-1);
    dir.set('Nm!val!7', 2);
    dir.set('Nm!val!3', -5);
    const value = { rows: [{ kind: 'pipe', n: -3 }, { kind: 'none', n: 0 }], on: [true, false, true], dir };
    const facts = valueFacts('x', type, value);
    const [r] = await pool.solve(queryJob(facts, [{ id: 'one', asserts: [], project: [], cap: 1, budgetMs: 10_000, models: true }], 10_000));
    const got = decode(Model.parse(r.solutions![0].model!), { role: 'spec', smt: 'x', param: 'x', type }, false) as typeof value;
    expect({ ...got, dir: undefined }).toEqual({ ...value, dir: undefined });
    // the model names opaque values its own way: two keys, set to the two values, and nothing else
    expect(got.dir).toBeInstanceOf(SMap);
    expect(got.dir.keys().map((k) => got.dir.get(k)).sort()).toEqual([-5, 2]);
    expect(new Set(got.dir.keys()).size).toBe(2);
    expect(got.dir.dflt).toBe(-1);
  });

  it('the conflict check runs the first call on core 0 and the second on core 1 (cpu())', () => {
    // a counter: the spec counts; one implementation counts per core (Refcache), one in one cell
    const spec = { inc: (s: { n: number }) => ++s.n && 0 };
    const perCore = { inc: (s: { c: number[] }) => ((s.c[cpu(2)] += 1), 0), equiv: (i: { c: number[] }, s: { n: number }) => i.c[0] + i.c[1] === s.n };
    const shared = { inc: (s: { c: number[] }) => ((s.c[0] += 1), 0), equiv: perCore.equiv };
    const test: GeneratedTest = {
      test: { id: 'inc_inc_c0_0', pair: ['inc', 'inc'], path: 'c0', setup: { n: 1 }, calls: [{ op: 'inc', args: [] }, { op: 'inc', args: [] }], expect: { ab: [null, null], ba: [null, null] } },
      setup: () => ({ n: 1 }),
      args: () => [[], []],
      implSetup: () => ({ c: [1, 0] }),
      json: (v) => plain(v) as never,
      atoms: [],
    };
    const rt = { spec, impls: new Map<string, Record<string, unknown>>([['percore', perCore], ['shared', shared]]) };
    const runs = runSpec(rt, test);
    const percore = checkTest(rt, 'percore', test, runs);
    expect(percore.resultsOk).toBe(true);
    expect(percore.conflicts).toEqual([]);
    expect(checkTest(rt, 'shared', test, runs).conflicts).toEqual([{ cell: 'c[0]', a: 'write', b: 'write' }]);
    expect(cpu(2)).toBe(0); // outside a check, cpu() answers 0 again
  });

  it('posix link/link: the scalable implementation (per-core link counts) conflicts only where a full delta folds, the naive one on its directory lock', async () => {
    const run = await runCommute({ root, target: 'posix', timeoutMs: 10_000, jobs: 2, pool, filter: ['link/link'], maxTestsPerPath: 3 });
    expect(run.unknowns + run.toolchainErrors.length + run.dropped.length).toBe(0);
    expect(run.tests.length).toBeGreaterThan(10);
    // the policy counts the paths whose enumeration stopped at the cap (3 tests each) instead of listing them
    const perPath = new Map<string, number>();
    for (const t of run.tests) perPath.set(t.test.path, (perPath.get(t.test.path) ?? 0) + 1);
    expect(run.policy['paths stopped early']).toBe(`${[...perPath.values()].filter((n) => n === 3).length} at the cap`);
    const of = (impl: string) => run.verdicts.filter((v) => v.impl === impl);
    expect(of('posix.scalable').every((v) => v.resultsOk)).toBe(true);
    // conflict-free, but for starting states where a core's delta of the inode is already at the
    // cache's edge: the link folds it into the base, which the other link reads (docs/commute.md,
    // Figures). Propagation's starting states have empty deltas; a solver's may not.
    const byId = new Map(run.tests.map((t) => [t.test.id, t.test]));
    const folds = (v: TestVerdict) =>
      v.conflicts.every((c) => {
        const m = /^nlinkBase\[(\d+)\]$/.exec(c.cell);
        const deltas = (byId.get(v.id)!.impl!['posix.scalable'] as { nlinkDelta: number[][] }).nlinkDelta;
        return m !== null && deltas[Number(m[1])].some((d) => Math.abs(d) === LINKCACHE);
      });
    expect(of('posix.scalable').filter((v) => v.conflicts.length > 0).every(folds)).toBe(true);
    expect(of('posix.scalable').filter((v) => v.conflicts.length === 0).length).toBeGreaterThan(run.tests.length / 2);
    // two links of one inode on two cores: no shared cell; the naive one takes its directory lock
    // in every call whose names are valid
    const valid = (t: GeneratedTest) => t.test.calls.every((c) => c.args.every((n) => typeof n === 'number' && n >= 0 && n < 5));
    const locked = new Set(run.tests.filter(valid).map((t) => t.test.id));
    expect(locked.size).toBeGreaterThan(5);
    expect(of('posix.naive').filter((v) => locked.has(v.id)).every((v) => v.conflicts.some((c) => c.cell === 'dirVersion'))).toBe(true);
    expect(run.tests.some((t) => t.test.calls[0].args[0] === t.test.calls[1].args[0] && t.test.expect.ab[0] === 0 && t.test.expect.ab[1] === 0)).toBe(true);
  }, 120_000);

  it('quantified input facts are instantiated per array dimension, at the indices the problem uses there', () => {
    const [A, B] = [T.mkConst('s.a[]', T.arraySort(T.INT, T.INT)), T.mkConst('s.b[]', T.arraySort(T.INT, T.INT))];
    const k = T.mkBvar('k', T.INT);
    const facts = [T.forall([k], T.le(T.mkInt(0), T.select(A, k))), T.forall([k], T.le(T.mkInt(0), T.select(B, k)))];
    const used = [T.eq(T.select(A, ax), T.select(B, bx))];
    expect(groundFacts(facts, used).map((f) => showTerm(f, 80, true)).sort()).toEqual(['(0 <= s.a[a.x])', '(0 <= s.b[b.x])']);
  });

  it('a goal that comes back unknown is solved once more, alone, with RETRY_FACTOR times the budget (resource count and net)', async () => {
    const jobs: Job[] = [];
    // a pool whose first answer to goal `slow` is unknown (a timeout), and whose second is unsat
    const flaky = {
      solve: async (job: Job): Promise<GoalResult[]> => {
        jobs.push(job);
        return job.goals.map((g) => ({ id: g.id, status: g.id === 'slow' && jobs.length === 1 ? 'unknown' : 'unsat', ms: 5, reason: 'timeout' }));
      },
    } as unknown as SolverPool;
    const goal = (id: string) => ({ id, asserts: [T.eq(ax, bx)], project: [], cap: 1, budgetMs: 1_000, models: false });
    const rs = await solveGoals(flaky, [], [goal('fast'), goal('slow')], { rlimit: 5_000, timeoutMs: 1_000 });
    expect(rs.map((r) => [r.id, r.status, r.ms])).toEqual([['fast', 'unsat', 5], ['slow', 'unsat', 10]]);
    expect(jobs.map((j) => [j.goals.map((g) => g.id), j.rlimit, j.timeoutMs])).toEqual([[['fast', 'slow'], 5_000, 1_000], [['slow'], 5_000 * RETRY_FACTOR, 1_000 * RETRY_FACTOR]]);
  });

  it('atoms are what the condition reads of the inputs', () => {
    const t = T.and(T.select(inSet, ax), T.not(T.eq(ax, bx)), T.select(T.store(inSet, bx, T.TRUE), ax));
    expect(atomsOf([t]).map((x) => x.op === 'select' ? `${x.args[0].name}[${x.args[1].name}]` : x.name).sort()).toEqual(['a.x', 'b.x', 's.in[][a.x]']);
  });

  it('integers share a realm when a branch compares them or they index one array dimension', () => {
    const [ad, sv, cq, flag] = [int('a.d'), int('s.v'), int('c.q'), T.mkConst('a.f', T.BOOLS)];
    const name = T.mkConst('a.n', { k: 'Unint', name: 'Fn' });
    // a.x and b.x index s.in[]; a branch compares a.d with s.v (through an if-then-else); c.q is
    // only added to; the agreement compares c.q with s.v, which joins no realm
    const branches = [has(ax), T.not(has(bx)), T.le(T.ite(flag, ad, T.mkInt(0)), sv), T.eq(T.add(cq, T.mkInt(1)), T.mkInt(3)), T.eq(name, name)];
    const atoms = [ax, bx, ad, sv, cq, flag, name];
    const r = realmsOf(atoms, branches, [T.eq(cq, sv)]);
    expect(r[0]).toBe(r[1]);
    expect(r[2]).toBe(r[3]);
    expect(r[0]).not.toBe(r[2]);
    expect(new Set([r[0], r[2], r[4]]).size).toBe(3);
    expect(r[5]).toBeUndefined();
    expect(r[6]).toBe('Fn');
  });
});

describe('scheduling', () => {
  it('runs the costliest items first and returns the results in the input order', async () => {
    const started: string[] = [];
    const cost = { small: 1, large: 9, middle: 5, tiny: 0 };
    const items = Object.keys(cost) as (keyof typeof cost)[];
    const out = await inParallel(items, 1, (x) => cost[x], async (x) => {
      started.push(x);
      return x.toUpperCase();
    });
    expect(started).toEqual(['large', 'middle', 'small', 'tiny']);
    expect(out).toEqual(['SMALL', 'LARGE', 'MIDDLE', 'TINY']);
  });
});

describe('verify commute on the command line', () => {
  // the specs here are small: one solver worker (--jobs 1) spares a worker's start (about 2 s of CPU) per run
  const cli = (args: string[]) => {
    try {
      return { code: 0, out: execFileSync('node', [path.join(root, 'bin/verify.mjs'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, out: x.stdout + x.stderr };
    }
  };

  it('prints verdicts, tables and totals, writes JSON, HTML and runnable vitest files', () => {
    const dir = fs.mkdtempSync(path.join(root, 'test', '.commute-out-'));
    try {
      const r = cli(['commute', 'anyslot', '--html', path.join(dir, 'r.html'), '--tests', path.join(dir, 't.json'), '--emit-vitest', dir, '--jobs', '1']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/anyslot: 2 operations, 3 pairs/);
      expect(r.out).toMatch(/tests per pair/);
      expect(fs.readFileSync(path.join(dir, 'r.html'), 'utf8')).toMatch(/<svg/);
      const tests = JSON.parse(fs.readFileSync(path.join(dir, 't.json'), 'utf8')).tests;
      expect(tests.length).toBeGreaterThan(0);
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts'));
      // every pair's tests, a pair with more than a file holds split into parts (emit-tests.ts)
      expect(new Set(files.map((f) => f.split('.')[1]))).toEqual(new Set(['alloc_alloc', 'alloc_free', 'free_free']));
      // the generated files are real tests: they run and pass
      const out = execFileSync('npx', ['vitest', 'run', path.relative(root, dir)], { cwd: root, encoding: 'utf8' });
      expect(out).toMatch(/passed/);
      expect(out).not.toMatch(/failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('--check-tests reruns the conflict check of saved tests on the implementation as it is now', () =>
    inTempDir((dir) => {
      const impl = slotsProject(dir);
      const file = path.join(dir, 't.json');
      const totals = (out: string) => JSON.parse(out).totals.impls.slots;
      const first = cli(['commute', 'slots', '--root', dir, '--tests', file, '--json', '--jobs', '1']);
      expect(first.code, first.out).toBe(0);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')).tests.length;
      // the same tests, the same implementation: the same verdicts, and no solver at all
      const again = cli(['commute', 'slots', '--root', dir, '--check-tests', file, '--json']);
      expect(again.code, again.out).toBe(0);
      expect(JSON.parse(again.out).phases.testgenMs).toBe(0);
      expect(totals(again.out)).toEqual(totals(first.out));
      expect(totals(again.out).checked).toBe(saved);
      // a changed implementation is what gets checked
      fs.writeFileSync(path.join(dir, 'impl/slots.ts'), freeReportsEinval(impl));
      const buggy = cli(['commute', 'slots', '--root', dir, '--check-tests', file, '--filter', 'free']);
      expect(buggy.code, buggy.out).toBe(1);
      expect(buggy.out).toMatch(/which no run of the spec gives/);
      // a changed representation (busy now marks the free slots): the saved starting states no
      // longer fit, and the run says so
      fs.writeFileSync(path.join(dir, 'impl/slots.ts'), impl.replace('if (i.busy[k] !== s.used[k]) return false;', 'if (i.busy[k] === s.used[k]) return false;'));
      const moved = cli(['commute', 'slots', '--root', dir, '--check-tests', file]);
      expect(moved.code, moved.out).toBe(3);
      expect(moved.out).toMatch(/representation changed since the tests were written/);
    }), 120_000);

  it('--check-tests refuses a file that is not a tests file of the spec', () =>
    inTempDir((dir) => {
      fs.writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ spec: 'posix', tests: [] }));
      const r = cli(['commute', 'anyslot', '--check-tests', path.join(dir, 'other.json')]);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/not a file of tests of anyslot/);
      expect(cli(['commute', 'anyslot', '--check-tests', path.join(dir, 'missing.json')]).code).toBe(2);
    }));

  it('exit 2 for a name that matches nothing, and a pair filter that selects nothing', () => {
    expect(cli(['commute', 'nosuchspec']).code).toBe(2);
    expect(cli(['commute', 'anyslot', '--filter', 'open']).code).toBe(2);
  });

  it('--json is one document with the pairs and the policy', () => {
    const r = cli(['commute', fixture('register'), '--json', '--no-tests', '--jobs', '1']);
    expect(r.code, r.out).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.pairs.map((p: { a: string; b: string; analysis: { verdict: string } }) => `${p.a}/${p.b}:${p.analysis.verdict}`)).toEqual(['set/set:sometimes', 'set/get:sometimes', 'get/get:always']);
    expect(doc.policy['tests per path (cap)']).toBe(500);
  });
});

describe("ANALYZER: no verdict where the spec leaves TypeScript's meaning", () => {
  let spec: CommuteSpec;
  beforeAll(() => {
    spec = loadCommuteSpec(root, fixture('illdefined'));
  });
  const op = (n: string) => spec.operations.find((o) => o.name === n)!;
  for (const pair of ['third/third', 'bump/check']) {
    it(`${pair}: unknown, with the reason (an inexact division; an assume broken in one order)`, async () => {
      const [a, b] = pair.split('/').map(op);
      const an = await analysePair(spec, a, b, pool);
      expect(an.result.verdict).toBe('unknown');
      expect(an.result.cases.join('\n')).toMatch(/no verdict: the spec may run into a runtime error or a failing assume\(\)/);
    });
  }
  it('bump/bump is well defined: a verdict as usual', async () => {
    const an = await analysePair(spec, op('bump'), op('bump'), pool);
    expect(an.result.verdict).toBe('sometimes');
  });
});

describe('ANALYZER: past the end of an array (a write that grows it, an `equivalent` that reads there)', () => {
  let spec: CommuteSpec;
  beforeAll(() => {
    spec = loadCommuteSpec(root, fixture('outofbounds'));
  });
  const op = (n: string) => spec.operations.find((o) => o.name === n)!;
  const line = (text: string) => fs.readFileSync(path.join(root, fixture('outofbounds')), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
  it('put/len: no verdict, naming the write that may be out of bounds (in TypeScript it grows the array)', async () => {
    const an = await analysePair(spec, op('put'), op('len'), pool);
    expect(an.result.verdict).toBe('unknown');
    expect(an.result.cases.join('\n')).toContain(`outofbounds.ts:${line('s.a[x] = 1')}:`);
  });
  it("setk/len: no verdict, naming `equivalent`'s read past the end (the obligations of equivalent on the final states count)", async () => {
    const an = await analysePair(spec, op('setk'), op('len'), pool);
    expect(an.result.verdict).toBe('unknown');
    expect(an.result.cases.join('\n')).toMatch(new RegExp(`outofbounds\\.ts:${line('p.a[p.k]')}:\\d+ the index may be outside 0\\.\\.3`));
  });
  it('len/len is well defined: always', async () => {
    expect((await analysePair(spec, op('len'), op('len'), pool)).result.verdict).toBe('always');
  });
  it("no pair is 'always' whose generated tests do not commute at run time; tests of an ill-defined pair come from where it is well defined", async () => {
    const run = await runCommute({ root, target: fixture('outofbounds'), jobs: 2, pool });
    expect(run.toolchainErrors).toEqual([]);
    expect(run.dropped).toEqual([]);
    const verdicts = Object.fromEntries(run.pairs.map((p) => [`${p.a}/${p.b}`, p.verdict]));
    expect(verdicts).toMatchObject({ 'put/len': 'unknown', 'len/setk': 'unknown', 'setk/setk': 'unknown', 'len/len': 'always' });
    // put/len's tests write in range only: len is 4 in both orders
    const putLen = run.tests.filter((t) => t.test.pair.join('/') === 'put/len');
    expect(putLen.length).toBeGreaterThan(0);
    expect(putLen.every((t) => (t.test.calls[0].args[0] as number) < 4)).toBe(true);
  }, 60_000);
});
