// MTRACE for TypeScript state (docs/research commuter.md §4, §7.4): run one operation of an
// implementation on a Proxy membrane around its state and record which state cells it read and
// wrote. Two operations run one after the other conflict when a cell written by one is read or
// written by the other; that is COMMUTER's notion of "not conflict-free", with named cells instead
// of mtrace's byte ranges.
//
// Cell names are paths from the root: `inodes[3].nlink`, `procs[0].fds[2].off`, `dir{f0}` for an
// SMap entry and `dir{#keys}` for the set of keys an SMap holds. Names belong to objects, not to
// routes: an object reached through an alias (`const p = s.procs[1]`) or stored elsewhere later
// keeps the name it first had, as an address would.

import type { Access, Conflict } from './types.ts';

export type Granularity = 'cell' | 'object';

export interface RecordOptions {
  /** 'cell' (default): a field, element or map entry; 'object': the enclosing record/array/SMap,
   *  a proxy for false sharing that mtrace (byte ranges) cannot report */
  granularity?: Granularity;
  /** Object → path. Pass the same map when recording op0 and then op1 on one instance, so an object
   *  op0 created and op1 reaches by another route has one name in both footprints. */
  names?: WeakMap<object, string>;
}

/** The cell name of the root object at object granularity (its path is empty). */
export const ROOT_CELL = '$';

const SMAP_METHODS = new Set(['get', 'set', 'has', 'delete', 'keys']);

/** The prelude's SMap, recognised by shape: user code may load its own copy of the prelude, so
 *  `instanceof` would miss its maps. */
interface SMapLike {
  dflt: unknown;
  entries: Map<unknown, unknown>;
  get(k: unknown): unknown;
  set(k: unknown, v: unknown): void;
  has(k: unknown): boolean;
  delete(k: unknown): void;
  keys(): unknown[];
}

