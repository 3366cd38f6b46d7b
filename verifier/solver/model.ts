// Reads the model text Z3 prints (SMT-LIB define-fun syntax) back into
// values. It is a text parser on purpose: models cross a process boundary as
// strings (pool.ts), and no Z3 object may live outside the solver workers.
//
// Only the fragment Z3 uses for Int / Bool / Array / uninterpreted sorts is
// understood; anything else throws an Error that names the operator, so a
// caller sees "unsupported" rather than a silently wrong counterexample.

export type MValue = bigint | boolean | { kind: 'opaque'; sort: string; id: string } | MArray;
export interface MArray {
  kind: 'array';
  get(index: MValue): MValue;
}
type Opaque = Extract<MValue, { kind: 'opaque' }>;

// ---------------------------------------------------------------------------
// S-expressions

export type SExpr =
  | { t: 'sym'; v: string }
  | { t: 'num'; v: bigint }
  | { t: 'dec'; v: string }
  | { t: 'str'; v: string }
  | { t: 'kw'; v: string }
  | { t: 'list'; v: SExpr[] };

/**
 * Parses a sequence of s-expressions. `|x|` and `x` denote the same symbol in
 * SMT-LIB, so quoted symbols are stored without their bars.
 */
export function parseSExprs(text: string): SExpr[] {
  const out: SExpr[] = [];
  // An explicit stack instead of recursion: Z3 models of large arrays are
  // deeply nested store/ite chains and must not overflow the JS stack.
  const stack: SExpr[][] = [out];
  const n = text.length;
  let i = 0;
  const push = (e: SExpr) => stack[stack.length - 1]!.push(e);
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === ';') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '(') {
      const list: SExpr[] = [];
      push({ t: 'list', v: list });
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length === 1) throw new Error(`model parse error: unbalanced ')' at offset ${i}`);
      stack.pop();
      i++;
    } else if (c === '|') {
      const end = text.indexOf('|', i + 1);
      if (end < 0) throw new Error(`model parse error: unterminated |symbol| at offset ${i}`);
      push({ t: 'sym', v: text.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '"') {
      // SMT-LIB 2.6 strings escape a quote by doubling it.
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error('model parse error: unterminated string');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      push({ t: 'str', v: s });
    } else {
      let j = i;
      while (j < n && !' \t\r\n();|"'.includes(text[j]!)) j++;
      const tok = text.slice(i, j);
      i = j;
      if (/^[0-9]+$/.test(tok)) push({ t: 'num', v: BigInt(tok) });
      else if (/^[0-9]+\.[0-9]+$/.test(tok)) push({ t: 'dec', v: tok });
      else if (tok.startsWith(':')) push({ t: 'kw', v: tok });
      else push({ t: 'sym', v: tok });
    }
  }
  if (stack.length !== 1) throw new Error("model parse error: missing ')'");
  return out;
}

/** Prints an s-expression back (used for sort names such as "(Array Int Int)"). */
export function showSExpr(e: SExpr): string {
  switch (e.t) {
    case 'sym':
      return /^[A-Za-z0-9~!@$%^&*_\-+=<>.?/]+$/.test(e.v) ? e.v : `|${e.v}|`;
    case 'num':
      return e.v.toString();
    case 'dec':
    case 'kw':
      return e.v;
    case 'str':
      return `"${e.v.replace(/"/g, '""')}"`;
    case 'list':
      return `(${e.v.map(showSExpr).join(' ')})`;
  }
}

// ---------------------------------------------------------------------------
// Values

/** Arrays with one or more index positions; MArray.get is the one-index case. */
class ArrayValue implements MArray {
  readonly kind = 'array' as const;
  constructor(private readonly sel: (indices: MValue[]) => MValue) {}
  get(index: MValue): MValue {
    return this.sel([index]);
  }
  select(indices: MValue[]): MValue {
    return this.sel(indices);
  }
}

function isOpaque(v: MValue): v is Opaque {
  return typeof v === 'object' && v.kind === 'opaque';
}

function valueEq(a: MValue, b: MValue): boolean {
  if (typeof a === 'bigint' || typeof a === 'boolean') return a === b;
  if (isOpaque(a)) return isOpaque(b) && a.id === b.id;
  throw new Error('model evaluation: equality of arrays is not supported');
}

