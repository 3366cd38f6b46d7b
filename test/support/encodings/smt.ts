// SMT-LIB jobs for the encoding tests: `shared` facts asserted once, then one goal per term, each
// asserted on its own; a goal's term is a claimed impossibility (`shortcut != expanded`), so every
// answer must be unsat.

import * as T from '../../../symexec/term.ts';
import type { Term } from '../../../symexec/term.ts';
import type { Job, SolverPool, GoalResult } from '../../../verifier/solver/pool.ts';

export function job(shared: Term[], goals: { id: string; term: Term }[], timeoutMs = 20_000): Job {
  const all = [...shared, ...goals.map((g) => g.term)];
  const printer = new T.SmtPrinter('e');
  all.forEach((t) => printer.count(t));
  const hyps = shared.map((h) => `(assert ${printer.print(h)})`);
  const texts = goals.map((g) => ({ id: g.id, smt: `(assert ${printer.print(g.term)})` }));
  const sorts = T.unintSortsOf(all).map((s) => `(declare-sort ${T.quoteSym(s)} 0)`);
  const consts = T.constantsOf(all).map((c) => `(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`);
  return { prelude: [...sorts, ...consts, ...T.countDeclarations(all), ...printer.defs, ...hyps].join("\n"), goals: texts, timeoutMs, models: true, incremental: false };
}

/** Solves and returns the goals that are not unsat, with why (empty: every claim holds). */
export async function notUnsat(pool: SolverPool, j: Job): Promise<GoalResult[]> {
  const rs = await pool.solve(j);
  return rs.filter((r) => r.status !== 'unsat');
}
