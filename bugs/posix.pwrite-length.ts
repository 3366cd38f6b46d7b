// Seeded bug: pwrite sets the file's length to the written page + 1 even when the file is longer (it shrinks the file).
import type { i32 } from 'pushbutton';
import { NPAGE, EBADF, EINVAL, EFBIG, ESPIPE, type Data } from '../spec/posix.ts';
import { type State, validPid, validFd, iget, iput } from '../impl/posix.naive.ts';

export * from '../impl/posix.naive.ts';

export function pwrite(s: State, pid: i32, fd: i32, off: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  if (off < 0) return EINVAL;
  if (off >= NPAGE) return EFBIG;
  const o = s.fd_obj[pid][fd];
  iget(s, o);
  s.i_data[o][off] = data;
  s.i_size[o] = off + 1;
  iput(s, o);
  return 1;
}
