// SMT-LIB text for verify commute's solver jobs: shared assertions in the prelude, and per goal
// its own assertions and named projections (the constants an enumeration reads back).

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import type { Goal, GoalResult, Projection, SolverPool } from '../solver/pool.ts';
import { scalarizeArrays, type ArrayLengths } from '../../symexec/scalarize.ts';

export interface NamedTerm {
  name: string;
  term: Term;
  when?: Term;
  realm?: string;
  reportOnly?: boolean;
}

export interface QueryGoal {
  id: string;
  asserts: Term[];
  /** projected values: each becomes a declared constant equal to its term */
  project: NamedTerm[];
  cap: number;
  /** the whole enumeration's wall-clock safety net (Enumeration.budgetMs) */
  budgetMs: number;
  /** the whole enumeration's deterministic budget, Z3's resource count over its checks (Enumeration.budgetRlimit) */
  budgetRlimit?: number;
  models: boolean;
  /** with models, only these declarations (Enumeration.modelPrefixes) */
  modelPrefixes?: string[];
  /** models in which no case of `body` holds, the cases refuted lazily (protocol.ts, Refutation) */
  refute?: { body: Term; choices: { c: Term; values: number[] }[] };
}

/** The terms a goal asserts and projects (its refutation apart: queryJob sends that as a script of its own). */
const goalTerms = (g: QueryGoal): Term[] => [...g.asserts, ...g.project.flatMap((p) => (p.when ? [p.term, p.when] : [p.term]))];

const refutations = (goals: QueryGoal[]): Term[] => goals.flatMap((g) => (g.refute ? [g.refute.body] : []));

/**
 * The shared facts and the goals with the input arrays written as their elements (scalarize.ts),
 * all in one rewriting so that they name the same element constants; unchanged where the
 * rewriting does not apply.
 */
export function scalarizeQuery(shared: Term[], goals: QueryGoal[], lengths: ArrayLengths): { shared: Term[]; goals: QueryGoal[] } {
  const r = scalarizeArrays([...shared, ...goals.flatMap(goalTerms), ...refutations(goals)], lengths);
  if (!r) return { shared, goals };
  return {
    shared: shared.map(r),
    goals: goals.map((g) => ({
      ...g,
      asserts: g.asserts.map(r),
      project: g.project.map((p) => ({ ...p, term: r(p.term), when: p.when && r(p.when) })),
      refute: g.refute && { ...g.refute, body: r(g.refute.body) },
    })),
  };
}

/**
 * QF_AUFLIA for a query whose terms are quantifier-free, with linear integer arithmetic (products
 * and divisions by literals only), uninterpreted sorts and functions, and arrays that are only
 * read (no store, no constant array), as they are once scalarize.ts has written a state's arrays
 * as their elements; undefined otherwise, and Z3 configures itself.
 *
 * Why tell Z3 at all: set up for QF_AUFLIA instead of by its own auto-configuration, the
 * rewritten POSIX queries were answered markedly faster, with the same paths, verdicts and
 * proofs: on one worker, open/lseek and close/lseek, analysis 11.3 -> 7.3 s, proofs 5.1 -> 3.4 s,
 * test generation 21.9 -> 18.6 s; the whole POSIX run 12.8 -> 9.1 minutes (docs/commute.md).
 * Why only arrays that are read: the kernel's queries, which keep their arrays and write them,
 * were slower so (kill/kill's test generation 8.2-8.3 s, 12.1-13.4 s with the logic).
 */
export function logicOf(terms: readonly Term[]): 'QF_AUFLIA' | undefined {
  const seen = new Set<number>();
  const literal = (t: Term) => t.op === 'int';
  const inside = (t: Term): boolean => {
    if (seen.has(t.id)) return true;
    seen.add(t.id);
    switch (t.op) {
      case 'forall':
      case 'exists':
      case 'lambda':
      case 'count':
      case 'store':
      case 'constArray':
        return false;
      case '*':
        if (!t.args.some(literal)) return false;
        break;
      case 'div':
      case 'mod':
        if (!literal(t.args[1])) return false;
        break;
    }
    return t.args.every(inside);
  };
  return terms.every(inside) ? 'QF_AUFLIA' : undefined;
}

/** One job: `shared` asserted once, each goal enumerated in its own scope. A bare number is a
 *  wall-clock timeout per check with no resource count (the encoding tests' jobs). */
