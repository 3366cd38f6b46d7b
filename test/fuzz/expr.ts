// Random expressions of the subset, printed twice: as the program the verifier lowers (`ts`), and
// instrumented for the oracle (`ins`), where every check TypeScript does not make at run time is
// a call into the fuzz runtime (runtime.ts): a store of an integer into a declared type ($n), an
// index ($ix), a result outside the safe integers ($s), a division ($div, $mod, $nz). The
// instrumented text evaluates the same subexpressions in the same order; it only adds checks.
//
// Helper calls (which write the state and return a value) may appear in every operand position,
// except where a KNOWN_UNSOUND flag (known.ts) switches a position off.

import type { Type } from '../../verifier/ir.ts';
import { NUMBER } from '../../verifier/ir.ts';
import { Rand, pathsOf, type Path, type RecordType, type Shape } from './shape.ts';
import { KNOWN_UNSOUND, type KnownFlag } from './known.ts';
import { boolExpr, enumExpr, recordLiteral } from './expr-kinds.ts';

export { boolExpr, enumExpr, recordLiteral, hasEnumSource } from './expr-kinds.ts';

/** An expression in both printings. */
export interface E {
  ts: string;
  ins: string;
  type: Type;
}

export interface Local {
  name: string;
  type: Type;
  mutable: boolean;
}
/** Something a path starts from: the state `s`, a record parameter, an alias local. */
export interface Root {
  name: string;
  type: Type;
}
export interface Helper {
  name: string;
  /** the first parameter: the state or a record */
  first: Type;
  params: Type[];
  ret: Type;
}

/** For spec/impl pairs: the `target`-th mutation point met is changed (see mutate()). */
export interface Mutator {
  target: number;
  count: number;
  applied?: string;
}

export interface Ctx {
  r: Rand;
  shape: Shape;
  roots: Root[];
  locals: Local[];
  loops: { name: string; n: number }[];
  helpers: Helper[];
  /** >0: no helper calls (quantifier and arr() bodies, and positions a known flag excludes) */
  noCalls: number;
  /** >0 inside an argument of Math.min/max/abs */
  inMinMax?: number;
  ret: Type;
  fresh: { n: number };
  mut?: Mutator;
}

export const e = (ts: string, ins: string, type: Type): E => ({ ts, ins, type });

export function name(ctx: Ctx, base: string): string {
  return `${base}${++ctx.fresh.n}`;
}

/** True at the mutation point the mutator aims at; draws no randomness (spec and impl stay in step). */
export function mutate(ctx: Ctx, what: string): boolean {
  const m = ctx.mut;
  if (!m || m.applied) return false;
  if (m.count++ !== m.target) return false;
  m.applied = what;
  return true;
}

/** Runs `f` with helper calls off when the known flag is on. */
export function guarded<R>(ctx: Ctx, flag: KnownFlag, f: () => R): R {
  if (!KNOWN_UNSOUND[flag]) return f();
  return without(ctx, f);
}
function inMinMax<R>(ctx: Ctx, f: () => R): R {
  ctx.inMinMax = (ctx.inMinMax ?? 0) + 1;
  try {
    return f();
  } finally {
    ctx.inMinMax!--;
  }
}

export function without<R>(ctx: Ctx, f: () => R): R {
  ctx.noCalls++;
  try {
    return f();
  } finally {
    ctx.noCalls--;
  }
}

export function check(t: Type, ins: string): string {
  return t.k === 'int' ? `$n('${t.name}', ${ins})` : ins;
}

function lit(ctx: Ctx): E {
  const r = ctx.r;
  let v = r.weighted<number>([
    [8, r.int(-3, 9)],
    [1, r.pick([127, 128, 255, 256, -128, -129, 32767, 65535, 65536, 2147483647, -2147483648, 4294967295, 4294967296])],
  ]);
  if (mutate(ctx, `literal ${v} -> ${v + 1}`)) v += 1;
  const s = v < 0 ? `(${v})` : `${v}`;
  return e(s, s, NUMBER);
}

/** Scalar locals (parameters included) and loop variables of a kind. */
export function localsOf(ctx: Ctx, k: Type['k']): E[] {
  const out = ctx.locals.filter((l) => l.type.k === k).map((l) => e(l.name, l.name, l.type));
  if (k === 'int') for (const l of ctx.loops) out.push(e(l.name, l.name, NUMBER));
  return out;
}

