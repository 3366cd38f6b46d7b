// The array dimensions a problem's index terms read and write, and the input facts instantiated
// at them (ANALYZER's hypotheses, analyze.ts): Z3 answered the quantified facts `unknown`
// (incomplete quantifiers), and instantiating them per dimension keeps them few.

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';

/** For each index term `isIndex` accepts: the array dimensions it indexes (reads and writes) in `terms`. */
export function dimensionsIndexedBy(terms: Term[], isIndex: (i: Term) => boolean): Map<Term, Set<string>> {
  const out = new Map<Term, Set<string>>();
  const seen = new Set<number>();
  const walk = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if ((t.op === 'select' || t.op === 'store') && isIndex(t.args[1])) {
      const d = dimensionOf(t.args[0]);
      if (d) out.set(t.args[1], (out.get(t.args[1]) ?? new Set()).add(d));
    }
    t.args.forEach(walk);
  };
  terms.forEach(walk);
  return out;
}

/** An array term's dimension: the input array it reads, and how many indices deep (`s.in[]@0`). */
export function dimensionOf(a: Term): string | undefined {
  let depth = 0;
  for (;;) {
    if (a.op === 'const') return `${a.name}@${depth}`;
    if (a.op === 'store') a = a.args[0];
    else if (a.op === 'ite') a = a.args[1];
    else if (a.op === 'select') [a, depth] = [a.args[0], depth + 1];
    else return undefined;
  }
}

/**
 * The input facts with their quantifiers instantiated at the terms the problem uses. A map input
 * comes with "an unset key reads as the default" for all keys (Machine.input), an array too large
 * to expand with its range facts for all indices; over an opaque key sort Z3 answered such
 * queries `unknown` (incomplete quantifiers). Both orders read and write only at indices the
 * operations compute, so a fact is needed only there: a bound variable used as an index of an
 * array dimension is instantiated at the closed terms that index that dimension in the problem
 * (per dimension, not per sort: the kernel's Int-indexed facts at every Int index of the problem
 * made 74,514 facts of one pair).
 */
export function groundFacts(facts: Term[], used: Term[]): Term[] {
  const byDim = new Map<string, Map<number, Term>>();
  const bySort = new Map<string, Map<number, Term>>();
  const add = (m: Map<string, Map<number, Term>>, k: string, t: Term) => m.set(k, (m.get(k) ?? new Map()).set(t.id, t));
  const seen = new Set<number>();
  const collect = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if ((t.op === 'select' || t.op === 'store') && t.args[1].closed) {
      const d = dimensionOf(t.args[0]);
      if (d) add(byDim, d, t.args[1]);
      add(bySort, T.sortToSmt(t.args[1].sort), t.args[1]);
    }
    t.args.forEach(collect);
  };
  used.forEach(collect);
  const instances = (body: Term, v: Term): Term[] => {
    const dims = dimensionsIndexedBy([body], (i) => i === v).get(v) ?? new Set<string>();
    const pool = dims.size ? [...dims].flatMap((d) => [...(byDim.get(d)?.values() ?? [])]) : [...(bySort.get(T.sortToSmt(v.sort))?.values() ?? [])];
    return [...new Set(pool)];
  };
  const ground = (f: Term): Term[] => {
    if (f.op === 'and') return f.args.flatMap(ground);
    if (f.op !== 'forall' || !f.bound) return [f];
    let cases: Map<Term, Term>[] = [new Map()];
    for (const v of f.bound) cases = cases.flatMap((m) => instances(f.args[0], v).map((i) => new Map([...m, [v, i]])));
    return cases.map((m) => T.substitute(f.args[0], m));
  };
  return facts.flatMap(ground);
}
