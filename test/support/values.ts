// Values of IR types shared by the tests that compare the verifier's meaning with TypeScript's
// (test/differential.test.ts, test/program-fuzz.test.ts): random values of a type, copying and
// comparing them, and laying a concrete value out as the symbolic evaluator's leaves (layout.ts)
// so that terms evaluated by symexec/term-eval.ts can be compared with it.

import fc from 'fast-check';
import type { Func, Type } from '../../verifier/ir.ts';
import { isScalar } from '../../verifier/ir.ts';
import { leavesOf, type Seg } from '../../symexec/layout.ts';
import * as T from '../../symexec/term.ts';
import type { Sort } from '../../symexec/term.ts';
import { ArrayValue, UNDEF, showValue, type Value } from '../../symexec/term-eval.ts';
import { SMap } from '../../verifier/prelude.ts';

export const OPAQUES = ['p0', 'p1', 'p2'];

export function intArb(min: bigint, max: bigint): fc.Arbitrary<number> {
  const clip = (x: bigint) => (x < min ? min : x > max ? max : x);
  const small = fc.bigInt({ min: clip(-6n), max: clip(9n) });
  const edges = fc.constantFrom(...new Set([min, max, clip(min + 1n), clip(max - 1n), clip(0n), clip(-1n)]));
  const full = fc.bigInt({ min, max });
  return fc.oneof({ arbitrary: small, weight: 5 }, { arbitrary: edges, weight: 2 }, { arbitrary: full, weight: 2 }).map((x) => Number(x));
}

export function arbOf(t: Type): fc.Arbitrary<unknown> {
  switch (t.k) {
    case 'bool':
      return fc.boolean();
    case 'int':
      return intArb(t.min, t.max);
    case 'enum':
      return fc.constantFrom(...t.members);
    case 'opaque':
      return fc.constantFrom(...OPAQUES);
    case 'record': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of t.fields) shape[f.name] = arbOf(f.type);
      return fc.record(shape);
    }
    case 'array':
      return fc.array(arbOf(t.elem), { minLength: t.len, maxLength: t.len });
    case 'map':
      return fc.tuple(arbOf(t.value), fc.array(fc.tuple(arbOf(t.key), arbOf(t.value)), { maxLength: 5 })).map(([d, es]) => {
        const m = new SMap<unknown, unknown>(d);
        for (const [k, v] of es) m.set(k, v);
        return m;
      });
    case 'void':
      return fc.constant(undefined);
  }
}

export function clone(v: unknown, t: Type): unknown {
  switch (t.k) {
    case 'record':
      return Object.fromEntries(t.fields.map((f) => [f.name, clone((v as Record<string, unknown>)[f.name], f.type)]));
    case 'array':
      return (v as unknown[]).map((x) => clone(x, t.elem));
    case 'map': {
      const m = v as SMap<unknown, unknown>;
      const out = new SMap<unknown, unknown>(m.dflt);
      for (const k of m.keys()) out.set(k, m.get(k));
      return out;
    }
    default:
      return v;
  }
}

/** Deep equality by type; numbers compare with === (so -0 equals 0: the subset cannot tell them apart). */
export function sameValue(a: unknown, b: unknown, t: Type): boolean {
  switch (t.k) {
    case 'record':
      return t.fields.every((f) => sameValue((a as Record<string, unknown>)[f.name], (b as Record<string, unknown>)[f.name], f.type));
    case 'array':
      return Array.isArray(a) && Array.isArray(b) && a.length === t.len && b.length === t.len && a.every((x, i) => sameValue(x, b[i], t.elem));
    case 'map': {
      const x = a as SMap<unknown, unknown>, y = b as SMap<unknown, unknown>;
      if (x.dflt !== y.dflt) return false;
      const kx = x.keys(), ky = y.keys();
      return kx.length === ky.length && kx.every((k) => y.has(k) && x.get(k) === y.get(k));
    }
    case 'void':
      return a === undefined && b === undefined;
    default:
      return a === b;
  }
}

export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof SMap ? { dflt: x.dflt, entries: x.keys().map((k) => [k, x.get(k)]) } : x));
}

// ---- concrete values as term-eval values -------------------------------------------------------

export function scalarValue(v: unknown, t: Type): Value {
  switch (t.k) {
    case 'bool':
      return v as boolean;
    case 'int':
      return BigInt(v as number);
    case 'enum': {
      const i = t.members.indexOf(v as string);
      if (i < 0) throw new Error(`${String(v)} is not a member of ${t.name}`);
      return BigInt(i);
    }
    case 'opaque':
      return v as string;
    default:
      throw new Error(`not a scalar: ${t.k}`);
  }
}

/** What an array holds outside its length: a value no input uses, so a stray read shows. */
export function outOfRange(s: Sort): Value {
  switch (s.k) {
    case 'Int':
      return -987654321n;
    case 'Bool':
      return false;
    case 'Unint':
      return 'oob';
    case 'Array':
      return ArrayValue.constant(outOfRange(s.elem));
  }
}

