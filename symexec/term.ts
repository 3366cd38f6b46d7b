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
  | 'forall' | 'exists' | 'lambda'
  | 'count'; // a symbolic count: an uninterpreted function (see countOf) applied to `args`

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

// The hash-consing table: a trie by operator and sort text (name, value, bound variables `#` apart),
// then by argument ids (a text key holding the ids, made on every call, was most of mk's time).
interface Slot { term?: Term; next?: Map<number, Slot> }
const table = new Map<string, Slot>();
const sortTexts = new WeakMap<Sort, string>(); // per sort object: sorts are never changed
let nextId = 1;

function mk(op: Op, sort: Sort, args: readonly Term[], extra: { name?: string; value?: bigint | boolean; bound?: readonly Term[] } = {}): Term {
  let sortText = sortTexts.get(sort);
  if (sortText === undefined) sortTexts.set(sort, (sortText = sortToSmt(sort)));
  const head = extra.name === undefined && extra.value === undefined && extra.bound === undefined ? `${op}|${sortText}` : `${op}#${sortText}|${extra.name ?? ''}|${extra.value ?? ''}|${(extra.bound ?? []).map((b) => b.id).join(',')}`;
  let slot: Slot | undefined = table.get(head);
  if (!slot) table.set(head, (slot = {}));
  for (const a of args) {
    const next: Map<number, Slot> = (slot.next ??= new Map());
    slot = next.get(a.id) ?? next.set(a.id, {}).get(a.id)!;
  }
  if (slot.term) return slot.term;
  let closed: boolean;
  if (op === 'bvar') closed = false;
  else if (extra.bound) {
    const freeInBody = freeBvars(args[0]);
    closed = [...freeInBody].every((v) => extra.bound!.includes(v));
  } else closed = args.every((a) => a.closed);
  const t: Term = { id: nextId++, op, sort, args, closed, ...extra };
  slot.term = t;
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
  if (a.op === '+' && a.args[0] === b) return a.args[1]; // (x + y) - x
  return mk('-', INT, [a, b]);
}

export function mul(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined) return mkInt(x * y);
  if (x !== undefined) return mul(b, a); // the literal second: j*c is one term however it was written
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
/** `j*c + r` with literals c > 0 and 0 <= r < c, as [j, r] (how a flattened index names (j, r)). */
function scaled(a: Term, c: bigint): [Term, bigint] | undefined {
  if (c <= 0n) return undefined;
  if (a.op === '*' && intValue(a.args[1]) === c) return [a.args[0], 0n];
  const r = a.op === '+' ? intValue(a.args[1]) : undefined;
  const j = r !== undefined && r >= 0n && r < c ? scaled(a.args[0], c) : undefined;
  return j && j[1] === 0n ? [j[0], r!] : undefined;
}

export function div(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined && y !== 0n) return mkInt(euclidDiv(x, y));
  if (y === 1n) return a;
  const jr = y !== undefined ? scaled(a, y) : undefined;
  if (jr) return jr[0];
  return mk('div', INT, [a, b]);
}

