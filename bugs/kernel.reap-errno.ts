// Seeded bug: reap of a zombie that still holds resources returns EINVAL instead of EBUSY (wrong errno).
import type { i32 } from 'pushbutton';
import { ESRCH, ECHILD, EBUSY, EINVAL } from '../spec/kernel.ts';
import { type State, validPid } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function reap(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] === 'unused' || s.proc_ppid[pid] !== s.current) return ECHILD;
  if (s.proc_state[pid] !== 'zombie') return EINVAL;
  if (s.nr_children[pid] !== 0 || s.nr_fds[pid] !== 0 || s.nr_pages[pid] !== 0) return EINVAL;
  const cur = s.current;
  s.proc_state[pid] = 'unused';
  s.proc_ppid[pid] = 0;
  s.proc_killed[pid] = false;
  s.proc_pml4[pid] = 0;
  s.proc_stack[pid] = 0;
  s.proc_hvm[pid] = 0;
  s.proc_tlbinv[pid] = false;
  s.nr_children[cur] = s.nr_children[cur] - 1;
  return 0;
}