export function sortOfScalar(t: Type): Sort {
  return t.k === 'bool' ? T.BOOLS : t.k === 'opaque' ? { k: 'Unint', name: t.name } : T.INT;
}

/** The sort reached from `t` by following `segs`. */
export function sortAt(t: Type, segs: Seg[]): Sort {
  return leavesOf(t).find((l) => JSON.stringify(l.segs) === JSON.stringify(segs))?.sort ?? sortOfScalar(t);
}

/** The value of the leaf `segs` of a concrete value `v` of type `t`, laid out as layout.ts does. */
export function leafValue(v: unknown, t: Type, segs: Seg[]): Value {
  if (segs.length === 0) return scalarValue(v, t);
  const [s, ...rest] = segs;
  if ('f' in s) {
    const f = (t as Type & { k: 'record' }).fields.find((x) => x.name === s.f)!;
    return leafValue((v as Record<string, unknown>)[s.f], f.type, rest);
  }
  if ('idx' in s) {
    const at = t as Type & { k: 'array' };
    const entries: [Value, Value][] = (v as unknown[]).map((x, i) => [BigInt(i), leafValue(x, at.elem, rest)]);
    return ArrayValue.constant(outOfRange(sortAt(at.elem, rest)), entries);
  }
  const mt = t as Type & { k: 'map' };
  const m = v as SMap<unknown, unknown>;
  switch (s.map) {
    case 'dflt':
      return scalarValue(m.dflt, mt.value);
    case 'val':
      return ArrayValue.constant(scalarValue(m.dflt, mt.value), m.keys().map((k) => [scalarValue(k, mt.key), scalarValue(m.get(k), mt.value)]));
    case 'has':
      return ArrayValue.constant(false, m.keys().map((k) => [scalarValue(k, mt.key), true]));
  }
}

/** The dimensions crossed by a leaf: an array's length, or a map (compared on the keys it sets). */
export type Dim = { len: number } | { map: true };
export function dimsOf(t: Type, segs: Seg[]): Dim[] {
  const out: Dim[] = [];
  let u = t;
  for (const s of segs) {
    if ('f' in s) u = (u as Type & { k: 'record' }).fields.find((x) => x.name === s.f)!.type;
    else if ('idx' in s) {
      out.push({ len: (u as Type & { k: 'array' }).len });
      u = (u as Type & { k: 'array' }).elem;
    } else if (s.map !== 'dflt') out.push({ map: true });
  }
  return out;
}

/** The index tuples on which two leaf values must agree. */
export function pointsOf(dims: Dim[], a: Value, b: Value): Value[][] {
  if (dims.length === 0) return [[]];
  const [d, ...rest] = dims;
  let idx: Value[];
  if ('len' in d) idx = Array.from({ length: d.len }, (_, i) => BigInt(i));
  else {
    const keys = new Map<string, Value>();
    for (const x of [a, b]) if (x instanceof ArrayValue) for (const [k, o] of x.overrides) keys.set(k, o.index);
    idx = [...keys.values()];
  }
  const out: Value[][] = [];
  for (const i of idx) {
    const ai = a instanceof ArrayValue ? a.get(i) : UNDEF;
    const bi = b instanceof ArrayValue ? b.get(i) : UNDEF;
    for (const p of pointsOf(rest, ai, bi)) out.push([i, ...p]);
  }
  return out;
}

export function selectPath(v: Value, p: Value[]): Value {
  return p.reduce<Value>((x, i) => (x instanceof ArrayValue ? x.get(i) : UNDEF), v);
}

/** Compares a leaf as the symbolic evaluator computed it with the leaf of the expected value. */
export function leafMismatch(dims: Dim[], got: Value, want: Value): string | undefined {
  for (const p of pointsOf(dims, got, want)) {
    const g = selectPath(got, p), w = selectPath(want, p);
    if (g === UNDEF || g !== w) return `${p.length ? `at [${p.map(showValue).join('][')}] ` : ''}got ${showValue(g)}, want ${showValue(w)}`;
  }
  // a map's value array also has a default: it must agree wherever no key was set
  if (dims.length && 'map' in dims[dims.length - 1] && dims.length === 1 && got instanceof ArrayValue && want instanceof ArrayValue) {
    if (got.dflt !== undefined && want.dflt !== undefined && got.dflt !== want.dflt) return `default: got ${showValue(got.dflt)}, want ${showValue(want.dflt)}`;
  }
  return undefined;
}

/** Binds every input constant (`arg.NAME` or `arg.NAME.LEAF`) to the concrete argument. */
export function envOf(fn: Func, args: unknown[]): Map<string, Value> {
  const env = new Map<string, Value>();
  fn.params.forEach((p, i) => {
    if (isScalar(p.type)) env.set(`arg.${p.name}`, scalarValue(args[i], p.type));
    else for (const l of leavesOf(p.type)) env.set(`arg.${p.name}.${l.key}`, leafValue(args[i], p.type, l.segs));
  });
  return env;
}
