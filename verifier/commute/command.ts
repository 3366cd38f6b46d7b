// `verify commute NAME`: ANALYZER, TESTGEN and the conflict check, end to end (docs/commute.md).
// Exit codes (DESIGN.md): 0 analysed and checked; 1 an implementation returned what its spec does
// not allow on a commutativity test; 2 input unusable; 3 some solver answer unknown (or a test
// that did not commute at run time, a toolchain bug, or a test dropped before the check; each
// reported).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Func } from '../ir.ts';
import { loadProject } from '../frontend/project.ts';
import { sandboxModules } from '../frontend/emit.ts';
import { confirmRunLoads } from '../frontend/run-resolution.ts';
import { ModuleLoadError, Sandbox } from '../sandbox/sandbox.ts';
import { fromWire, toWire } from '../sandbox/wire.ts';
import { loadSpec, loadSubsystem } from '../subsystem.ts';
import { typeViolation } from '../counterexample.ts';
import { revive } from '../prelude.ts';
import { discover, select } from '../discover.ts';
import { SolverPool } from '../solver/pool.ts';
import { SubsetError, formatDiagnostic } from '../diagnostics.ts';
import { analyseProblem, pairProblem, DEFAULT_POLICY, DEFAULT_NET_MS, DEFAULT_RLIMIT, type CommuteSpec, type PairAnalysis } from './analyze.ts';
import { Spend } from './query.ts';
import * as T from '../../symexec/term.ts';
import { generateTests, savedTest, DEFAULT_TEST_POLICY, type GeneratedTest, type StartStateCounts } from './testgen.ts';
import { applyExpectation, type TestAnswer, type TestItem } from './check.ts';
import type { Granularity } from './footprint.ts';
import { conditionsText, htmlReport, jsonReport, pathsText, summarise, tableText, totalsText, type Policy } from './report.ts';
import { vitestFiles } from './emit-tests.ts';
import { proveConflictFree } from './prove.ts';
import { solverSimplify } from './simplify-solve.ts';
import { checkEquivalent, type CongruenceResult } from './congruence.ts';
import type { PairResult, TestCase, TestVerdict } from './types.ts';

export interface CommuteOptions {
  root: string;
  /** a subsystem name (`posix`), or a spec file */
  target: string;
  /** per check: Z3's resource count, the deterministic budget; default DEFAULT_RLIMIT */
  rlimit?: number;
  /** per check: the wall-clock safety net; default DEFAULT_NET_MS */
  timeoutMs?: number;
  jobs: number;
  maxTestsPerPath?: number;
  maxPathsPerPair?: number;
  granularity?: Granularity;
  /** pairs to analyse: `open` (every pair with open), `open/link` (that pair) */
  filter?: string[];
  /** analysis only: no tests, no conflict check */
  noTests?: boolean;
  /** describe the cases, simplified by rewriting and the solver (simplify*.ts): for output that shows them (--cases, --json, --html) */
  describeCases?: boolean;
  /** no analysis and no test generation: the conflict check of the tests saved in this file (`--tests`) */
  checkTests?: string;
  pool?: SolverPool;
  /** progress, one line per pair and phase */
  progress?: (line: string) => void;
}

export interface CommuteRun {
  spec: CommuteSpec;
  ops: string[];
  pairs: PairResult[];
  analyses: PairAnalysis[];
  tests: GeneratedTest[];
  verdicts: TestVerdict[];
  /** tests that did not commute on the real spec: toolchain bugs, kept out of the counts */
  toolchainErrors: { id: string; why: string }[];
  /**
   * tests of a small scope that do not commute at the real sizes: an argument out of range at
   * the small scope (pid 5 of 4) is in range at the real sizes, where the operation does
   * something else. Dropped and listed, not counted as tests or as errors.
   */
  outOfScope: { id: string; why: string }[];
  /** tests dropped before the check: a model that could not be decoded, or a setup no state of
   *  some implementation is related to (its invariants and equiv); each with why */
  dropped: { id: string; why: string }[];
  unknowns: number;
  /** how the implementation starting states were found: propagation or the solver (start-state.ts) */
  startStates: StartStateCounts;
  phases: { analyzeMs: number; simplifyMs?: number; proveMs: number; testgenMs: number; checkMs: number };
  policy: Policy;
  /** the resource counts the run's goals spent, the largest ones (none for --check-tests) */
  spend?: Spend;
  /** the budget per check: resource count and wall-clock net */
  budget: { rlimit: number; timeoutMs: number };
  /** the file the tests were read from (--check-tests), when they were not generated */
  testsFrom?: string;
  /** the spec's `equivalent` checked against each operation (congruence.ts); empty without one */
  equivalence: CongruenceResult[];
}

