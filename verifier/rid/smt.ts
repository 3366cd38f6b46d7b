// SMT-LIB text for verify rid's queries: declarations for every constant a set of goals mentions,
// and one `(assert ...)` per goal with its shared subterms named locally.

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';

/** A prelude declaring every constant and sort of `goals` (and nothing else). */
export function declarations(goals: Term[]): string {
  const lines: string[] = [];
  for (const s of T.unintSortsOf(goals)) lines.push(`(declare-sort ${T.quoteSym(s)} 0)`);
  for (const c of T.constantsOf(goals)) lines.push(`(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`);
  return lines.join('\n');
}

/** The text of one goal: its shared subterms as define-funs, then the assertion. */
export function assertion(goal: Term, prefix: string): string {
  const p = new T.SmtPrinter(prefix);
  p.count(goal);
  const body = p.print(goal);
  return [...p.defs, `(assert ${body})`].join('\n');
}
