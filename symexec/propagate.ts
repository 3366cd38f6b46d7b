// A model of ground facts found by propagation, without a solver (verify commute's starting states).
//
// Some constants are given values; the others are unknown, cell by cell (`impl.dir[3]` is a cell
// of the array constant `impl.dir[]`). Each fact is required to hold, and a fact with a single
// way to hold assigns what it decides: `impl.dir[3] = 2`, a Boolean cell, `x = a + b` with a and b
// known, one side of an `and` required false once the others are true. When nothing more follows,
// a guess: a sum of unknowns takes the value in its first term with the others at their defaults
// (a base count and per-core deltas: the base holds the count), and failing that the first
// cell a pending fact waits for takes its default. There is no search and no backtracking: a
// conflict, or facts outside the fragment (quantifiers, stores, whole arrays, a division by
// zero), gives up, and the caller asks the solver instead.
//
// Whatever `find` returns satisfies every fact as term-eval.ts evaluates it: the facts are
// evaluated once more at the end, the original ones, not the simplified ones propagation ran on.
// POSIX's starting states: 2-3 ms a test here (with the final check) against about 45 ms of solver
// time (a check, its model, decoding it).

import * as T from './term.ts';
import type { Sort, Term } from './term.ts';
import { ArrayValue, TermEvaluator, TermEvalError, UNDEF, indexKey, intOp, type Value } from './term-eval.ts';
import { substConsts } from './summary.ts';

/** Values of cells, by `cellKey`. */
export type Cells = Map<string, Value>;

/** The key of a scalar constant (no indices) or of one element of an array constant. */
export function cellKey(name: string, indices: Value[]): string {
  return `${name}@${indices.map(indexKey).join(',')}`;
}

/** A fact outside the fragment propagation evaluates: the caller falls back to the solver. */
class Unsupported extends Error {}

/** What propagation evaluates: ground scalar terms, arrays only as the constants reads start from. */
const FRAGMENT = new Set<T.Op>(['const', 'int', 'bool', 'select', 'not', 'and', 'or', '=>', 'ite', '=', '+', '-', '*', 'neg', 'div', 'mod', '<', '<=']);

/** Whether every term of `facts` is in the fragment (a quantifier, a store or a count is not). */
function inFragment(facts: Term[]): boolean {
  const seen = new Set<number>();
  const go = (t: Term): boolean => {
    if (seen.has(t.id)) return true;
    seen.add(t.id);
    return FRAGMENT.has(t.op) && t.args.every(go);
  };
  return facts.every(go);
}

export class PropagationModels {
  /** the facts propagation runs on: conjuncts, each simplified by the others; none outside the fragment */
  private readonly prepared?: Term[];
  /** every constant of the facts, with its sort */
  private readonly constants: [string, Sort][];
  /** the innermost sort of every constant: what its cells hold */
  private readonly cellSorts = new Map<string, Sort>();

  /** `facts` are fixed (a spec's); `defaultOf` is the value a guessed cell of a sort takes. */
  constructor(private readonly facts: Term[], private readonly defaultOf: (s: Sort) => Value) {
    if (inFragment(facts)) this.prepared = simplifyByEachOther(facts);
    this.constants = T.constantsOf(facts).map((c) => [c.name!, c.sort]);
    for (const [name, sort] of this.constants) {
      let s = sort;
      while (s.k === 'Array') s = s.elem;
      this.cellSorts.set(name, s);
    }
  }