/** Resolves the target to a spec and its implementation variants, lowered. */
export function loadCommuteSpec(root: string, target: string): CommuteSpec {
  const all = discover(root);
  const picked = select(root, all, target);
  const abs = path.resolve(root, target);
  const isFile = (f: string) => fs.existsSync(f) && fs.statSync(f).isFile();
  // a spec without any implementation yet still has its pairs analysed (no conflict proofs)
  const bare = [path.join(root, 'spec', `${target}.ts`), path.join(root, 'examples', target, 'spec.ts'), path.join(abs, 'spec.ts')].find(isFile);
  const specFile = picked[0]?.specFile ?? (isFile(abs) ? abs : bare);
  if (!specFile) throw new UsageError(`'${target}' matches no spec (looked for spec/${target}.ts, examples/${target}/spec.ts, and a spec file)`);
  // every implementation of the spec, unless the target names one implementation file; a spec
  // outside the root is looked up where it lives (spec/NAME.ts, examples/NAME/spec.ts)
  const up = (n: number) => [...Array(n)].reduce((d: string) => path.dirname(d), specFile);
  const around = all.some((p) => path.resolve(p.specFile) === path.resolve(specFile)) ? all : [...discover(up(2)), ...discover(up(3))];
  const variants = picked.length === 1 && picked[0].implFile === abs ? picked : around.filter((p) => path.resolve(p.specFile) === path.resolve(specFile));
  const project = loadProject(root);
  // a spec with a small scope (SMALL_X constants, like the kernel's) is analysed there: every
  // array of the pair is expanded, which the real sizes (8,192 pages) do not allow
  const scope = loadSpec(project, specFile).smallScope;
  const l = loadSpec(project, specFile, scope);
  const subs = variants.filter((v) => v.specFile === specFile).map((v) => loadSubsystem(project, v.name, v.specFile, v.implFile, scope));
  confirmRunLoads(project);
  let sandbox: Sandbox | undefined;
  return {
    name: variants[0]?.name.split('.')[0] ?? (path.basename(specFile) === 'spec.ts' ? path.basename(path.dirname(specFile)) : path.basename(specFile, '.ts')),
    specFile,
    program: l.program,
    state: l.spec.state,
    invariants: l.invariants,
    equivalent: l.equivalent,
    commuteFirst: l.commuteFirst,
    operations: l.operations,
    variants: subs,
    scope,
    // the spec and every variant in one sandbox (their tests run there only), made when first asked for
    runtime: () => (sandbox ??= new Sandbox(specFile, () => sandboxModules(project, [['spec', specFile], ...subs.map((v) => [v.name, v.implFile] as [string, string])]))),
  };
}

export class UsageError extends Error {}

/** Pairs with replacement, in the spec's order: n(n+1)/2 of them. */
function pairsOf(ops: Func[], filter?: string[]): [Func, Func][] {
  const out: [Func, Func][] = [];
  const wanted = (a: string, b: string) =>
    !filter?.length || filter.some((f) => (f.includes('/') ? [`${a}/${b}`, `${b}/${a}`].includes(f) : a === f || b === f));
  for (let i = 0; i < ops.length; i++) for (let j = i; j < ops.length; j++) if (wanted(ops[i].name, ops[j].name)) out.push([ops[i], ops[j]]);
  return out;
}

/**
 * Runs `work` over `items` with at most `n` in flight, the costliest first by `cost`, keeping the
 * input order in the output. Largest first, because a phase ends when its last item does: in
 * spec order, POSIX's costliest pair (mmap/mmap, 241 s of analysis and 145 s of test generation)
 * came last in both phases, and one worker idled while the other finished it.
 */
