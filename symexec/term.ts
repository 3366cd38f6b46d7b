// SMT terms, built by the symbolic evaluator and printed as SMT-LIB2 text for the solver layer.
//
// Terms are hash-consed (structurally equal terms are the same object), which makes sharing
// explicit: the merging evaluator builds DAGs full of if-then-else, and the printer names every
// shared closed subterm once with `define-fun` instead of printing it again (text stays linear in
// the DAG, not exponential in the tree). Builders fold constants and trivial cases, because most
// guards the evaluator produces are `true`.

export type Sort =
  | { k: 'Int' }
  | { k: 'Bool' }
  | { k: 'Unint'; name: string }
  | { k: 'Array'; index: Sort; elem: Sort };

export const INT: Sort = { k: 'Int' };
export const BOOLS: Sort = { k: 'Bool' };
export const arraySort = (index: Sort, elem: Sort): Sort => ({ k: 'Array', index, elem });

export function sortToSmt(s: Sort): string {
  switch (s.k) {
    case 'Int':
      return 'Int';
    case 'Bool':
      return 'Bool';
    case 'Unint':
      return quoteSym(s.name);
    case 'Array':
      return `(Array ${sortToSmt(s.index)} ${sortToSmt(s.elem)})`;
  }
}

export function sortEq(a: Sort, b: Sort): boolean {
  return sortToSmt(a) === sortToSmt(b);
}

export type Op =
  | 'const' // a declared input constant
  | 'bvar' // a variable bound by a quantifier or lambda
  | 'int'
  | 'bool'
  | 'not' | 'and' | 'or' | '=>' | 'ite' | '='
  | '+' | '-' | '*' | 'div' | 'mod' | 'neg'
  | '<' | '<='
  | 'select' | 'store' | 'constArray'
  | 'forall' | 'exists' | 'lambda';

export interface Term {
  readonly id: number;
  readonly op: Op;
  readonly sort: Sort;
  readonly args: readonly Term[];
  /** name for const/bvar; value for int/bool literals */
  readonly name?: string;
  readonly value?: bigint | boolean;
  /** bound variables of forall/exists/lambda */
  readonly bound?: readonly Term[];
  /** No free bound variables: such a term can be hoisted into a define-fun. */
  readonly closed: boolean;
}

const table = new Map<string, Term>();
let nextId = 1;

function mk(op: Op, sort: Sort, args: readonly Term[], extra: { name?: string; value?: bigint | boolean; bound?: readonly Term[] } = {}): Term {
  const key = `${op}|${sortToSmt(sort)}|${args.map((a) => a.id).join(',')}|${extra.name ?? ''}|${extra.value ?? ''}|${(extra.bound ?? []).map((b) => b.id).join(',')}`;
  const hit = table.get(key);
  if (hit) return hit;
  let closed: boolean;
  if (op === 'bvar') closed = false;
  else if (extra.bound) {
    const freeInBody = freeBvars(args[0]);
    closed = [...freeInBody].every((v) => extra.bound!.includes(v));
  } else closed = args.every((a) => a.closed);
  const t: Term = { id: nextId++, op, sort, args, closed, ...extra };
  table.set(key, t);
  return t;
}

const freeCache = new Map<number, Set<Term>>();
function freeBvars(t: Term): Set<Term> {
  if (t.closed) return new Set();
  const c = freeCache.get(t.id);
  if (c) return c;
  const out = new Set<Term>();
  if (t.op === 'bvar') out.add(t);
  else {
    for (const a of t.args) for (const v of freeBvars(a)) out.add(v);
    if (t.bound) for (const b of t.bound) out.delete(b);
  }
  freeCache.set(t.id, out);
  return out;
}

// ---- leaves ----------------------------------------------------------------------------------

