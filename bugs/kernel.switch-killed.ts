// Seeded bug: switch_to leaves a killed current process RUNNABLE instead of making it a ZOMBIE.
import type { i32 } from 'pushbutton';
import { ESRCH, EINVAL } from '../spec/kernel.ts';
import { type State, validPid } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function switch_to(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] !== 'runnable') return EINVAL;
  const cur = s.current;
  s.proc_state[cur] = 'runnable';
  s.proc_state[pid] = 'running';
  s.proc_tlbinv[pid] = false;
  s.current = pid;
  return 0;
}
