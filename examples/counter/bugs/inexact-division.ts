// Seeded bug: `/` on numbers is not integer division. Renormalising with value / 100 gives a
// fraction (e.g. 1.05) whenever the value is not a multiple of 100; the verifier checks every
// `/` is exact. Write Math.floor(value / 100). Refuted in incr (inexact division).
import type { u32 } from 'pushbutton';
import { MAX } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

export function incr(s: State, by: u32): number {
  if (by > 10 || s.hundreds * 100 + s.rest + by > MAX) return -22;
  const value = s.hundreds * 100 + s.rest + by;
  s.hundreds = value / 100;
  s.rest = value % 100;
  return 0;
}
