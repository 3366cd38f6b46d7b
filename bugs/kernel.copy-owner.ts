// Seeded bug: copy_frame does not check who owns the destination frame.
import type { i32 } from 'pushbutton';
import { arr } from 'pushbutton';
import { NPTE, ESRCH, EACCES, EINVAL } from '../spec/kernel.ts';
import { type State, validPid, validPn, mayManage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function copy_frame(s: State, from: i32, pid: i32, to: i32): number {
  if (!validPn(from) || !validPn(to)) return EINVAL;
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (s.page_owner[from] !== s.current) return EACCES;
  if (s.page_type[from] !== 'frame' || s.page_type[to] !== 'frame') return EINVAL;
  const src = s.page_data[from];
  s.page_data[to] = arr(NPTE, (i) => src[i]);
  return 0;
}