export async function inParallel<T, R>(items: T[], n: number, cost: (x: T) => number, work: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const costs = items.map(cost);
  const order = items.map((_, k) => k).sort((x, y) => costs[y] - costs[x]);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < order.length) {
        const k = order[next++];
        out[k] = await work(items[k]);
      }
    }),
  );
  return out;
}

/** What the conflict check makes of a set of tests: the checked ones, their verdicts, the ones it set aside. */
type Checked = Pick<CommuteRun, 'tests' | 'verdicts' | 'toolchainErrors' | 'outOfScope' | 'dropped'>;

/**
 * Runs each test on the spec (which fills in its expected results) and on every variant from
 * its starting state, in the spec's sandbox (check.ts's commuteTestTask): the user's code never
 * runs in this process. `unrelated` says why a test whose starting state the variant's equiv
 * does not relate to the setup is set aside. A test whose run does not finish (process.exit, the
 * time or heap limit) is dropped with why; modules whose top-level code cannot run throw
 * ModuleLoadError.
 */
async function checkTests(spec: CommuteSpec, gts: GeneratedTest[], granularity: Granularity | undefined, unrelated: (variant: string) => string): Promise<Checked> {
  const out: Checked = { tests: [], verdicts: [], toolchainErrors: [], outOfScope: [], dropped: [] };
  const variants = spec.variants.map((v) => v.name);
  const items: TestItem[] = gts.map((gt) => ({
    test: { id: gt.test.id, pair: gt.test.pair, path: gt.test.path, calls: gt.test.calls },
    setup: toWire(gt.setup()),
    args: toWire(gt.args()) as [unknown, unknown],
    impls: Object.fromEntries(variants.map((v) => [v, toWire(gt.implSetup(v))])),
    variants,
    granularity: granularity ?? 'cell',
    scoped: spec.scope.size > 0,
  }));
  const answers = await spec.runtime().runEach<TestAnswer>('commute-test', items, (k) => `the test ${gts[k].test.id} (${gts[k].test.calls[0].op}, ${gts[k].test.calls[1].op} on the spec and ${variants.join(', ')})`);
  for (const [k, gt] of gts.entries()) {
    const r = answers[k];
    if (!r.ok) {
      out.dropped.push({ id: gt.test.id, why: r.error });
      continue;
    }
    const a = r.value;
    if (a.notCommuting && spec.scope.size) {
      out.outOfScope.push({ id: gt.test.id, why: a.notCommuting });
      continue;
    }
    const why = a.notCommuting ?? (a.unrelated && unrelated(a.unrelated));
    if (why || !a.expect) {
      out.toolchainErrors.push({ id: gt.test.id, why: why || 'the sandbox gave no expected results' });
      continue;
    }
    const results = (w: unknown) => fromWire(w) as unknown[];
    applyExpectation(gt, { ab: results(a.expect.ab), ba: results(a.expect.ba) }, a.allowed && { ab: a.allowed.ab.map(results), ba: a.allowed.ba.map(results) });
    out.tests.push(gt);
    out.verdicts.push(...a.verdicts);
  }
  return out;
}

/**
 * The tests of a `--tests` file, for a spec of this name, restricted to the selected pairs; a
 * test whose saved states do not have the types of the spec's and each variant's state as they
 * are now (a field added since) is set aside with why, before anything runs on it.
 */
