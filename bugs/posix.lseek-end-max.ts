// Seeded bug: lseek from the end decides "past MAXOFF" one page early, so a seek to exactly MAXOFF is refused (EINVAL).
import type { i32 } from 'pushbutton';
import { MAXOFF, EBADF, EINVAL, ESPIPE, type Whence } from '../spec/posix.ts';
import { type State, validPid, validFd, sizeAtLeast, sizeOf } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function lseek(s: State, pid: i32, fd: i32, off: i32, whence: Whence): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  let n = off;
  if (whence === 'cur') {
    n = s.fd_off[pid][fd] + off;
  } else if (whence === 'end') {
    const ino = s.fd_obj[pid][fd];
    if (!sizeAtLeast(s, ino, -off) || sizeAtLeast(s, ino, MAXOFF - off)) return EINVAL;
    n = sizeOf(s, ino) + off;
  }
  if (n < 0 || n > MAXOFF) return EINVAL;
  if (s.fd_off[pid][fd] !== n) s.fd_off[pid][fd] = n;
  return n;
}
