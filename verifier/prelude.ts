// The prelude: the types and helpers that specs and implementations import from 'pushbutton'.
//
// Everything here is ordinary, executable TypeScript so that a spec runs in a unit test exactly as
// it is verified. The front end recognises these names by the module they come from and gives each
// one its SMT meaning; the runtime meaning below is what differential tests compare against.

/** Integer types. At run time they are plain numbers; the verifier checks every stored value fits. */
export type u8 = number;
export type u16 = number;
export type u32 = number;
export type i8 = number;
export type i16 = number;
export type i32 = number;

/** A fixed-length array. `N` is a numeric literal type or a `typeof CONST`. */
export type Arr<T, N extends number> = T[] & { readonly __length?: N };

/** An identifier of an uninterpreted sort: the only operation on it is equality. */
export type Opaque<Name extends string> = string & { readonly __opaque?: Name };

/** Builds a fixed-length array whose element `i` is `f(i)`. */
export function arr<T, N extends number>(n: N, f: (i: number) => T): Arr<T, N> {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(f(i));
  const make = (globalThis as Record<symbol, unknown>)[MAKE_ARRAY] as (<U>(a: U[]) => U[]) | undefined;
  return (make ? make(a) : a) as Arr<T, N>;
}

/** A total map with a default value: keys never set read as the default. */
export class SMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(readonly dflt: V) {}
  get(k: K): V {
    return this.entries.has(k) ? (this.entries.get(k) as V) : this.dflt;
  }
  set(k: K, v: V): void {
    this.entries.set(k, v);
  }
  has(k: K): boolean {
    return this.entries.has(k);
  }
  delete(k: K): void {
    this.entries.delete(k);
  }
  /** The keys explicitly set, for printing and replay. */
  keys(): K[] {
    return [...this.entries.keys()];
  }
}

/** Builds an empty map whose every key reads as `dflt`. */
export function smap<K, V>(dflt: V): SMap<K, V> {
  return new SMap<K, V>(dflt);
}

/**
 * A value back from its JSON (verify commute's saved and emitted tests write maps as
 * `{ default, entries }`): not for specs, for the code that runs their tests.
 */
export function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 2 && 'default' in o && Array.isArray(o.entries)) {
      const m = new SMap<unknown, unknown>(revive(o.default));
      for (const [k, x] of o.entries as [unknown, unknown][]) m.set(revive(k), revive(x));
      return m;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

/** Two maps are the same when they have the same default and the same keys set to the same values. */
export function sameMap<K, V>(a: SMap<K, V>, b: SMap<K, V>): boolean {
  if (a.dflt !== b.dflt) return false;
  const ka = a.keys(), kb = b.keys();
  return ka.length === kb.length && ka.every((k) => b.has(k) && a.get(k) === b.get(k));
}

/** True when `f(i)` holds for every `i` in `0..n-1`. */
export function forall(n: number, f: (i: number) => boolean): boolean {
  for (let i = 0; i < n; i++) if (!f(i)) return false;
  return true;
}

/** True when `f(i)` holds for some `i` in `0..n-1`. */
export function exists(n: number, f: (i: number) => boolean): boolean {
  for (let i = 0; i < n; i++) if (f(i)) return true;
  return false;
}

/** The number of `i` in `0..n-1` for which `f(i)` holds. */
export function count(n: number, f: (i: number) => boolean): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (f(i)) c++;
  return c;
}

/**
 * Some `i` in `0..n-1` for which `f(i)` holds, or -1 when there is none: the spec's way to leave a
 * choice open ("any free descriptor"). The verifier treats every such `i` as possible (refinement
 * lets the implementation pick any of them; commutativity gives each execution order its own
 * choice). At run time it is the lowest such `i`, unless a chooser is installed under CHOOSE_HOOK
 * (replays and commutativity tests steer the spec's choices through it).
 */
export function choose(n: number, f: (i: number) => boolean): number {
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (f(i)) candidates.push(i);
  if (candidates.length === 0) return -1;
  const hook = (globalThis as Record<symbol, unknown>)[CHOOSE_HOOK] as ((candidates: number[]) => number) | undefined;
  return hook ? hook(candidates) : candidates[0];
}

/** Chooser hook: given the candidates of one `choose`, returns the one to take. */
export const CHOOSE_HOOK = Symbol.for('pushbutton.choose');

