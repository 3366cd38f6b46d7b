// Seeded bug: an overflow of a declared integer type. The new value is computed into a u16 local
// before `by` is validated, and `by` is a u32 (up to 4294967295). Refuted in incr (overflow).
import type { u16, u32 } from 'pushbutton';
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
  const total: u16 = s.hundreds * 100 + s.rest + by;
  if (by > 10 || total > MAX) return -22;
  s.rest = s.rest + by;
  if (s.rest >= 100) {
    s.hundreds = s.hundreds + 1;
    s.rest = s.rest - 100;
  }
  return 0;
}

/** The representation invariant: without it, `rest` could exceed 99 and carry twice. */
export function inv_rest(s: State): boolean {
  return s.rest < 100;
}

export function equiv(i: State, s: spec.State): boolean {
  return i.hundreds * 100 + i.rest === s.value;
}
