// Seeded bug: closing the read end of a pipe does not drop the pipe's reader count (a missing refcount update).
import type { i32 } from 'pushbutton';
import { EBADF, EINVAL, PIPECAP } from '../spec/posix.ts';
import { arr } from 'pushbutton';
import { type State, validPid, validFd, maybeFreeInode, clearFd } from '../impl/posix.naive.ts';

export * from '../impl/posix.naive.ts';

export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  const o = s.fd_obj[pid][fd];
  if (k === 'file') {
    s.i_count[o] = s.i_count[o] - 1;
    maybeFreeInode(s, o);
  } else {
    if (k === 'wpipe') s.p_writers[o] = s.p_writers[o] - 1;
    if (s.p_readers[o] === 0 && s.p_writers[o] === 0) {
      s.p_len[o] = 0;
      s.p_buf[o] = arr(PIPECAP, (j) => 0);
    }
  }
  clearFd(s, pid, fd);
  return 0;
}
