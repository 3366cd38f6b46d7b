// Seeded bug: close does not drop the file's reference count (missing refcount update).
import type { i32 } from 'pushbutton';
import { ESRCH, EBADF, EACCES } from '../spec/kernel.ts';
import { type State, validPid, validFd } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (pid !== s.current && s.proc_state[pid] !== 'zombie') return EACCES;
  if (!validFd(fd)) return EBADF;
  const fn = s.ofile[pid][fd];
  if (fn === 0) return EBADF;
  s.ofile[pid][fd] = 0;
  s.nr_fds[pid] = s.nr_fds[pid] - 1;
  return 0;
}
