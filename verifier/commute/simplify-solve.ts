// The solver's part of simplifying a commutative case (simplify.ts does the rewriting): what the
// rewriting cannot see, because it needs arithmetic or the congruence of array reads (`a.x !== b.x`
// follows from `!s.in[a.x] && s.in[b.x]`), is asked of Z3, one check per conjunct:
//   - a conjunct that the pair's given facts and the conjuncts before it imply is dropped;
//   - a conjunct with a few atoms that, there, is equivalent to one of its atoms or its negation
//     (`a.x === b.x || s.in[b.x]` where s.in[a.x] holds is `s.in[b.x]`) is replaced by it.
// Each check is against the conjuncts before it as they were: a dropped conjunct is implied by
// those before it, a replaced one equivalent to it where they hold, so by induction over the list
// the result is equivalent to the case under the given facts (test/commute-simplify.test.ts asks
// the solver that of every case). A check the solver does not settle within its budget keeps the
// conjunct: simplification never decides a verdict.

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import type { SolverPool } from '../solver/pool.ts';
import { conditionText, inputLengths, type PairAnalysis } from './analyze.ts';
import { queryJob, scalarizeQuery, type QueryGoal } from './query.ts';
import { Rewriter, baseView, flattenAnd, negate } from './simplify.ts';

/**
 * Per check: Z3's resource count. A simplification is a convenience, not a verdict: a check that
 * needs more keeps its conjunct. (The analysis's checks get 32M; these are implications between
 * one path's own conjuncts. The spend of these checks has not been measured: 4M is a guess.)
 */
export const SIMPLIFY_RLIMIT = 4_000_000;
/** A conjunct with at most this many atoms is tried against each of them (two checks an atom). */
const REPLACE_ATOMS = 4;
/**
 * Checks per pair at most: the paths past it keep the rewriting's form. A POSIX pair has up to
 * 174 commutative paths of 10-30 conjuncts each; close/lseek's 80 paths asked 2,090 checks.
 */
export const MAX_SIMPLIFY_CHECKS = 1500;

interface Step {
  path: number;
  conjunct: number;
  /** undefined: is the conjunct implied; else is it equivalent to this */
  by?: Term;
}

/**
 * The cases of an analysed pair simplified further by the solver: path.condition and the pair's
 * case list updated in place. Returns the checks made and the conjuncts dropped or replaced.
 */
export async function solverSimplify(an: PairAnalysis, pool: SolverPool, timeoutMs: number): Promise<{ checks: number; dropped: number; replaced: number }> {
  const p = an.problem;
  const paths = an.paths.filter((x) => x.commutative && x.condition);
  const goals: QueryGoal[] = [];
  const steps: Step[] = [];
  paths.forEach((path, i) => {
    const cs = path.condition!;
    if (goals.length >= MAX_SIMPLIFY_CHECKS) return;
    cs.forEach((c, j) => {
      const before = cs.slice(0, j);
      const ask = (id: string, assert: Term, by?: Term) => {
        goals.push({ id, asserts: [...before, assert], project: [], cap: 1, budgetMs: timeoutMs, models: false });
        steps.push({ path: i, conjunct: j, by });
      };
      ask(`${path.id}#${j}`, negate(c));
      if (isAtomic(c)) return;
      const atoms = atomsOf(c);
      if (atoms.length > REPLACE_ATOMS) return;
      for (const a of atoms) for (const lit of [a, negate(a)]) ask(`${path.id}#${j}=${lit.id}`, T.not(T.eq(c, lit)), lit);
    });
  });
  if (goals.length === 0) return { checks: 0, dropped: 0, replaced: 0 };
  const q = scalarizeQuery(p.given, goals, inputLengths(p.inputs));
  const results = await pool.solve(queryJob(q.shared, q.goals, { rlimit: SIMPLIFY_RLIMIT, timeoutMs }));
  // per path and conjunct: dropped, or the first literal it is equivalent to
  const verdict = new Map<string, Term | null>();
  results.forEach((r, k) => {
    if (r.status !== 'unsat' || (r.solutions ?? []).length > 0) return;
    const s = steps[k];
    const key = `${s.path}:${s.conjunct}`;
    if (s.by === undefined) verdict.set(key, null);
    else if (!verdict.has(key)) verdict.set(key, s.by);
  });
  let dropped = 0, replaced = 0;
  const base = baseView(p.given);
  paths.forEach((path, i) => {
    const cs = path.condition!;
    const kept = cs.flatMap((c, j) => {
      const v = verdict.get(`${i}:${j}`);
      if (v === null) return dropped++, [];
      if (v) return replaced++, [v];
      return [c];
    });
    if (kept.length === cs.length && kept.every((c, j) => c === cs[j])) return;
    // what was dropped or replaced may let the rewriting decide more
    const t = new Rewriter().conjunction(kept, base, true);
    path.condition = T.isTrue(t) ? [] : flattenAnd([t]);
  });
  const texts = new Map(paths.map((x) => [x.id, `${x.id}: ${conditionText(x.condition!)}`]));
  an.result.cases = an.result.cases.map((c) => texts.get(c.slice(0, c.indexOf(':'))) ?? c);
  return { checks: goals.length, dropped, replaced };
}

const isAtomic = (t: Term): boolean => t.op !== 'and' && t.op !== 'or' && t.op !== 'ite' && t.op !== '=>' && !(t.op === '=' && t.args[0].sort.k === 'Bool') && !(t.op === 'not' && !isAtomic(t.args[0]));

/** The atoms of a boolean term (its maximal subterms that are not connectives), in order of appearance. */
function atomsOf(t: Term): Term[] {
  const out = new Map<number, Term>();
  const go = (u: Term): void => {
    if (u.op === 'bool') return;
    if (isAtomic(u)) {
      const a = u.op === 'not' ? u.args[0] : u;
      out.set(a.id, a);
      return;
    }
    u.args.forEach(go);
  };
  go(t);
  return [...out.values()];
}