export function queryJob(shared: Term[], goals: QueryGoal[], budget: Pick<Budget, 'rlimit' | 'timeoutMs'> | number): { prelude: string; goals: Goal[]; timeoutMs: number; rlimit?: number; models: boolean; logic?: string } {
  const { timeoutMs, rlimit } = typeof budget === 'number' ? { timeoutMs: budget, rlimit: undefined } : budget;
  const all = [...shared, ...goals.flatMap(goalTerms)];
  const facts = T.countFacts(all);
  const printer = new T.SmtPrinter();
  [...facts, ...all].forEach((t) => printer.count(t));
  const hyps = [...facts, ...shared].filter((h) => !T.isTrue(h)).map((h) => `(assert ${printer.print(h)})`);
  const goalTexts: Goal[] = goals.map((g) => {
    const lines: string[] = [];
    const project: Projection[] = [];
    const declare = (name: string, t: Term) => {
      lines.push(`(declare-const ${T.quoteSym(name)} ${T.sortToSmt(t.sort)})`, `(assert (= ${T.quoteSym(name)} ${printer.print(t)}))`);
    };
    for (const p of g.project) {
      declare(p.name, p.term);
      if (p.when) declare(`${p.name}?`, p.when);
      project.push({ name: p.name, when: p.when ? `${p.name}?` : undefined, realm: p.realm, reportOnly: p.reportOnly });
    }
    // Z3 leaves constants its model does not need out of the model; an uninterpreted predicate
    // over all of them makes it give each a value (it constrains nothing)
    if (g.project.length) {
      lines.push(`(declare-fun |keep!| (${g.project.map((p) => T.sortToSmt(p.term.sort)).join(' ')}) Bool)`, `(assert (|keep!| ${g.project.map((p) => T.quoteSym(p.name)).join(' ')}))`);
    }
    for (const a of g.asserts) if (!T.isTrue(a)) lines.push(`(assert ${printer.print(a)})`);
    const refute = g.refute && { script: standalone(g.refute.body), choices: g.refute.choices.map((x) => ({ name: x.c.name!, values: x.values })) };
    return { id: g.id, smt: lines.join('\n'), enumerate: { project, cap: g.cap, budgetMs: g.budgetMs, ...(g.budgetRlimit !== undefined ? { budgetRlimit: g.budgetRlimit } : {}), models: g.models, modelPrefixes: g.modelPrefixes, refute } };
  });
  const sorts = T.unintSortsOf(all).map((s) => `(declare-sort ${T.quoteSym(s)} 0)`);
  const consts = T.constantsOf(all).map((c) => `(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`);
  consts.push(...T.countDeclarations(all));
  // the refutation's body is asserted in the same solver, case by case
  const logic = logicOf([...all, ...refutations(goals)]);
  return { prelude: [...sorts, ...consts, ...printer.defs, ...hyps].join('\n'), goals: goalTexts, timeoutMs, ...(rlimit ? { rlimit } : {}), models: true, ...(logic ? { logic } : {}) };
}

/** One term as a script of its own: its declarations and definitions, then the term asserted. */
function standalone(t: Term): string {
  // (its own prefix: the job's prelude, parsed in the same context, names its definitions t0, t1, ...)
  const printer = new T.SmtPrinter('r');
  printer.count(t);
  const body = printer.print(t);
  const sorts = T.unintSortsOf([t]).map((s) => `(declare-sort ${T.quoteSym(s)} 0)`);
  const consts = T.constantsOf([t]).map((c) => `(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`);
  return [...sorts, ...consts, ...T.countDeclarations([t]), ...printer.defs, `(assert ${body})`].join('\n');
}

/**
 * The budget of every check of a job: Z3's resource count (deterministic: the same job spends the
 * same count however busy the machine is, pool.ts Job.rlimit), and the wall clock only as a
 * safety net several times what the count takes, so that verdicts do not depend on the load
 * (bench/README.md, "verify commute under load").
 */
export interface Budget {
  rlimit: number;
  timeoutMs: number;
  /** where the counts the goals spent are recorded (measured figures for choosing the defaults) */
  spend?: Spend;
  /** what the goals are, for the record: `open/lseek analysis` */
  what?: string;
}