export const mkConst = (name: string, sort: Sort): Term => mk('const', sort, [], { name });
let bvarCounter = 0;
/** A fresh bound variable; names are unique so nested binders never capture each other. */
export const mkBvar = (hint: string, sort: Sort): Term => mk('bvar', sort, [], { name: `${hint}!${bvarCounter++}` });
export const mkInt = (v: bigint | number): Term => mk('int', INT, [], { value: BigInt(v) });
export const TRUE = mk('bool', BOOLS, [], { value: true });
export const FALSE = mk('bool', BOOLS, [], { value: false });
export const mkBool = (b: boolean): Term => (b ? TRUE : FALSE);

export const isTrue = (t: Term): boolean => t === TRUE;
export const isFalse = (t: Term): boolean => t === FALSE;
export const intValue = (t: Term): bigint | undefined => (t.op === 'int' ? (t.value as bigint) : undefined);

// ---- boolean -----------------------------------------------------------------------------------

export function not(a: Term): Term {
  if (a === TRUE) return FALSE;
  if (a === FALSE) return TRUE;
  if (a.op === 'not') return a.args[0];
  return mk('not', BOOLS, [a]);
}

export function and(...xs: Term[]): Term {
  const out: Term[] = [];
  for (const x of xs) {
    if (x === FALSE) return FALSE;
    if (x === TRUE) continue;
    for (const y of x.op === 'and' ? x.args : [x]) if (!out.includes(y)) out.push(y);
  }
  if (out.some((x) => out.includes(not(x)))) return FALSE;
  if (out.length === 0) return TRUE;
  if (out.length === 1) return out[0];
  return mk('and', BOOLS, out);
}

export function or(...xs: Term[]): Term {
  const out: Term[] = [];
  for (const x of xs) {
    if (x === TRUE) return TRUE;
    if (x === FALSE) continue;
    for (const y of x.op === 'or' ? x.args : [x]) if (!out.includes(y)) out.push(y);
  }
  if (out.some((x) => out.includes(not(x)))) return TRUE;
  if (out.length === 0) return FALSE;
  if (out.length === 1) return out[0];
  return mk('or', BOOLS, out);
}

export function implies(a: Term, b: Term): Term {
  if (a === TRUE) return b;
  if (a === FALSE || b === TRUE) return TRUE;
  if (a === b) return TRUE;
  return mk('=>', BOOLS, [a, b]);
}

export function ite(c: Term, t: Term, e: Term): Term {
  if (c === TRUE || t === e) return t;
  if (c === FALSE) return e;
  if (c.op === 'not') return ite(c.args[0], e, t);
  if (t.sort.k === 'Bool') {
    if (t === TRUE && e === FALSE) return c;
    if (t === FALSE && e === TRUE) return not(c);
    if (t === TRUE) return or(c, e);
    if (e === FALSE) return and(c, t);
    if (t === FALSE) return and(not(c), e);
    if (e === TRUE) return or(not(c), t);
  }
  // ite(c, ite(c2, a, e), e) = ite(c && c2, a, e), and ite(c, t, ite(c2, t, e)) = ite(c || c2, t, e):
  // a write guarded twice is one case (count's delta then has one precise guard per element)
  if (t.op === 'ite' && t.args[2] === e) return ite(and(c, t.args[0]), t.args[1], e);
  if (e.op === 'ite' && e.args[1] === t) return ite(or(c, e.args[0]), t, e.args[2]);
  // ite(c, ite(c, a, b), e) = ite(c, a, e): nested merges of the same branch condition collapse
  if (t.op === 'ite' && t.args[0] === c) return ite(c, t.args[1], e);
  if (e.op === 'ite' && e.args[0] === c) return ite(c, t, e.args[2]);
  return mk('ite', t.sort, [c, t, e]);
}

export function eq(a: Term, b: Term): Term {
  if (a === b) return TRUE;
  if (a.op === 'int' && b.op === 'int') return mkBool(a.value === b.value);
  if (a.op === 'bool' && b.op === 'bool') return mkBool(a.value === b.value);
  if (a.sort.k === 'Bool') {
    if (a === TRUE) return b;
    if (b === TRUE) return a;
    if (a === FALSE) return not(b);
    if (b === FALSE) return not(a);
  }
  return a.id < b.id ? mk('=', BOOLS, [a, b]) : mk('=', BOOLS, [b, a]);
}