/** A hashable key for index values, so long store chains can be a Map lookup. */
function valueKey(v: MValue): string | undefined {
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (isOpaque(v)) return `o${v.id}`;
  return undefined;
}

function asInt(v: MValue, op: string): bigint {
  if (typeof v !== 'bigint') throw new Error(`model evaluation: '${op}' expects Int, got ${describeValue(v)}`);
  return v;
}
function asBool(v: MValue, op: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`model evaluation: '${op}' expects Bool, got ${describeValue(v)}`);
  return v;
}
function asArray(v: MValue, op: string): ArrayValue {
  if (!(v instanceof ArrayValue)) throw new Error(`model evaluation: '${op}' expects an array, got ${describeValue(v)}`);
  return v;
}
function describeValue(v: MValue): string {
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return isOpaque(v) ? v.id : 'array';
}

const abs = (x: bigint) => (x < 0n ? -x : x);
/** SMT-LIB integer division: the remainder is always in [0, |b|). */
function euclid(a: bigint, b: bigint): { q: bigint; r: bigint } {
  const m = abs(b);
  const r = ((a % m) + m) % m;
  return { q: (a - r) / b, r };
}

// ---------------------------------------------------------------------------
// Model

interface FunDef {
  params: string[];
  body: SExpr;
}

type Env = Map<string, MValue>;
const EMPTY: Env = new Map();

export class Model {
  private readonly defs = new Map<string, FunDef>();
  /** Universe elements of uninterpreted sorts, name -> sort. */
  private readonly universe = new Map<string, string>();
  private readonly cache = new Map<string, MValue>();
  private readonly evaluating = new Set<string>();

  private constructor() {}

  static parse(text: string): Model {
    const m = new Model();
    let cmds = parseSExprs(text);
    // Older Z3 versions wrap the whole model in (model ...).
    if (cmds.length === 1 && isList(cmds[0]!) && headOf(cmds[0]!) === 'model') cmds = cmds[0]!.v.slice(1) as SExpr[];
    for (const c of cmds) {
      if (c.t !== 'list') continue;
      const head = headOf(c);
      const xs = c.v;
      if ((head === 'define-fun' || head === 'define-fun-rec') && xs.length === 5) {
        const name = symName(xs[1]!);
        const params = xs[2]!;
        if (params.t !== 'list') throw new Error(`model parse error: bad parameter list for ${name}`);
        m.defs.set(name, { params: params.v.map((p) => (p.t === 'list' ? symName(p.v[0]!) : symName(p))), body: xs[4]! });
      } else if (head === 'declare-fun' && xs.length === 4) {
        // Z3 declares universe elements of uninterpreted sorts this way.
        const args = xs[2]!;
        if (args.t === 'list' && args.v.length === 0) m.universe.set(symName(xs[1]!), sortName(xs[3]!));
      } else if (head === 'declare-const' && xs.length === 3) {
        m.universe.set(symName(xs[1]!), sortName(xs[2]!));
      }
      // Anything else (the cardinality (forall ...), declare-sort, ...) only
      // constrains the model and carries no value we need.
    }
    return m;
  }

  /** True if the model defines a constant (0-ary function) of this name. */
  has(name: string): boolean {
    const d = this.defs.get(name);
    return d !== undefined && d.params.length === 0;
  }

  /** Names of all 0-ary definitions, in model order. */
  constants(): string[] {
    return [...this.defs].filter(([, d]) => d.params.length === 0).map(([n]) => n);
  }

  /**
   * Every integer literal of the model's definitions (`(- n)` read as -n): among them every index
   * an array's definition tells apart (its stores, its ite tests), so the keys a map's `has` sets
   * (counterexample.ts, candidateKeys: an index such as `k + 1`, no constant's value, was missed).
   */
  integers(): bigint[] {
    const out = new Set<bigint>();
    const stack: SExpr[] = [...[...this.defs.values()].map((d) => d.body)];
    while (stack.length) {
      const e = stack.pop()!;
      if (e.t === 'num') out.add(e.v);
      else if (e.t === 'list') {
        const [h, x] = e.v;
        if (e.v.length === 2 && h?.t === 'sym' && h.v === '-' && x?.t === 'num') out.add(-x.v);
        else stack.push(...e.v);
      }
    }
    return [...out];
  }

  /** Value of a declared 0-ary constant; undefined if the model does not define it. */
  value(name: string): MValue | undefined {
    if (!this.has(name)) return undefined;
    return this.constant(name);
  }

