// Contextual rewriting of a commutative case (docs/commute.md, "Readable cases"): a case is the
// path's branch conditions and the condition under which the two orders agree there, and that
// agreement, as the merging evaluator builds it, compares the two final states element by
// element through the if-then-elses of both orders' writes. Most of it is decided by the path's
// own branches and the other conjuncts: `s.v == s.v + a` is true where `a == 0` is known, an
// element neither call wrote is equal to itself. This file rewrites a case under what is known at
// each point (COMMUTER simplifies its conditions with Z3's ctx-solver-simplify; here the rewriting
// is ours and the solver's part is in simplify-solve.ts).
//
// Every rewrite is exact: the result is equivalent to the input wherever the context holds (the
// other conjuncts, the branch taken, the spec's type and invariant facts). test/commute-simplify
// checks that with the solver, case by case.

import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import { foldFamilies } from './simplify-family.ts';

/** How many term visits one case may cost: the merged states are DAGs whose tree form can be exponential. */
const STEP_LIMIT = 200_000;
/** Up to this many atoms a boolean term is decided by its truth table (2^k rows as one bigint bitmask). */
const TABLE_ATOMS = 10;

interface Fact {
  value: boolean;
  /** the conjunct it came from (its own facts must not simplify it; unique in a Rewriter), or -1 */
  tag: number;
}

/** One layer of facts: atoms' values, and per term the comparison atoms it is a side of. */
class Layer {
  readonly atoms = new Map<number, Fact>();
  readonly about = new Map<number, Term[]>();
  /** per integer term: the disjunctions of ranges known to hold of it (`a.x < 0 || a.x >= 4`) */
  readonly within = new Map<number, { ranges: Range[]; tag: number }[]>();
  /** conjunctions known false (`!(p && q)`, or `!p || !q` known true): their conjuncts' ids */
  readonly nogoods: { ids: Set<number>; tag: number }[] = [];
  add(atom: Term, value: boolean, tag: number): void {
    this.atoms.set(atom.id, { value, tag });
    if (atom.op === 'and' && !value) this.nogoods.push({ ids: new Set(atom.args.map((x) => x.id)), tag });
    if (atom.op === 'or' && value) this.nogoods.push({ ids: new Set(atom.args.map((x) => negate(x).id)), tag });
    const d = disjunction(atom, value);
    if (d) this.within.set(d.of.id, [...(this.within.get(d.of.id) ?? []), { ranges: d.ranges, tag }]);
    if (['=', '<', '<='].includes(atom.op) && atom.args[0].sort.k !== 'Bool') for (const side of atom.args) this.about.set(side.id, [...(this.about.get(side.id) ?? []), atom]);
  }
  drop(tag: number): void {
    for (const [id, f] of this.atoms) if (f.tag === tag) this.atoms.delete(id);
    for (const [id, ds] of this.within) this.within.set(id, ds.filter((d) => d.tag !== tag));
    for (let k = this.nogoods.length - 1; k >= 0; k--) if (this.nogoods[k].tag === tag) this.nogoods.splice(k, 1);
  }
}

/** An integer range, bounds included; undefined is unbounded. */
interface Range {
  lo?: bigint;
  hi?: bigint;
}

/** The range a comparison of a term with a literal allows the term (`x < 4`: up to 3), with the term. */
function rangeOf(t: Term): { of: Term; range: Range } | undefined {
  if ((t.op !== '=' && t.op !== '<' && t.op !== '<=') || t.args[0].sort.k !== 'Int') return undefined;
  const [x, y] = t.args;
  const kx = T.intValue(x), ky = T.intValue(y);
  if ((kx === undefined) === (ky === undefined)) return undefined;
  const k = (kx ?? ky)!;
  const of = kx === undefined ? x : y;
  if (t.op === '=') return { of, range: { lo: k, hi: k } };
  const strict = t.op === '<' ? 1n : 0n;
  return kx === undefined ? { of, range: { hi: k - strict } } : { of, range: { lo: k + strict } };
}