function readSavedTests(file: string, spec: CommuteSpec, filter?: string[]): { tests: GeneratedTest[]; unfit: { id: string; why: string }[]; policy: Policy } {
  let doc: { spec?: unknown; policy?: Policy; tests?: TestCase[] };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--check-tests ${file}: ${(e as Error).message}`);
  }
  if (doc.spec !== spec.name || !Array.isArray(doc.tests)) throw new UsageError(`--check-tests ${file}: not a file of tests of ${spec.name} (write one with verify commute ${spec.name} --tests FILE)`);
  const ops = new Set(spec.operations.map((o) => o.name));
  const unknownOp = doc.tests.flatMap((t) => t.calls.map((c) => c.op)).find((op) => !ops.has(op));
  if (unknownOp) throw new UsageError(`--check-tests ${file}: its tests call ${unknownOp}, which ${spec.name} does not have`);
  const selected = new Set(pairsOf(spec.operations, filter).map(([a, b]) => `${a.name}/${b.name}`));
  const tests = doc.tests.filter((t) => selected.has(t.pair.join('/')) || selected.has(`${t.pair[1]}/${t.pair[0]}`));
  const unfit: { id: string; why: string }[] = [];
  const fit = tests.filter((t) => {
    const saved = [{ name: 'the spec', value: t.setup, type: spec.state }, ...spec.variants.map((v) => ({ name: v.name, value: t.impl?.[v.name], type: v.impl.state }))];
    const misfit = saved.map((x) => ({ name: x.name, bad: x.value === undefined ? 'is not saved' : typeViolation(revive(x.value), x.type, 'state') })).find((x) => x.bad);
    if (misfit) unfit.push({ id: t.id, why: `its saved state of ${misfit.name} does not fit the state type as it is now (${misfit.bad}): generate the tests again` });
    return !misfit;
  });
  return { tests: fit.map(savedTest), unfit, policy: doc.policy ?? {} };
}

export async function runCommute(opts: CommuteOptions): Promise<CommuteRun> {
  const spec = loadCommuteSpec(opts.root, opts.target);
  const pairs = pairsOf(spec.operations, opts.filter);
  if (pairs.length === 0) throw new UsageError(`--filter ${opts.filter?.join(' ')} selects no pair of ${spec.operations.map((o) => o.name).join(', ')}`);
  const budget = { rlimit: opts.rlimit ?? DEFAULT_RLIMIT, timeoutMs: opts.timeoutMs ?? DEFAULT_NET_MS };
  if (opts.checkTests) {
    // the saved tests on the implementations as they are now: a change to an implementation is
    // measured in seconds on exactly the tests it was measured on before
    const t = performance.now();
    const saved = readSavedTests(opts.checkTests, spec, opts.filter);
    const checked = await checkTests(spec, saved.tests, opts.granularity, (v) => `its saved starting state of ${v} is not related to the setup by ${v}'s equiv as it is now (the representation changed since the tests were written: generate them again)`);
    return {
      spec,
      ops: spec.operations.map((o) => o.name),
      pairs: [],
      analyses: [],
      ...checked,
      toolchainErrors: [...saved.unfit, ...checked.toolchainErrors],
      unknowns: 0,
      startStates: { propagated: 0, solved: 0 },
      phases: { analyzeMs: 0, proveMs: 0, testgenMs: 0, checkMs: Math.round(performance.now() - t) },
      policy: { ...saved.policy, 'granularity': opts.granularity ?? 'cell' },
      budget,
      testsFrom: opts.checkTests,
      equivalence: [],
    };
  }
  const spend = new Spend();
  const pathPolicy = { ...DEFAULT_POLICY, ...budget, spend, maxPathsPerPair: opts.maxPathsPerPair ?? DEFAULT_POLICY.maxPathsPerPair, describeCases: opts.describeCases === true };
  const testPolicy = { ...DEFAULT_TEST_POLICY, ...budget, spend, maxTestsPerPath: opts.maxTestsPerPath ?? DEFAULT_TEST_POLICY.maxTestsPerPath };
  const pool = opts.pool ?? new SolverPool({ jobs: opts.jobs });
  const say = opts.progress ?? (() => {});
  try {
    // every verdict below compares final states with the spec's `equivalent`: it is checked first
    let t = performance.now();
    const equivalence = await checkEquivalent(spec, pool, { ...budget, spend });
    if (equivalence.length) say(`checked equivalent against ${equivalence.length} operations: ${equivalence.filter((e) => e.status === 'holds').length} hold`);
    // one pair more in flight than workers, so that building the next query overlaps solving
    // a pair's analysis time grows with its problem's size (rank correlation 0.86 over POSIX's pairs)
    const problems = pairs.map(([a, b]) => pairProblem(spec, a, b));
    const analyses = await inParallel(problems, opts.jobs + 1, (p) => T.dagSize([...p.given, p.agree, p.commutes]), async (p) => {
      const an = await analyseProblem(p, pool, pathPolicy);
      const sm = an.result.solveMs;
      say(`analysed ${p.a.name}/${p.b.name}: ${an.result.verdict} (${pathsText(an.result.paths)}, ${an.result.commutativePaths} commutative, ${an.result.ms} ms${sm ? `: commutative ${sm.commutative} ms, divergent ${sm.divergent} ms` : ''})`);
      return an;
    });
    const analyzeMs = performance.now() - t;
    t = performance.now();
    const simplify = opts.describeCases === true;
    if (simplify) await inParallel(analyses, opts.jobs + 1, (an) => an.result.commutativePaths, (an) => solverSimplify(an, pool, budget.timeoutMs));
    const simplifyMs = simplify ? Math.round(performance.now() - t) : undefined;
    t = performance.now();
    // conflict-freedom proved per commutative path, for every variant
    const proofWork = analyses.flatMap((an) => spec.variants.map((v) => [an, v] as const));
    await inParallel(proofWork, opts.jobs + 1, ([an]) => an.result.commutativePaths, async ([an, v]) => {
      const proofs = await proveConflictFree(an, v, pool, pathPolicy);
      const cells = [...new Set(proofs.flatMap((x) => x.cells))].sort();
      const count = (st: string) => proofs.filter((x) => x.status === st).length;
      an.result.proofs = { ...an.result.proofs, [v.name]: { conflictFree: count('conflict-free'), mayConflict: count('may-conflict'), unknown: count('unknown'), cells } };
      say(`proved ${an.result.a}/${an.result.b} on ${v.name}: ${count('conflict-free')} of ${proofs.length} commutative paths conflict-free`);
    });
    const proveMs = performance.now() - t;
    t = performance.now();
    const perPair = opts.noTests ? [] : await inParallel(analyses, opts.jobs + 1, (an) => an.result.commutativePaths, async (an) => {
      const r = await generateTests(spec, an, pool, testPolicy);
      say(`tests ${an.result.a}/${an.result.b}: ${r.tests.length} (${r.ms} ms)`);
      return r;
    });
    const testgenMs = performance.now() - t;
    t = performance.now();
    const { tests, verdicts, toolchainErrors, outOfScope, dropped: failed } = opts.noTests
      ? { tests: [], verdicts: [], toolchainErrors: [], outOfScope: [], dropped: [] }
      : await checkTests(spec, perPair.flatMap((r) => r.tests), opts.granularity, (v) => `the solver's starting state of ${v} is not related to the setup by its equiv at run time`);
    const checkMs = performance.now() - t;
    const proofUnknowns = analyses.reduce((n, a) => n + Object.values(a.result.proofs ?? {}).reduce((k, x) => k + x.unknown, 0), 0);
    const unknowns = analyses.reduce((n, a) => n + a.result.unknowns, 0) + perPair.reduce((n, r) => n + r.unknowns, 0) + proofUnknowns;
    // a path at its test cap is the policy at work and is counted; one stopped by the budget or
    // an unknown answer is named (pair and path: path ids repeat across pairs)
    const stopped = perPair.flatMap((r, k) => r.perPath.filter((x) => x.stopped).map((x) => ({ at: `${analyses[k].result.a}/${analyses[k].result.b} ${x.path}`, why: x.stopped! })));
    const atCap = stopped.filter((x) => x.why === 'cap').length;
    const stoppedText = [...(atCap ? [`${atCap} at the cap`] : []), ...stopped.filter((x) => x.why !== 'cap').map((x) => `${x.at}: ${x.why}`)].join(', ');
    const policy: Policy = {
      'tests per path (cap)': testPolicy.maxTestsPerPath,
      'paths per pair (cap)': pathPolicy.maxPathsPerPair,
      'enumerated values': 'the scalars the path condition reads (constants, reads of the start state); realms (equality patterns): one per opaque sort; integers a branch compares or that index one array dimension; booleans, and whether a read is in range, by value',
      'first call': spec.commuteFirst ? `arguments satisfy the spec's commuteFirst (${spec.commuteFirst.params.map((p) => p.name).join(', ')})` : 'unconstrained',
      'paths stopped early': stoppedText || 'none',
      'granularity': opts.granularity ?? 'cell',
      'solver budget per check': `rlimit ${budget.rlimit} (Z3's resource count: the same verdicts however busy the machine is); wall-clock net ${budget.timeoutMs} ms`,
      'solver budget per enumeration': `rlimit ${pathPolicy.pathBudgetRlimit} (all its checks; paths of one side of a pair, tests of one path); wall-clock net ${pathPolicy.pathBudgetMs} ms`,
      ...(spec.scope.size ? { 'sizes (small scope)': `${[...spec.scope].map(([k, v]) => `${k} = ${v}`).join(', ')}; tests run at the real sizes, the rest of each state as init() leaves it` } : {}),
    };
    return {
      spec,
      ops: spec.operations.map((o) => o.name),
      pairs: analyses.map((a) => a.result),
      analyses,
      tests,
      verdicts,
      toolchainErrors,
      outOfScope,
      dropped: [...perPair.flatMap((r) => r.dropped), ...failed],
      unknowns,
      startStates: { propagated: perPair.reduce((n, r) => n + r.startStates.propagated, 0), solved: perPair.reduce((n, r) => n + r.startStates.solved, 0) },
      phases: { analyzeMs: Math.round(analyzeMs), ...(simplifyMs !== undefined ? { simplifyMs } : {}), proveMs: Math.round(proveMs), testgenMs: Math.round(testgenMs), checkMs: Math.round(checkMs) },
      policy,
      spend,
      budget,
      equivalence,
    };
  } finally {
    if (!opts.pool) await pool.close();
  }
}