export function mod(a: Term, b: Term): Term {
  const x = intValue(a), y = intValue(b);
  if (x !== undefined && y !== undefined && y !== 0n) return mkInt(x - y * euclidDiv(x, y));
  const jr = y !== undefined ? scaled(a, y) : undefined;
  if (jr) return mkInt(jr[1]);
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
    // the same value written at i and then at j: read at i, it is that value whatever j is
    // (a handle stored into two slots, verify rid: red-team round 11, w48)
    if (base.op === 'store' && base.args[1] === i && base.args[2] === v) return v;
    if (j.op === 'int' && i.op === 'int') return select(base, i);
    // read-over-write at a literal index becomes a case split on the written index: an untouched
    // element reads as the very same term as before (expanded counts share it with the pre-state);
    // in the written branch j is i, said so in v, so a nested array written at [j] and read at [j]
    // gives the untouched terms at [i] (fdtable's refcount invariant goals: 7.5M -> 1.6M rlimit).
    if (i.op === 'int') {
      // memoised like the ite case below: a summary's effects substituted call after call build
      // chains whose elements would otherwise be read (and `replace`d) once per way to them
      const key = `${a.id},${i.id}`;
      let r = selectIteMemo.get(key);
      if (!r) selectIteMemo.set(key, (r = ite(eq(j, i), v.closed ? replace(v, j, i) : v, select(base, i))));
      return r;
    }
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

/**
 * Universal quantification, in a normal form Z3 instantiates well: over a conjunction it is a
 * conjunction of quantifiers (`∀x. g → (a ∧ b)` is `(∀x. g → a) ∧ (∀x. g → b)`), and a guarded
 * quantifier directly under another is merged into one (`∀x. g → ∀y. h → b` is `∀x y. g ∧ h → b`).
 * Nested quantifiers are what Z3's E-matching handles worst: on the kernel's descriptor tables
 * (forall over processes of forall over descriptors) they made goals time out.
 */
export function forall(xs: Term[], body: Term): Term {
  const [guard, rest] = body.op === '=>' ? [body.args[0], body.args[1]] : [TRUE, body];
  if (rest.op === 'and') return and(...rest.args.map((c) => forall(xs, implies(guard, c))));
  if (rest.op === 'forall' && !rest.bound!.some((y) => freeBvars(guard).has(y))) {
    const inner = rest.args[0];
    const [g2, b2] = inner.op === '=>' ? [inner.args[0], inner.args[1]] : [TRUE, inner];
    return forall([...xs, ...rest.bound!], implies(and(guard, g2), b2));
  }
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
  const top = `${t.id},${from.id},${to.id}`;
  const known = replaceMemo.get(top);
  if (known) return known;
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
  const r = go(t);
  replaceMemo.set(top, r);
  return r;
}
const replaceMemo = new Map<string, Term>();

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
    case 'count': return mk('count', INT, a, { name: u.name });
    default: return u;
  }
}

// ---- printing ----------------------------------------------------------------------------------

export function quoteSym(s: string): string {
  return /^[A-Za-z_~!@$%^&*+=<>.?/-][A-Za-z0-9_~!@$%^&*+=<>.?/-]*$/.test(s) ? s : `|${s.replace(/\|/g, '/')}|`;
}

/** The default SmtPrinter's prefix for the names of shared subterms (`t123`). */
const DEF_PREFIX = 't';
const PRINTER_DEF = new RegExp(`^${DEF_PREFIX}\\d+$`);

/** Whether a model's declaration is one of a default SmtPrinter's shared subterms (`tN`), not an input. */
export function isPrinterDef(name: string): boolean {
  return PRINTER_DEF.test(name);
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

  constructor(private readonly prefix = DEF_PREFIX) {}

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
      // numbered as defined, not by id (ids depend on what the process built before; the text is the cache's key)
      const name = `${this.prefix}${this.named.size}`;
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
      case 'count':
        return t.args.length ? `(${quoteSym(t.name!)} ${a()})` : quoteSym(t.name!);
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

/** How many distinct terms the DAGs of `ts` hold: a measure of a problem's size. */
export function dagSize(ts: Term[]): number {
  const seen = new Set<number>();
  const todo = [...ts];
  for (let t = todo.pop(); t; t = todo.pop()) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    todo.push(...t.args);
  }
  return seen.size;
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
    if (t.op === 'forall' || t.op === 'exists' || t.op === 'count') return true;
    return t.args.some(go);
  };
  return ts.some(go);
}

// ---- symbolic counts ---------------------------------------------------------------------------

/**
 * A count over a domain too large to expand is an uninterpreted function of the bound variables
 * its body mentions (the enclosing quantifiers' variables), one function per body up to renaming
 * and size.
 * `countFacts` states what every count satisfies; `countOf` relates the count of a post-state to
 * the count of the pre-state, which is what refcount invariants need.
 */
export interface CountFn {
  name: string;
  n: number;
  /** the counted variable and the enclosing variables, canonically named */
  index: Term;
  params: Term[];
  body: Term;
}

const countFns = new Map<string, CountFn>();

