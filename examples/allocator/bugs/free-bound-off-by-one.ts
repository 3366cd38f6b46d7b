// Seeded bug: an off-by-one bound check in free (slot > NSLOT instead of slot >= NSLOT), so
// free(NSLOT, ...) reads owner[NSLOT]: an index out of bounds. Refuted in free (bounds).
import type { i32, u8, Arr } from 'pushbutton';
import { NSLOT, MAXOWNER, FREE, EPERM, EINVAL, ENOSPC } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

export function free(s: State, slot: i32, who: i32): number {
  if (slot < 0 || slot > NSLOT) return EINVAL;
  if (s.owner[slot] === FREE) return EINVAL;
  if (s.owner[slot] !== who) return EPERM;
  s.owner[slot] = FREE;
  s.nfree = s.nfree + 1;
  if (slot < s.hint) s.hint = slot;
  return 0;
}
