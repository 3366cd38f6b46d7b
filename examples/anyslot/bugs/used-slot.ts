// Seeded bug: alloc hands out slot 0 when it is free or not, i.e. a slot no choice of the spec allows.
export * from '../impl.ts';
import type { State } from '../impl.ts';
import { NSLOT, ENOSPC } from '../spec.ts';

export function alloc(s: State): number {
  for (let k = 0; k < NSLOT; k++) {
    if (!s.busy[k]) {
      s.busy[0] = true;
      if (s.allocs < 255) s.allocs = s.allocs + 1;
      return 0;
    }
  }
  return ENOSPC;
}
