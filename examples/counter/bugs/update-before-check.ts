// Seeded bug: a state change on an error path. `rest` is updated before the bound check, and
// the -EINVAL path returns without undoing it. Refuted in incr (equiv: the spec is unchanged).
import type { u32 } from 'pushbutton';
import { MAX } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

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