/** Paths from the roots to a type satisfying `want`. */
export function placesTo(ctx: Ctx, want: (t: Type) => boolean): { root: Root; path: Path }[] {
  const out: { root: Root; path: Path }[] = [];
  for (const root of ctx.roots) for (const p of pathsOf(root.type)) if (want(p.type)) out.push({ root, path: p });
  return out;
}

/** A place printed in parts, so a compound assignment can evaluate the object and key once. */
export interface Place {
  obj: E;
  last: { f: string } | { idx: E; len: number } | undefined;
  type: Type;
}

export function index(ctx: Ctx, len: number, d: number): E {
  const r = ctx.r;
  const loops = ctx.loops.filter((l) => l.n <= len);
  const k = r.weighted<string>([
    [5, 'lit'],
    [loops.length ? 3 : 0, 'loop'],
    [2, 'mod'],
    // an index computed by a helper that writes the state: evaluated once, before the rest
    [ctx.noCalls || d < 0 || KNOWN_UNSOUND.callAsIndex ? 0 : 1.5, 'call'],
    [0.4, 'any'],
    [0.3, 'out'],
  ]);
  switch (k) {
    case 'lit': {
      const v = `${r.int(0, len - 1)}`;
      return e(v, v, NUMBER);
    }
    case 'loop': {
      const l = r.pick(loops);
      return e(l.name, l.name, NUMBER);
    }
    case 'mod': {
      const x = intExpr(ctx, Math.min(d - 1, 1));
      return e(`(${x.ts} % ${len})`, `(${x.ins} % ${len})`, NUMBER);
    }
    case 'call': {
      const c = helperCall(ctx, isInt, Math.min(d - 1, 1));
      if (c) return e(`(${c.ts} % ${len})`, `(${c.ins} % ${len})`, NUMBER);
      return intExpr(ctx, Math.min(d - 1, 1));
    }
    case 'any':
      return intExpr(ctx, Math.min(d - 1, 1));
    default: {
      const v = r.pick([`${len}`, '(-1)']);
      return e(v, v, NUMBER);
    }
  }
}

export function realize(ctx: Ctx, root: Root, path: Path, d: number): Place {
  let obj = e(root.name, root.name, root.type);
  let last: Place['last'];
  let t = root.type;
  path.steps.forEach((s, i) => {
    if (last) {
      obj = read(obj, last, t);
    }
    if ('f' in s) {
      last = { f: s.f };
      t = (t as RecordType).fields.find((f) => f.name === s.f)!.type;
    } else {
      last = { idx: index(ctx, s.len, d), len: s.len };
      t = (t as Type & { k: 'array' }).elem;
    }
    void i;
  });
  return { obj, last, type: path.type };
}

function read(obj: E, last: NonNullable<Place['last']>, t: Type): E {
  if ('f' in last) return e(`${obj.ts}.${last.f}`, `${obj.ins}.${last.f}`, t);
  return e(`${obj.ts}[${last.idx.ts}]`, `${obj.ins}[$ix(${last.idx.ins}, ${last.len})]`, t);
}

export function placeText(p: Place): E {
  if (!p.last) return p.obj;
  return read(p.obj, p.last, p.type);
}

/** A read of a place of the wanted kind, if the roots have one. */
export function placeRead(ctx: Ctx, want: (t: Type) => boolean, d: number): E | undefined {
  const ps = placesTo(ctx, want);
  if (!ps.length) return undefined;
  const { root, path } = ctx.r.pick(ps);
  return placeText(realize(ctx, root, path, d));
}

/** A call of a helper returning the wanted kind. */
export function helperCall(ctx: Ctx, want: (t: Type) => boolean, d: number): E | undefined {
  if (ctx.noCalls) return undefined;
  const hs = ctx.helpers.filter((h) => want(h.ret) && firstArgs(ctx, h.first).length > 0);
  if (!hs.length) return undefined;
  const h = ctx.r.pick(hs);
  return callOf(ctx, h, d);
}

/** What can be passed as a helper's first argument: `s` itself, or a record of its type. */
export function firstArgs(ctx: Ctx, t: Type): (() => E)[] {
  const out: (() => E)[] = [];
  for (const root of ctx.roots) if (root.type === t) out.push(() => e(root.name, root.name, t));
  if (t.k === 'record' && t.name !== 'State') {
    for (const { root, path } of placesTo(ctx, (u) => u === t)) out.push(() => placeText(realize(ctx, root, path, 0)));
    out.push(() => recordLiteral(ctx, t as RecordType, 0));
  }
  return out;
}