// ---- integers ----------------------------------------------------------------------------------

export function add(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkInt(x + y);
  if (x === 0n) return b;
  if (y === 0n) return a;
  return mk('+', INT, [a, b]);
}

export function sub(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkInt(x - y);
  if (y === 0n) return a;
  if (a === b) return mkInt(0);
  return mk('-', INT, [a, b]);
}

export function mul(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkInt(x * y);
  if (x === 0n || y === 0n) return mkInt(0);
  if (x === 1n) return b;
  if (y === 1n) return a;
  return mk('*', INT, [a, b]);
}

export function neg(a: Term): Term {
  const x = intValue(a);
  if (x !== undefined) return mkInt(-x);
  return mk('neg', INT, [a]);
}

/** SMT-LIB `div`/`mod` (Euclidean); callers build TypeScript's truncating and flooring forms on top. */
export function div(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined && y !== 0n) return mkInt(euclidDiv(x, y));
  if (y === 1n) return a;
  return mk('div', INT, [a, b]);
}

export function mod(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined && y !== 0n) return mkInt(x - y * euclidDiv(x, y));
  return mk('mod', INT, [a, b]);
}

export function euclidDiv(x: bigint, y: bigint): bigint {
  // SMT-LIB: x = y*q + r with 0 <= r < |y|
  let q = x / y; // truncates toward zero
  if (x - y * q < 0n) q = y > 0n ? q - 1n : q + 1n;
  return q;
}

export function lt(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkBool(x < y);
  if (a === b) return FALSE;
  return mk('<', BOOLS, [a, b]);
}

export function le(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkBool(x <= y);
  if (a === b) return TRUE;
  return mk('<=', BOOLS, [a, b]);
}

// ---- arrays ------------------------------------------------------------------------------------

const selectIteMemo = new Map<string, Term>();

export function select(a: Term, i: Term): Term {
  if (a.sort.k !== 'Array') throw new Error('select on a non-array term');
  // read-over-write with literal indices, and constant arrays, fold away here
  if (a.op === 'store') {
    const [base, j, v] = a.args;
    if (j === i) return v;
    if (j.op === 'int' && i.op === 'int') return select(base, i);
    // read-over-write at a literal index becomes a case split on the written index: an element
    // the write did not touch then reads as the very same term as before the write, which lets
    // expanded sums (count) share their untouched terms with the pre-state's
    // In the written branch j is i: say so in v, so that a nested array written at [j] and its old
    // elements read at [j] (a guarded write keeps `select(a, j)`) become the untouched terms at [i]
    // (then `ite(j = i, ite(c, w, old_i), old_i)` folds to `ite(j = i && c, w, old_i)` below).
    // Measured on examples/fdtable: the refcount invariant's goals 7.5M -> 1.6M rlimit.
    if (i.op === 'int') return ite(eq(j, i), v.closed ? replace(v, j, i) : v, select(base, i));
  }
  // the same below an if-then-else of arrays (a nested array read at literal indices after a
  // write at a symbolic outer index, or after a merge at a join): read the element in each branch
  if (a.op === 'ite' && i.op === 'int') {
    // memoised: merges share subarrays, and a chain of them would be walked 2^depth times
    const key = `${a.id},${i.id}`;
    let r = selectIteMemo.get(key);
    if (!r) selectIteMemo.set(key, (r = ite(a.args[0], select(a.args[1], i), select(a.args[2], i))));
    return r;
  }
  if (a.op === 'constArray') return a.args[0];
  if (a.op === 'lambda') return substitute(a.args[0], new Map([[a.bound![0], i]]));
  return mk('select', a.sort.elem, [a, i]);
}

/**
 * Splits a term into `base`, the term with every non-boolean if-then-else replaced by its else
 * branch (quantifier and lambda bodies are left alone), and `guard`, a condition whose falsity
 * implies `t = base`: the disjunction of the conditions of the if-then-elses resolved. Used by
 * `count` (evaluate.ts): a read after a write is `ite(j = k, new, old)`, so `base` is the read
 * before the write.
 */
