// Runs the theorems of every selected subsystem through the solver and collects the verdicts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Loc } from './ir.ts';
import { loadProject } from './frontend/project.ts';
import { loadSubsystem, type Subsystem } from './subsystem.ts';
import { refinement, invariants, initTheorem, toSmt, type Theorem, type GoalSpec, type TheoremKind } from './theorems.ts';
import { replay, type Counterexample } from './counterexample.ts';
import { SolverPool, type GoalResult } from './solver/pool.ts';
import { SubsetError, type Diagnostic } from './diagnostics.ts';
import type { Pair } from './discover.ts';
import type { MachineOptions } from '../symexec/evaluate.ts';

export type Verdict = 'proved' | 'refuted' | 'unknown';

export interface GoalOutcome {
  id: string;
  theorem: TheoremKind;
  kind: GoalSpec['kind'];
  loc: Loc;
  message: string;
  status: Verdict;
  /** why the solver gave up, or why a counterexample was not accepted */
  reason?: string;
  ms: number;
  rlimit?: number;
  counterexample?: Counterexample;
  /** set when the verdict came from the small-scope search after an `unknown` */
  scope?: string;
}

export interface OperationOutcome {
  name: string;
  status: Verdict;
  ms: number;
  goals: GoalOutcome[];
}

export interface SubsystemOutcome {
  name: string;
  specFile: string;
  implFile: string;
  status: Verdict | 'rejected';
  diagnostics: Diagnostic[];
  operations: OperationOutcome[];
  /** time spent outside the solver: front end, symbolic evaluation, printing, replay */
  frontMs: number;
  solverMs: number;
}

export interface RunOptions {
  filter?: string[];
  timeoutMs: number;
  jobs: number;
  smt2Dir?: string;
  /** called as each operation finishes, for progress output */
  onOperation?: (sub: string, op: OperationOutcome) => void;
}

/** The small scope searched when the solver answers `unknown`: quantifiers expanded. */
const SMALL_SCOPE: MachineOptions = { expandLimit: 256 };
const SMALL_SCOPE_TEXT = 'quantifiers and array type ranges over at most 256 elements expanded into ground facts';

export function worst(vs: (Verdict | 'rejected')[]): Verdict | 'rejected' {
  if (vs.includes('rejected')) return 'rejected';
  if (vs.includes('refuted')) return 'refuted';
  if (vs.includes('unknown')) return 'unknown';
  return 'proved';
}

