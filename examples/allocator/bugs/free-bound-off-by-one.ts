// Seeded bug: an off-by-one bound check in free (slot > NSLOT instead of slot >= NSLOT), so
// free(NSLOT, ...) reads owner[NSLOT]: an index out of bounds. Refuted in free (bounds).
import type { i32, u8, Arr } from 'pushbutton';
import { arr, forall, count, implies } from 'pushbutton';
import type * as spec from '../spec';
import { NSLOT, MAXOWNER, FREE, EPERM, EINVAL, ENOSPC } from '../spec';

export interface State {
  owner: Arr<u8, typeof NSLOT>;
  nfree: u8;
  hint: u8;
}

export function init(): State {
  return { owner: arr(NSLOT, (k) => FREE), nfree: NSLOT, hint: 0 };
}

/** The lowest free slot above `k`, or NSLOT. */
function nextFree(s: State, k: number): number {
  for (let j = 0; j < NSLOT; j++) {
    if (j > k && s.owner[j] === FREE) return j;
  }
  return NSLOT;
}

export function alloc(s: State, who: i32): number {
  if (who < 1 || who > MAXOWNER) return EINVAL;
  if (s.nfree === 0) return ENOSPC;
  const k = s.hint;
  s.owner[k] = who;
  s.nfree = s.nfree - 1;
  s.hint = nextFree(s, k);
  return k;
}

export function free(s: State, slot: i32, who: i32): number {
  if (slot < 0 || slot > NSLOT) return EINVAL;
  if (s.owner[slot] === FREE) return EINVAL;
  if (s.owner[slot] !== who) return EPERM;
  s.owner[slot] = FREE;
  s.nfree = s.nfree + 1;
  if (slot < s.hint) s.hint = slot;
  return 0;
}

export function available(s: State): number {
  return s.nfree;
}

/** The cached count is the number of free slots. */
export function inv_nfree(s: State): boolean {
  return s.nfree === count(NSLOT, (k) => s.owner[k] === FREE);
}

/** The hint is the lowest free slot, or NSLOT when every slot is taken. */
export function inv_hint(s: State): boolean {
  return s.hint <= NSLOT && forall(NSLOT, (k) => implies(k < s.hint, s.owner[k] !== FREE)) && (s.hint === NSLOT || s.owner[s.hint] === FREE);
}

export function equiv(i: State, s: spec.State): boolean {
  return forall(NSLOT, (k) => i.owner[k] === s.owner[k]);
}
