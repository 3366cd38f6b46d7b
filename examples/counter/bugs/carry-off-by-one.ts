// Seeded bug: off-by-one carry (rest > 100, not >= 100) leaves rest = 100; refuted in incr (inv_rest).
import type { u32 } from 'pushbutton';
import { MAX } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

export function incr(s: State, by: u32): number {
  if (by > 10 || s.hundreds * 100 + s.rest + by > MAX) return -22;
  s.rest = s.rest + by;
  if (s.rest > 100) {
    s.hundreds = s.hundreds + 1;
    s.rest = s.rest - 100;
  }
  return 0;
}