function isSMap(x: object): x is SMapLike {
  const m = x as Partial<SMapLike>;
  return m.entries instanceof Map && 'dflt' in m && typeof m.get === 'function' && typeof m.keys === 'function';
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^(0|[1-9]\d*)$/;

/** The path of property `key` of the object at `path`. */
function child(path: string, key: string, isArray: boolean): string {
  if (isArray && INDEX.test(key)) return `${path}[${key}]`;
  if (IDENT.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function entry(path: string, key: unknown): string {
  return `${path}{${String(key)}}`;
}

/** The object-valued children of the object at `path`, with their paths, in a fixed order; read
 *  on the raw object (never recorded). Primitive children get no path: naming is for objects, and
 *  a state of large arrays of numbers (the kernel's 8,192 pages of 3 x 512 entries) would
 *  otherwise build millions of path strings on every run. */
function objectChildren(o: object, path: string): [string, object][] {
  const out: [string, object][] = [];
  if (isSMap(o)) {
    for (const k of o.keys()) {
      const v = o.get(k);
      if (isObject(v)) out.push([entry(path, k), v]);
    }
    // The default value is shared by every absent key: one name for it, not the first key's.
    if (isObject(o.dflt)) out.push([entry(path, '*'), o.dflt]);
    return out;
  }
  if (Array.isArray(o)) {
    for (let k = 0; k < o.length; k++) {
      const v: unknown = o[k];
      if (isObject(v)) out.push([`${path}[${k}]`, v]);
    }
    return out;
  }
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (isObject(v)) out.push([child(path, k, false), v]);
  }
  return out;
}

/** Names every object of `root` not yet named, breadth-first so that a shared object gets its
 *  shortest path, independently of which operation happens to reach it first. */
function nameAll(root: object, names: WeakMap<object, string>): void {
  if (!names.has(root)) names.set(root, '');
  const queue: object[] = [root];
  const seen = new Set<object>([root]);
  for (let i = 0; i < queue.length; i++) {
    const o = queue[i];
    for (const [path, v] of objectChildren(o, names.get(o) as string)) {
      if (seen.has(v)) continue;
      seen.add(v);
      if (!names.has(v)) names.set(v, path);
      queue.push(v);
    }
  }
}

/**
 * Runs `run` on a membrane around `state` and returns its result with the cells it read and wrote,
 * each once per kind, in first-access order.
 *
 * A read is a read of a primitive-valued property, or an SMap get/has. Walking through a property
 * that holds an object is not a read (every operation would read the root); a later replacement
 * of that object still conflicts, because `x.y` is a prefix of `x.y.z` (see `conflicts`). A write
 * is any store or delete, also of the value already there: mtrace counts stores, not changes.
 */
export function recordAccesses<S extends object, R>(
  state: S,
  run: (s: S) => R,
  opts: RecordOptions = {},
): { result: R; accesses: Access[] } {
  const byObject = opts.granularity === 'object';
  const names = opts.names ?? new WeakMap<object, string>();
  nameAll(state, names);

  const accesses: Access[] = [];
  const seenAccess = new Set<string>();
  let recording = true; // proxies that escape `run` must not add to a footprint already returned
  const note = (kind: Access['kind'], cell: string): void => {
    if (!recording) return;
    const key = `${kind} ${cell}`;
    if (seenAccess.has(key)) return;
    seenAccess.add(key);
    accesses.push({ cell, kind });
  };
  const pathOf = (o: object): string => names.get(o) as string;
  /** The cell of property/entry `cellPath` of object `o`, at the chosen granularity. */
  const cellOf = (o: object, cellPath: string): string => (byObject ? pathOf(o) || ROOT_CELL : cellPath);

  const proxies = new WeakMap<object, object>(); // target → its proxy, so `s.a === s.a` holds
  const targets = new WeakMap<object, object>(); // proxy → target

  /** The raw value to store: the state must never hold proxies. Fresh records and arrays are
   *  cleaned in place, since they become state. */
  const unwrap = (v: unknown, seen = new Set<object>()): unknown => {
    if (!isObject(v)) return v;
    const t = targets.get(v);
    if (t) return t;
    if (names.has(v) || seen.has(v)) return v; // already state: holds no proxies
    seen.add(v);
    if (isSMap(v)) {
      for (const k of v.keys()) v.set(k, unwrap(v.get(k), seen));
    } else if (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      const r = v as Record<string, unknown>;
      for (const k of Object.keys(r)) r[k] = unwrap(r[k], seen);
    }
    return v;
  };

  const wrap = (v: unknown, path: string): unknown => {
    if (!isObject(v)) return v;
    if (targets.has(v)) return v;
    if (!names.has(v)) names.set(v, path);
    let p = proxies.get(v);
    if (!p) {
      p = new Proxy(v, isSMap(v) ? smapHandler : recordHandler);
      proxies.set(v, p);
      targets.set(p, v);
    }
    return p;
  };

  /** A store into slot `cellPath` of `o`. At object granularity, replacing an object also writes
   *  that object's path, so its readers conflict even when `o` is the root (whose cell `$` is not
   *  a prefix of theirs). */
  const noteStore = (o: object, cellPath: string, old: unknown, v: unknown): void => {
    note('write', cellOf(o, cellPath));
    if (byObject && (isObject(old) || isObject(v))) note('write', cellPath);
  };

  const recordHandler: ProxyHandler<object> = {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof prop === 'symbol' || typeof v === 'function') return v;
      const path = child(pathOf(t), prop, Array.isArray(t));
      if (isObject(v)) {
        // A frozen property must be returned as it is (a Proxy invariant); it cannot change anyway.
        const d = Reflect.getOwnPropertyDescriptor(t, prop);
        return d && !d.configurable && d.writable === false ? v : wrap(v, path);
      }
      note('read', cellOf(t, path));
      return v;
    },
    set(t, prop, v) {
      if (typeof prop === 'symbol') return Reflect.set(t, prop, v);
      const raw = unwrap(v);
      const path = child(pathOf(t), prop, Array.isArray(t));
      noteStore(t, path, (t as Record<string, unknown>)[prop], raw);
      if (isObject(raw) && !names.has(raw)) names.set(raw, path);
      return Reflect.set(t, prop, raw);
    },
    deleteProperty(t, prop) {
      if (typeof prop !== 'symbol') {
        const path = child(pathOf(t), prop, Array.isArray(t));
        noteStore(t, path, (t as Record<string, unknown>)[prop], undefined);
      }
      return Reflect.deleteProperty(t, prop);
    },
    defineProperty(t, prop, desc) {
      if (typeof prop !== 'symbol') note('write', cellOf(t, child(pathOf(t), prop, Array.isArray(t))));
      return Reflect.defineProperty(t, prop, 'value' in desc ? { ...desc, value: unwrap(desc.value) } : desc);
    },
    has(t, prop) {
      // `k in x` on a primitive (or absent) cell reads it; on an object it is a walk, as in `get`
      // (array methods such as forEach test every index before reading it).
      const v = typeof prop === 'symbol' ? undefined : (t as Record<string, unknown>)[prop];
      if (typeof prop !== 'symbol' && !isObject(v) && typeof v !== 'function') {
        note('read', cellOf(t, child(pathOf(t), prop, Array.isArray(t))));
      }
      return Reflect.has(t, prop);
    },
  };

  // An SMap is used through its methods, which run on the raw map with raw arguments; the
  // membrane records them as entry and key-set accesses.
  const smapHandler: ProxyHandler<object> = {
    get(t, prop) {
      const m = t as SMapLike;
      const base = pathOf(t);
      if (prop === 'dflt') return wrap(m.dflt, `${base}{*}`);
      if (typeof prop !== 'string' || !SMAP_METHODS.has(prop)) return Reflect.get(t, prop);
      const keysCell = cellOf(t, entry(base, '#keys'));
      switch (prop) {
        case 'get':
          return (k: unknown) => {
            const key = unwrap(k);
            const path = entry(base, key);
            note('read', cellOf(t, path));
            return wrap(m.get(key), m.has(key) ? path : `${base}{*}`);
          };
        case 'has':
          return (k: unknown) => {
            const key = unwrap(k);
            note('read', cellOf(t, entry(base, key)));
            return m.has(key);
          };
        case 'set':
          return (k: unknown, v: unknown) => {
            const key = unwrap(k);
            const path = entry(base, key);
            const raw = unwrap(v);
            noteStore(t, path, m.get(key), raw);
            if (!m.has(key)) note('write', keysCell);
            if (isObject(raw) && !names.has(raw)) names.set(raw, path);
            m.set(key, raw);
          };
        case 'delete':
          return (k: unknown) => {
            const key = unwrap(k);
            noteStore(t, entry(base, key), m.get(key), undefined);
            if (m.has(key)) note('write', keysCell);
            m.delete(key);
          };
        default: // keys
          return () => {
            note('read', keysCell);
            return m.keys();
          };
      }
    },
    set(t, prop, v) {
      // Only `dflt` and the private map can be assigned; both replace the whole map's contents.
      note('write', cellOf(t, child(pathOf(t), String(prop), false)));
      return Reflect.set(t, prop, unwrap(v));
    },
  };

  let result: R;
  try {
    result = run(wrap(state, '') as S);
  } finally {
    recording = false;
  }
  return { result: copyOut(result, targets) as R, accesses };
}

