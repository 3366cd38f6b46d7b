// Seeded bug: `/` on numbers is not integer division. Renormalising with value / 100 gives a
// fraction (e.g. 1.05) whenever the value is not a multiple of 100; the verifier checks every
// `/` is exact. Write Math.floor(value / 100). Refuted in incr (inexact division).
import type { u32 } from 'pushbutton';
import type * as spec from '../spec';
import { MAX } from '../spec';

export interface State {
  hundreds: u32;
  rest: u32;
}

export function init(): State {
  return { hundreds: 0, rest: 0 };
}

export function incr(s: State, by: u32): number {
  if (by > 10 || s.hundreds * 100 + s.rest + by > MAX) return -22;
  const value = s.hundreds * 100 + s.rest + by;
  s.hundreds = value / 100;
  s.rest = value % 100;
  return 0;
}

/** The representation invariant: without it, `rest` could exceed 99 and carry twice. */
export function inv_rest(s: State): boolean {
  return s.rest < 100;
}

export function equiv(i: State, s: spec.State): boolean {
  return i.hundreds * 100 + i.rest === s.value;
}
