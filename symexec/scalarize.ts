// Arrays of known length as scalars, for queries that Z3 answers faster without its array theory.
//
// A state's arrays are SMT arrays (`s.dir[]`, `s.procs[].fds[].kind`), read and written at
// literal indices and at symbolic ones (an argument). Z3 reasons about a read at a symbolic index
// with the array theory's axioms, one case split at a time. When the length of every dimension is
// known, the same formula can be written without them: the array is its elements, one constant
// each (`s.dir[]@3`), a read at a symbolic index is an if-then-else over the elements, and a
// write at a symbolic index is an if-then-else in each element. Measured on POSIX's queries
// (docs/commute.md): a fifth less time in the analysis, a quarter in test generation, two fifths
// in the proofs.
//
// The rewriting is exact, not an approximation for in-range indices only: an index may be out of
// range (an argument a call rejects), and a read there must still mean what it meant. Out of
// range, an array is the input array itself (read, never written: Z3 treats that like an
// uninterpreted function) with the writes made at indices that were not known to be in range,
// applied at each read as if-then-elses. A model of the rewritten formula is a model of the
// original one with the array taken as its element constants in range and the input array
// outside; a model of the original gives the elements their values, so the two are
// equisatisfiable and `unsat` answers keep their meaning.

import * as T from './term.ts';
import type { Term } from './term.ts';

/** The lengths of an input array constant's dimensions; undefined for an array of unknown length (a map). */
export type ArrayLengths = (name: string) => readonly number[] | undefined;

/**
 * Arrays of more elements are not rewritten, and neither is a query that has one (nor one with an
 * array of unknown length): the kernel's queries at its small scope mix arrays of 4 and of 64
 * elements, and rewriting the small ones, or all of them, made its test generation slower
 * (kill/kill: 8.3-8.7 s, 11 s rewriting arrays up to 8 elements, 23 s up to 16, 14.6 s all).
 * POSIX's arrays have at most 6.
 */
export const SCALARIZE_LIMIT = 16;

/** The name of an element constant: the array's name and the indices (`s.procs[].fds[].kind@1@2`). */
export const elementName = (array: string, indices: readonly (number | bigint)[]): string => `${array}${indices.map((k) => `@${k}`).join('')}`;

/** What an array is outside its range: the input array, the writes since, and merges of those. */
type Rest =
  | { k: 'input'; array: Term; lens: readonly number[] }
  | { k: 'write'; index: Term; value: Val; over: Rest }
  | { k: 'ite'; c: Term; then: Rest; else: Rest };

/** An array of known length: its elements (scalars or arrays again) and what it is out of range. */
interface Elements {
  elems: Val[];
  rest: Rest;
}

type Val = Term | Elements;

const isTerm = (v: Val): v is Term => 'op' in v;

class Unsupported extends Error {}

/**
 * Rewrites `terms` with every input array constant replaced by its elements, all in one rewriting
 * (they name the same element constants), and returns each term's rewritten form by the original;
 * undefined, for the caller to keep the terms as they are, when one array is of a length
 * `lengths` does not know or above SCALARIZE_LIMIT, or the terms use arrays in a way the
 * rewriting does not cover (an equality of two whole arrays; a symbolic count, whose definition
 * is stated over the arrays themselves).
 */