/** A disjunction of comparisons of one term with literals, known true (or a conjunction known false), as ranges. */
function disjunction(atom: Term, value: boolean): { of: Term; ranges: Range[] } | undefined {
  const parts = atom.op === 'or' && value ? atom.args : atom.op === 'and' && !value ? atom.args.map(negate) : undefined;
  const rs = parts?.map(rangeOf);
  if (!rs || rs.some((r) => !r || r.of !== rs[0]!.of)) return undefined;
  return { of: rs[0]!.of, ranges: rs.map((r) => r!.range) };
}

const meets = (a: Range, b: Range) => (a.lo === undefined || b.hi === undefined || a.lo <= b.hi) && (b.lo === undefined || a.hi === undefined || b.lo <= a.hi);
const inside = (a: Range, b: Range) => (b.lo === undefined || (a.lo !== undefined && a.lo >= b.lo)) && (b.hi === undefined || (a.hi !== undefined && a.hi <= b.hi));

/** The facts a literal brings: conjunctions split, negations pushed onto atoms. */
function factsOf(t: Term, value: boolean, out: [Term, boolean][] = []): [Term, boolean][] {
  if (t.op === 'not') return factsOf(t.args[0], !value, out);
  if ((t.op === 'and' && value) || (t.op === 'or' && !value)) {
    for (const x of t.args) factsOf(x, value, out);
    return out;
  }
  if (t.op !== 'bool') out.push([t, value]);
  return out;
}

/** What is known at a point of the term: a chain of layers, one conjunct's own facts left out. */
class View {
  readonly memo = new Map<number, Term>();
  constructor(
    readonly layers: Layer[],
    /** the conjuncts whose own facts are left out (the one being simplified, and those enclosing it) */
    readonly excluded: readonly number[] = [],
  ) {}
  with(lit: Term, value: boolean): View {
    const facts = factsOf(lit, value);
    if (facts.length === 0) return this;
    const l = new Layer();
    for (const [a, v] of facts) l.add(a, v, -1);
    return new View([...this.layers, l], this.excluded);
  }
  atom(t: Term): boolean | undefined {
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const f = this.layers[k].atoms.get(t.id);
      if (f && !this.excluded.includes(f.tag)) return f.value;
    }
    return undefined;
  }
  /** the atoms known true or false that `t` is a side of */
  *factsAbout(t: Term): Generator<[Term, boolean]> {
    for (const l of this.layers) {
      for (const a of l.about.get(t.id) ?? []) {
        const f = l.atoms.get(a.id);
        if (f && !this.excluded.includes(f.tag)) yield [a, f.value];
      }
    }
  }
  /** whether a conjunction of these terms is known false (it holds all the conjuncts of a known-false conjunction) */
  refutes(ids: Set<number>): boolean {
    for (const l of this.layers) for (const n of l.nogoods) if (!this.excluded.includes(n.tag) && [...n.ids].every((id) => ids.has(id))) return true;
    return false;
  }
  /** the disjunctions of ranges known of `t` */
  *rangesOf(t: Term): Generator<Range[]> {
    for (const l of this.layers) for (const d of l.within.get(t.id) ?? []) if (!this.excluded.includes(d.tag)) yield d.ranges;
  }
  /** `t`'s value when known, else the term with the smallest id known equal to it, else t */
  representative(t: Term): Term {
    if (t.op === 'int' || t.op === 'bool') return t;
    let best = t;
    for (const [a, v] of this.factsAbout(t)) {
      if (!v || a.op !== '=') continue;
      const other = a.args[0] === t ? a.args[1] : a.args[0];
      if (other.op === 'int') return other;
      if (other.id < best.id) best = other;
    }
    return best;
  }
  /** the bounds the known comparisons with literals put on `t` */
  bounds(t: Term): { lo?: bigint; hi?: bigint } {
    let lo: bigint | undefined, hi: bigint | undefined;
    const atLeast = (k: bigint) => void (lo = lo === undefined || k > lo ? k : lo);
    const atMost = (k: bigint) => void (hi = hi === undefined || k < hi ? k : hi);
    for (const [a, v] of this.factsAbout(t)) {
      const left = a.args[0] === t;
      const k = T.intValue(left ? a.args[1] : a.args[0]);
      if (k === undefined) continue;
      if (a.op === '=') {
        if (v) atLeast(k), atMost(k);
        continue;
      }
      // t < k, t <= k, k < t, k <= t (strict: '<'), each true or false
      const strict = a.op === '<';
      if (left && v) atMost(strict ? k - 1n : k);
      else if (left) atLeast(strict ? k : k + 1n);
      else if (v) atLeast(strict ? k + 1n : k);
      else atMost(strict ? k : k - 1n);
    }
    return { lo, hi };
  }
}

