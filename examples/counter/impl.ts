// The counter kept in two fields: hundreds and the rest below 100.
import type { u32 } from 'pushbutton';
import type * as spec from './spec';
import { MAX } from './spec';

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
  if (s.rest >= 100) {
    s.hundreds = s.hundreds + 1;
    s.rest = s.rest - 100;
  }
  return 0;
}

/** A representation invariant: `rest` stays below 100. (Refinement holds without it too; see examples/allocator for one that is needed.) */
export function inv_rest(s: State): boolean {
  return s.rest < 100;
}

export function equiv(i: State, s: spec.State): boolean {
  return i.hundreds * 100 + i.rest === s.value;
}
