// Seeded bug: free_pt unmaps a page without setting the TLB-invalidation flag (missing TLB flag).
import type { i32 } from 'pushbutton';
import { EACCES, EINVAL, type PageType } from '../spec/kernel.ts';
import { type State, validPn, validIdx, dropPage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

function noFlushFreePage(s: State, ftype: PageType, from: number, index: number, to: number): number {
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  if (s.page_owner[from] !== s.current) return EACCES;
  if (s.page_type[from] !== ftype) return EINVAL;
  if (s.pte_perm[from][index] === 0 || s.pte_pn[from][index] !== to) return EINVAL;
  s.pte_pn[from][index] = 0;
  s.pte_perm[from][index] = 0;
  dropPage(s, to);
  return 0;
}

export function free_pt(s: State, from: i32, index: i32, to: i32): number {
  return noFlushFreePage(s, 'pd', from, index, to);
}
