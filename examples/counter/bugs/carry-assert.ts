// Seeded bug: an assertion that can fail. The author asserts that an increment never carries
// into `hundreds`, which holds only while rest + by < 100. Refuted in incr (assert).
import type { u32 } from 'pushbutton';
import type * as spec from '../spec';
import { MAX } from '../spec';
import { assert } from 'pushbutton';

export interface State {
  hundreds: u32;
  rest: u32;
}

export function init(): State {
  return { hundreds: 0, rest: 0 };
}

export function incr(s: State, by: u32): number {
  if (by > 10 || s.hundreds * 100 + s.rest + by > MAX) return -22;
  s.rest = s.rest + by;
  assert(s.rest < 100, 'no carry');
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
