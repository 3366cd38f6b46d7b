// Seeded bug: alloc_pd does not check the type of the parent page table (wrong type check).
import type { i32 } from 'pushbutton';
import { ESRCH, ENOMEM, EACCES, EEXIST, EINVAL, type PageType } from '../spec/kernel.ts';
import { type State, validPid, validPn, validIdx, validPerm, mayManage, takePage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

function untypedAllocPage(s: State, ftype: PageType, ttype: PageType, pid: number, from: number, index: number, to: number, perm: number): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  if (s.page_owner[from] !== pid) return EACCES;
  if (!validPerm(perm)) return EINVAL;
  if (s.pte_perm[from][index] !== 0) return EEXIST;
  if (s.page_type[to] !== 'free') return ENOMEM;
  takePage(s, pid, to, ttype);
  s.pte_pn[from][index] = to;
  s.pte_perm[from][index] = perm;
  return 0;
}

export function alloc_pd(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return untypedAllocPage(s, 'pdpt', 'pd', pid, from, index, to, perm);
}