  /** Applies a function the model defines (Z3 gives one for every uninterpreted function it constrained). */
  call(name: string, args: MValue[]): MValue {
    const d = this.defs.get(name);
    if (!d) throw new Error(`model evaluation: no definition for function '${name}'`);
    return this.apply(name, d, args);
  }

  /** Evaluates a closed SMT-LIB term against the model, e.g. "(select a 3)". */
  evaluate(term: string): MValue {
    const es = parseSExprs(term);
    if (es.length !== 1) throw new Error('model evaluation: expected exactly one term');
    return this.eval(es[0]!, EMPTY);
  }

  // -------------------------------------------------------------------------

  private constant(name: string): MValue {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    // A model never defines a constant through itself; guard anyway so a
    // malformed model gives an error instead of a stack overflow.
    if (this.evaluating.has(name)) throw new Error(`model evaluation: cyclic definition of '${name}'`);
    this.evaluating.add(name);
    try {
      const v = this.eval(this.defs.get(name)!.body, EMPTY);
      this.cache.set(name, v);
      return v;
    } finally {
      this.evaluating.delete(name);
    }
  }

  private apply(name: string, d: FunDef, args: MValue[]): MValue {
    if (args.length !== d.params.length) {
      throw new Error(`model evaluation: '${name}' takes ${d.params.length} arguments, got ${args.length}`);
    }
    if (d.params.length === 0) return this.constant(name);
    const env: Env = new Map();
    d.params.forEach((p, i) => env.set(p, args[i]!));
    return this.eval(d.body, env);
  }

  private lookup(name: string, env: Env): MValue {
    const local = env.get(name);
    if (local !== undefined) return local;
    if (name === 'true') return true;
    if (name === 'false') return false;
    const d = this.defs.get(name);
    if (d && d.params.length === 0) return this.constant(name);
    const sort = this.universe.get(name);
    if (sort !== undefined) return { kind: 'opaque', sort, id: name };
    // Z3 names universe elements Sort!val!N; accept one it did not declare.
    const m = /^(.*)!val!\d+$/.exec(name);
    if (m) return { kind: 'opaque', sort: m[1]!, id: name };
    throw new Error(`model evaluation: unknown symbol '${name}'`);
  }

