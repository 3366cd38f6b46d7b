// The random part of a fuzzed program that is not code: a seeded random source, and the types a
// program declares (an enumeration, record types with nested arrays, and a State mixing integers
// of every declared width, booleans, enumerations, fixed arrays, nested records and maps).
//
// Types are the verifier's own IR types (verifier/ir.ts), so that one description serves for
// printing the declarations, for walking paths into the state, and for generating input values.

import { type Type, type IntTypeName, intType, BOOL } from '../../verifier/ir.ts';

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** an integer in lo..hi inclusive */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** one of the options, with the given weights (entries with weight 0 are never chosen) */
  weighted<T>(opts: readonly [number, T][]): T {
    const total = opts.reduce((a, [w]) => a + w, 0);
    let x = this.next() * total;
    for (const [w, v] of opts) {
      if (x < w) return v;
      x -= w;
    }
    return opts.filter(([w]) => w > 0).at(-1)![1];
  }
  shuffle<T>(xs: T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

export const INT_NAMES: IntTypeName[] = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32', 'number'];
export const MODE: Type = { k: 'enum', name: 'Mode', members: ['idle', 'busy', 'done'] };

export type RecordType = Type & { k: 'record' };

export interface Shape {
  /** record types in declaration order (each refers only to earlier ones) */
  records: RecordType[];
  state: RecordType;
}

function narrowInt(r: Rand): Type {
  // narrow widths more often: that is where stores overflow
  return intType(r.weighted<IntTypeName>([[4, 'u8'], [2, 'i8'], [2, 'u16'], [2, 'i16'], [1, 'u32'], [2, 'i32'], [2, 'number']]));
}

/** A random State and the records it uses. */
export function randomShape(r: Rand): Shape {
  const records: RecordType[] = [];
  // Row: a flat record (spreadable) or one with a nested array (not spreadable)
  const rowFields = [
    { name: 'x', type: narrowInt(r) },
    { name: 'y', type: narrowInt(r) },
    ...(r.chance(0.6) ? [{ name: 'on', type: BOOL }] : []),
    ...(r.chance(0.5) ? [{ name: 'k', type: MODE }] : []),
    ...(r.chance(0.35) ? [{ name: 'v', type: { k: 'array', elem: narrowInt(r), len: 2 } as Type }] : []),
  ];
  const row: RecordType = { k: 'record', name: 'Row', fields: rowFields };
  records.push(row);
  let cell: RecordType | undefined;
  if (r.chance(0.4)) {
    cell = { k: 'record', name: 'Cell', fields: [{ name: 'r', type: row }, { name: 'w', type: narrowInt(r) }] };
    records.push(cell);
  }
  const nA = r.int(2, 4), nRows = r.int(2, 3);
  const fields = [
    { name: 'n', type: narrowInt(r) },
    ...(r.chance(0.5) ? [{ name: 'wide', type: intType(r.pick(['i32', 'number', 'u32'] as IntTypeName[])) }] : []),
    ...(r.chance(0.6) ? [{ name: 'flag', type: BOOL }] : []),
    ...(r.chance(0.6) ? [{ name: 'mode', type: MODE }] : []),
    { name: 'a', type: { k: 'array', elem: narrowInt(r), len: nA } as Type },
    { name: 'rows', type: { k: 'array', elem: row, len: nRows } as Type },
    ...(r.chance(0.5) ? [{ name: 'cur', type: row }] : []),
    ...(cell ? [{ name: 'cells', type: { k: 'array', elem: cell, len: 2 } as Type }] : []),
    ...(r.chance(0.25) ? [{ name: 'grid', type: { k: 'array', elem: { k: 'array', elem: narrowInt(r), len: 2 }, len: 2 } as Type }] : []),
    ...(r.chance(0.55) ? [{ name: 'm', type: { k: 'map', key: intType('u8'), value: narrowInt(r) } as Type }] : []),
    ...(r.chance(0.3) ? [{ name: 'seen', type: { k: 'map', key: MODE, value: BOOL } as Type }] : []),
  ];
  return { records, state: { k: 'record', name: 'State', fields: r.shuffle(fields) } };
}

export function typeText(t: Type): string {
  switch (t.k) {
    case 'bool':
      return 'boolean';
    case 'int':
      return t.name;
    case 'enum':
    case 'record':
      return t.name;
    case 'array':
      return `Arr<${typeText(t.elem)}, ${t.len}>`;
    case 'map':
      return `SMap<${typeText(t.key)}, ${typeText(t.value)}>`;
    default:
      throw new Error(`no text for ${t.k}`);
  }
}

export function declarations(shape: Shape): string {
  const out = [`export type Mode = ${(MODE as { members: string[] }).members.map((m) => `'${m}'`).join(' | ')};`];
  for (const rec of [...shape.records, shape.state]) {
    out.push(`export interface ${rec.name} {`, ...rec.fields.map((f) => `  ${f.name}: ${typeText(f.type)};`), '}');
  }
  return out.join('\n');
}

/** One step of a path into an aggregate: a field, or an element of an array of `len`. */
export type Step = { f: string } | { len: number };
export interface Path {
  steps: Step[];
  type: Type;
}

/** Every path from a value of type `t` to a scalar, a record, an array or a map below it. */
const pathCache = new WeakMap<Type, Path[]>();
export function pathsOf(t: Type): Path[] {
  const hit = pathCache.get(t);
  if (hit) return hit;
  const out: Path[] = [];
  pathCache.set(t, out);
  const go = (u: Type, steps: Step[]) => {
    if (steps.length) out.push({ steps, type: u });
    if (u.k === 'record') for (const f of u.fields) go(f.type, [...steps, { f: f.name }]);
    else if (u.k === 'array') go(u.elem, [...steps, { len: u.len }]);
  };
  go(t, []);
  return out;
}

export function isIntT(t: Type): boolean {
  return t.k === 'int';
}
export function flatRecord(t: Type): boolean {
  return t.k === 'record' && t.fields.every((f) => f.type.k === 'int' || f.type.k === 'bool' || f.type.k === 'enum');
}
