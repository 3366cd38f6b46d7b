// Seeded bug: clone does not bump the parent's nr_children (missing refcount update).
import type { i32 } from 'pushbutton';
import { ESRCH, ENOMEM, EBUSY, EINVAL } from '../spec/kernel.ts';
import { type State, validPid, validPn, takePage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function clone(s: State, pid: i32, pml4: i32, stack: i32, hvm: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] !== 'unused') return EBUSY;
  if (!validPn(pml4) || !validPn(stack) || !validPn(hvm)) return EINVAL;
  if (pml4 === stack || pml4 === hvm || stack === hvm) return EINVAL;
  if (s.page_type[pml4] !== 'free' || s.page_type[stack] !== 'free' || s.page_type[hvm] !== 'free') return ENOMEM;
  const cur = s.current;
  s.proc_state[pid] = 'embryo';
  s.proc_ppid[pid] = cur;
  s.proc_killed[pid] = false;
  s.proc_pml4[pid] = pml4;
  s.proc_stack[pid] = stack;
  s.proc_hvm[pid] = hvm;
  s.proc_tlbinv[pid] = false;
  takePage(s, pid, pml4, 'pml4');
  takePage(s, pid, stack, 'proc_data');
  takePage(s, pid, hvm, 'proc_data');
  return 0;
}
