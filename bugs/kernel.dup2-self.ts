// Seeded bug: dup2(fd, current, fd) is not a no-op: it drops and re-takes the only reference, clearing the file.
import type { i32 } from 'pushbutton';
import { ESRCH, EBADF, EACCES } from '../spec/kernel.ts';
import { type State, validPid, validFd, mayManage, putFile } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function dup2(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.ofile[s.current][oldfd];
  if (fn === 0) return EBADF;
  const old = s.ofile[pid][newfd];
  if (old !== 0) {
    s.nr_fds[pid] = s.nr_fds[pid] - 1;
    putFile(s, old);
  }
  s.ofile[pid][newfd] = fn;
  s.nr_fds[pid] = s.nr_fds[pid] + 1;
  s.file_refcnt[fn] = s.file_refcnt[fn] + 1;
  return 0;
}