  private eval(e0: SExpr, env0: Env): MValue {
    let e = e0;
    let env = env0;
    // Tail positions (ite branches, let bodies) loop instead of recursing:
    // Z3 prints function graphs as ite chains thousands deep.
    for (;;) {
      switch (e.t) {
        case 'num':
          return e.v;
        case 'sym':
          return this.lookup(e.v, env);
        case 'dec':
          throw new Error(`model evaluation: unsupported literal '${e.v}' (Real)`);
        case 'str':
          throw new Error(`model evaluation: unsupported literal "${e.v}" (String)`);
        case 'kw':
          throw new Error(`model evaluation: unexpected keyword '${e.v}'`);
      }
      const xs = e.v;
      if (xs.length === 0) throw new Error('model evaluation: empty application ()');
      const head = xs[0]!;

      if (head.t === 'list') {
        // ((as const (Array I E)) v): the constant array.
        if (headOf(head) === 'as' && head.v[1]?.t === 'sym' && head.v[1].v === 'const') {
          if (xs.length !== 2) throw new Error("model evaluation: 'as const' takes one argument");
          const v = this.eval(xs[1]!, env);
          return new ArrayValue(() => v);
        }
        // Z3 sometimes qualifies a constructor: ((as f S) args); f decides.
        if (headOf(head) === 'as' && head.v[1]?.t === 'sym') {
          e = { t: 'list', v: [head.v[1], ...xs.slice(1)] };
          continue;
        }
        throw new Error(`model evaluation: unknown operator '${showSExpr(head)}'`);
      }
      if (head.t !== 'sym') throw new Error(`model evaluation: cannot apply '${showSExpr(head)}'`);
      const op = head.v;
      const args = xs.slice(1);

      switch (op) {
        case 'ite': {
          arity(op, args, 3);
          e = asBool(this.eval(args[0]!, env), op) ? args[1]! : args[2]!;
          continue;
        }
        case 'let': {
          arity(op, args, 2);
          const binds = args[0]!;
          if (binds.t !== 'list') throw new Error("model evaluation: malformed 'let'");
          // Parallel let: every right-hand side sees the outer environment.
          const inner: Env = new Map(env);
          for (const b of binds.v) {
            if (b.t !== 'list' || b.v.length !== 2) throw new Error("model evaluation: malformed 'let' binding");
            inner.set(symName(b.v[0]!), this.eval(b.v[1]!, env));
          }
          env = inner;
          e = args[1]!;
          continue;
        }
        case 'as': {
          // (as sym Sort): the sort only disambiguates.
          arity(op, args, 2);
          e = args[0]!;
          continue;
        }
        case 'and': {
          for (const a of args) if (!asBool(this.eval(a, env), op)) return false;
          return true;
        }
        case 'or': {
          for (const a of args) if (asBool(this.eval(a, env), op)) return true;
          return false;
        }
        case '=>': {
          // Right associative: (=> a b c) is (=> a (=> b c)).
          if (args.length < 2) throw new Error("model evaluation: '=>' needs at least 2 arguments");
          for (let k = 0; k < args.length - 1; k++) if (!asBool(this.eval(args[k]!, env), op)) return true;
          return asBool(this.eval(args[args.length - 1]!, env), op);
        }
        case 'lambda': {
          arity(op, args, 2);
          const ps = args[0]!;
          if (ps.t !== 'list') throw new Error("model evaluation: malformed 'lambda'");
          const names = ps.v.map((p) => (p.t === 'list' ? symName(p.v[0]!) : symName(p)));
          const body = args[1]!;
          const captured = env;
          return new ArrayValue((indices) => {
            if (indices.length !== names.length) {
              throw new Error(`model evaluation: array takes ${names.length} indices, got ${indices.length}`);
            }
            const inner: Env = new Map(captured);
            names.forEach((n, k) => inner.set(n, indices[k]!));
            return this.eval(body, inner);
          });
        }
        case '_': {
          // (_ as-array f): the array whose graph is the function f.
          if (args.length === 2 && args[0]!.t === 'sym' && args[0]!.v === 'as-array') {
            return this.asArray(symName(args[1]!));
          }
          throw new Error(`model evaluation: unknown operator '${showSExpr(e)}'`);
        }
        case 'as-array': {
          arity(op, args, 1);
          return this.asArray(symName(args[0]!));
        }
        case 'store':
          return this.evalStore(e, env);
        case 'forall':
        case 'exists':
          throw new Error(`model evaluation: unknown operator '${op}' (quantifiers are not evaluated)`);
      }

      const vs = args.map((a) => this.eval(a, env));
      return this.applyOp(op, vs);
    }
  }

  private applyOp(op: string, vs: MValue[]): MValue {
    switch (op) {
      case 'not':
        arity(op, vs, 1);
        return !asBool(vs[0]!, op);
      case 'xor': {
        if (vs.length < 2) throw new Error("model evaluation: 'xor' needs at least 2 arguments");
        let acc = false;
        for (const v of vs) acc = acc !== asBool(v, op);
        return acc;
      }
      case '=':
        if (vs.length < 2) throw new Error("model evaluation: '=' needs at least 2 arguments");
        for (let k = 1; k < vs.length; k++) if (!valueEq(vs[0]!, vs[k]!)) return false;
        return true;
      case 'distinct':
        for (let a = 0; a < vs.length; a++) for (let b = a + 1; b < vs.length; b++) if (valueEq(vs[a]!, vs[b]!)) return false;
        return true;
      case '+': {
        let acc = 0n;
        for (const v of vs) acc += asInt(v, op);
        return acc;
      }
      case '*': {
        let acc = 1n;
        for (const v of vs) acc *= asInt(v, op);
        return acc;
      }
      case '-': {
        if (vs.length === 0) throw new Error("model evaluation: '-' needs an argument");
        if (vs.length === 1) return -asInt(vs[0]!, op);
        let acc = asInt(vs[0]!, op);
        for (let k = 1; k < vs.length; k++) acc -= asInt(vs[k]!, op);
        return acc;
      }
      case 'div':
      case 'mod': {
        if (vs.length < 2) throw new Error(`model evaluation: '${op}' needs at least 2 arguments`);
        // Left associative for n-ary div, as SMT-LIB declares it.
        let acc = asInt(vs[0]!, op);
        for (let k = 1; k < vs.length; k++) {
          const b = asInt(vs[k]!, op);
          if (b === 0n) {
            // Division by zero is unspecified in SMT-LIB; Z3 then includes its
            // choice as a function (div0 / mod0) in the model. Use it if present.
            const total = op === 'div' ? 'div0' : 'mod0';
            if (this.defs.has(total)) acc = asInt(this.call(total, [acc, b]), op);
            else throw new Error(`model evaluation: '${op}' by zero and the model has no '${total}'`);
            continue;
          }
          const { q, r } = euclid(acc, b);
          acc = op === 'div' ? q : r;
        }
        return acc;
      }
      case 'abs':
        arity(op, vs, 1);
        return abs(asInt(vs[0]!, op));
      case '<=':
      case '<':
      case '>=':
      case '>': {
        if (vs.length < 2) throw new Error(`model evaluation: '${op}' needs at least 2 arguments`);
        // Chainable: (< a b c) is (and (< a b) (< b c)).
        for (let k = 0; k + 1 < vs.length; k++) {
          const a = asInt(vs[k]!, op);
          const b = asInt(vs[k + 1]!, op);
          const ok = op === '<=' ? a <= b : op === '<' ? a < b : op === '>=' ? a >= b : a > b;
          if (!ok) return false;
        }
        return true;
      }
      case 'select': {
        if (vs.length < 2) throw new Error("model evaluation: 'select' needs an array and an index");
        return asArray(vs[0]!, op).select(vs.slice(1));
      }
    }
    const d = this.defs.get(op);
    if (d) return this.apply(op, d, vs);
    throw new Error(`model evaluation: unknown operator '${op}'`);
  }

