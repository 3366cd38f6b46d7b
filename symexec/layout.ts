// How IR types are laid out in SMT: every aggregate is split into scalar "leaves".
//
// A record contributes one leaf per scalar field; an array multiplies its element's leaves by one
// SMT array dimension; so `Arr<Proc, 64>` with fields `state` and `ppid` becomes two SMT arrays,
// `procs[].state : Array Int Int` and `procs[].ppid : Array Int Int` (Hyperkernel's encoding: one
// SMT array per field). A map is a dimension indexed by its key sort, plus a `has` leaf and a
// default-value leaf.

import type { Type } from '../verifier/ir.ts';
import { type Sort, INT, BOOLS, arraySort } from './term.ts';

export type Seg = { f: string } | { idx: true } | { map: 'val' | 'has' | 'dflt' };

export interface Leaf {
  /** e.g. `procs[].state`; the empty string for a scalar root */
  key: string;
  /** the segments from the aggregate to this leaf */
  segs: Seg[];
  /** the scalar type at the leaf (bool for a map's `has`) */
  scalar: Type;
  /** the SMT sorts of the dimensions crossed on the way (arrays: Int, maps: the key sort) */
  dims: Sort[];
  /** the scalar's sort wrapped in one SMT array per dimension */
  sort: Sort;
}

export function scalarSort(t: Type): Sort {
  switch (t.k) {
    case 'bool':
      return BOOLS;
    case 'int':
    case 'enum':
      return INT;
    case 'opaque':
      return { k: 'Unint', name: t.name };
    default:
      throw new Error(`no scalar sort for ${t.k}`);
  }
}

const cache = new WeakMap<Type, Leaf[]>();

export function leavesOf(t: Type): Leaf[] {
  const hit = cache.get(t);
  if (hit) return hit;
  const out: Leaf[] = [];
  const go = (u: Type, key: string, segs: Seg[], dims: Sort[]) => {
    switch (u.k) {
      case 'record':
        for (const f of u.fields) go(f.type, key ? `${key}.${f.name}` : f.name, [...segs, { f: f.name }], dims);
        return;
      case 'array':
        go(u.elem, `${key}[]`, [...segs, { idx: true }], [...dims, INT]);
        return;
      case 'map': {
        const ks = scalarSort(u.key);
        out.push(leaf(`${key}{val}`, [...segs, { map: 'val' }], u.value, [...dims, ks]));
        out.push(leaf(`${key}{has}`, [...segs, { map: 'has' }], { k: 'bool' }, [...dims, ks]));
        out.push(leaf(`${key}{dflt}`, [...segs, { map: 'dflt' }], u.value, dims));
        return;
      }
      case 'void':
        return;
      default:
        out.push(leaf(key, segs, u, dims));
    }
  };
  go(t, '', [], []);
  cache.set(t, out);
  return out;
}

function leaf(key: string, segs: Seg[], scalar: Type, dims: Sort[]): Leaf {
  let sort = scalarSort(scalar);
  for (let i = dims.length - 1; i >= 0; i--) sort = arraySort(dims[i], sort);
  return { key, segs, scalar, dims, sort };
}

/** The key of the leaf reached by following `segs` (field names, with `[]` for every index). */
export function keyOf(segs: Seg[]): string {
  let key = '';
  for (const s of segs) {
    if ('f' in s) key = key ? `${key}.${s.f}` : s.f;
    else if ('idx' in s) key = `${key}[]`;
    else key = `${key}{${s.map}}`;
  }
  return key;
}