export function countFn(name: string): CountFn | undefined {
  return countFns.get(name);
}

/** Canonically named bound variables: two bodies equal up to renaming become the same term. */
const canonVar = (k: number): Term => mk('bvar', INT, [], { name: `cnt!${k}` });

/** The count of `body` over i in [0, n) as an uninterpreted function application (no delta). */
function countApp(i: Term, n: number, body: Term): Term {
  const order: Term[] = [];
  const seen = new Set<number>();
  const walk = (u: Term): void => {
    if (u.closed || seen.has(u.id)) return;
    seen.add(u.id);
    if (u.op === 'bvar' && u !== i && !order.includes(u)) order.push(u);
    u.args.forEach(walk);
  };
  walk(body);
  const index = canonVar(0);
  const params = order.map((_, k) => canonVar(k + 1));
  const canon = substitute(body, new Map([[i, index], ...order.map((v, k) => [v, params[k]] as [Term, Term])]));
  // the size is part of the function: the same body counted over another domain is another count
  const name = `count!${canon.id}!${n}`;
  if (!countFns.has(name)) countFns.set(name, { name, n, index, params, body: canon });
  return mk('count', INT, order, { name });
}

function countsIn(ts: Term[]): CountFn[] {
  const names = new Set<string>();
  const seen = new Set<number>();
  const go = (t: Term): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (t.op === 'count') names.add(t.name!);
    t.args.forEach(go);
  };
  ts.forEach(go);
  return [...names].sort().map((name) => countFns.get(name)!);
}

/** `declare-fun`s for the counts the terms mention. */
export function countDeclarations(ts: Term[]): string[] {
  return countsIn(ts).map((f) => `(declare-fun ${quoteSym(f.name)} (${f.params.map(() => 'Int').join(' ')}) Int)`);
}

/** The number of elements of the largest count the terms mention (0 for none). */
export function largestCount(ts: Term[]): number {
  return Math.max(0, ...countsIn(ts).map((f) => f.n));
}

/**
 * The exact definition of every count the terms mention, as a sum over its domain: for tests that
 * compare terms with concrete runs, and for the verifier's retry of a counterexample that did not
 * replay (verifier/run.ts); its proofs use countFacts, which stay small.
 */
export function countDefinitions(ts: Term[]): Term[] {
  return countsIn(ts).map((f) => {
    const app = mk('count', INT, f.params, { name: f.name });
    let sum = mkInt(0);
    for (let k = 0; k < f.n; k++) sum = add(sum, ite(substitute(f.body, new Map([[f.index, mkInt(k)]])), mkInt(1), mkInt(0)));
    return forall(f.params, eq(app, sum));
  });
}

/** Facts true of every count the terms mention: its range, and that it is 0 or n only when it should. */
export function countFacts(ts: Term[]): Term[] {
  const out: Term[] = [];
  for (const f of countsIn(ts)) {
    const name = f.name;
    const app = mk('count', INT, f.params, { name });
    const n = mkInt(f.n);
    out.push(forall(f.params, and(le(mkInt(0), app), le(app, n))));
    // "some element counts" and "some element does not", over the element's own coordinates: for a
    // flattened 2-D body (`a[floor(k / c)][k % c]`) over (row, column), so that a read `a[p][fd]`
    // instantiates it (Z3 cannot find k = p*c + fd by matching)
    const c = flatWidth(f.body, f.index);
    const [vars, inRange, body] = c && BigInt(f.n) % c === 0n ? rowsAndColumns(f, c) : [[f.index], and(le(mkInt(0), f.index), lt(f.index, n)), f.body];
    out.push(forall([...f.params, ...vars], implies(and(inRange, body), le(mkInt(1), app))));
    out.push(forall([...f.params, ...vars], implies(and(inRange, not(body)), le(app, mkInt(f.n - 1)))));
    // and two distinct counted elements make at least 2 (a file named by two descriptors keeps a
    // reference when one of them is closed)
    const twin = vars.map((v) => mk('bvar', INT, [], { name: `${v.name}'` }));
    const renamed = (t: Term) => substitute(t, new Map(vars.map((v, k) => [v, twin[k]] as [Term, Term])));
    const distinct = or(...vars.map((v, k) => not(eq(v, twin[k]))));
    out.push(forall([...f.params, ...vars, ...twin], implies(and(inRange, renamed(inRange), distinct, body, renamed(body)), le(mkInt(2), app))));
  }
  return out;
}

