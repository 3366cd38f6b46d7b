// Seeded bug: a state change on an error path. `rest` is updated before the bound check, and
// the -EINVAL path returns without undoing it. Refuted in incr (equiv: the spec is unchanged).
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
  if (by > 10) return -22;
  s.rest = s.rest + by;
  if (s.hundreds * 100 + s.rest > MAX) return -22;
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
