// The replay's value helpers, made fast for the kernel's real sizes (bench/README.md, "Test suite
// time"): a checked array is a real array whose prototype guards the indices it lacks, a type check
// names an element only when it fails, and long number arrays cross the sandbox's channel as runs.
// Each must mean what the slower forms meant.
import { describe, it, expect } from 'vitest';
import { checkedArray, OutOfBounds, typeViolation, plain, deepEqual } from '../verifier/counterexample.ts';
import { fromWire, toWire } from '../verifier/sandbox/wire.ts';
import { arr, MAKE_ARRAY, smap } from '../verifier/prelude.ts';
import { intType, type Type } from '../verifier/ir.ts';

describe('checkedArray', () => {
  it('reads and writes in bounds, throws OutOfBounds outside them', () => {
    const a = checkedArray([10, 20, 30]);
    expect(a[0] + a[2]).toBe(40);
    a[1] = 5;
    expect(a[1]).toBe(5);
    expect(() => a[3]).toThrow(OutOfBounds);
    expect(() => a[-1]).toThrow(OutOfBounds);
    expect(() => a[100]).toThrow(/index 100 is outside 0..2/);
    expect(() => {
      a[3] = 1;
    }).toThrow(OutOfBounds);
    expect(() => {
      a[-1] = 1;
    }).toThrow(OutOfBounds);
    expect(() => a.push(4)).toThrow(OutOfBounds);
    expect([...a]).toEqual([10, 5, 30]);
    // a non-index key is no element: read as on any array
    expect((a as unknown as Record<string, unknown>)['1.5']).toBeUndefined();
  });

  it('stays an array: isArray, instanceof, methods, iteration, equality with a plain copy', () => {
    const a = checkedArray([1, 2, 3]);
    expect(Array.isArray(a)).toBe(true);
    expect(a instanceof Array).toBe(true);
    expect(a.constructor).toBe(Array);
    expect(a.map((x) => x * 2)).toEqual([2, 4, 6]);
    expect(a.every((x) => x > 0)).toBe(true);
    expect(a.slice(1)).toEqual([2, 3]);
    expect(a.length).toBe(3);
    expect(JSON.stringify(a)).toBe('[1,2,3]');
    expect(plain(a)).toEqual([1, 2, 3]);
    expect(Object.getPrototypeOf(plain(a))).toBe(Array.prototype);
  });

  it('keeps the bounds it was made with, and a hole inside them reads undefined', () => {
    const a = checkedArray([1, 2, 3]);
    a.pop();
    expect(a[2]).toBeUndefined(); // inside the bounds it was made with
    expect(() => a[3]).toThrow(OutOfBounds);
  });

  it('guards an object whose prototype is a checked array (the receiver is not the array)', () => {
    const o = Object.create(checkedArray([1, 2])) as number[];
    expect(o[1]).toBe(2);
    expect(() => o[2]).toThrow(OutOfBounds);
  });

  it('is what arr() makes under the replay hook, nested arrays included', () => {
    const g = globalThis as Record<symbol, unknown>;
    const prev = g[MAKE_ARRAY];
    g[MAKE_ARRAY] = checkedArray;
    try {
      const m = arr(2, () => arr(3, () => 0));
      expect(() => m[1][3]).toThrow(OutOfBounds);
      expect(() => m[2]).toThrow(OutOfBounds);
      m[1][2] = 7;
      expect(m[1][2]).toBe(7);
    } finally {
      g[MAKE_ARRAY] = prev;
    }
  });
});