export function unwritten(t: Term): { base: Term; guard: Term } {
  const memo = new Map<number, { base: Term; guard: Term }>();
  const go = (u: Term): { base: Term; guard: Term } => {
    const hit = memo.get(u.id);
    if (hit) return hit;
    let r: { base: Term; guard: Term };
    if (u.args.length === 0 || u.bound || !u.closed) r = { base: u, guard: FALSE };
    else if (u.op === 'ite' && u.sort.k !== 'Bool') {
      const e = go(u.args[2]);
      r = { base: e.base, guard: or(u.args[0], e.guard) };
    } else {
      const xs = u.args.map(go);
      r = xs.every((x, k) => x.base === u.args[k]) ? { base: u, guard: FALSE } : { base: rebuild(u, xs.map((x) => x.base)), guard: or(...xs.map((x) => x.guard)) };
    }
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

export function store(a: Term, i: Term, v: Term): Term {
  if (select(a, i) === v) return a;
  return mk('store', a.sort, [a, i, v]);
}

export function constArray(index: Sort, v: Term): Term {
  return mk('constArray', arraySort(index, v.sort), [v]);
}

/** `lambda x. body` as an array; a body that does not mention x is a constant array. */
export function lambda(x: Term, body: Term): Term {
  if (!freeBvars(body).has(x)) return constArray(x.sort, body);
  return mk('lambda', arraySort(x.sort, body.sort), [body], { bound: [x] });
}

export function forall(xs: Term[], body: Term): Term {
  const used = xs.filter((x) => freeBvars(body).has(x));
  if (used.length === 0 || body.op === 'bool') return body;
  return mk('forall', BOOLS, [body], { bound: used });
}

export function exists(xs: Term[], body: Term): Term {
  const used = xs.filter((x) => freeBvars(body).has(x));
  if (used.length === 0 || body.op === 'bool') return body;
  return mk('exists', BOOLS, [body], { bound: used });
}

/** Replaces bound variables (used to instantiate lambdas and to expand small quantifiers). */
export function substitute(t: Term, m: Map<Term, Term>): Term {
  const memo = new Map<number, Term>();
  const go = (u: Term): Term => {
    if (u.closed) return u;
    const hit = memo.get(u.id);
    if (hit) return hit;
    let r: Term;
    if (u.op === 'bvar') r = m.get(u) ?? u;
    else r = rebuild(u, u.args.map(go));
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

/** Replaces every occurrence of the closed term `from` by `to` (Shannon expansion uses this). */
export function replace(t: Term, from: Term, to: Term): Term {
  const memo = new Map<number, Term>();
  const go = (u: Term): Term => {
    if (u === from) return to;
    if (u.args.length === 0) return u;
    const hit = memo.get(u.id);
    if (hit) return hit;
    const args = u.args.map(go);
    const r = args.every((a, k) => a === u.args[k]) ? u : rebuild(u, args);
    memo.set(u.id, r);
    return r;
  };
  return go(t);
}

/** Rebuilds a term with new arguments through the simplifying builders. */
export function rebuild(u: Term, a: Term[]): Term {
  switch (u.op) {
    case 'not': return not(a[0]);
    case 'and': return and(...a);
    case 'or': return or(...a);
    case '=>': return implies(a[0], a[1]);
    case 'ite': return ite(a[0], a[1], a[2]);
    case '=': return eq(a[0], a[1]);
    case '+': return add(a[0], a[1]);
    case '-': return sub(a[0], a[1]);
    case '*': return mul(a[0], a[1]);
    case 'neg': return neg(a[0]);
    case 'div': return div(a[0], a[1]);
    case 'mod': return mod(a[0], a[1]);
    case '<': return lt(a[0], a[1]);
    case '<=': return le(a[0], a[1]);
    case 'select': return select(a[0], a[1]);
    case 'store': return store(a[0], a[1], a[2]);
    case 'constArray': return constArray((u.sort as { index: Sort }).index, a[0]);
    case 'lambda': return lambda(u.bound![0], a[0]);
    case 'forall': return forall([...u.bound!], a[0]);
    case 'exists': return exists([...u.bound!], a[0]);
    default: return u;
  }
}

// ---- printing ----------------------------------------------------------------------------------

export function quoteSym(s: string): string {
  return /^[A-Za-z_~!@$%^&*+=<>.?/-][A-Za-z0-9_~!@$%^&*+=<>.?/-]*$/.test(s) ? s : `|${s.replace(/\|/g, '/')}|`;
}

/**
 * Prints terms as SMT-LIB2. Shared closed subterms become `define-fun`s, emitted once, in
 * dependency order, into `defs`; `print` returns the text of one term that refers to them.
 */
export class SmtPrinter {
  readonly defs: string[] = [];
  private readonly named = new Map<number, string>();
  private readonly uses = new Map<number, number>();
  private readonly counted = new Set<number>();

  constructor(private readonly prefix = 't') {}

  /** Counts references so that only subterms used more than once are named. */
  count(t: Term): void {
    if (this.counted.has(t.id)) {
      this.uses.set(t.id, (this.uses.get(t.id) ?? 0) + 1);
      return;
    }
    this.counted.add(t.id);
    this.uses.set(t.id, 1);
    for (const a of t.args) this.count(a);
  }

  print(t: Term): string {
    const n = this.named.get(t.id);
    if (n) return n;
    const text = this.render(t);
    if (t.closed && t.args.length > 0 && (this.uses.get(t.id) ?? 0) > 1) {
      const name = `${this.prefix}${t.id}`;
      this.defs.push(`(define-fun ${name} () ${sortToSmt(t.sort)} ${text})`);
      this.named.set(t.id, name);
      return name;
    }
    return text;
  }

  private render(t: Term): string {
    const a = () => t.args.map((x) => this.print(x)).join(' ');
    switch (t.op) {
      case 'const':
      case 'bvar':
        return quoteSym(t.name!);
      case 'int': {
        const v = t.value as bigint;
        return v < 0n ? `(- ${-v})` : `${v}`;
      }
      case 'bool':
        return t.value ? 'true' : 'false';
      case 'neg':
        return `(- ${a()})`;
      case 'constArray':
        return `((as const ${sortToSmt(t.sort)}) ${a()})`;
      case 'forall':
      case 'exists':
      case 'lambda': {
        const vs = t.bound!.map((b) => `(${quoteSym(b.name!)} ${sortToSmt(b.sort)})`).join(' ');
        return `(${t.op} (${vs}) ${a()})`;
      }
      default:
        return `(${t.op} ${a()})`;
    }
  }
}

/** Every input constant a term mentions, for declarations. */
export function constantsOf(ts: Term[]): Term[] {
  const seen = new Set<number>();
  const out: Term[] = [];
  const go = (t: Term) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (t.op === 'const') out.push(t);
    for (const a of t.args) go(a);
  };
  ts.forEach(go);
  return out.sort((x, y) => (x.name! < y.name! ? -1 : 1));
}

/** Every uninterpreted sort the terms mention, for declarations. */
export function unintSortsOf(ts: Term[]): string[] {
  const out = new Set<string>();
  const seen = new Set<number>();
  const sort = (s: Sort): void => {
    if (s.k === 'Unint') out.add(s.name);
    if (s.k === 'Array') {
      sort(s.index);
      sort(s.elem);
    }
  };
  const go = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    sort(t.sort);
    t.bound?.forEach(go);
    t.args.forEach(go);
  };
  ts.forEach(go);
  return [...out].sort();
}

/** Whether any of the terms still has a quantifier (after expansion, Z3 decides ground formulas). */
export function hasQuantifier(ts: Term[]): boolean {
  const seen = new Set<number>();
  const go = (t: Term): boolean => {
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    if (t.op === 'forall' || t.op === 'exists') return true;
    return t.args.some(go);
  };
  return ts.some(go);
}