/** A deep copy of a result with proxies replaced by their targets: a result that aliased live state
 *  would change when the other operation runs, and would keep recording if it were a proxy. */
function copyOut(v: unknown, targets: WeakMap<object, object>, memo = new Map<object, unknown>()): unknown {
  if (!isObject(v)) return v;
  const o = targets.get(v) ?? v;
  if (memo.has(o)) return memo.get(o);
  if (Array.isArray(o)) {
    const a: unknown[] = [];
    memo.set(o, a);
    for (const x of o) a.push(copyOut(x, targets, memo));
    return a;
  }
  if (isSMap(o)) {
    const m = Object.create(Object.getPrototypeOf(o)) as SMapLike;
    memo.set(o, m);
    Object.assign(m, { dflt: copyOut(o.dflt, targets, memo), entries: new Map() });
    for (const k of o.keys()) m.entries.set(k, copyOut(o.get(k), targets, memo));
    return m;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return o; // not a record: returned as it is
  const r: Record<string, unknown> = Object.create(proto);
  memo.set(o, r);
  for (const k of Object.keys(o)) r[k] = copyOut((o as Record<string, unknown>)[k], targets, memo);
  return r;
}

/** True when one cell contains the other: equal, or a prefix ending at a segment boundary
 *  (`inodes[3]` contains `inodes[3].nlink`, not `inodes[31]`). */
export function overlaps(x: string, y: string): boolean {
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return long.startsWith(short) && '.[{'.includes(long[short.length]);
}

/**
 * The cells one operation writes and the other reads or writes. When the two name nested cells
 * the conflict is reported on the finer one (where the other operation is affected). Each cell
 * once, with the strongest kinds involved; ordered by where `a` first touched it, then `b`.
 */
export function conflicts(a: Access[], b: Access[]): Conflict[] {
  const first = (acc: Access[]) => {
    const m = new Map<string, number>();
    acc.forEach((x, i) => { if (!m.has(x.cell)) m.set(x.cell, i); });
    return m;
  };
  const firstA = first(a), firstB = first(b);
  const found = new Map<string, { c: Conflict; order: [number, number] }>();
  for (const x of a) {
    for (const y of b) {
      if (x.kind === 'read' && y.kind === 'read') continue;
      // two changes of a map's key set (two creates of different names) meet only in the set
      // itself, which the subset cannot read (no keys(), no size): an SMap is per-key cells,
      // like sv6's per-name directory entries; a conflict needs a reader of the key set
      if (x.kind === 'write' && y.kind === 'write' && x.cell === y.cell && x.cell.endsWith('{#keys}')) continue;
      if (!overlaps(x.cell, y.cell)) continue;
      const cell = x.cell.length >= y.cell.length ? x.cell : y.cell;
      const order: [number, number] = [firstA.get(x.cell) as number, firstB.get(y.cell) as number];
      const f = found.get(cell);
      if (!f) {
        found.set(cell, { c: { cell, a: x.kind, b: y.kind }, order });
        continue;
      }
      if (x.kind === 'write') f.c.a = 'write';
      if (y.kind === 'write') f.c.b = 'write';
      if (order[0] < f.order[0] || (order[0] === f.order[0] && order[1] < f.order[1])) f.order = order;
    }
  }
  return [...found.values()]
    .sort((p, q) => p.order[0] - q.order[0] || p.order[1] - q.order[1] || (p.c.cell < q.c.cell ? -1 : 1))
    .map((f) => f.c);
}
