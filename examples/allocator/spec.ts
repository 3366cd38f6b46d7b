// A slot allocator (a pid table, an inode table, a pool of fixed-size objects): `alloc` hands out
// the lowest free slot and records its owner, `free` gives a slot back, `available` counts.
//
// The spec is the obvious program: a table of owners, searched on every call. The
// implementation (impl.ts) caches what the spec recomputes, and so needs representation
// invariants to be correct at all: see the comments there and bugs/no-*-inv.ts.
import type { i32, u8, Arr } from 'pushbutton';
import { arr, forall, count } from 'pushbutton';

export const NSLOT = 8;
/** Owners are 1..MAXOWNER; 0 marks a free slot. */
export const MAXOWNER = 200;
export const FREE = 0;

export const EPERM = -1;
export const EINVAL = -22;
export const ENOSPC = -28;

export interface State {
  owner: Arr<u8, typeof NSLOT>;
}

export function init(): State {
  return { owner: arr(NSLOT, (k) => FREE) };
}

/** Gives the lowest free slot to `who` and returns its index, or ENOSPC when every slot is taken. */
export function alloc(s: State, who: i32): number {
  if (who < 1 || who > MAXOWNER) return EINVAL;
  for (let k = 0; k < NSLOT; k++) {
    if (s.owner[k] === FREE) {
      s.owner[k] = who;
      return k;
    }
  }
  return ENOSPC;
}

/** Frees `slot`, which `who` must own. */
export function free(s: State, slot: i32, who: i32): number {
  if (slot < 0 || slot >= NSLOT) return EINVAL;
  if (s.owner[slot] === FREE) return EINVAL;
  if (s.owner[slot] !== who) return EPERM;
  s.owner[slot] = FREE;
  return 0;
}

/** The number of free slots. */
export function available(s: State): number {
  return count(NSLOT, (k) => s.owner[k] === FREE);
}

/** Every owner is a valid one. */
export function inv_owners(s: State): boolean {
  return forall(NSLOT, (k) => s.owner[k] <= MAXOWNER);
}