export function exitCodeOf(run: CommuteRun): number {
  if (run.verdicts.some((v) => !v.resultsOk) || run.equivalence.some((e) => e.status === 'fails')) return 1;
  if (run.equivalence.some((e) => e.status === 'unknown') || run.unknowns > 0 || run.toolchainErrors.length > 0 || run.dropped.length > 0 || run.pairs.some((p) => p.verdict === 'unknown')) return 3;
  return 0;
}

/** Why a pair has no verdict, in the one-line listing: its first note (no verdict, an enumeration stopped). */
function whyUnknown(p: PairResult): string {
  const note = p.verdict === 'unknown' ? p.cases.find((c) => c.startsWith('(')) : undefined;
  return note ? ` ${note}` : '';
}

/** The text report: per-pair verdicts (and cases with `cases`), tables, totals, problems. */
export function commuteText(run: CommuteRun, showCases: boolean): string {
  const out: string[] = [];
  const counts = { always: 0, sometimes: 0, never: 0, unknown: 0 };
  for (const p of run.pairs) counts[p.verdict]++;
  if (run.testsFrom) out.push(`${run.spec.name}: the ${run.tests.length + run.toolchainErrors.length + run.outOfScope.length} tests of ${run.testsFrom} checked on the implementations as they are now (no analysis, no test generation)`);
  else {
    // the budget first, as verify prints it: the verdicts below are those of this budget
    out.push(`verify commute ${run.spec.name} · rlimit ${run.budget.rlimit} per check (Z3's resource count, deterministic), wall-clock net ${run.budget.timeoutMs} ms`);
    const eq = run.equivalence;
    if (eq.length) {
      const held = eq.every((e) => e.status === 'holds');
      out.push(held ? `equivalent: checked against all ${eq.length} operations (equivalent states give equal results and equivalent states)` : ['the verdicts below rest on equivalent, which is not checked whole:', ...eq.filter((e) => e.status !== 'holds').map((e) => `  ${e.status === 'fails' ? 'error' : 'unknown'}: equivalent against ${e.op}: ${e.detail}`)].join('\n'));
    }
    out.push(`${run.spec.name}: ${run.ops.length} operations, ${run.pairs.length} pairs: ${counts.always} always, ${counts.sometimes} sometimes, ${counts.never} never commutative${counts.unknown ? `, ${counts.unknown} unknown` : ''}`);
    out.push(showCases ? conditionsText(run.pairs) : run.pairs.map((p) => `  ${p.a}/${p.b}: ${p.verdict} (${pathsText(p.paths)}, ${p.commutativePaths} commutative)${whyUnknown(p)}`).join('\n'));
  }
  if (run.tests.length) {
    const s = summarise(run.ops, run.tests.map((t) => t.test), run.verdicts);
    out.push(tableText(run.ops, (a, b) => String(s.testsOf(a, b)), 'tests per pair'));
    for (const v of run.spec.variants) out.push(tableText(run.ops, (a, b) => String(s.conflictedOf(v.name, a, b)), `${v.name}: tests NOT conflict-free per pair`));
    out.push(totalsText(run.ops, run.tests.map((t) => t.test), run.verdicts, run.policy));
  }
  if (!run.testsFrom && run.spec.variants.length === 0) out.push(`no implementation of ${run.spec.name} found (impl/${run.spec.name}.ts, or impl.ts beside its spec.ts): the pairs are analysed and tested on the spec alone, conflict-freedom is not checked`);
  // proofs are the analysis's: a check of saved tests has none
  for (const v of run.testsFrom ? [] : run.spec.variants) {
    const ps = run.pairs.map((p) => p.proofs?.[v.name]).filter((x) => x !== undefined);
    const sum = (k: 'conflictFree' | 'mayConflict' | 'unknown') => ps.reduce((n, x) => n + x[k], 0);
    const total = sum('conflictFree') + sum('mayConflict') + sum('unknown');
    const whole = run.pairs.filter((p) => p.proofs?.[v.name] && p.proofs[v.name].mayConflict + p.proofs[v.name].unknown === 0 && p.commutativePaths > 0).length;
    out.push(`${v.name}: ${sum('conflictFree')} of ${total} commutative paths PROVED conflict-free (every state on the path)${sum('unknown') ? `, ${sum('unknown')} unknown` : ''}; ${whole} of ${run.pairs.filter((p) => p.commutativePaths > 0).length} pairs conflict-free on every commutative path`);
  }
  for (const v of run.verdicts.filter((x) => !x.resultsOk)) out.push(`error: ${v.impl} on ${v.id}: ${v.mismatch}`);
  for (const e of run.toolchainErrors) out.push(`toolchain error: ${e.id}: ${e.why}`);
  for (const e of run.dropped) out.push(`test dropped: ${e.id}: ${e.why}`);
  if (run.outOfScope.length) out.push(`${run.outOfScope.length} tests of the small scope do not commute at the real sizes (an argument out of range there is in range here) and were dropped: ${run.outOfScope.slice(0, 5).map((x) => x.id).join(', ')}${run.outOfScope.length > 5 ? ', …' : ''}`);
  if (run.testsFrom) out.push(`conflict check ${(run.phases.checkMs / 1000).toFixed(1)} s`);
  else {
    if (run.tests.length && run.spec.variants.length) out.push(`implementation starting states: ${run.startStates.propagated} by propagation, ${run.startStates.solved} by the solver`);
    out.push(`phases: analyze ${(run.phases.analyzeMs / 1000).toFixed(1)} s${run.phases.simplifyMs !== undefined ? ` · simplify ${(run.phases.simplifyMs / 1000).toFixed(1)} s` : ''} · prove ${(run.phases.proveMs / 1000).toFixed(1)} s · testgen ${(run.phases.testgenMs / 1000).toFixed(1)} s · conflict check ${(run.phases.checkMs / 1000).toFixed(1)} s${run.unknowns ? ` · ${run.unknowns} unknown solver answers` : ''}`);
    const top = run.spend?.byCheck[0];
    const most = run.spend?.byTotal[0];
    if (top && most) out.push(`resource counts spent: one check at most ${top.check} (${top.what}), one enumeration at most ${most.total} (${most.what})`);
  }
  return out.join('\n\n');
}

