// Element families in a commutative case (simplify.ts): the two orders' final states are compared
// element by element, so a case over an array of 8 bits holds 8 conjuncts that differ only in the
// element's index, `(b.i !== 0 || a.i !== 0) && ... && (b.i !== 7 || a.i !== 7)`. Read as one
// statement about every element k, such a family says something about the indices the calls
// used, here `a.i !== b.i`, which is what COMMUTER prints and what a reader wants.
//
// The rewrite is exact. Let G(z) be a conjunct with the element index z appearing only as a side
// of equalities `x === z` (x in X, terms that do not mention z), and K the element indices the
// family has, with more of them than X has terms. Then
//   AND_{k in K} G(k)  ==  AND_{x in X} (x in K -> G(x))  &&  G(none)
// where G(none) is G with every `x === z` false. (=>): G(x) is G(k) for the k that x equals (its
// atoms have the same values); some k in K equals no x, and G(k) is then G(none). (<=): a k that
// some x equals gives G(k) = G(x), any other k gives G(none).

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';

/** The element index, in a conjunct's template. */
const HOLE = T.mkConst('element!', T.INT);

/** The literals that are a side of an equality in `t`: the candidate element indices. */
function equalityLiterals(t: Term): bigint[] {
  const out = new Set<bigint>();
  const seen = new Set<number>();
  const go = (u: Term): void => {
    if (seen.has(u.id)) return;
    seen.add(u.id);
    if (u.op === '=' && u.args[0].sort.k === 'Int') for (const a of u.args) if (a.op === 'int') out.add(a.value as bigint);
    u.args.forEach(go);
  };
  go(t);
  return [...out];
}

/** `t` with the literal k replaced by HOLE where it is a side of an equality (only there). */
function template(t: Term, k: Term): Term {
  const memo = new Map<number, Term>();
  const go = (u: Term): Term => {
    if (u.args.length === 0) return u;
    const hit = memo.get(u.id);
    if (hit) return hit;
    const r = u.op === '=' && u.args.includes(k) && u.args[0].sort.k === 'Int' ? T.eq(u.args[0] === k ? HOLE : u.args[0], u.args[1] === k ? HOLE : u.args[1]) : T.rebuild(u, u.args.map(go));
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

/** The terms HOLE is compared with in `t`, or undefined when HOLE appears anywhere else. */
function comparedWith(t: Term): Term[] | undefined {
  const out = new Map<number, Term>();
  const seen = new Set<number>();
  let elsewhere = false;
  const go = (u: Term): void => {
    if (seen.has(u.id) || elsewhere) return;
    seen.add(u.id);
    if (u.op === '=' && u.args.includes(HOLE)) {
      const x = u.args[0] === HOLE ? u.args[1] : u.args[0];
      if (mentions(x, HOLE)) elsewhere = true;
      else out.set(x.id, x);
      return;
    }
    if (u === HOLE) elsewhere = true;
    u.args.forEach(go);
  };
  go(t);
  return elsewhere ? undefined : [...out.values()];
}

function mentions(t: Term, x: Term, seen = new Set<number>()): boolean {
  if (t === x) return true;
  if (seen.has(t.id)) return false;
  seen.add(t.id);
  return t.args.some((a) => mentions(a, x, seen));
}

/**
 * The conjunction `cs` with each family of at least three conjuncts (one template, contiguous
 * element indices, more of them than the terms compared with the index) replaced by the
 * equivalent statement about those terms; the other conjuncts as they are.
 */
export function foldFamilies(cs: Term[]): Term[] {
  const groups = new Map<number, { tpl: Term; members: Map<bigint, number> }>();
  cs.forEach((c, i) => {
    for (const k of equalityLiterals(c)) {
      const tpl = template(c, T.mkInt(k));
      const g = groups.get(tpl.id) ?? { tpl, members: new Map() };
      if (!g.members.has(k)) g.members.set(k, i);
      groups.set(tpl.id, g);
    }
  });
  const used = new Set<number>();
  const replacement = new Map<number, Term>();
  for (const { tpl, members } of groups.values()) {
    const ks = [...members.keys()].filter((k) => !used.has(members.get(k)!)).sort((x, y) => (x < y ? -1 : 1));
    if (ks.length < 3 || ks[ks.length - 1] - ks[0] !== BigInt(ks.length - 1)) continue;
    const xs = comparedWith(tpl);
    if (!xs || xs.length === 0 || ks.length <= xs.length) continue;
    const [lo, hi] = [T.mkInt(ks[0]), T.mkInt(ks[ks.length - 1])];
    const none = xs.reduce((t, x) => T.replace(t, T.eq(x, HOLE), T.FALSE), tpl);
    if (mentions(none, HOLE)) continue;
    const each = xs.map((x) => T.implies(T.and(T.le(lo, x), T.le(x, hi)), T.replace(tpl, HOLE, x)));
    const first = Math.min(...ks.map((k) => members.get(k)!));
    for (const k of ks) used.add(members.get(k)!);
    replacement.set(first, T.and(...each, none));
  }
  if (replacement.size === 0) return cs;
  return cs.flatMap((c, i) => (replacement.has(i) ? [replacement.get(i)!] : used.has(i) ? [] : [c]));
}
