// The smallest whole subsystem: a bounded counter (DESIGN.md's example).
import type { u32 } from 'pushbutton';

export const MAX = 1000;

export interface State {
  value: u32;
}

export function init(): State {
  return { value: 0 };
}

/** Adds `by` (at most 10) unless that would pass MAX; -22 is -EINVAL. */
export function incr(s: State, by: u32): number {
  if (by > 10 || s.value + by > MAX) return -22;
  s.value = s.value + by;
  return 0;
}

export function inv_bounded(s: State): boolean {
  return s.value <= MAX;
}
