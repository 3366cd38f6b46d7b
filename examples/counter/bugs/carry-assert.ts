// Seeded bug: an assertion that can fail. The author asserts that an increment never carries
// into `hundreds`, which holds only while rest + by < 100. Refuted in incr (assert).
import type { u32 } from 'pushbutton';
import { MAX } from '../spec';
import { assert } from 'pushbutton';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

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