export function scalarizeArrays(terms: readonly Term[], lengths: ArrayLengths): ((t: Term) => Term) | undefined {
  const memo = new Map<number, Val>();
  const restReads = new WeakMap<Rest, Map<number, Val>>();

  /** The value of an array term read from an input array: elements by name, or reads of it. */
  const elementsOf = (a: Term, lens: readonly number[], name?: string, at: number[] = []): Val => {
    if (lens.length === 0) return name ? T.mkConst(elementName(name, at), a.sort) : a;
    const [n, ...below] = lens;
    return {
      elems: Array.from({ length: n }, (_, k) => elementsOf(T.select(a, T.mkInt(k)), below, name, [...at, k])),
      rest: { k: 'input', array: a, lens: below },
    };
  };

  /** The lengths of an array of elements, outermost first. */
  const shapeOf = (x: Elements): number[] => [x.elems.length, ...(x.elems.length && !isTerm(x.elems[0]) ? shapeOf(x.elems[0]) : [])];

  const ite = (c: Term, x: Val, y: Val): Val => {
    if (x === y) return x;
    if (isTerm(x) && isTerm(y)) return T.ite(c, x, y);
    // an array term beside an array of elements (a constant array, `fill(0)`, merged with a state's
    // array) is read the same way: its elements are reads of it, in range and out of it
    if (isTerm(x)) x = elementsOf(x, shapeOf(y as Elements));
    if (isTerm(y)) y = elementsOf(y, shapeOf(x as Elements));
    if (isTerm(x) || isTerm(y) || x.elems.length !== y.elems.length) throw new Unsupported('an if-then-else of arrays of different shapes');
    const rest: Rest = x.rest === y.rest ? x.rest : { k: 'ite', c, then: x.rest, else: y.rest };
    return { elems: x.elems.map((e, k) => ite(c, e, y.elems[k])), rest };
  };

  const readRest = (r: Rest, j: Term): Val => {
    let byIndex = restReads.get(r);
    if (!byIndex) restReads.set(r, (byIndex = new Map()));
    const hit = byIndex.get(j.id);
    if (hit) return hit;
    let v: Val;
    if (r.k === 'input') v = elementsOf(T.select(r.array, j), r.lens);
    else if (r.k === 'write') v = ite(T.eq(j, r.index), r.value, readRest(r.over, j));
    else v = ite(r.c, readRest(r.then, j), readRest(r.else, j));
    byIndex.set(j.id, v);
    return v;
  };

  const read = (a: Elements, i: Term): Val => {
    const lit = T.intValue(i);
    if (lit !== undefined) return lit >= 0n && lit < BigInt(a.elems.length) ? a.elems[Number(lit)] : readRest(a.rest, i);
    let v = readRest(a.rest, i);
    for (let k = a.elems.length - 1; k >= 0; k--) v = ite(T.eq(i, T.mkInt(k)), a.elems[k], v);
    return v;
  };

  const write = (a: Elements, i: Term, v: Val): Elements => {
    const lit = T.intValue(i);
    if (lit !== undefined) {
      const inRange = lit >= 0n && lit < BigInt(a.elems.length);
      return { elems: a.elems.map((e, k) => (BigInt(k) === lit ? v : e)), rest: inRange ? a.rest : { k: 'write', index: i, value: v, over: a.rest } };
    }
    // a write at an index in range changes no read out of range (the indices differ there), so
    // recording it in the rest as well is exact
    return { elems: a.elems.map((e, k) => ite(T.eq(i, T.mkInt(k)), v, e)), rest: { k: 'write', index: i, value: v, over: a.rest } };
  };

  const go = (t: Term): Val => {
    const hit = memo.get(t.id);
    if (hit) return hit;
    let v: Val;
    if (t.op === 'const' && t.sort.k === 'Array') {
      const lens = lengths(t.name!);
      if (!lens?.length || lens.reduce((n, x) => n * x, 1) > SCALARIZE_LIMIT) throw new Unsupported(`${t.name} stays an array`);
      v = elementsOf(t, lens, t.name!);
    } else if (t.op === 'count') throw new Unsupported('a symbolic count');
    else if (t.args.length === 0) v = t;
    else {
      const args = t.args.map(go);
      const a0 = args[0];
      if (t.op === 'select' && !isTerm(a0)) v = read(a0, args[1] as Term);
      else if (t.op === 'store' && !isTerm(a0)) v = write(a0, args[1] as Term, args[2]);
      else if (t.op === 'ite' && t.sort.k === 'Array') v = ite(args[0] as Term, args[1], args[2]);
      else if (!args.every(isTerm)) throw new Unsupported(`${t.op} of an array of known length`);
      else v = args.every((x, k) => x === t.args[k]) ? t : T.rebuild(t, args as Term[]);
    }
    memo.set(t.id, v);
    return v;
  };

  const rewritten = (t: Term): Term => {
    const v = go(t);
    if (!isTerm(v)) throw new Unsupported('an array of known length as a whole');
    return v;
  };
  try {
    terms.forEach(rewritten);
    // every term is in the memo now: looking one up again rewrites nothing
    return rewritten;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