  /** Cells under which every fact holds, the `given` constants at their values; undefined when propagation cannot tell. */
  find(given: ReadonlyMap<string, Value>): Cells | undefined {
    if (!this.prepared) return undefined;
    const p = new Propagation(given, (cell) => this.defaultOf(this.cellSorts.get(cell.slice(0, cell.lastIndexOf('@')))!));
    let cells: Cells | undefined;
    try {
      cells = p.run(this.prepared);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
    return cells && this.holds(given, cells) ? cells : undefined;
  }

  /** Every original fact true under the reference evaluator, the cells as arrays. */
  private holds(given: ReadonlyMap<string, Value>, cells: Cells): boolean {
    const env = new Map(given);
    for (const [name, sort] of this.constants) if (!env.has(name)) env.set(name, cellArray(name, sort, [], cells));
    try {
      const ev = new TermEvaluator(env);
      return this.facts.every((f) => ev.eval(f) === true);
    } catch (e) {
      if (e instanceof TermEvalError) return false;
      throw e;
    }
  }
}

/** The value of constant `name` (of sort `sort`) read from cells: an array reads element by element. */
function cellArray(name: string, sort: Sort, idx: Value[], cells: Cells): Value {
  if (sort.k !== 'Array') return cells.get(cellKey(name, idx)) ?? UNDEF;
  return new ArrayValue((i) => (i === UNDEF ? UNDEF : cellArray(name, sort.elem, [...idx, i], cells)));
}

/**
 * The conjuncts of `facts`, each simplified by taking every OTHER conjunct inside it as true:
 * `for` loops in an equiv with an early `return false` lower to `(not (and (not X) P...))` where
 * the P are the loop's earlier iterations, themselves conjuncts; with them true, X is a conjunct
 * too. Sound for the conjunction as a whole because a conjunct is only ever simplified by
 * conjuncts strictly inside it (terms are a DAG), and checked anyway (`holds`).
 */
export function simplifyByEachOther(facts: Term[]): Term[] {
  const flat = (ts: readonly Term[]): Term[] => [...new Set(ts.flatMap((t) => (t.op === 'and' ? flat(t.args) : [t])))];
  let fs = flat(facts);
  for (let pass = 0; pass < 4; pass++) {
    const others = new Map(fs.map((f) => [f, T.TRUE]));
    const inside = (u: Term) => substConsts(u, others);
    const next = flat(fs.map((f) => (f.args.length ? T.rebuild(f, f.args.map(inside)) : f))).filter((f) => f !== T.TRUE);
    if (next.length === fs.length && next.every((f, k) => f === fs[k])) break;
    fs = next;
  }
  return fs;
}

/** One propagation, for one set of given values. */
class Propagation {
  readonly cells: Cells = new Map();
  private conflict = false;
  private assignments = 0;
  /** while set, `guess` mode: a sum of unknowns may be split (see the file comment) */
  private guessing = false;
  /** values of terms since the last assignment */
  private memo = new Map<Term, Value>();
  /** cells read while unassigned, collected while `recording` */
  private misses: string[] = [];
  private recording = false;
  /** pending facts by the one cell each waits for */
  private readonly watchers = new Map<string, Term[]>();
  private readonly queue: Term[] = [];
  private readonly queued = new Set<Term>();

  constructor(private readonly given: ReadonlyMap<string, Value>, private readonly dflt: (cell: string) => Value) {}

  run(facts: Term[]): Cells | undefined {
    for (const f of facts) this.enqueue(f);
    for (;;) {
      while (this.queue.length && !this.conflict) {
        const f = this.queue.pop()!;
        this.queued.delete(f);
        this.process(f);
      }
      if (this.conflict) return undefined;
      if (this.watchers.size === 0) return this.cells;
      if (!this.guess()) return undefined;
    }
  }

  /** Requires `f`, then files it under a cell it still waits for (none: it holds). */
  private process(f: Term): void {
    this.require(f, true);
    if (this.conflict) return;
    const v = this.recordingMisses(() => this.val(f));
    if (v === false) this.conflict = true;
    else if (v === UNDEF) {
      const cell = this.misses.find((c) => !this.cells.has(c));
      if (cell === undefined) throw new Unsupported('a fact undefined with every cell it reads known');
      const ws = this.watchers.get(cell);
      if (ws) ws.push(f);
      else this.watchers.set(cell, [f]);
    }
  }