/** A comparison decided by the bounds of its sides, or undefined. */
function byBounds(op: '=' | '<' | '<=', x: Term, y: Term, v: View): boolean | undefined {
  const bx = x.op === 'int' ? { lo: x.value as bigint, hi: x.value as bigint } : v.bounds(x);
  const by = y.op === 'int' ? { lo: y.value as bigint, hi: y.value as bigint } : v.bounds(y);
  const below = (a: { hi?: bigint }, b: { lo?: bigint }, strict: boolean) => a.hi !== undefined && b.lo !== undefined && (strict ? a.hi < b.lo : a.hi <= b.lo);
  if (op === '<') return below(bx, by, true) ? true : below(by, bx, false) ? false : undefined;
  if (op === '<=') return below(bx, by, false) ? true : below(by, bx, true) ? false : undefined;
  if (below(bx, by, true) || below(by, bx, true)) return false;
  return undefined;
}

/** The atoms of a boolean term: its maximal subterms that are not connectives. */
function boolAtoms(t: Term, out: Map<number, Term>, seen = new Set<number>()): boolean {
  if (seen.has(t.id) || t.op === 'bool') return true;
  seen.add(t.id);
  if (t.op === 'not' || t.op === 'and' || t.op === 'or' || t.op === '=>' || (t.op === 'ite' && t.sort.k === 'Bool') || (t.op === '=' && t.args[0].sort.k === 'Bool')) {
    return (t.op === 'ite' ? t.args : t.args).every((x) => boolAtoms(x, out, seen));
  }
  out.set(t.id, t);
  return out.size <= TABLE_ATOMS;
}