/**
 * The core (CPU) the running operation is on, one of `0..n-1`: for an implementation's per-core
 * data (Refcache-style per-core counts). The verifier proves the implementation correct on every
 * core, as it does for an implementation's `choose`; `verify commute` runs the two calls of a
 * test on cores 0 and 1, as MTRACE runs them on two cores. At run time 0, unless a core is
 * installed under CPU_HOOK.
 */
export function cpu(n: number): number {
  const g = globalThis as Record<symbol, unknown>;
  g[CPU_CALLS] = cpuCalls() + 1;
  const c = g[CPU_HOOK];
  return typeof c === 'number' ? c % n : 0;
}

/** The core cpu() answers, while verify commute runs a call on it. */
export const CPU_HOOK = Symbol.for('pushbutton.cpu');
const CPU_CALLS = Symbol.for('pushbutton.cpuCalls');

/** Runs `f` with cpu() answering `core` (when given), and puts back what was installed before. */
export function onCore<R>(core: number | undefined, f: () => R): R {
  if (core === undefined) return f();
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[CPU_HOOK];
  g[CPU_HOOK] = core;
  try {
    return f();
  } finally {
    if (previous === undefined) delete g[CPU_HOOK];
    else g[CPU_HOOK] = previous;
  }
}

/** How many times cpu() has been called (a replay tries other cores only for code that asks). */
export function cpuCalls(): number {
  return ((globalThis as Record<symbol, unknown>)[CPU_CALLS] as number | undefined) ?? 0;
}

/** Logical implication. */
export function implies(a: boolean, b: boolean): boolean {
  return !a || b;
}

/** A failed assertion is a runtime error: the verifier proves it never fails. */
export function assert(c: boolean, message?: string): void {
  if (!c) throw new AssertionFailure(message ?? 'assertion failed');
}

/** An assumption restricts the verified inputs; at run time a violated assumption is reported. */
export function assume(c: boolean): void {
  if (!c) throw new AssumptionViolated('assumption violated');
}

export class AssertionFailure extends Error {}
export class AssumptionViolated extends Error {}

/**
 * Replay hook. While the verifier replays a counterexample it installs a function under this key
 * that returns bounds-checked arrays, so an out-of-bounds access shows up as an exception in the
 * real code. A global symbol (not a module variable) because the user's code may load its own copy
 * of this module.
 */
export const MAKE_ARRAY = Symbol.for('pushbutton.makeArray');

// ---- reference counts (verify rid) -------------------------------------------------------------
//
// A refcount API is declared in ordinary TypeScript (docs/rid.md): a function whose body calls
// `inc`, `dec`, `consume` or `result` is a declaration of a primitive. At run time these helpers
// do nothing unless `verify rid` is replaying a witness, when they report to the hook below.

/** A reference count stored in a field: writes to it are counted by `verify rid`. Never negative. */
export type Counter = number;

/** Replay hook of `verify rid`, installed only while a witness is replayed. */
export const RID_HOOK = Symbol.for('pushbutton.rid');

interface RidHook {
  change(how: 'inc' | 'dec' | 'consume', x: unknown, counter: string): void;
  result(): unknown;
}

function ridHook(): RidHook | undefined {
  return (globalThis as Record<symbol, unknown>)[RID_HOOK] as RidHook | undefined;
}

/** The primitive takes one reference of `x`'s counter named `counter`. */
export function inc(x: unknown, counter: string): void {
  ridHook()?.change('inc', x, counter);
}

/** The primitive drops one reference of `x`'s counter. */
export function dec(x: unknown, counter: string): void {
  ridHook()?.change('dec', x, counter);
}

/** The primitive takes over the caller's reference of `x` (a −1 for the caller: ownership passed on). */
export function consume(x: unknown, counter: string): void {
  ridHook()?.change('consume', x, counter);
}

/** Declares that the caller hands this function one reference of `x` (the parameter is owned, not borrowed). */
export function owned(_x: unknown, _counter: string): void {}

/**
 * The outcome of a primitive the verifier does not see into (a hidden value, e.g. whether a
 * resume succeeded): any value of the declared type. Outside a replay it is 0 (or false).
 */
export function result<T = number>(): T {
  const h = ridHook();
  return (h ? h.result() : 0) as T;
}
