// Seeded bug: free_frame does not check that the entry maps the page being freed.
import type { i32 } from 'pushbutton';
import { EACCES, EINVAL, type PageType } from '../spec/kernel.ts';
import { type State, validPn, validIdx, dropPage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

function uncheckedFreePage(s: State, ftype: PageType, from: number, index: number, to: number): number {
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  if (s.page_owner[from] !== s.current) return EACCES;
  if (s.page_type[from] !== ftype) return EINVAL;
  if (s.pte_perm[from][index] === 0) return EINVAL;
  s.pte_pn[from][index] = 0;
  s.pte_perm[from][index] = 0;
  dropPage(s, to);
  s.proc_tlbinv[s.current] = true;
  return 0;
}

export function free_frame(s: State, from: i32, index: i32, to: i32): number {
  return uncheckedFreePage(s, 'pt', from, index, to);
}