  private asArray(f: string): ArrayValue {
    const d = this.defs.get(f);
    if (!d) throw new Error(`model evaluation: as-array of undefined function '${f}'`);
    return new ArrayValue((indices) => this.apply(f, d, indices));
  }

  /**
   * Z3 prints arrays with many explicit entries as a store chain nested in
   * its first argument; walk it iteratively and answer lookups from a Map
   * rather than through one closure per store.
   */
  private evalStore(e: SExpr, env: Env): MValue {
    const layers: SExpr[][] = [];
    let cur: SExpr = e;
    while (cur.t === 'list' && headOf(cur) === 'store') {
      const args = cur.v.slice(1);
      if (args.length < 3) throw new Error("model evaluation: 'store' needs an array, indices and a value");
      layers.push(args);
      cur = args[0]!;
    }
    const base = asArray(this.eval(cur, env), 'store');
    const entries = layers.map((args) => ({
      idx: args.slice(1, -1).map((a) => this.eval(a, env)),
      val: this.eval(args[args.length - 1]!, env),
    }));
    const keys = entries.map((en) => hashKey(en.idx));
    if (keys.every((k) => k !== undefined)) {
      const table = new Map<string, MValue>();
      // Innermost first, so that outer stores overwrite inner ones.
      for (let k = entries.length - 1; k >= 0; k--) table.set(keys[k]!, entries[k]!.val);
      return new ArrayValue((indices) => {
        const k = hashKey(indices);
        const hit = k === undefined ? undefined : table.get(k);
        return hit !== undefined ? hit : base.select(indices);
      });
    }
    // Array-valued indices cannot be hashed: scan, outermost store first.
    return new ArrayValue((indices) => {
      for (const en of entries) {
        if (en.idx.length === indices.length && en.idx.every((x, j) => valueEq(x, indices[j]!))) return en.val;
      }
      return base.select(indices);
    });
  }
}

function hashKey(indices: MValue[]): string | undefined {
  const ks = indices.map(valueKey);
  return ks.every((k) => k !== undefined) ? ks.join('\u0000') : undefined;
}

// ---------------------------------------------------------------------------
// helpers

function isList(e: SExpr): e is { t: 'list'; v: SExpr[] } {
  return e.t === 'list';
}
function headOf(e: SExpr): string | undefined {
  if (e.t !== 'list') return undefined;
  const h = e.v[0];
  return h && h.t === 'sym' ? h.v : undefined;
}
function symName(e: SExpr): string {
  if (e.t === 'sym') return e.v;
  throw new Error(`model parse error: expected a symbol, got ${showSExpr(e)}`);
}
function sortName(e: SExpr): string {
  return e.t === 'sym' ? e.v : showSExpr(e);
}
function arity(op: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new Error(`model evaluation: '${op}' takes ${n} arguments, got ${args.length}`);
}
