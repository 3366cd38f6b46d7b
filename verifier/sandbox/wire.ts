// How TypeScript values of the subset cross between the verifier and the sandbox process.
//
// The IPC channel uses Node's structured clone ('advanced' serialisation), which keeps numbers
// (NaN, -0), bigints, strings, booleans, undefined, arrays and plain records, but not classes, and
// fails on functions and symbols. So every value is encoded first:
// - SMap (recognised by shape, as footprint.ts does: user code may hold another copy of the
//   prelude) becomes a record under a key no TypeScript identifier can spell, with its default and
//   its entries;
// - a long array of numbers becomes runs of equal values, or a Float64Array (copied as one block
//   instead of element by element) when it has too many runs: the kernel's states hold 8,192
//   pages of 512 entries;
// - an Elided array (verifier/elide.ts: a counterexample's long array with only the elements the
//   reports show) becomes its length and its elements by index;
// - anything else that is not data (a function, a symbol, a class instance, a cycle) becomes a
//   description under another such key, so a replay that returns one reports it instead of
//   failing to send it.

import { SMap } from '../prelude.ts';

const SMAP = '\u0000smap';
const NUMBERS = '\u0000f64';
const RUNS = '\u0000runs';
const OTHER = '\u0000other';
const ELIDED = '\u0000elided';

/** A long array with only some of its elements: its length, and the elements kept by index (verifier/elide.ts). */
export class Elided {
  constructor(
    readonly length: number,
    readonly elements: Map<number, unknown>,
  ) {}
}

interface SMapLike {
  dflt: unknown;
  entries: Map<unknown, unknown>;
  keys(): unknown[];
  get(k: unknown): unknown;
}

function isSMap(x: object): x is SMapLike {
  const m = x as Partial<SMapLike>;
  return m.entries instanceof Map && 'dflt' in m && typeof m.get === 'function' && typeof m.keys === 'function';
}

const isRecord = (x: object) => {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

function allNumbers(a: unknown[]): boolean {
  for (let k = 0; k < a.length; k++) if (typeof a[k] !== 'number') return false;
  return true;
}

/**
 * A long array of numbers: as runs (value, count, value, count, ...) when that is at most half
 * as long, else as one Float64Array. A kernel state widened from the small scope is mostly its
 * init() values: as Float64Arrays its four states were 400 MB through the channel (seconds of a
 * replay, and one ArrayBuffer per 512 entries), as runs a few MB. Runs compare with Object.is,
 * so NaN and -0 come back as they were.
 */
function numbers(a: number[]): unknown {
  const runs: number[] = [];
  for (let k = 0; k < a.length && runs.length * 2 < a.length; ) {
    const x = a[k];
    let n = 1;
    while (k + n < a.length && Object.is(a[k + n], x)) n++;
    runs.push(x, n);
    k += n;
  }
  return runs.length * 2 < a.length ? { [RUNS]: runs } : { [NUMBERS]: new Float64Array(a) };
}

/** The value as structured-clone data (see the header). */
export function toWire(v: unknown, path: object[] = []): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) return v;
  if (typeof v === 'function') return { [OTHER]: `a function${v.name ? ` (${v.name})` : ''}` };
  if (typeof v === 'symbol') return { [OTHER]: String(v) };
  const o = v as object;
  if (path.includes(o)) return { [OTHER]: 'a cycle' };
  path.push(o);
  try {
    if (Array.isArray(o)) {
      // loops, not every/Array.from with a callback: a kernel state is millions of elements
      if (o.length > 64 && allNumbers(o)) return numbers(o as number[]);
      const out = new Array<unknown>(o.length);
      for (let k = 0; k < o.length; k++) {
        const x: unknown = o[k];
        out[k] = x !== null && (typeof x === 'object' || typeof x === 'function' || typeof x === 'symbol') ? toWire(x, path) : x;
      }
      return out;
    }
    if (o instanceof Elided) return { [ELIDED]: { length: o.length, elements: [...o.elements].map(([k, x]) => [k, toWire(x, path)]) } };
    if (isSMap(o)) return { [SMAP]: { dflt: toWire(o.dflt, path), entries: o.keys().map((k) => [toWire(k, path), toWire(o.get(k), path)]) } };
    if (isRecord(o)) return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toWire(x, path)]));
    return { [OTHER]: `an object of class ${o.constructor?.name ?? '?'}` };
  } finally {
    path.pop();
  }
}

/** The value back, with this process's SMap class; a description stays a string `<...>`. */
export function fromWire(w: unknown): unknown {
  if (w === null || typeof w !== 'object') return w;
  if (Array.isArray(w)) {
    const out = new Array<unknown>(w.length);
    for (let k = 0; k < w.length; k++) {
      const x: unknown = w[k];
      out[k] = x !== null && typeof x === 'object' ? fromWire(x) : x;
    }
    return out;
  }
  const o = w as Record<string, unknown>;
  if (RUNS in o) {
    const runs = o[RUNS] as number[];
    const out: number[] = [];
    for (let r = 0; r < runs.length; r += 2) for (let n = 0; n < runs[r + 1]; n++) out.push(runs[r]);
    return out;
  }
  if (NUMBERS in o) {
    const f = o[NUMBERS] as Float64Array;
    const out = new Array<number>(f.length);
    for (let k = 0; k < f.length; k++) out[k] = f[k];
    return out;
  }
  if (OTHER in o) return `<${String(o[OTHER])}>`;
  if (ELIDED in o) {
    const { length, elements } = o[ELIDED] as { length: number; elements: [number, unknown][] };
    return new Elided(length, new Map(elements.map(([k, x]) => [k, fromWire(x)])));
  }
  if (SMAP in o) {
    const { dflt, entries } = o[SMAP] as { dflt: unknown; entries: [unknown, unknown][] };
    const m = new SMap<unknown, unknown>(fromWire(dflt));
    for (const [k, x] of entries) m.set(fromWire(k), fromWire(x));
    return m;
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
}