/** The truth table of `t` over `atoms` (atom k is bit pattern k of the rows), as a bitmask. */
function truthTable(t: Term, atoms: Term[]): bigint {
  const rows = 1n << BigInt(atoms.length);
  const all = (1n << rows) - 1n;
  const column = new Map<number, bigint>();
  atoms.forEach((a, k) => {
    let mask = 0n;
    for (let r = 0n; r < rows; r++) if ((r >> BigInt(k)) & 1n) mask |= 1n << r;
    column.set(a.id, mask);
  });
  const memo = new Map<number, bigint>();
  const go = (u: Term): bigint => {
    const c = column.get(u.id) ?? memo.get(u.id);
    if (c !== undefined) return c;
    let r: bigint;
    if (u.op === 'bool') r = u.value ? all : 0n;
    else if (u.op === 'not') r = all ^ go(u.args[0]);
    else if (u.op === 'and') r = u.args.reduce((m, x) => m & go(x), all);
    else if (u.op === 'or') r = u.args.reduce((m, x) => m | go(x), 0n);
    else if (u.op === '=>') r = (all ^ go(u.args[0])) | go(u.args[1]);
    else if (u.op === 'ite') {
      const c2 = go(u.args[0]);
      r = (c2 & go(u.args[1])) | ((all ^ c2) & go(u.args[2]));
    } else r = all ^ (go(u.args[0]) ^ go(u.args[1])); // Bool '='
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

/** `t` decided by its truth table (its atoms taken as independent: a valid table means a valid term), or undefined. */
function tableValue(t: Term): boolean | undefined {
  const atoms = new Map<number, Term>();
  if (!boolAtoms(t, atoms)) return undefined;
  const tbl = truthTable(t, [...atoms.values()]);
  const all = (1n << (1n << BigInt(atoms.size))) - 1n;
  return tbl === all ? true : tbl === 0n ? false : undefined;
}

/** `x = y` with an if-then-else of literals on a side pushed into its branches (`(c ? 0 : 1) == 1` is `!c`). */
function liftCompare(op: '=' | '<' | '<=', x: Term, y: Term, depth = 0): Term {
  const build = (a: Term, b: Term) => moveLiterals(op, a, b);
  if (depth < 4 && x.op === 'ite' && x.sort.k !== 'Bool') return T.ite(x.args[0], liftCompare(op, x.args[1], y, depth + 1), liftCompare(op, x.args[2], y, depth + 1));
  if (depth < 4 && y.op === 'ite' && y.sort.k !== 'Bool') return T.ite(y.args[0], liftCompare(op, x, y.args[1], depth + 1), liftCompare(op, x, y.args[2], depth + 1));
  return build(x, y);
}

/** A comparison with a literal added to or subtracted from a side moved to the other (`0 === x - 1` is `x === 1`). */
function moveLiterals(op: '=' | '<' | '<=', a: Term, b: Term): Term {
  const build = (x: Term, y: Term) => (op === '=' ? T.eq(x, y) : op === '<' ? T.lt(x, y) : T.le(x, y));
  const offset = (t: Term): [Term, bigint] | undefined => {
    const c = t.op === '+' || t.op === '-' ? T.intValue(t.args[1]) : undefined;
    return c === undefined ? undefined : [t.args[0], t.op === '+' ? c : -c];
  };
  const ka = T.intValue(a), kb = T.intValue(b);
  const ob = ka !== undefined ? offset(b) : undefined;
  if (ob) return build(T.mkInt(ka! - ob[1]), ob[0]);
  const oa = kb !== undefined ? offset(a) : undefined;
  if (oa) return build(oa[0], T.mkInt(kb! - oa[1]));
  return build(a, b);
}

/** Rewrites terms under contexts; one instance per case (it counts the steps the case took). */
export class Rewriter {
  steps = 0;
  /** conjunct tags are unique across nested conjunctions: an inner one must not unhide an outer one's own facts */
  private nextTag = 0;
  get exhausted(): boolean {
    return this.steps > STEP_LIMIT;
  }

  /** `t` simplified under what `v` knows. */
  term(t: Term, v: View): Term {
    if (t.args.length === 0 && t.op !== 'const') return t;
    const hit = v.memo.get(t.id);
    if (hit) return hit;
    if (++this.steps > STEP_LIMIT) return t;
    const r = this.rewrite(t, v);
    v.memo.set(t.id, r);
    return r;
  }

  private rewrite(t: Term, v: View): Term {
    switch (t.op) {
      case 'const':
        return this.atom(t, v);
      case 'not':
        return negate(this.term(t.args[0], v));
      case 'and':
        return this.conjunction([...t.args], v);
      case 'or':
        return negate(this.conjunction(t.args.map(negate), v));
      case '=>':
        return negate(this.conjunction([t.args[0], negate(t.args[1])], v));
      case 'ite': {
        const c = this.term(t.args[0], v);
        if (T.isTrue(c)) return this.term(t.args[1], v);
        if (T.isFalse(c)) return this.term(t.args[2], v);
        return T.ite(c, this.term(t.args[1], v.with(c, true)), this.term(t.args[2], v.with(c, false)));
      }
      case 'select': {
        const a = this.term(t.args[0], v);
        const i = this.term(t.args[1], v);
        // a read after a write at a symbolic index: the element it is, where the context says
        if (a.op === 'store') return this.term(T.ite(T.eq(a.args[1], i), a.args[2], T.select(a.args[0], i)), v);
        if (a.op === 'ite') return this.term(T.ite(a.args[0], T.select(a.args[1], i), T.select(a.args[2], i)), v);
        return this.atom(T.select(a, i), v);
      }
      case '=':
      case '<':
      case '<=': {
        const [x, y] = t.args.map((u) => this.term(u, v));
        if (t.op === '=' && x.sort.k === 'Bool') return this.iff(x, y, v);
        const lifted = liftCompare(t.op, x, y);
        if (lifted.op === 'ite') return this.term(lifted, v);
        return this.atom(lifted, v);
      }
      default:
        return T.rebuild(t, t.args.map((u) => this.term(u, v)));
    }
  }

  /** A leaf: a boolean's known value (or decided by the bounds of its sides), a value's known value or representative, or itself. */
  private atom(t: Term, v: View): Term {
    if (t.sort.k === 'Array') return t;
    if (t.sort.k !== 'Bool') return v.representative(t);
    if (t.op === 'bool') return t;
    const known = v.atom(t);
    if (known !== undefined) return T.mkBool(known);
    if (t.op === '=' || t.op === '<' || t.op === '<=') {
      const d = t.args[0].sort.k === 'Int' ? byBounds(t.op, t.args[0], t.args[1], v) : undefined;
      if (d !== undefined) return T.mkBool(d);
      // a comparison known the other way round (`!(x < k)` is `k <= x`)
      const flipped = t.op === '<' ? T.le(t.args[1], t.args[0]) : t.op === '<=' ? T.lt(t.args[1], t.args[0]) : undefined;
      const f = flipped && v.atom(flipped);
      if (f !== undefined) return T.mkBool(!f);
    }
    // a comparison with a literal against a known disjunction of ranges (`a.x === 0` where a.x < 0 || a.x >= 4)
    const r = rangeOf(t);
    if (r) {
      const b = v.bounds(r.of);
      for (const ranges of v.rangesOf(r.of)) {
        const possible = ranges.filter((x) => meets(x, b));
        if (possible.every((x) => !meets(x, r.range))) return T.FALSE;
        if (possible.every((x) => inside(x, r.range))) return T.TRUE;
      }
    }
    // x === y where x !== z is known and z is y (`b.x === 0` where a.x !== b.x and a.x === 0)
    if (t.op === '=' && t.args[0].sort.k !== 'Bool') {
      const [x, y] = t.args;
      for (const [side, other] of [[x, y], [y, x]]) {
        for (const [a, val] of v.factsAbout(side)) {
          if (val || a.op !== '=') continue;
          const z = a.args[0] === side ? a.args[1] : a.args[0];
          if (v.representative(z) === v.representative(other)) return T.FALSE;
        }
      }
    }
    return t;
  }

  /** `x == y` of booleans: decided when both sides are the same (or opposite) function of their atoms. */
  private iff(x: Term, y: Term, v: View): Term {
    const r = T.eq(x, y);
    if (r.op !== '=') return r;
    const d = tableValue(r);
    if (d !== undefined) return T.mkBool(d);
    return this.atom(r, v);
  }

  /**
   * A conjunction, each conjunct simplified under the others as they stand at that moment (the
   * earlier ones as simplified, the later ones as given): each step replaces a conjunct by one
   * equivalent to it where the rest holds, so the conjunction stays equivalent. Twice, as a
   * conjunct simplified late can decide an earlier one.
   */
  conjunction(xs: Term[], v: View, split = false): Term {
    let cur = flattenAnd(xs);
    for (let pass = 0; pass < 4; pass++) {
      // a statement about every element (the states compared element by element) read as one about the indices
      cur = foldFamilies(cur);
      const layer = new Layer();
      const tag0 = this.nextTag;
      this.nextTag += cur.length;
      const addFacts = (k: number) => {
        for (const [a, val] of factsOf(cur[k], true)) layer.add(a, val, tag0 + k);
      };
      cur.forEach((_, k) => addFacts(k));
      const layers = [...v.layers, layer];
      let changed = false;
      for (let k = 0; k < cur.length; k++) {
        const view = new View(layers, [...v.excluded, tag0 + k]);
        const simpler = this.term(cur[k], view);
        const next = split ? this.bySplit(simpler, view, 2) : simpler;
        if (T.isFalse(next)) return T.FALSE;
        if (next !== cur[k]) {
          changed = true;
          layer.drop(tag0 + k);
          cur[k] = next;
          addFacts(k);
        }
      }
      // a conjunct that became a conjunction is split, and its parts simplify the others next pass
      cur = flattenAnd(cur);
      // all the parts of a conjunction the context says is false (the else branch of `p && q ? x : !p || !q || y`)
      if (v.refutes(new Set(cur.map((x) => x.id)))) return T.FALSE;
      if (!changed || this.exhausted) break;
    }
    const r = T.and(...cur);
    const d = r.op === 'bool' ? undefined : tableValue(r);
    return d === undefined ? r : T.mkBool(d);
  }

  /**
   * A small boolean term decided by cases: if it simplifies to the same value with one of its
   * atoms assumed true and assumed false, it is that value (`(b.x !== 0 && (a.x === 0 || s.in[0]))
   * === (a.x === 0 || (b.x !== 0 && s.in[0]))` is true where a.x !== b.x: split on a.x === 0).
   * Up to `depth` nested splits, on the conjuncts of a case only (split inside the rewriting of
   * every subterm, its cost multiplies: 200,000 steps for a random formula of 29 nodes).
   */
  private bySplit(t: Term, v: View, depth: number): Term {
    if (depth === 0 || t.op === 'bool' || !isConnective(t)) return t;
    const size = T.dagSize([t]);
    if (size > SPLIT_SIZE) return t;
    const atoms = new Map<number, Term>();
    if (!boolAtoms(t, atoms)) return t;
    let best = t;
    for (const a of [...atoms.values()].slice(0, SPLIT_ATOMS)) {
      const yes = this.bySplit(this.term(t, v.with(a, true)), v.with(a, true), depth - 1);
      const no = this.bySplit(this.term(t, v.with(a, false)), v.with(a, false), depth - 1);
      if (yes === no) return yes;
      // the term is ite(a, yes, no) here; taken when that is smaller (`a.x !== b.x` for a whole comparison of two reads)
      const cases = T.ite(a, yes, no);
      if (T.dagSize([cases]) < T.dagSize([best])) best = cases;
    }
    return best;
  }
}

/** Terms larger than this (DAG nodes) are not split by cases, and only on their first few atoms (each split rewrites the term twice, nested twice). */
const SPLIT_SIZE = 80;
const SPLIT_ATOMS = 6;

const isConnective = (t: Term) => ['not', 'and', 'or', '=>'].includes(t.op) || (t.sort.k === 'Bool' && (t.op === 'ite' || (t.op === '=' && t.args[0].sort.k === 'Bool')));

/** `!t` with the negation pushed through comparisons of integers (`!(x < k)` is `k <= x`). */
export function negate(t: Term): Term {
  // negation normal form: `!(x && y)` reads as `!x || !y`
  if (t.op === 'and') return T.or(...t.args.map(negate));
  if (t.op === 'or') return T.and(...t.args.map(negate));
  if (t.op === '<' && t.args[0].sort.k === 'Int') return T.le(t.args[1], t.args[0]);
  if (t.op === '<=' && t.args[0].sort.k === 'Int') return T.lt(t.args[1], t.args[0]);
  return T.not(t);
}

/** The conjuncts of a list of terms: nested conjunctions and negated disjunctions split, true dropped, repeats removed. */
export function flattenAnd(xs: readonly Term[]): Term[] {
  const out: Term[] = [];
  const seen = new Set<number>();
  const go = (t: Term): void => {
    if (T.isTrue(t)) return;
    if (t.op === 'and') return t.args.forEach(go);
    if (t.op === 'not' && t.args[0].op === 'or') return t.args[0].args.forEach((x) => go(negate(x)));
    if (t.op === 'not' && (t.args[0].op === '<' || t.args[0].op === '<=')) return go(negate(t.args[0]));
    if (!seen.has(t.id)) {
      seen.add(t.id);
      out.push(t);
    }
  };
  xs.forEach(go);
  return out;
}

/** Ground facts that are literals (type ranges, invariants without quantifiers): the base layer of every case. */
export function baseView(given: readonly Term[]): View {
  const l = new Layer();
  for (const g of given) for (const [a, v] of factsOf(g, true)) if (a.closed && a.op !== 'forall') l.add(a, v, -1);
  return new View([l]);
}

/**
 * A commutative case simplified: the path's branch conditions, then the agreement, as one list of
 * conjuncts, each rewritten under the others and the base facts. Equivalent to the conjunction of
 * its inputs wherever `base`'s facts hold.
 */
export function simplifyCase(branches: readonly Term[], agreement: Term, base: View): Term[] {
  const r = new Rewriter();
  const t = r.conjunction([...branches, agreement], base, true);
  return T.isTrue(t) ? [] : flattenAnd([t]);
}
