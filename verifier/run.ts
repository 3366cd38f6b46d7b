// Runs the theorems of every selected subsystem through the solver and collects the verdicts.

import * as path from 'node:path';
import { loadProject } from './frontend/project.ts';
import { confirmRunLoads, runResolutionProblems, type ImportEdge } from './frontend/run-resolution.ts';
import { recordProgram, type SourceRecord } from './sources.ts';
import { loadSubsystem, type Subsystem } from './subsystem.ts';
import { theoremOf, toSmt, type Theorem, type GoalSpec, type TheoremKind } from './theorems.ts';
import { replay } from './counterexample.ts';
import { SolverPool, type GoalResult, type Job } from './solver/pool.ts';
import { SubsetError, type Diagnostic } from './diagnostics.ts';
import { worst, type GoalOutcome, type OperationOutcome, type SubsystemOutcome, type Verdict } from './outcome.ts';
import { ModuleLoadError, RunFailure } from './sandbox/sandbox.ts';
import * as T from '../symexec/term.ts';
import { hasQuantifier } from '../symexec/term.ts';
import type { Pair } from './discover.ts';
import type { ProofCache } from './cache.ts';
import { inShard, type Shard } from './shard.ts';
import { BARE_RLIMIT, DEFAULT_RLIMIT, EARLY_FULL_RLIMIT, EARLY_SMALL_RLIMIT, EXACT_COUNT_LIMIT, EXPANDED, EXPANDED_TEXT, Turns, describeUnknown, trace, writeSmt2, type SmallSearch, type Turn } from './ladder.ts';

export type { Verdict, GoalOutcome, OperationOutcome, SubsystemOutcome } from './outcome.ts';
export { worst } from './outcome.ts';

export interface RunOptions {
  filter?: string[];
  /**
   * Per goal and rung, the wall-clock safety net (default in cli.ts); a goal it stops is
   * unknown, so it must be several times what `rlimit` takes or verdicts depend on the load.
   */
  timeoutMs: number;
  /** Per goal, the deterministic budget of the ladder's last rungs (Z3's rlimit); default DEFAULT_RLIMIT. */
  rlimit?: number;
  jobs: number;
  smt2Dir?: string;
  /** called when a subsystem's operations are known, and as each finishes (progress output) */
  onStart?: (sub: string, operations: number) => void;
  onOperation?: (sub: string, op: OperationOutcome) => void;
  /** the proof cache (verifier/cache.ts); unset: nothing is read or kept */
  cache?: ProofCache;
  /**
   * Stop at the first refutation of a subsystem (`--fail-fast`): goals not yet decided are not
   * asked further (unknown, "not asked"). At the desk a broken edit is the common case, and a
   * refutation needs one goal.
   */
  failFast?: boolean;
  /** only the theorems of this part of the partition (verifier/shard.ts, `--shard I/N`) */
  shard?: Shard;
  /** Only these kinds (unset: all). The invariants theorem is the spec's alone (theorems.ts): a test
   * of a bug seeded in an implementation leaves it to the model's proof (40% of a kernel bug's solving). */
  theorems?: TheoremKind[];
}

