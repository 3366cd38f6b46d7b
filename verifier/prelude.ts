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
