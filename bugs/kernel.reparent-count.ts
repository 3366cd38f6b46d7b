// Seeded bug: reparent does not decrement the old parent's nr_children (missing refcount update).
import type { i32 } from 'pushbutton';
import { INITPID, EPERM, ESRCH, EINVAL } from '../spec/kernel.ts';
import { type State, validPid, isLive } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function reparent(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] === 'unused') return ESRCH;
  const old = s.proc_ppid[pid];
  if (s.proc_state[old] !== 'zombie') return EPERM;
  if (!isLive(s.proc_state[INITPID])) return EINVAL;
  s.proc_ppid[pid] = INITPID;
  s.nr_children[INITPID] = s.nr_children[INITPID] + 1;
  return 0;
}