export { DEFAULT_RLIMIT };
function matches(filter: string[] | undefined, op: string): boolean {
  return !filter || filter.length === 0 || filter.some((f) => (f.includes('*') ? new RegExp(`^${f.split('*').map(escape).join('.*')}$`).test(op) : op === f || op.includes(f)));
}
const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export class Runner {
  private readonly pool: SolverPool;
  private readonly smallSubsystems = new Map<Subsystem, Subsystem>();
  private readonly turns = new Turns();
  /** the files of every subsystem verified so far, as they were read (`verify merge`'s same-sources check) */
  readonly sources: SourceRecord = {};
  /** subsystem runs that have a refutation already (for failFast) */
  private readonly refuted = new WeakSet<SubsystemOutcome>();

  constructor(readonly root: string, readonly opts: RunOptions) {
    this.pool = new SolverPool({ jobs: opts.jobs });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Verifies one subsystem: from the proof cache when its whole run is there, else run(). */
  async verify(pair: Pair): Promise<SubsystemOutcome> {
    const cache = this.opts.cache;
    const key = cache?.subsystemKey(this.root, { name: pair.name, spec: path.relative(this.root, pair.specFile), impl: path.relative(this.root, pair.implFile), filter: this.opts.filter ?? [], ...(this.opts.shard ? { shard: this.opts.shard } : {}), ...(this.opts.theorems ? { theorems: this.opts.theorems } : {}) });
    // the run's resolver is asked again: what it loads is not all in files the entry records
    const stillLoads = (imports: ImportEdge[]) => runResolutionProblems(imports, this.root).length === 0;
    const entry = key ? cache!.subsystem<SubsystemOutcome, ImportEdge>(key, this.root, stillLoads) : undefined;
    if (entry) {
      const hit = entry.outcome;
      Object.assign(this.sources, entry.sources);
      this.opts.onStart?.(hit.name, hit.operations.length);
      for (const op of hit.operations) this.opts.onOperation?.(hit.name, op);
      return { ...hit, specFile: pair.specFile, implFile: pair.implFile, cached: true, frontMs: 0, solverMs: 0 };
    }
    const sources: SourceRecord = {};
    const imports: ImportEdge[] = [];
    const out = await this.run(pair, sources, imports);
    Object.assign(this.sources, sources);
    // a run that proved everything is kept whole (a refutation is kept per goal, to be replayed)
    if (key && out.status === 'proved') cache!.putSubsystem(key, out, sources, imports);
    return out;
  }

  private async run(pair: Pair, sources: SourceRecord, imports: ImportEdge[]): Promise<SubsystemOutcome> {
    const t0 = performance.now();
    const out: SubsystemOutcome = { name: pair.name, specFile: pair.specFile, implFile: pair.implFile, status: 'proved', diagnostics: [], operations: [], frontMs: 0, solverMs: 0 };
    let sub: Subsystem;
    try {
      const project = loadProject(this.root);
      sub = loadSubsystem(project, pair.name, pair.specFile, pair.implFile);
      Object.assign(sources, recordProgram(this.root, project));
      imports.push(...confirmRunLoads(project));
    } catch (e) {
      if (!(e instanceof SubsetError)) throw e;
      out.status = 'rejected';
      out.diagnostics = e.diagnostics;
      return out;
    }
    const selected = ['init', ...sub.operations.map((o) => o.name)].filter((n) => matches(this.opts.filter, n));
    const kindsOf = (name: string): TheoremKind[] => (sub.operations.some((x) => x.name === name) ? (['refinement', 'invariants'] as const) : (['init'] as const)).filter((k) => this.opts.theorems?.includes(k) ?? true);
    const shard = this.opts.shard;
    const names = selected.filter((n) => kindsOf(n).some((k) => inShard(shard, sub.name, n, k)));
    if (shard) out.shard = { operations: selected, elsewhere: selected.flatMap((n) => kindsOf(n).filter((k) => !inShard(shard, sub.name, n, k))).length };
    this.opts.onStart?.(sub.name, names.length);
    out.frontMs += performance.now() - t0;
    // an operation whose theorems cannot be built (the evaluator rejected a construct) has no
    // verdict: its diagnostics make the subsystem rejected, and it is not listed as unknown
    const work = names.map(async (name): Promise<OperationOutcome | undefined> => {
      const t1 = performance.now();
      const kinds = kindsOf(name).filter((k) => inShard(shard, sub.name, name, k));
      // each theorem built even when another failed, so that every rejected construct is reported
      const theorems: Theorem[] = [];
      let rejected = false;
      for (const kind of kinds) {
        try {
          theorems.push(theoremOf(sub, name, kind));
        } catch (e) {
          if (!(e instanceof SubsetError)) throw e;
          for (const d of e.diagnostics) if (!out.diagnostics.some((x) => sameDiagnostic(x, d))) out.diagnostics.push(d);
          rejected = true;
        }
      }
      if (rejected) return undefined;
      out.frontMs += performance.now() - t1;
      const goals = (await Promise.all(theorems.map((th) => this.prove(sub, th, out)))).flat();
      const status = worst(goals.map((g) => g.status)) as Verdict;
      const op: OperationOutcome = { name, status, ms: goals.reduce((a, g) => a + g.ms, 0), goals };
      this.opts.onOperation?.(sub.name, op);
      return op;
    });
    out.operations = (await Promise.all(work)).filter((o): o is OperationOutcome => o !== undefined);
    out.status = out.diagnostics.length ? 'rejected' : worst(out.operations.map((o) => o.status));
    return out;
  }

  /**
   * The solving ladder, cheapest first; a goal leaves it at its first definite answer.
   * Budgets are resource counts (rlimit); each rung also has the wall-clock net.
   * 1. Without the pre-state invariants, one solver with push/pop, at most BARE_RLIMIT: a goal
   *    proved with fewer hypotheses is proved, and most runtime-error goals need none. Only
   *    runtime-error goals, and only `unsat` counts here.
   * 2. With every hypothesis, push/pop, a quarter of the budget. When the spec declares a small
   *    scope, split so that a broken goal is refuted after a cheap attempt instead of a long one
   *    (at the desk a broken edit is the common case):
   *    2e. first at EARLY_FULL_RLIMIT (most proofs need less), when the quarter is more;
   *    2s. a counterexample search at the small scope (searchSmall), at most EARLY_SMALL_RLIMIT;
   *    2f. then rung 2 again, at the quarter, for what is still open: a proof that needs more than
   *        2e still gets the whole quarter (it pays 2e and 2s on top, deterministically).
   * 2a. After rung 2: a `sat` that did not replay, when it may come from a symbolic count, asked
   *    again with each count's exact definition.
   * 2b. With a small scope: the goals whose search 2s stopped at its budget, searched again at
   *    the small scope with the whole budget.
   * 3. Without a small scope: the same theorem with quantifiers (and array type ranges) over at
   *    most 256 elements expanded into ground facts, a fresh solver per goal, the whole budget.
   *    Expansion is exact, so `unsat` is a proof; on ground formulas Z3 is complete, which is
   *    where quantified invariants made it spin on a real bug. A fresh solver, because
   *    incremental mode skips Z3's preprocessing (measured 2-3x slower on heavy goals).
   * 4. Only if quantifiers remain after expansion: the quantified theorem, fresh solver, whole budget.
   */
  private async prove(sub: Subsystem, th: Theorem, out: SubsystemOutcome): Promise<GoalOutcome[]> {
    // taken synchronously, in the order verify() makes the theorems; every path passes it
    const turn = this.turns.take();
    try {
      return await this.climb(sub, th, out, turn);
    } finally {
      turn.pass();
    }
  }

  private async climb(sub: Subsystem, th: Theorem, out: SubsystemOutcome, turn: Turn): Promise<GoalOutcome[]> {
    if (th.goals.length === 0) return [];
    const t0 = performance.now();
    const smt = toSmt(th);
    if (this.opts.smt2Dir) writeSmt2(this.opts.smt2Dir, smt);
    out.frontMs += performance.now() - t0;
    const budget = this.opts.rlimit ?? DEFAULT_RLIMIT;
    const short = Math.ceil(budget / 4);
    const net = this.opts.timeoutMs;
    const n = th.goals.length;
    const results: (GoalResult | undefined)[] = Array.from({ length: n }, () => undefined);
    const ms = new Array<number>(n).fill(0);
    const record = (k: number, r: GoalResult) => {
      ms[k] += r.ms;
      out.solverMs += r.ms;
      results[k] = r;
    };
    const open = () => results.map((r, k) => (!r || (r.status === 'unknown' && !r.reason?.startsWith('solver error')) ? k : -1)).filter((k) => k >= 0);
    // the models of refutations found on this very theorem (rungs 2, 2a, 4): the cache keeps them
    const models = new Map<number, string>();
    const cache = this.opts.cache;
    const fromCache = new Set<number>();
    if (cache) {
      smt.goals.forEach((g, k) => {
        const c = cache.goal(smt.prelude, g.smt);
        if (!c) return;
        fromCache.add(k);
        // a proof stands; a refutation is judged (replayed) again below
        results[k] = c.status === 'proved' ? { id: g.id, status: 'unsat', ms: 0 } : { id: g.id, status: 'sat', model: c.model, ms: 0 };
      });
    }

    // Only runtime-error goals go to stage 1: an invariant, `equiv` or a result almost never holds
    // without the invariants and `equiv` it is built on, and Z3 then spends the budget looking for
    // a model (kernel: 2.5 s per such goal, for nothing). No models either: a model found without
    // the invariants rarely satisfies them, and printing one of a large state costs seconds.
    const firstAsk = th.hypotheses.length ? th.goals.map((g, k) => (g.kind === 'runtime' && !results[k] ? k : -1)).filter((k) => k >= 0) : [];
    if (firstAsk.length) {
      const bare = toSmt(th, false);
      const first = await this.pool.solve({ prelude: bare.prelude, goals: firstAsk.map((k) => bare.goals[k]), rlimit: Math.min(short, BARE_RLIMIT), timeoutMs: net, models: false });
      trace(th, 'bare', first);
      for (const [j, r] of first.entries()) {
        const k = firstAsk[j];
        if (r.status === 'unsat') record(k, r);
        else {
          ms[k] += r.ms;
          out.solverMs += r.ms;
        }
      }
    }
    // with failFast, a refutation elsewhere in the subsystem ends the climb at the next rung
    const done = () => this.opts.failFast === true && this.refuted.has(out);
    const verdicts: (GoalOutcome | undefined)[] = new Array(n).fill(undefined);
    const undecided = () => (done() ? [] : open().filter((k) => !verdicts[k]));
    // the definite answers judged (a `sat` replayed); with failFast, in order, up to a refutation
    const decide = async () => {
      const ks = results.map((r, k) => (r && r.status !== 'unknown' && !verdicts[k] ? k : -1)).filter((k) => k >= 0);
      const sat = ks.filter((k) => results[k]!.status === 'sat');
      const now = this.opts.failFast ? ks.filter((k) => !sat.includes(k)) : ks;
      (await Promise.all(now.map((k) => this.judge(sub, th, th.goals[k], results[k]!, out)))).forEach((v, j) => this.settle(out, verdicts, now[j], v));
      if (this.opts.failFast) for (const k of sat) if (!done()) this.settle(out, verdicts, k, await this.judge(sub, th, th.goals[k], results[k]!, out));
    };
    // rung 2 at `rlimit`, on the goals still open
    const full = async (rlimit: number, stage: string) => {
      const todo = undecided();
      if (todo.length) {
        const rs = await this.pool.solve({ prelude: smt.prelude, goals: todo.map((k) => smt.goals[k]), rlimit, timeoutMs: net });
        rs.forEach((r, j) => {
          record(todo[j], r);
          if (r.model) models.set(todo[j], r.model);
        });
        trace(th, stage, rs);
      }
      await decide();
      await this.exactCounts(sub, th, verdicts, models, out, ms, short);
    };

    const small = sub.smallScope.size > 0;
    let search: SmallSearch | undefined;
    // goals whose search at the small scope (2s) stopped at its budget, for 2b
    let stopped: number[] = [];
    const early = small && EARLY_FULL_RLIMIT < short;
    if (early) {
      await full(EARLY_FULL_RLIMIT, 'full (early)');
      // the late theorems are built in turn (Turns); nothing from here to a pool.solve awaits
      if (undecided().length) await turn.wait();
      const todo = undecided();
      search = todo.length ? this.smallSearch(sub, th, todo) : undefined;
      turn.pass();
      if (search) stopped = await this.searchSmall(sub, th, search, undecided(), Math.min(EARLY_SMALL_RLIMIT, budget), verdicts, record, out);
    }
    await full(short, 'full');
    let quantified = true;
    if (small && !early && undecided().length) {
      // 2e was not split off (a small budget): the search at the small scope comes after rung 2
      await turn.wait();
      const todo = undecided();
      search = todo.length ? this.smallSearch(sub, th, todo) : undefined;
      turn.pass();
      if (search) await this.searchSmall(sub, th, search, undecided(), budget, verdicts, record, out);
    } else if (search && budget > EARLY_SMALL_RLIMIT) {
      const again = undecided().filter((k) => stopped.includes(k));
      if (again.length) await this.searchSmall(sub, th, search, again, budget, verdicts, record, out);
    }
    // with a small scope declared, that is where counterexamples are searched: the real sizes
    // expanded to ground facts are too large to help (the kernel's: 800 KB, Z3 aborted)
    let todo = undecided();
    if (todo.length && !small) {
      await turn.wait();
      const t1 = performance.now();
      const expanded = theoremOf(sub, th.op, th.kind, EXPANDED);
      quantified = hasQuantifier([...expanded.facts, ...expanded.hypotheses, ...expanded.goals.map((g) => g.holds)]);
      out.frontMs += performance.now() - t1;
      const byId = new Map(expanded.goals.map((g, j) => [g.id, j]));
      const missing = todo.filter((k) => !byId.has(th.goals[k].id));
      for (const k of missing) verdicts[k] = { ...this.base(th, th.goals[k], ms[k]), status: 'proved', scope: `${EXPANDED_TEXT}: the goal simplifies to true` };
      const ask = todo.filter((k) => byId.has(th.goals[k].id));
      if (ask.length) {
        const one: Theorem = { ...expanded, goals: ask.map((k) => expanded.goals[byId.get(th.goals[k].id)!]) };
        const esmt = toSmt(one);
        turn.pass();
        await this.askEach(out, th, `expanded ${esmt.prelude.length}`, { prelude: esmt.prelude, goals: esmt.goals, rlimit: budget, timeoutMs: net, incremental: false }, async (j, r) => {
          const k = ask[j];
          record(k, r);
          if (r.status === 'unknown') return;
          const v = await this.judge(sub, one, one.goals[j], r, out);
          this.settle(out, verdicts, k, { ...v, ms: ms[k], scope: EXPANDED_TEXT });
        });
      }
    }
    turn.pass(); // rung 4 builds nothing
    todo = undecided();
    if (todo.length && quantified) {
      const ks = todo;
      await this.askEach(out, th, 'quantified', { prelude: smt.prelude, goals: ks.map((k) => smt.goals[k]), rlimit: budget, timeoutMs: net, incremental: false }, async (j, r) => {
        record(ks[j], r);
        if (r.model) models.set(ks[j], r.model);
        this.settle(out, verdicts, ks[j], await this.judge(sub, th, th.goals[ks[j]], r, out));
      });
    }
    for (const [k, v] of verdicts.entries()) {
      if (!cache || !v || fromCache.has(k)) continue;
      if (v.status === 'proved') cache.putGoal(smt.prelude, smt.goals[k].smt, { status: 'proved' });
      // (a refutation found on another encoding, the expanded or small-scope theorem, is not kept:
      // its model does not replay on this one)
      else if (v.status === 'refuted' && models.has(k) && (!v.scope || v.scope.startsWith('with the exact'))) cache.putGoal(smt.prelude, smt.goals[k].smt, { status: 'refuted', model: models.get(k)! });
    }
    return verdicts.map((v, k) => {
      if (v) return { ...v, ms: ms[k], ...(fromCache.has(k) ? { cached: true } : {}) };
      const r = results[k];
      if (!r || done()) {
        const before = !r ? '' : r.status === 'sat' ? 'a counterexample not replayed, then ' : `${describeUnknown(r.reason, net)}, then `;
        return { ...this.base(th, th.goals[k], ms[k]), status: 'unknown', reason: `${before}not asked further: another goal of the subsystem was refuted first (--fail-fast)` };
      }
      const tried = small ? 'also searched at the small scope, and tried with the quantified encoding on a fresh solver' : `also with ${EXPANDED_TEXT}${quantified ? ' and with the quantified encoding on a fresh solver' : ' (an exact, quantifier-free encoding)'}`;
      return { ...this.base(th, th.goals[k], ms[k]), status: 'unknown', reason: `${describeUnknown(r.reason, net)}; ${tried}` };
    });
  }

  /**
   * A job of fresh solvers (incremental: false: each goal parses the prelude anyway), each answer to
   * `onAnswer` in goal order. With failFast one goal at a time, so that a refutation ends it (as one
   * job the goals after it were searched in vain: kernel seeded bugs, up to 8 M each at the small scope).
   */
  private async askEach(out: SubsystemOutcome, th: Theorem, stage: string, job: Job, onAnswer: (j: number, r: GoalResult) => Promise<void>): Promise<void> {
    const all = job.goals.map((_, j) => j);
    for (const batch of this.opts.failFast ? all.map((j) => [j]) : [all]) {
      if (this.opts.failFast && this.refuted.has(out)) return;
      const rs = await this.pool.solve({ ...job, goals: batch.map((j) => job.goals[j]) });
      trace(th, stage, rs);
      for (const [i, r] of rs.entries()) await onAnswer(batch[i], r);
    }
  }

  /** Sets goal k's verdict; a refutation marks the subsystem's run (failFast). */
  private settle(out: SubsystemOutcome, verdicts: (GoalOutcome | undefined)[], k: number, v: GoalOutcome): void {
    verdicts[k] = v;
    if (v.status === 'refuted') this.refuted.add(out);
  }

  /**
   * 2a. A counterexample that does not replay can come from a symbolic count, which the solver
   * knows only through facts about it (T.countFacts): such goals are asked once more with each
   * count's exact definition, a sum over its domain (counts of at most 256 elements).
   */
  private async exactCounts(sub: Subsystem, th: Theorem, verdicts: (GoalOutcome | undefined)[], models: Map<number, string>, out: SubsystemOutcome, ms: number[], rlimit: number): Promise<void> {
    const spurious = verdicts.map((v, k) => (v?.status === 'unknown' && v.counterexample && !v.counterexample.confirmed && !v.reason?.includes('; asked again with the exact') && !v.scope ? k : -1)).filter((k) => k >= 0);
    const terms = [...th.facts, ...th.hypotheses, ...th.goals.map((g) => g.holds)];
    const definitions = spurious.length && T.largestCount(terms) <= EXACT_COUNT_LIMIT ? T.countDefinitions(terms) : [];
    if (!definitions.length) return;
    const exact = toSmt({ ...th, facts: [...th.facts, ...definitions] });
    const again = await this.pool.solve({ prelude: exact.prelude, goals: spurious.map((k) => exact.goals[k]), rlimit, timeoutMs: this.opts.timeoutMs, incremental: false });
    trace(th, 'exact counts', again);
    for (const [j, r] of again.entries()) {
      const k = spurious[j];
      ms[k] += r.ms;
      out.solverMs += r.ms;
      const v = r.status === 'unknown' ? undefined : await this.judge(sub, th, th.goals[k], r, out);
      if (r.model) models.set(k, r.model);
      if (v && v.status !== 'unknown') this.settle(out, verdicts, k, { ...v, scope: 'the exact definition of each count' });
      else verdicts[k] = { ...verdicts[k]!, reason: `${verdicts[k]!.reason}; asked again with the exact definition of each count: ${v ? v.reason : describeUnknown(r.reason, this.opts.timeoutMs)}` };
    }
  }

  /** The theorem at the spec's small scope, expanded to ground formulas, for the goals `todo` (built in turn). */
  private smallSearch(sub: Subsystem, th: Theorem, todo: number[]): SmallSearch | undefined {
    let small = this.smallSubsystems.get(sub);
    if (!small) this.smallSubsystems.set(sub, (small = loadSubsystem(sub.project, sub.name, sub.specFile, sub.implFile, sub.smallScope)));
    const sth = theoremOf(small, th.op, th.kind, EXPANDED);
    const byId = new Map(sth.goals.map((g, j) => [g.id, j]));
    const ask = todo.filter((k) => byId.has(th.goals[k].id));
    if (!ask.length) return undefined;
    const one: Theorem = { ...sth, goals: ask.map((k) => sth.goals[byId.get(th.goals[k].id)!]) };
    return { one, smt: toSmt(one), ask };
  }

  /**
   * 2s/2b. Goals still undecided, when the spec declares a small scope: the same theorem at that
   *    scope, expanded to ground formulas (where Z3 finds models that quantified states hide), and
   *    a model is widened to the real sizes and replayed there. Only a replayed counterexample
   *    counts: a proof at the small scope proves nothing about the real sizes. With failFast,
   *    replays stop at the first confirmed one (a replay of the kernel's states costs seconds).
   *    Returns the goals the search stopped for its budget.
   */
  private async searchSmall(sub: Subsystem, th: Theorem, search: SmallSearch, todo: number[], rlimit: number, verdicts: (GoalOutcome | undefined)[], record: (k: number, r: GoalResult) => void, out: SubsystemOutcome): Promise<number[]> {
    const ask = todo.filter((k) => search.ask.includes(k));
    if (!ask.length) return [];
    const scope = [...sub.smallScope].map(([name, v]) => `${name} = ${v}`).join(', ');
    const stopped: number[] = [];
    await this.askEach(out, th, `small scope${rlimit < (this.opts.rlimit ?? DEFAULT_RLIMIT) ? ' (early)' : ''}`, { prelude: search.smt.prelude, goals: ask.map((k) => search.smt.goals[search.ask.indexOf(k)]), rlimit, timeoutMs: this.opts.timeoutMs, incremental: false }, async (j, r) => {
      const k = ask[j];
      if (r.status === 'sat' && this.opts.failFast && this.refuted.has(out)) {
        record(k, { ...r, status: 'unknown', reason: 'a counterexample at the small scope, not replayed' });
        return;
      }
      const cex = r.status === 'sat' ? await replay(sub, th, th.goals[k], r.model ?? '', search.one).catch(() => undefined) : undefined;
      if (cex?.confirmed) this.settle(out, verdicts, k, { ...this.base(th, th.goals[k], r.ms), status: 'refuted', counterexample: cex, scope: `a search at the small scope (${scope}), replayed at the real sizes` });
      if (r.status === 'unknown') stopped.push(k);
      const why = r.status === 'unsat' ? 'no counterexample at the small scope either' : r.status === 'sat' ? 'the small scope\'s counterexample does not replay at the real sizes' : `small scope: ${r.reason}`;
      record(k, { ...r, status: cex?.confirmed ? 'sat' : 'unknown', reason: why });
    });
    return stopped;
  }

  private base(th: Theorem, goal: GoalSpec, ms: number) {
    return { id: goal.id, theorem: th.kind, kind: goal.kind, loc: goal.loc, message: goal.message, ms };
  }

  /** Turns one solver answer into a verdict; `sat` must replay on the real TypeScript. */
  private async judge(sub: Subsystem, th: Theorem, goal: GoalSpec, r: GoalResult, out: SubsystemOutcome): Promise<GoalOutcome> {
    const base = { ...this.base(th, goal, r.ms), rlimit: r.rlimit };
    if (r.status === 'unsat') return { ...base, status: 'proved' };
    if (r.status === 'unknown') return { ...base, status: 'unknown', reason: describeUnknown(r.reason, this.opts.timeoutMs) };
    const t0 = performance.now();
    try {
      const cex = await replay(sub, th, goal, r.model ?? '');
      out.frontMs += performance.now() - t0;
      if (cex.confirmed) return { ...base, status: 'refuted', counterexample: cex };
      return { ...base, status: 'unknown', reason: `toolchain error: the solver's counterexample does not replay on the TypeScript code (${cex.replay})`, counterexample: cex };
    } catch (e) {
      // the user's code could not be run (sandbox/sandbox.ts): its top-level code is a located
      // diagnostic of the subsystem, a run that did not finish leaves this goal unknown
      if (e instanceof ModuleLoadError) for (const d of e.diagnostics) if (!out.diagnostics.some((x) => x.message === d.message)) out.diagnostics.push(d);
      if (e instanceof RunFailure || e instanceof ModuleLoadError) return { ...base, status: 'unknown', reason: `the counterexample could not be replayed: ${e instanceof ModuleLoadError ? e.summary : e.message}` };
      return { ...base, status: 'unknown', reason: `toolchain error while replaying the counterexample: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

function sameDiagnostic(a: Diagnostic, b: Diagnostic): boolean {
  return a.loc.file === b.loc.file && a.loc.line === b.loc.line && a.loc.col === b.loc.col && a.construct === b.construct && a.message === b.message;
}