  /** Nothing follows: a sum split, else a default for the first waited-for cell. False on a conflict. */
  private guess(): boolean {
    const before = this.assignments;
    this.guessing = true;
    try {
      for (const ws of this.watchers.values()) {
        for (const f of ws) {
          this.require(f, true);
          if (this.conflict) return false;
          if (this.assignments > before) return true;
        }
      }
    } finally {
      this.guessing = false;
    }
    const cell = this.watchers.keys().next().value!;
    this.assign(cell, this.dflt(cell));
    return !this.conflict;
  }

  private enqueue(f: Term): void {
    if (this.queued.has(f)) return;
    this.queued.add(f);
    this.queue.push(f);
  }

  private assign(cell: string, v: Value): void {
    const old = this.cells.get(cell);
    if (old !== undefined) {
      if (old !== v) this.conflict = true;
      return;
    }
    this.cells.set(cell, v);
    this.assignments++;
    this.memo.clear();
    const ws = this.watchers.get(cell);
    if (ws) {
      this.watchers.delete(cell);
      for (const f of ws) this.enqueue(f);
    }
  }

  private recordingMisses<R>(f: () => R): R {
    this.misses = [];
    this.memo.clear(); // a remembered UNDEF would not record its cells again
    this.recording = true;
    try {
      return f();
    } finally {
      this.recording = false;
    }
  }

  /** Makes `t` evaluate to `want`, where one assignment is forced. */
  private require(t: Term, want: boolean): void {
    const v = this.val(t);
    if (v !== UNDEF) {
      if (v !== want) this.conflict = true;
      return;
    }
    const xs = t.args;
    switch (t.op) {
      case 'not':
        return this.require(xs[0], !want);
      case 'and':
      case 'or': {
        // every argument is forced (a true `and`, a false `or`), or the one still open is
        if ((t.op === 'and') === want) {
          for (const x of xs) this.require(x, want);
          return;
        }
        const open = xs.filter((x) => this.val(x) !== !want);
        if (open.length === 1) this.require(open[0], want);
        return;
      }
      case '=>':
        if (!want) {
          this.require(xs[0], true);
          this.require(xs[1], false);
        } else if (this.val(xs[0]) === true) this.require(xs[1], true);
        else if (this.val(xs[1]) === false) this.require(xs[0], false);
        return;
      case 'ite': {
        const c = this.val(xs[0]);
        if (c !== UNDEF) this.require(c ? xs[1] : xs[2], want);
        return;
      }
      case '=': {
        const a = this.val(xs[0]), b = this.val(xs[1]);
        if (xs[0].sort.k === 'Bool') {
          if (a !== UNDEF) this.require(xs[1], want === a);
          else if (b !== UNDEF) this.require(xs[0], want === b);
        } else if (want) {
          if (a !== UNDEF) this.solveFor(xs[1], a);
          else if (b !== UNDEF) this.solveFor(xs[0], b);
        }
        return;
      }
      case 'const':
      case 'select': {
        const c = this.cellOf(t);
        if (c !== undefined) this.assign(c, want);
        return;
      }
    }
  }

  /** Makes the Int (or opaque) term `t` equal `target`, where that decides one cell. */
  private solveFor(t: Term, target: Value): void {
    if (t.op === 'const' || t.op === 'select') {
      const c = this.cellOf(t);
      if (c !== undefined) this.assign(c, target);
      return;
    }
    if (typeof target !== 'bigint') return;
    const [a, b] = t.args;
    switch (t.op) {
      case '+': {
        const va = this.val(a);
        if (va !== UNDEF) return this.solveFor(b, target - (va as bigint));
        let vb = this.val(b);
        if (vb === UNDEF && this.guessing) {
          // the unknowns of b at their defaults, a takes the rest
          this.recordingMisses(() => this.val(b));
          for (const c of this.misses) if (!this.cells.has(c)) this.assign(c, this.dflt(c));
          vb = this.val(b);
        }
        if (vb !== UNDEF) this.solveFor(a, target - (vb as bigint));
        return;
      }
      case '-': {
        const va = this.val(a), vb = this.val(b);
        if (va !== UNDEF) this.solveFor(b, (va as bigint) - target);
        else if (vb !== UNDEF) this.solveFor(a, target + (vb as bigint));
        return;
      }
      case 'neg':
        return this.solveFor(a, -target);
      case 'ite': {
        const c = this.val(a);
        if (c !== UNDEF) this.solveFor(c ? b : t.args[2], target);
        return;
      }
    }
  }