export function callOf(ctx: Ctx, h: Helper, d: number): E {
  const first = ctx.r.pick(firstArgs(ctx, h.first))();
  const args = [first, ...h.params.map((p) => expr(ctx, p, d - 1, true))];
  return e(`${h.name}(${args.map((a) => a.ts).join(', ')})`, `${h.name}(${args.map((a, i) => (i ? check(h.params[i - 1], a.ins) : a.ins)).join(', ')})`, h.ret);
}

export const isInt = (t: Type) => t.k === 'int';
export const isBool = (t: Type) => t.k === 'bool';
export const isEnum = (t: Type) => t.k === 'enum';

/** An expression of type `t`; `typed` says the context gives it that type (a string literal may be an enumeration member). */
export function expr(ctx: Ctx, t: Type, d: number, typed = false): E {
  switch (t.k) {
    case 'int':
      return intExpr(ctx, d);
    case 'bool':
      return boolExpr(ctx, d);
    case 'enum':
      return enumExpr(ctx, d, typed);
    case 'record':
      return recordLiteral(ctx, t as RecordType, d);
    default:
      throw new Error(`no expression of ${t.k}`);
  }
}

function arith(op: string, l: E, r: E): E {
  const ins = op === '/' ? `$div(${l.ins}, ${r.ins})` : op === '%' ? `$mod(${l.ins}, ${r.ins})` : `$s(${l.ins} ${op} ${r.ins})`;
  return e(`(${l.ts} ${op} ${r.ts})`, ins, NUMBER);
}

function divisor(ctx: Ctx, d: number): E {
  if (ctx.r.chance(0.6)) {
    const v = `${ctx.r.pick([1, 2, 3, 4, 7, -2, -3])}`;
    return e(v.startsWith('-') ? `(${v})` : v, v.startsWith('-') ? `(${v})` : v, NUMBER);
  }
  return intExpr(ctx, d);
}

