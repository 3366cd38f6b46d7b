// Seeded bug: free does not lower the hint when the freed slot is below it, so the next alloc
// would not return the lowest free slot. Refuted in free: inv_hint does not hold afterwards.
import type { i32, u8, Arr } from 'pushbutton';
import { NSLOT, MAXOWNER, FREE, EPERM, EINVAL, ENOSPC } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

export function free(s: State, slot: i32, who: i32): number {
  if (slot < 0 || slot >= NSLOT) return EINVAL;
  if (s.owner[slot] === FREE) return EINVAL;
  if (s.owner[slot] !== who) return EPERM;
  s.owner[slot] = FREE;
  s.nfree = s.nfree + 1;
  return 0;
}
