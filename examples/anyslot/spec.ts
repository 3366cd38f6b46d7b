// A slot allocator whose spec leaves the choice open: `alloc` may hand out ANY free slot (as
// POSIX lets an O_ANYFD open return any free descriptor). `choose` states the choice; the
// implementation is free to pick any slot the spec allows, and verify proves it picks one.
import type { u8, i32, Arr } from 'pushbutton';
import { arr, choose, count } from 'pushbutton';

export const NSLOT = 6;
export const ENOSPC = -28;
export const EINVAL = -22;

export interface State {
  used: Arr<boolean, typeof NSLOT>;
  /** how many allocations happened: results of `alloc` differ by slot only */
  allocs: u8;
}

export function init(): State {
  return { used: arr(NSLOT, (k) => false), allocs: 0 };
}

/** Takes some free slot and returns it, or ENOSPC. */
export function alloc(s: State): number {
  const k = choose(NSLOT, (i) => !s.used[i]);
  if (k < 0) return ENOSPC;
  s.used[k] = true;
  if (s.allocs < 255) s.allocs = s.allocs + 1;
  return k;
}

/** Frees `slot`. */
export function free(s: State, slot: i32): number {
  if (slot < 0 || slot >= NSLOT || !s.used[slot]) return EINVAL;
  s.used[slot] = false;
  return 0;
}

export function inv_allocs(s: State): boolean {
  return count(NSLOT, (k) => s.used[k]) <= s.allocs || s.allocs === 255;
}