/**
 * Writes the generated tests to `file` as one JSON document (with each variant's starting state),
 * a test a line: the whole POSIX run's 19,432 tests as one indented string ran the process out
 * of its heap (4 GB) at the very end of an hour's run.
 */
export function writeTestsFile(file: string, run: CommuteRun): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `{"spec": ${JSON.stringify(run.spec.name)},\n"policy": ${JSON.stringify(run.policy)},\n"tests": [\n`);
    run.tests.forEach((t, k) => fs.writeSync(fd, `${k ? ',\n' : ''}${JSON.stringify(t.test)}`));
    fs.writeSync(fd, '\n]}\n');
  } finally {
    fs.closeSync(fd);
  }
}

/** A resource count: digits, optionally with k or M (20M = 20000000), as verify's --rlimit. */
function parseCount(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kM])?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1));
  return Number.isSafeInteger(n) && n > 0 && n <= 0xffffffff ? n : undefined;
}

/** The CLI entry: parses what is commute-specific, runs, prints, writes the requested files. */
export async function commuteCommand(values: Record<string, unknown>, positionals: string[], timeoutMs: number, jobs: number): Promise<number> {
  const json = Boolean(values.json);
  const fail = (msg: string, diagnostics: string[] = []) => {
    if (json) console.log(JSON.stringify({ tool: 'pushbutton', command: 'commute', exitCode: 2, error: msg, diagnostics }, null, 2));
    else console.error([`verify commute: ${msg}`, ...diagnostics].join('\n'));
    return 2;
  };
  if (positionals.length !== 1) return fail('name one spec: verify commute NAME (a subsystem such as posix, or a spec file)');
  const int = (name: string, dflt?: number) => {
    const v = values[name];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} ${String(v)}: a positive integer`);
    return n;
  };
  const granularity = (values.granularity ?? 'cell') as string;
  if (granularity !== 'cell' && granularity !== 'object') return fail(`--granularity ${granularity}: cell or object`);
  const rlimit = values.rlimit === undefined ? DEFAULT_RLIMIT : parseCount(String(values.rlimit));
  if (rlimit === undefined) return fail(`--rlimit ${String(values.rlimit)}: a positive count below 2^32, such as 20000000 or 20M`);
  let run: CommuteRun;
  try {
    run = await runCommute({
      root: path.resolve((values.root as string | undefined) ?? process.cwd()),
      target: positionals[0],
      rlimit,
      // the caller's --timeout, when given, is the wall-clock net; its own default (10 s, verify
      // rid's budget) is not: commute's budget is the resource count, and its net DEFAULT_NET_MS
      timeoutMs: values.timeout === undefined ? DEFAULT_NET_MS : timeoutMs,
      jobs,
      maxTestsPerPath: int('max-tests-per-path'),
      maxPathsPerPair: int('max-paths'),
      granularity,
      filter: values.filter as string[] | undefined,
      noTests: Boolean(values['no-tests']),
      describeCases: Boolean(values.cases || json || values.html),
      checkTests: values['check-tests'] === undefined ? undefined : path.resolve(values['check-tests'] as string),
      progress: json || !values.verbose ? undefined : (l) => console.error(l),
    });
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    if (e instanceof ModuleLoadError) return fail('the spec or an implementation cannot be run', e.diagnostics.map((d) => formatDiagnostic(d)));
    if (e instanceof SubsetError) return fail('the spec or an implementation is outside the subset', e.diagnostics.map((d) => formatDiagnostic(d)));
    throw e;
  }
  const tests = run.tests.map((t) => t.test);
  if (values.html) fs.writeFileSync(path.resolve(values.html as string), htmlReport(run.ops, run.pairs, tests, run.verdicts, run.policy, `verify commute ${run.spec.name}`));
  if (values.tests) writeTestsFile(path.resolve(values.tests as string), run);
  if (values['emit-vitest']) {
    const dir = path.resolve(values['emit-vitest'] as string);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of vitestFiles(dir, run.spec, tests, run.verdicts)) fs.writeFileSync(path.join(dir, f.file), f.text);
  }
  const code = exitCodeOf(run);
  if (json) {
    const doc = JSON.parse(jsonReport(run.ops, run.pairs, tests, run.verdicts, run.policy));
    console.log(JSON.stringify({ tool: 'pushbutton', command: 'commute', spec: run.spec.name, exitCode: code, ...(run.testsFrom ? { testsFrom: run.testsFrom } : {}), budget: run.budget, phases: run.phases, ...(run.spend ? { spend: run.spend.toJSON() } : {}), startStates: run.startStates, unknowns: run.unknowns, toolchainErrors: run.toolchainErrors, outOfScope: run.outOfScope, dropped: run.dropped, mismatches: run.verdicts.filter((v) => !v.resultsOk), equivalence: run.equivalence, ...doc }, null, 2));
  } else console.log(commuteText(run, Boolean(values.cases)));
  return code;
}