function matches(filter: string[] | undefined, op: string): boolean {
  return !filter || filter.length === 0 || filter.some((f) => (f.includes('*') ? new RegExp(`^${f.split('*').map(escape).join('.*')}$`).test(op) : op === f || op.includes(f)));
}
const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export class Runner {
  private readonly pool: SolverPool;

  constructor(readonly root: string, readonly opts: RunOptions) {
    this.pool = new SolverPool({ jobs: opts.jobs });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Operation names of a pair that the filter selects (`init` counts as one). */
  async verify(pair: Pair): Promise<SubsystemOutcome> {
    const t0 = performance.now();
    const out: SubsystemOutcome = { name: pair.name, specFile: pair.specFile, implFile: pair.implFile, status: 'proved', diagnostics: [], operations: [], frontMs: 0, solverMs: 0 };
    let sub: Subsystem;
    try {
      sub = loadSubsystem(loadProject(this.root), pair.name, pair.specFile, pair.implFile);
    } catch (e) {
      if (!(e instanceof SubsetError)) throw e;
      out.status = 'rejected';
      out.diagnostics = e.diagnostics;
      return out;
    }
    const names = ['init', ...sub.operations.map((o) => o.name)].filter((n) => matches(this.opts.filter, n));
    out.frontMs += performance.now() - t0;
    const work = names.map(async (name): Promise<OperationOutcome> => {
      const t1 = performance.now();
      let theorems: Theorem[];
      const build = (o: MachineOptions) => (name === 'init' ? [initTheorem(sub, o)] : [refinement(sub, sub.operations.find((x) => x.name === name)!, o), invariants(sub, sub.operations.find((x) => x.name === name)!, o)]);
      try {
        theorems = build({});
      } catch (e) {
        if (!(e instanceof SubsetError)) throw e;
        out.diagnostics.push(...e.diagnostics);
        return { name, status: 'unknown', ms: 0, goals: [] };
      }
      out.frontMs += performance.now() - t1;
      const goals = (await Promise.all(theorems.map((th) => this.prove(sub, th, out, build)))).flat();
      const status = worst(goals.map((g) => g.status)) as Verdict;
      const op: OperationOutcome = { name, status, ms: goals.reduce((a, g) => a + g.ms, 0), goals };
      this.opts.onOperation?.(sub.name, op);
      return op;
    });
    out.operations = await Promise.all(work);
    out.status = out.diagnostics.length ? 'rejected' : worst(out.operations.map((o) => o.status));
    return out;
  }

  private async prove(sub: Subsystem, th: Theorem, out: SubsystemOutcome, rebuild: (o: MachineOptions) => Theorem[]): Promise<GoalOutcome[]> {
    if (th.goals.length === 0) return [];
    const t0 = performance.now();
    const smt = toSmt(th);
    this.dump(th, smt);
    out.frontMs += performance.now() - t0;
    // Pass 1, without the pre-state invariants: a goal proved without hypotheses is proved with
    // them, and most runtime-error goals need none. One solver, push/pop per goal, a short budget.
    const T = this.opts.timeoutMs;
    const short = Math.min(T, Math.max(500, T / 4));
    const results: GoalResult[] = new Array(smt.goals.length);
    let pending = smt.goals.map((_, k) => k);
    if (th.hypotheses.length) {
      const bare = toSmt(th, false);
      const first = await this.pool.solve({ prelude: bare.prelude, goals: bare.goals, timeoutMs: short });
      first.forEach((r, k) => (results[k] = r.status === 'unsat' ? r : { ...r, status: 'unknown', model: undefined }));
      pending = pending.filter((k) => first[k].status !== 'unsat');
    }
    // Pass 2, with every hypothesis, push/pop, still the short budget: cheap for easy goals.
    // Pass 3, for goals left unknown: a fresh solver each and the whole budget, because
    // incremental mode skips Z3's preprocessing and measured 2-3x slower on heavy goals.
    const spent = (k: number) => (results[k]?.ms ?? 0);
    if (pending.length) {
      const second = await this.pool.solve({ prelude: smt.prelude, goals: pending.map((k) => smt.goals[k]), timeoutMs: short });
      second.forEach((r, j) => (results[pending[j]] = { ...r, ms: r.ms + spent(pending[j]) }));
    }
    const retry = pending.filter((k) => results[k].status === 'unknown' && !results[k].reason?.startsWith('solver error'));
    if (retry.length && T > short) {
      const third = await this.pool.solve({ prelude: smt.prelude, goals: retry.map((k) => smt.goals[k]), timeoutMs: T, incremental: false });
      third.forEach((r, j) => (results[retry[j]] = { ...r, ms: r.ms + spent(retry[j]) }));
    }
    out.solverMs += results.reduce((a, r) => a + r.ms, 0);
    const outcomes: GoalOutcome[] = [];
    for (const [k, r] of results.entries()) {
      const goal = th.goals[k];
      let o = await this.judge(sub, th, goal, r, out);
      if (o.status === 'unknown') o = await this.smallScope(sub, th, goal, o, out, rebuild);
      outcomes.push(o);
    }
    return outcomes;
  }

  /** Turns one solver answer into a verdict; `sat` must replay on the real TypeScript. */
  private async judge(sub: Subsystem, th: Theorem, goal: GoalSpec, r: GoalResult, out: SubsystemOutcome): Promise<GoalOutcome> {
    const base = { id: goal.id, theorem: th.kind, kind: goal.kind, loc: goal.loc, message: goal.message, ms: r.ms, rlimit: r.rlimit };
    if (r.status === 'unsat') return { ...base, status: 'proved' };
    if (r.status === 'unknown') return { ...base, status: 'unknown', reason: r.reason === 'canceled' || r.reason === 'timeout' ? `timeout (${this.opts.timeoutMs} ms)` : (r.reason ?? 'unknown') };
    const t0 = performance.now();
    try {
      const cex = await replay(sub, th, goal, r.model ?? '');
      out.frontMs += performance.now() - t0;
      if (cex.confirmed) return { ...base, status: 'refuted', counterexample: cex };
      return { ...base, status: 'unknown', reason: `toolchain error: the solver's counterexample does not replay on the TypeScript code (${cex.replay})`, counterexample: cex };
    } catch (e) {
      return { ...base, status: 'unknown', reason: `toolchain error while replaying the counterexample: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /** Quantified invariants can make Z3 give up where a bug exists: search a small scope before giving up. */
  private async smallScope(sub: Subsystem, th: Theorem, goal: GoalSpec, first: GoalOutcome, out: SubsystemOutcome, rebuild: (o: MachineOptions) => Theorem[]): Promise<GoalOutcome> {
    if (first.reason?.startsWith('toolchain error')) return first;
    const t0 = performance.now();
    const th2 = rebuild(SMALL_SCOPE).find((t) => t.kind === th.kind);
    const g2 = th2?.goals.find((g) => g.id === goal.id);
    if (!th2 || !g2) return { ...first, reason: `${first.reason}; small-scope search: the goal is trivial there` };
    const one: Theorem = { ...th2, goals: [g2] };
    const smt = toSmt(one);
    out.frontMs += performance.now() - t0;
    const [r] = await this.pool.solve({ prelude: smt.prelude, goals: smt.goals, timeoutMs: this.opts.timeoutMs, incremental: false });
    out.solverMs += r.ms;
    const o = await this.judge(sub, one, g2, r, out);
    const ms = first.ms + r.ms;
    if (o.status === 'refuted') return { ...o, ms, scope: SMALL_SCOPE_TEXT };
    // unsat with expanded quantifiers is a real proof only if nothing was lost by expanding: it is
    // (expansion is exact for the sizes given), so an unsat here proves the goal
    if (o.status === 'proved') return { ...o, ms, scope: SMALL_SCOPE_TEXT };
    return { ...first, ms, reason: `${first.reason}; searched a small scope (${SMALL_SCOPE_TEXT}): no counterexample found (${o.reason})` };
  }

  private dump(th: Theorem, smt: { prelude: string; goals: { id: string; smt: string }[] }): void {
    if (!this.opts.smt2Dir) return;
    fs.mkdirSync(this.opts.smt2Dir, { recursive: true });
    for (const g of smt.goals) {
      const file = path.join(this.opts.smt2Dir, `${g.id.replace(/[^A-Za-z0-9_.@:-]/g, '_').replace(/:/g, '-')}.smt2`);
      fs.writeFileSync(file, `${smt.prelude}\n${g.smt}\n(check-sat)\n`);
    }
  }
}
