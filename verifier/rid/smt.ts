// SMT-LIB text for verify rid's queries: declarations for every constant a set of goals mentions,
// and one `(assert ...)` per goal with its shared subterms named locally.

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';

/**
 * The budget of each query: Z3's resource count (rlimit), so that a verdict does not depend on how
 * busy the machine is; the wall clock is only a safety net. Measured 2026-12-07: the largest query
 * of the catalogue, the shipped examples, the kernel model and the test fixtures spent 5,315
 * (test/fixtures/rid/scans.ts); the kernel's largest 3,024 (bench/rid.ts prints the catalogue's).
 */
export const RID_RLIMIT = 5_000_000;

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
