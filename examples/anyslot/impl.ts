// The implementation hands out the HIGHEST free slot (a different choice than the spec's run-time
// default, the lowest): refinement holds because the spec allows any free slot.
import type { u8, i32, Arr } from 'pushbutton';
import { arr } from 'pushbutton';
import type * as spec from './spec.ts';
import { NSLOT, ENOSPC, EINVAL } from './spec.ts';

export interface State {
  busy: Arr<boolean, typeof NSLOT>;
  allocs: u8;
}

export function init(): State {
  return { busy: arr(NSLOT, (k) => false), allocs: 0 };
}

export function alloc(s: State): number {
  for (let j = 0; j < NSLOT; j++) {
    const k = NSLOT - 1 - j;
    if (!s.busy[k]) {
      s.busy[k] = true;
      if (s.allocs < 255) s.allocs = s.allocs + 1;
      return k;
    }
  }
  return ENOSPC;
}

export function free(s: State, slot: i32): number {
  if (slot < 0 || slot >= NSLOT || !s.busy[slot]) return EINVAL;
  s.busy[slot] = false;
  return 0;
}

export function equiv(i: State, s: spec.State): boolean {
  for (let k = 0; k < NSLOT; k++) if (i.busy[k] !== s.used[k]) return false;
  return i.allocs === s.allocs;
}
