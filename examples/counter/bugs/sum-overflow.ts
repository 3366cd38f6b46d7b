// Seeded bug: an overflow of a declared integer type. The new value is computed into a u16 local
// before `by` is validated, and `by` is a u32 (up to 4294967295). Refuted in incr (overflow).
import type { u16, u32 } from 'pushbutton';
import { MAX } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

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