/** The c of a `a[floor(i / c)][i % c]` read in `body`, if it has one. */
function flatWidth(body: Term, i: Term): bigint | undefined {
  let c: bigint | undefined;
  const seen = new Set<number>();
  const go = (t: Term): void => {
    if (c !== undefined || t.closed || seen.has(t.id)) return;
    seen.add(t.id);
    if (t.op === 'select') c = flatIndex(t, i);
    t.args.forEach(go);
  };
  go(body);
  return c;
}

/** A count's body over (row, column) = (floor(i / c), i % c): the variables, their ranges, the body. */
function rowsAndColumns(f: CountFn, c: bigint): [Term[], Term, Term] {
  const row = mk('bvar', INT, [], { name: 'cnt!row' });
  const col = mk('bvar', INT, [], { name: 'cnt!col' });
  const ranges = and(le(mkInt(0), row), lt(row, mkInt(BigInt(f.n) / c)), le(mkInt(0), col), lt(col, mkInt(c)));
  const memo = new Map<number, Term>();
  const go = (t: Term): Term => {
    if (t.closed) return t;
    if (t === f.index) return add(mul(row, mkInt(c)), col);
    const hit = memo.get(t.id);
    if (hit) return hit;
    // a[floor(i / c)][i % c] is a[row][col] (SMT div and mod of row*c + col do not fold)
    const r = flatIndex(t, f.index) === c ? select(select(go(t.args[0].args[0]), row), col) : t.args.length ? rebuild(t, t.args.map(go)) : t;
    memo.set(t.id, r);
    return r;
  };
  return [[row, col], ranges, go(f.body)];
}

/** Why a body cannot be split into the pre-state's body plus finitely many changed elements. */
class NotLocal extends Error {}

/**
 * The count of `body` over i in [0, n), where `body` may read arrays that the operation wrote:
 * `count(pre) + Σ_w [w is a new witness] (body(w) - pre(w))`, where `pre` is the body with every
 * written array replaced by the array before the writes, and the witnesses w are every i at which
 * a read may see a write (a read at `i` of an array written at j gives j; at `floor(i / c)`, the c
 * elements j*c .. j*c+c-1). Outside the witnesses the two bodies read the same elements, so the
 * counts differ only there. Undefined when some read's index cannot be solved for i this way.
 */
export function countOf(i: Term, n: number, body: Term): Term | undefined {
  const exact = countByIntervals(i, n, body);
  if (exact) return exact;
  const lifted = liftOuterReads(i, body);
  return splitOuter(i, n, lifted, 3);
}

const mentions = (t: Term, v: Term): boolean => freeBvars(t).has(v);

/**
 * A body that reads an array written at j, at an index x that is not the counted variable (an
 * enclosing quantifier's `p` in `count(N, fd => s.procs[p].fds[fd] ...)`), reads
 * `ite(x = j, <the written value, with j as x>, <the old element>)`: the count then splits on
 * `x = j` (splitOuter), and each case reads arrays at the counted variable only.
 */
function liftOuterReads(i: Term, body: Term): Term {
  const memo = new Map<number, Term>();
  const sel = (a: Term, x: Term): Term => {
    if (!a.closed || mentions(x, i)) return select(a, x);
    if (a.op === 'store') {
      const [b, j, v] = a.args;
      return ite(eq(x, j), replace(v, j, x), sel(b, x));
    }
    if (a.op === 'ite') return ite(a.args[0], sel(a.args[1], x), sel(a.args[2], x));
    if (a.op === 'select' && a.sort.k === 'Array') {
      const inner = sel(a.args[0], a.args[1]);
      return inner === a ? select(a, x) : sel(inner, x);
    }
    return select(a, x);
  };
  const go = (t: Term): Term => {
    if (t.closed) return t;
    const hit = memo.get(t.id);
    if (hit) return hit;
    const args = t.args.map(go);
    const r = t.op === 'select' ? sel(args[0], args[1]) : args.every((a, k) => a === t.args[k]) ? t : rebuild(t, args);
    memo.set(t.id, r);
    return r;
  };
  return go(body);
}

