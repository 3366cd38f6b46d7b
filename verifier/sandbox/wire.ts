// How TypeScript values of the subset cross between the verifier and the sandbox process.
//
// The IPC channel uses Node's structured clone ('advanced' serialisation), which keeps numbers
// (NaN, -0), bigints, strings, booleans, undefined, arrays and plain records, but not classes, and
// fails on functions and symbols. So every value is encoded first:
// - SMap (recognised by shape, as footprint.ts does: user code may hold another copy of the
//   prelude) becomes a record under a key no TypeScript identifier can spell, with its default and
//   its entries;
// - a long array of numbers becomes a Float64Array (copied as one block instead of element by
//   element: the kernel's states hold 8,192 pages of 512 entries);
// - anything else that is not data (a function, a symbol, a class instance, a cycle) becomes a
//   description under another such key, so a replay that returns one reports it instead of
//   failing to send it.

import { SMap } from '../prelude.ts';

const SMAP = '\u0000smap';
const NUMBERS = '\u0000f64';
const OTHER = '\u0000other';

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
      if (o.length > 64 && o.every((x) => typeof x === 'number')) return { [NUMBERS]: Float64Array.from(o as number[]) };
      return Array.from(o, (x) => toWire(x, path));
    }
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
  if (Array.isArray(w)) return w.map(fromWire);
  const o = w as Record<string, unknown>;
  if (NUMBERS in o) return Array.from(o[NUMBERS] as Float64Array);
  if (OTHER in o) return `<${String(o[OTHER])}>`;
  if (SMAP in o) {
    const { dflt, entries } = o[SMAP] as { dflt: unknown; entries: [unknown, unknown][] };
    const m = new SMap<unknown, unknown>(fromWire(dflt));
    for (const [k, x] of entries) m.set(fromWire(k), fromWire(x));
    return m;
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
}