  /** The unassigned cell a constant or select chain names (undefined: given, assigned, or an index unknown). */
  private cellOf(t: Term): string | undefined {
    const p = this.place(t);
    return p && 'cell' in p && !this.cells.has(p.cell) ? p.cell : undefined;
  }

  /** What a scalar constant or select chain reads: a given value, or a cell; undefined while an index is unknown. */
  private place(t: Term): { v: Value } | { cell: string } | undefined {
    const idx: Value[] = [];
    let u = t;
    for (; u.op === 'select'; u = u.args[0]) {
      const i = this.val(u.args[1]);
      if (i === UNDEF) return undefined;
      idx.unshift(i);
    }
    if (u.op !== 'const') throw new Unsupported(`a read of ${u.op}`);
    const g = this.given.get(u.name!);
    if (g === undefined) return { cell: cellKey(u.name!, idx) };
    let x = g;
    for (const i of idx) x = (x as ArrayValue).get(i);
    return { v: x };
  }

  /** The value of `t` (Kleene's three values: UNDEF while a cell it needs is unknown). */
  private val(t: Term): Value {
    if (t.op === 'int' || t.op === 'bool') return t.value!;
    let v = this.memo.get(t);
    if (v === undefined) {
      v = this.compute(t);
      this.memo.set(t, v);
    }
    return v;
  }

  private compute(t: Term): Value {
    const a = t.args;
    switch (t.op) {
      case 'const':
      case 'select': {
        if (t.sort.k === 'Array') throw new Unsupported('a whole array');
        const p = this.place(t);
        if (!p) return UNDEF;
        if ('v' in p) return p.v;
        const v = this.cells.get(p.cell);
        if (v !== undefined) return v;
        if (this.recording) this.misses.push(p.cell);
        return UNDEF;
      }
      case 'not': {
        const x = this.val(a[0]);
        return x === UNDEF ? UNDEF : !x;
      }
      case 'and':
      case 'or': {
        // false decides an `and` (true an `or`) whatever the unknown arguments are
        const decider = t.op === 'or';
        let open = false;
        for (const x of a) {
          const v = this.val(x);
          if (v === decider) return decider;
          if (v === UNDEF) open = true;
        }
        return open ? UNDEF : !decider;
      }
      case '=>': {
        const x = this.val(a[0]);
        if (x === false) return true;
        const y = this.val(a[1]);
        if (y === true) return true;
        return x === UNDEF || y === UNDEF ? UNDEF : false;
      }
      case 'ite': {
        const c = this.val(a[0]);
        if (c !== UNDEF) return this.val(c ? a[1] : a[2]);
        const x = this.val(a[1]), y = this.val(a[2]);
        return x !== UNDEF && x === y ? x : UNDEF;
      }
      case '=': {
        const x = this.val(a[0]), y = this.val(a[1]);
        return x === UNDEF || y === UNDEF ? UNDEF : x === y;
      }
      case '+':
      case '-':
      case '*':
      case '<':
      case '<=':
      case 'div':
      case 'mod':
        // a division by zero is UNDEF with its cells known: process() gives up on its fact
        return intOp(t.op, this.val(a[0]), this.val(a[1]));
      case 'neg': {
        const x = this.val(a[0]);
        return x === UNDEF ? UNDEF : -(x as bigint);
      }
      default:
        throw new Unsupported(t.op);
    }
  }
}