describe('typeViolation', () => {
  const u8 = intType('u8');
  const num = intType('number');
  const rows: Type = { k: 'array', len: 2, elem: { k: 'array', len: 3, elem: u8 } };

  it('names the first element that does not fit', () => {
    expect(typeViolation([[0, 1, 2], [3, 255, 0]], rows, 's.m')).toBeUndefined();
    expect(typeViolation([[0, 1, 2], [3, 256, 0]], rows, 's.m')).toBe('s.m[1][1] = 256 is outside u8');
    expect(typeViolation([[0, 1, 2], [3, 1.5, 0]], rows, 's.m')).toBe('s.m[1][1] = 1.5 is outside u8');
    expect(typeViolation([[0, 1, 2], [3, -1, 0]], rows, 's.m')).toBe('s.m[1][1] = -1 is outside u8');
    expect(typeViolation([[0, 1, 2], [3, 'x', 0]], rows, 's.m')).toBe('s.m[1][1] = x is outside u8');
    expect(typeViolation([[0, 1, 2]], rows, 's.m')).toBe('s.m[1] is not an array');
    expect(typeViolation([[0, 1, 2], [0, 0, 0], [0, 0, 0]], rows, 's.m')).toBe('s.m has length 3, not 2');
  });

  it('compares at the bounds exactly, safe integers and beyond', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(typeViolation(max, num, 'x')).toBeUndefined();
    expect(typeViolation(-max, num, 'x')).toBeUndefined();
    expect(typeViolation(max + 1, num, 'x')).toBe(`x = ${max + 1} is outside number`);
    // bounds that are no double: compared as bigints
    const wide: Type = { k: 'int', name: 'number', min: -(2n ** 60n) - 1n, max: 2n ** 60n + 1n };
    expect(typeViolation(2 ** 60, wide, 'x')).toBeUndefined();
    expect(typeViolation(2 ** 61, wide, 'x')).toBe(`x = ${2 ** 61} is outside number`);
  });

  it('checks records, booleans and enum members', () => {
    const t: Type = { k: 'record', name: 'R', fields: [{ name: 'b', type: { k: 'bool' } }, { name: 'e', type: { k: 'enum', name: 'E', members: ['a', 'b'] } }] } as Type;
    expect(typeViolation({ b: true, e: 'a' }, t, 's')).toBeUndefined();
    expect(typeViolation({ b: 1, e: 'a' }, t, 's')).toBe('s.b = 1 is not a boolean');
    expect(typeViolation({ b: false, e: 'c' }, t, 's')).toBe('s.e = c is not a member of E');
  });
});

describe('the channel encoding of number arrays', () => {
  const trip = (v: unknown) => fromWire(structuredClone(toWire(v)));

  it('round-trips runs (a state mostly of its init values) and dense arrays exactly', () => {
    const sparse = Array.from({ length: 512 }, (_, k) => (k === 3 ? 7 : k === 500 ? -0 : k === 501 ? NaN : 0));
    const dense = Array.from({ length: 300 }, (_, k) => k * 1.5 - 100);
    const mixed = Array.from({ length: 100 }, (_, k) => (k % 2 ? 1 : 2));
    const back = trip({ sparse, dense, mixed, rows: [sparse, dense] }) as Record<string, unknown>;
    expect(back).toEqual({ sparse, dense, mixed, rows: [sparse, dense] });
    const s = back.sparse as number[];
    expect(Object.is(s[500], -0)).toBe(true);
    expect(Number.isNaN(s[501])).toBe(true);
    expect(Object.is(s[499], 0)).toBe(true);
  });

  it('sends a mostly-constant array as a few runs', () => {
    const w = toWire(Array.from({ length: 4096 }, (_, k) => (k < 2 ? 1 : 0))) as Record<string, unknown[]>;
    expect(Object.values(w)[0]).toEqual([1, 2, 0, 4094]);
  });
});

describe('deepEqual on maps: what has() tells apart, the model does too (red-team round 8, u26)', () => {
  it('a key set to the default differs from a key not set; the same keys and values are equal', () => {
    const a = smap<number, number>(0);
    const b = smap<number, number>(0);
    expect(deepEqual(a, b)).toBe(true);
    a.set(1, 0);
    expect(deepEqual(a, b)).toBe(false);
    expect(deepEqual(b, a)).toBe(false);
    b.set(1, 0);
    expect(deepEqual({ m: a }, { m: b })).toBe(true);
    b.set(1, 2);
    expect(deepEqual(a, b)).toBe(false);
    expect(deepEqual(smap(0), smap(1))).toBe(false);
  });
});