export function intExpr(ctx: Ctx, d: number): E {
  const r = ctx.r;
  const locals = localsOf(ctx, 'int');
  const deep = d > 0 ? 1 : 0;
  const intMaps = placesTo(ctx, (t) => t.k === 'map' && t.value.k === 'int');
  const arrays = placesTo(ctx, (t) => t.k === 'array').filter((p) => !KNOWN_UNSOUND.lengthThroughIndex || p.path.steps.every((x) => 'f' in x));
  const k = r.weighted<string>([
    [3, 'lit'],
    [locals.length ? 3 : 0, 'local'],
    [4, 'place'],
    [ctx.noCalls || d < 0 ? 0 : 2.5, 'call'],
    [3 * deep, 'addsub'],
    [1 * deep, 'mulc'],
    [0.2 * deep, 'mul'],
    [0.4 * deep, 'div'],
    [0.8 * deep, 'mod'],
    [0.8 * deep, 'intdiv'],
    [ctx.inMinMax && KNOWN_UNSOUND.branchInMinMaxAbs ? 0 : 1.5 * deep, 'minmax'],
    [ctx.inMinMax && KNOWN_UNSOUND.branchInMinMaxAbs ? 0 : 0.6 * deep, 'abs'],
    [0.4 * deep, 'neg'],
    // bitwise operators: in the subset since bf02457, with JavaScript's 32-bit conversions
    [KNOWN_UNSOUND.bitwiseOperators ? 0 : 0.6 * deep, 'bitwise'],
    [ctx.inMinMax && KNOWN_UNSOUND.branchInMinMaxAbs ? 0 : 1 * deep, 'cond'],
    [intMaps.length ? 1.2 * deep : 0, 'mapget'],
    [0.3 * deep, 'count'],
    [arrays.length ? 0.2 : 0, 'length'],
  ]);
  switch (k) {
    case 'local':
      return r.pick(locals);
    case 'place':
      return placeRead(ctx, isInt, d) ?? lit(ctx);
    case 'call':
      return helperCall(ctx, isInt, d) ?? lit(ctx);
    case 'addsub': {
      let op = r.pick(['+', '-']);
      if (mutate(ctx, `${op} -> ${op === '+' ? '-' : '+'}`)) op = op === '+' ? '-' : '+';
      return arith(op, intExpr(ctx, d - 1), intExpr(ctx, d - 1));
    }
    case 'mulc': {
      const c = `${r.int(-3, 4)}`;
      const x = intExpr(ctx, d - 1);
      const lc = e(c.startsWith('-') ? `(${c})` : c, c.startsWith('-') ? `(${c})` : c, NUMBER);
      return r.chance(0.5) ? arith('*', x, lc) : arith('*', lc, x);
    }
    case 'mul':
      return arith('*', intExpr(ctx, d - 1), intExpr(ctx, d - 1));
    case 'div':
      return arith('/', intExpr(ctx, d - 1), divisor(ctx, d - 1));
    case 'mod':
      return arith('%', intExpr(ctx, d - 1), divisor(ctx, d - 1));
    case 'intdiv': {
      const m = r.pick(['floor', 'trunc']);
      const l = intExpr(ctx, d - 1), q = divisor(ctx, d - 1);
      return e(`Math.${m}(${l.ts} / ${q.ts})`, `Math.${m}(${l.ins} / $nz(${q.ins}))`, NUMBER);
    }
    case 'minmax': {
      const m = r.pick(['min', 'max']);
      const [a, b] = inMinMax(ctx, () => guarded(ctx, 'callInMinMaxAbs', () => [intExpr(ctx, d - 1), intExpr(ctx, d - 1)]));
      return e(`Math.${m}(${a.ts}, ${b.ts})`, `Math.${m}(${a.ins}, ${b.ins})`, NUMBER);
    }
    case 'abs': {
      const a = inMinMax(ctx, () => guarded(ctx, 'callInMinMaxAbs', () => intExpr(ctx, d - 1)));
      return e(`Math.abs(${a.ts})`, `Math.abs(${a.ins})`, NUMBER);
    }
    case 'neg': {
      const a = intExpr(ctx, d - 1);
      return e(`(-${a.ts})`, `(-${a.ins})`, NUMBER);
    }
    case 'cond': {
      const c = boolExpr(ctx, d - 1), a = intExpr(ctx, d - 1), b = intExpr(ctx, d - 1);
      return e(`(${c.ts} ? ${a.ts} : ${b.ts})`, `(${c.ins} ? ${a.ins} : ${b.ins})`, NUMBER);
    }
    case 'bitwise': {
      const op = r.pick(['&', '|', '^', '<<', '>>', '>>>', '~']);
      const a = intExpr(ctx, d - 1);
      if (op === '~') return e(`(~${a.ts})`, `(~${a.ins})`, NUMBER);
      const b = r.chance(0.5) ? e(`${r.int(0, 33)}`, '', NUMBER) : intExpr(ctx, d - 1);
      if (!b.ins) b.ins = b.ts;
      return e(`(${a.ts} ${op} ${b.ts})`, `(${a.ins} ${op} ${b.ins})`, NUMBER);
    }
    case 'mapget': {
      const { root, path } = r.pick(intMaps);
      const m = placeText(realize(ctx, root, path, d - 1));
      const key = expr(ctx, (path.type as Type & { k: 'map' }).key, d - 1, true);
      return e(`${m.ts}.get(${key.ts})`, `${m.ins}.get(${key.ins})`, (path.type as Type & { k: 'map' }).value);
    }
    case 'count': {
      const n = r.int(1, 4);
      const b = binder(ctx, n, () => boolExpr(ctx, d - 1));
      return e(`count(${n}, (${b.v}) => ${b.body.ts})`, `count(${n}, (${b.v}) => ${b.body.ins})`, NUMBER);
    }
    case 'length': {
      const { root, path } = r.pick(arrays);
      const a = placeText(realize(ctx, root, path, 0));
      return e(`${a.ts}.length`, `${a.ins}.length`, NUMBER);
    }
    default:
      return lit(ctx);
  }
}

/** A quantifier or arr() body: pure (no calls), with its bound variable usable as an index. */
export function binder<R>(ctx: Ctx, n: number, body: () => R): { v: string; body: R } {
  const v = name(ctx, 'k');
  ctx.loops.push({ name: v, n });
  try {
    return { v, body: without(ctx, body) };
  } finally {
    ctx.loops.pop();
  }
}