/** One goal's spend, as recorded. */
export interface Spent {
  what: string;
  /** the largest count of one check (what Budget.rlimit must cover) */
  check: number;
  /** all the goal's checks together (what an enumeration's budgetRlimit must cover) */
  total: number;
  /** how the goal ended: unsat, sat, unknown, with why an enumeration stopped */
  status: string;
  /** its wall-clock time (not deterministic: reported to relate counts to time, never compared) */
  ms: number;
}

/** The largest counts spent by the goals of a run: the TOP of them by one check and by total. */
export class Spend {
  static readonly TOP = 5;
  goals = 0;
  readonly byCheck: Spent[] = [];
  readonly byTotal: Spent[] = [];
  /** per kind of goal (the part of `what` after the pair): the largest check and total */
  readonly byKind = new Map<string, { check: number; total: number; goals: number }>();
  /** every goal's, in the order they were answered (bench/commute.ts --spend: two runs compared goal by goal) */
  readonly log: Spent[] = [];
  record(x: Spent, kind: string): void {
    this.goals++;
    this.log.push(x);
    const keep = (list: Spent[], key: (s: Spent) => number) => {
      list.push(x);
      list.sort((p, q) => key(q) - key(p));
      list.length = Math.min(list.length, Spend.TOP);
    };
    keep(this.byCheck, (s) => s.check);
    keep(this.byTotal, (s) => s.total);
    const k = this.byKind.get(kind) ?? { check: 0, total: 0, goals: 0 };
    this.byKind.set(kind, { check: Math.max(k.check, x.check), total: Math.max(k.total, x.total), goals: k.goals + 1 });
  }
  get maxCheck(): number {
    return this.byCheck[0]?.check ?? 0;
  }
  get maxTotal(): number {
    return this.byTotal[0]?.total ?? 0;
  }
  toJSON() {
    return { goals: this.goals, byCheck: this.byCheck, byTotal: this.byTotal, byKind: Object.fromEntries(this.byKind) };
  }
}

/** How much more budget (resource count and net) each check of a retried goal gets. */
export const RETRY_FACTOR = 3;

/**
 * Solves the goals as one job; a goal that comes back unknown is solved once more, on its own,
 * with RETRY_FACTOR times the budget per check. Why: what a job solved before a goal changes Z3's
 * search (with the resource count, deterministically), a goal alone with more room is often
 * decided, and one unknown enumeration leaves a whole pair unknown (docs/commute.md).
 */
export async function solveGoals(pool: SolverPool, shared: Term[], goals: QueryGoal[], budget: Budget, lengths?: ArrayLengths): Promise<GoalResult[]> {
  const q = lengths ? scalarizeQuery(shared, goals, lengths) : { shared, goals };
  const job = queryJob(q.shared, q.goals, budget);
  const results = await pool.solve(job);
  const note = (rs: GoalResult[]) => {
    if (!budget.spend) return;
    for (const r of rs) budget.spend.record({ what: `${budget.what ?? ''} ${r.id}`.trim(), check: r.rlimitMax ?? r.rlimit ?? 0, total: r.rlimit ?? 0, status: r.stopped ? `${r.status} (${r.stopped})` : r.status, ms: r.ms }, kindOf(budget.what, r.id));
  };
  note(results);
  const again = results.flatMap((r, k) => (r.status === 'unknown' ? [k] : []));
  if (again.length === 0) return results;
  const retried = await pool.solve({ ...job, goals: again.map((k) => job.goals[k]), rlimit: Math.min(budget.rlimit * RETRY_FACTOR, 0xffffffff), timeoutMs: budget.timeoutMs * RETRY_FACTOR });
  note(retried);
  // the time and count of both attempts count
  again.forEach((k, j) => (results[k] = { ...retried[j], ms: results[k].ms + retried[j].ms, rlimit: (results[k].rlimit ?? 0) + (retried[j].rlimit ?? 0) }));
  return results;
}

/**
 * The kind of a goal for Spend.byKind, from Budget.what (`PAIR PHASE`): `analysis commutative`,
 * `analysis divergent`, `analysis ill-defined`, `tests`, `proof`, `start states`.
 */
function kindOf(what: string | undefined, id: string): string {
  const phase = (what ?? '').split(' ').slice(1).join(' ');
  return phase === 'analysis' ? `analysis ${id}` : phase.replace(/ on .*$/, '');
}