/** count(ite(c, ..)) with c independent of the counted variable is ite(c, count(..), count(..)). */
function splitOuter(i: Term, n: number, body: Term, depth: number): Term | undefined {
  let c: Term | undefined;
  const seen = new Set<number>();
  const find = (t: Term): void => {
    if (c || t.closed || seen.has(t.id)) return;
    seen.add(t.id);
    if (t.op === 'ite' && !t.args[0].closed && !mentions(t.args[0], i)) c = t.args[0];
    else t.args.forEach(find);
  };
  find(body);
  if (!c) return countWritten(i, n, body);
  if (depth === 0) return undefined;
  const yes = splitOuter(i, n, replace(body, c, TRUE), depth - 1);
  const no = yes && splitOuter(i, n, replace(body, c, FALSE), depth - 1);
  return no && ite(c, yes!, no);
}

/**
 * Exact counts of bodies that use the counted variable only in comparisons with literals (an
 * initial state: `p === INITPID ? 1 : 0`): the domain splits into intervals on which every such
 * comparison is constant, and the count is a sum of interval lengths.
 */
function countByIntervals(i: Term, n: number, body: Term): Term | undefined {
  const cuts = new Set<bigint>([0n, BigInt(n)]);
  let ok = true;
  const seen = new Set<number>();
  const walk = (t: Term): void => {
    if (!ok || t.closed || seen.has(t.id)) return;
    seen.add(t.id);
    if (t === i) return void (ok = false);
    if ((t.op === '=' || t.op === '<' || t.op === '<=') && t.args.includes(i)) {
      const other = t.args[0] === i ? t.args[1] : t.args[0];
      const c = intValue(other);
      if (c === undefined) return void (ok = false);
      cuts.add(c).add(c + 1n);
      return;
    }
    if (t.bound) return void (ok = false);
    t.args.forEach(walk);
  };
  walk(body);
  if (!ok) return undefined;
  const points = [...cuts].filter((c) => c >= 0n && c <= BigInt(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let total = mkInt(0);
  for (let k = 0; k + 1 < points.length; k++) {
    const at = substitute(body, new Map([[i, mkInt(points[k])]]));
    total = add(total, ite(at, mkInt(points[k + 1] - points[k]), mkInt(0)));
  }
  return total;
}

/** For `a[floor(i / c)][i % c]` (how a flattened 2-D index reads), c; else undefined. */
function flatIndex(t: Term, i: Term): bigint | undefined {
  if (t.op !== 'select') return undefined;
  const [row, col] = t.args;
  if (row.op !== 'select' || row.sort.k !== 'Array') return undefined;
  const d = row.args[1];
  const c = d.op === 'div' && d.args[0] === i ? intValue(d.args[1]) : undefined;
  if (c === undefined || c <= 0n) return undefined;
  const isMod = col === mod(i, mkInt(c)) || (col.op === '-' && col.args[0] === i && col.args[1] === mul(d, mkInt(c)));
  return isMod ? c : undefined;
}

/**
 * The element indices written into `row`, when it is `below[j]` (or row j of an earlier version of
 * `below`, whose other changes its own stores account for) with writes and merges on top.
 */
function rowWrites(row: Term, j: Term, below: Term): Term[] | undefined {
  if (row.op === 'store') {
    const rest = rowWrites(row.args[0], j, below);
    return rest && [...rest, row.args[1]];
  }
  if (row.op === 'ite') {
    const x = rowWrites(row.args[1], j, below), y = rowWrites(row.args[2], j, below);
    return x && y && [...x, ...y.filter((e) => !x.includes(e))];
  }
  return row.op === 'select' && row.args[1] === j && isVersionOf(row.args[0], below) ? [] : undefined;
}

/** Whether `a` is `b` or an array `b` was built from by stores and merges. */
function isVersionOf(a: Term, b: Term): boolean {
  if (a === b) return true;
  if (b.op === 'store') return isVersionOf(a, b.args[0]);
  if (b.op === 'ite') return isVersionOf(a, b.args[1]) && isVersionOf(a, b.args[2]);
  return false;
}

/** The count of a body whose reads of written arrays are at the counted variable (see countOf). */
function countWritten(i: Term, n: number, body: Term): Term | undefined {
  const groups: Term[][] = [];
  const solve = (idx: Term, j: Term): Term[] => {
    if (idx === i) return [j];
    if (idx.op === '+' && idx.args[0] === i && idx.args[1].op === 'int') return [sub(j, idx.args[1])];
    const c = idx.op === 'div' && idx.args[0] === i ? intValue(idx.args[1]) : undefined;
    if (c !== undefined && c > 0n && c <= 64n) return Array.from({ length: Number(c) }, (_, r) => add(mul(j, mkInt(c)), mkInt(r)));
    throw new NotLocal();
  };
  const memo = new Map<number, Term>();
  /**
   * The array before the writes. `witnesses(j, written, below)` names the elements a write at j
   * can have changed: matched against the read's index, or, for the rows of a flattened 2-D read
   * `a[floor(i / c)][i % c]` written as `a[j] = <a[j] with elements e written>`, j*c + e only (a
   * row replaced by anything else: its c elements).
   */
  const unwrite = (a: Term, witnesses: (j: Term, written: Term, below: Term) => Term[]): Term => {
    if (a.op === 'store') {
      const [b, j, v] = a.args;
      groups.push(witnesses(j, v, b));
      return unwrite(b, witnesses);
    }
    if (a.op === 'ite') {
      const x = unwrite(a.args[1], witnesses), y = unwrite(a.args[2], witnesses);
      if (x !== y) throw new NotLocal();
      return x;
    }
    if (a.op === 'select' && a.sort.k === 'Array') return readAt(a.args[0], a.args[1]);
    if (a.closed) return a;
    throw new NotLocal();
  };
  const readAt = (a: Term, idx: Term): Term => {
    const at = pre(idx);
    return select(unwrite(a, (j) => solve(at, j)), at);
  };
  const rows = (c: bigint) => (j: Term, row: Term, below: Term): Term[] =>
    rowWrites(row, j, below)?.map((e) => add(mul(j, mkInt(c)), e)) ?? solve(div(i, mkInt(c)), j);
  const pre = (t: Term): Term => {
    // a closed term is the same for every element: it is not part of what the count ranges over
    if (t.closed) return t;
    const hit = memo.get(t.id);
    if (hit) return hit;
    let r: Term;
    const flat = t.op === 'select' ? flatIndex(t, i) : undefined;
    if (flat) r = select(select(unwrite(t.args[0].args[0], rows(flat)), t.args[0].args[1]), t.args[1]);
    else if (t.op === 'select') r = readAt(t.args[0], t.args[1]);
    else if (t.bound || t.op === 'count') throw new NotLocal();
    else if (t.args.length === 0) r = t;
    else r = rebuild(t, t.args.map(pre));
    memo.set(t.id, r);
    return r;
  };
  let base: Term;
  try {
    base = pre(body);
  } catch (e) {
    if (e instanceof NotLocal) return undefined;
    throw e;
  }
  const one = mkInt(1), zero = mkInt(0);
  const ind = (p: Term) => ite(p, one, zero);
  let total = countApp(i, n, base);
  const earlier: Term[] = [];
  for (const g of groups) {
    for (const w of g) {
      const fresh = and(le(zero, w), lt(w, mkInt(n)), ...earlier.map((x) => not(eq(x, w))));
      const at = new Map([[i, w]]);
      total = add(total, ite(fresh, sub(ind(substitute(body, at)), ind(substitute(base, at))), zero));
    }
    earlier.push(...g);
  }
  return total;
}
