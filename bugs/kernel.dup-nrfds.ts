// Seeded bug: dup does not bump nr_fds of the target process (missing refcount update).
import type { i32 } from 'pushbutton';
import { ESRCH, EBADF, EACCES, EBUSY } from '../spec/kernel.ts';
import { type State, validPid, validFd, mayManage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function dup(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.ofile[s.current][oldfd];
  if (fn === 0) return EBADF;
  if (s.ofile[pid][newfd] !== 0) return EBUSY;
  s.ofile[pid][newfd] = fn;
  s.file_refcnt[fn] = s.file_refcnt[fn] + 1;
  return 0;
}
