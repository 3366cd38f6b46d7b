// verify rid: whether a path hands a handle on to its caller, decided at the path's exit from the
// state it leaves (red-team round 8, u10 u11).
//
// A handle the path obtained is the caller's when the caller can reach it afterwards: some place
// of the record arguments that the path wrote holds it at the exit, or the result does. Deciding
// this by the name of the place a handle was stored into (`t.hs[i]`) missed every other name for
// the same cell: `t.hs[j]` cleared with j = i, a loop clearing every `t.hs[k]`, the record holding
// it replaced (`x.inner = { h: 0 }`), a local record's field overwritten before it is returned.
// Here the final terms are compared with the handle's value, as a condition the checker asks the
// solver about under the path condition (indices may be symbolic).
//
// Only places the path wrote count (an element written at a symbolic index, a leaf whose term is
// no longer the entry constant): a place that holds the same value since entry holds the caller's
// own reference, as the replay's `handedOn` says (verifier/rid/replay.ts: after !== before). The
// written elements of an array are the indices of its store chain; every element counts where the
// array (or a map) was replaced as a whole. So a path where the condition is false leaves no
// written place holding the handle: its run hands nothing on, and a leak it reports replays.

import type { Type } from '../verifier/ir.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import { leavesOf, type Leaf } from './layout.ts';
import { arrayLens } from './evaluate.ts';
import type { ParamInput, PathRecord } from './summary.ts';

/** Arrays replaced as a whole with at most this many elements are expanded, element by element. */
const EXPAND = 64;

/**
 * The condition under which the path's exit state hands `h` to the caller: a written place of a
 * record argument, or the result (a scalar, or any leaf of a record built on the path), holds it.
 */
export function handedOnCondition(params: ParamInput[], retType: Type, p: PathRecord, h: Term): Term {
  const out: Term[] = [];
  for (const x of params) {
    if (x.type.k !== 'record' && x.type.k !== 'array') continue;
    for (const g of groups(x.type)) {
      const fin = g.leaves.map((l) => p.post.get(l.key ? `${x.name}.${l.key}` : x.name));
      if (fin.some((t) => t === undefined)) continue;
      const base = g.leaves.map((l) => T.mkConst(l.key ? `${x.smt}.${l.key}` : x.smt, l.sort));
      out.push(holds(g, fin as Term[], base, arrayLens(x.type, g.leaves[0].key), h));
    }
  }
  if (p.ret?.t) out.push(sameValue(p.ret.t, h));
  if (p.ret?.leaves) {
    for (const g of groups(retType)) {
      const fin = g.leaves.map((l) => p.ret!.leaves!.get(l.key));
      if (fin.some((t) => t === undefined)) continue;
      out.push(holds(g, fin as Term[], undefined, arrayLens(retType, g.leaves[0].key), h));
    }
  }
  return T.or(...out);
}

/** A leaf, or a map's value leaf with its `has` leaf (an entry holds a value only where it is set). */
interface Group {
  leaves: Leaf[];
  map: boolean;
}

function groups(t: Type): Group[] {
  const ls = leavesOf(t);
  const out: Group[] = [];
  for (const l of ls) {
    if (l.key.endsWith('{has}')) continue;
    if (l.key.endsWith('{val}')) {
      const has = ls.find((x) => x.key === `${l.key.slice(0, -'{val}'.length)}{has}`)!;
      out.push({ leaves: [l, has], map: true });
    } else out.push({ leaves: [l], map: false });
  }
  return out;
}

function sameValue(t: Term, h: Term): Term {
  return T.sortEq(t.sort, h.sort) ? T.eq(t, h) : T.FALSE;
}

/**
 * Whether a written element of the leaf group holds `h`. `base` are the entry constants (none for
 * a record built on the path: every element is written); `lens` the array lengths per dimension.
 */
function holds(g: Group, fin: Term[], base: Term[] | undefined, lens: (number | undefined)[], h: Term): Term {
  const dims = g.leaves[0].dims.length;
  const at = (ks: Term[]): Term => {
    const v = ks.reduce((a, k) => T.select(a, k), fin[0]);
    const set = g.map ? ks.reduce((a, k) => T.select(a, k), fin[1]) : T.TRUE;
    return T.and(set, sameValue(v, h));
  };
  if (dims === 0) return base && fin[0] === base[0] ? T.FALSE : at([]);
  // the indices the path wrote, at any depth (an index of another dimension among them only adds
  // an element that was not written, which holds what it held at entry: harmless)
  const written = base ? writes(fin, base) : undefined;
  if (written) {
    if (written.length === 0) return T.FALSE;
    const out: Term[] = [];
    const go = (ks: Term[]): void => (ks.length === dims ? void out.push(at(ks)) : written.forEach((k) => go([...ks, k])));
    go([]);
    return T.or(...out);
  }
  // replaced as a whole (or built here): every element, expanded where the array is small
  const known = lens.length === dims && lens.every((n) => n !== undefined);
  const total = known ? (lens as number[]).reduce((a, n) => a * n, 1) : Infinity;
  if (total <= EXPAND) {
    const out: Term[] = [];
    const go = (ks: Term[]): void => {
      if (ks.length === dims) out.push(at(ks));
      else for (let j = 0; j < lens[ks.length]!; j++) go([...ks, T.mkInt(j)]);
    };
    go([]);
    return T.or(...out);
  }
  const vs = g.leaves[0].dims.map((d, i) => T.mkBvar(`e${i}`, d));
  const inRange = vs.map((v, i) => (lens[i] !== undefined && v.sort.k === 'Int' ? T.and(T.le(T.mkInt(0), v), T.lt(v, T.mkInt(lens[i]!))) : T.TRUE));
  return T.exists(vs, T.and(...inRange, at(vs)));
}

/**
 * The indices stored into the terms on top of their entry constants, or undefined when some term
 * is not built from its entry constant by stores (an array replaced as a whole).
 */
function writes(fin: Term[], base: Term[]): Term[] | undefined {
  // (asked once per handle and path: the same exit state is walked once)
  const key = [...fin, ...base].map((t) => t.id).join(',');
  let byKey = writesMemo.get(fin[0]);
  if (!byKey) writesMemo.set(fin[0], (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, walkWrites(fin, base));
  return byKey.get(key)!;
}

const writesMemo = new WeakMap<Term, Map<string, Term[] | undefined>>();

function walkWrites(fin: Term[], base: Term[]): Term[] | undefined {
  const idx = new Set<Term>();
  const seen = new Set<number>();
  let fresh = false;
  const walk = (t: Term, b: Term): void => {
    if (t === b || seen.has(t.id) || fresh) return;
    seen.add(t.id);
    if (t.op === 'store') {
      idx.add(t.args[1]);
      walk(t.args[0], b);
      // an element that is itself an array (a nested dimension) is walked like its outer array
      if (t.args[2].sort.k === 'Array') walk(t.args[2], b);
    } else if (t.op === 'ite') {
      walk(t.args[1], b);
      walk(t.args[2], b);
    } else if (t.op === 'select' && t.sort.k === 'Array') {
      // an inner array read from the outer one (`select(A, i)` at entry, or from its store chain)
      walk(t.args[0], b);
    } else fresh = true;
  };
  fin.forEach((t, i) => walk(t, base[i]));
  return fresh ? undefined : [...idx];
}
