// symexec/scalarize.ts: arrays of known length written as their elements. The rewriting must be
// exact for every index, in range or not: random terms of reads, writes and merges of a 1-D and a
// 2-D array, at literal and symbolic indices (often out of range), evaluated by term-eval before
// and after, must agree. The environment of the rewritten terms gives the element constants
// values of their own and leaves different values ("junk") in the input arrays' in-range cells:
// the original terms are evaluated on the arrays those elements and the out-of-range cells make up.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { ArrayValue, evalTerm, type Value } from '../symexec/term-eval.ts';
import { scalarizeArrays, elementName, SCALARIZE_LIMIT } from '../symexec/scalarize.ts';

const INTS = T.arraySort(T.INT, T.INT);
const A = T.mkConst('A', INTS); // length 3
const B = T.mkConst('B', T.arraySort(T.INT, INTS)); // 2 x 2
const M = T.mkConst('M', INTS); // no known length
const LENGTHS: Record<string, number[]> = { A: [3], B: [2, 2] };
const lengths = (name: string) => LENGTHS[name];
const [x, y] = ['x', 'y'].map((n) => T.mkConst(n, T.INT));

type Gen = { int: Term; bool: Term; a: Term; b: Term; row: Term };
const index = fc.oneof(fc.constantFrom(x, y), fc.integer({ min: -1, max: 3 }).map((k) => T.mkInt(k)));
const terms = fc.letrec<Gen>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    index,
    fc.tuple(tie('a'), index).map(([a, i]) => T.select(a, i)),
    fc.tuple(tie('row'), index).map(([r, i]) => T.select(r, i)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.add(p, q)),
    fc.tuple(tie('bool'), tie('int'), tie('int')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
  bool: fc.oneof(
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.eq(p, q)),
    fc.tuple(tie('int'), tie('int')).map(([p, q]) => T.lt(p, q)),
    tie('bool').map((b) => T.not(b)),
  ),
  a: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(A),
    // a constant array (`new Array(n).fill(v)`), merged with the input's arrays by the if-then-else below
    tie('int').map((v) => T.constArray(T.INT, v)),
    fc.tuple(tie('a'), index, tie('int')).map(([a, i, v]) => T.store(a, i, v)),
    fc.tuple(tie('bool'), tie('a'), tie('a')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
  row: fc.tuple(tie('b'), index).map(([b, i]) => T.select(b, i)),
  b: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(B),
    fc.tuple(tie('b'), index, tie('row')).map(([b, i, r]) => T.store(b, i, r)),
    // a write to one element of a row: the shape of `s.procs[p].fds[f] = v`
    fc.tuple(tie('b'), index, index, tie('int')).map(([b, i, j, v]) => T.store(b, i, T.store(T.select(b, i), j, v))),
    fc.tuple(tie('bool'), tie('b'), tie('b')).map(([c, p, q]) => T.ite(c, p, q)),
  ),
}));

const small = fc.integer({ min: -2, max: 5 }).map(BigInt);
/** Values of an array's cells at indices -1..3 (outside those, by a function of the index). */
const cells = fc.array(small, { minLength: 5, maxLength: 5 });
const table = (vs: bigint[], salt: bigint) => (i: Value) => (typeof i === 'bigint' && i >= -1n && i <= 3n ? vs[Number(i) + 1] : (i as bigint) * 7n + salt);

describe('scalarizeArrays', () => {
  it('rewrites reads, writes and merges exactly, in range and out of it', () => {
    const env = fc.record({
      x: small, y: small,
      a: cells, aElems: fc.array(small, { minLength: 3, maxLength: 3 }),
      b: fc.array(cells, { minLength: 5, maxLength: 5 }), bElems: fc.array(small, { minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(terms.int, terms.bool), { minLength: 1, maxLength: 4 }), env, (ts, e) => {
        const out = scalarizeArrays(ts, lengths);
        expect(out).toBeDefined();
        // the rewritten terms read A and B only out of range: in range they hold junk here
        const junkA = new ArrayValue(table(e.a, 1n));
        const junkB = new ArrayValue((i) => new ArrayValue(table(e.b[(Number(i) + 5) % 5], 2n)));
        const scalarEnv = new Map<string, Value>([['x', e.x], ['y', e.y], ['A', junkA], ['B', junkB]]);
        e.aElems.forEach((v, k) => scalarEnv.set(elementName('A', [k]), v));
        e.bElems.forEach((v, k) => scalarEnv.set(elementName('B', [k >> 1, k & 1]), v));
        // the arrays the element constants and the out-of-range cells make up
        const inRange = (i: Value, n: number) => typeof i === 'bigint' && i >= 0n && i < BigInt(n);
        const arrayA = new ArrayValue((i) => (inRange(i, 3) ? e.aElems[Number(i)] : junkA.get(i)));
        const arrayB = new ArrayValue((i) => (inRange(i, 2) ? new ArrayValue((j) => (inRange(j, 2) ? e.bElems[Number(i) * 2 + Number(j)] : (junkB.get(i) as ArrayValue).get(j))) : junkB.get(i)));
        const originalEnv = new Map(scalarEnv).set('A', arrayA).set('B', arrayB);
        ts.forEach((t) => expect(evalTerm(out!(t), scalarEnv)).toEqual(evalTerm(t, originalEnv)));
      }),
      { numRuns: 400 },
    );
  });

  it('names one constant per element, and reads the input array itself only out of range', () => {
    const t = T.eq(T.select(T.select(B, x), T.mkInt(1)), T.mkInt(0));
    const names = T.constantsOf([scalarizeArrays([t], lengths)!(t)]).map((c) => c.name).sort();
    expect(names).toEqual(['B', 'B@0@1', 'B@1@1', 'x']);
  });

  it('gives up, leaving the terms to the caller, on an array it cannot rewrite or a whole-array equality', () => {
    // any array of unknown length or above the limit keeps the whole query as it is
    expect(scalarizeArrays([T.eq(T.select(A, x), T.select(M, x))], lengths)).toBeUndefined();
    expect(scalarizeArrays([T.eq(T.select(A, x), T.mkInt(0))], () => [SCALARIZE_LIMIT + 1])).toBeUndefined();
    expect(scalarizeArrays([T.eq(T.store(A, x, T.mkInt(1)), A)], lengths)).toBeUndefined();
  });
});
