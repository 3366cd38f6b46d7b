// Seeded bug: a wrong errno. Freeing a slot owned by someone else returns EINVAL, the spec says
// EPERM. Refuted in free (result).
import type { i32, u8, Arr } from 'pushbutton';
import { NSLOT, MAXOWNER, FREE, EINVAL, ENOSPC } from '../spec';
import type { State } from '../impl';

// Everything else is the correct implementation; this file changes only what follows.
export * from '../impl';

export function free(s: State, slot: i32, who: i32): number {
  if (slot < 0 || slot >= NSLOT) return EINVAL;
  if (s.owner[slot] === FREE) return EINVAL;
  if (s.owner[slot] !== who) return EINVAL;
  s.owner[slot] = FREE;
  s.nfree = s.nfree + 1;
  if (slot < s.hint) s.hint = slot;
  return 0;
}
