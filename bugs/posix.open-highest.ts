// Seeded bug: open without O_ANYFD takes the highest free descriptor, where POSIX requires the lowest.
import type { i32 } from 'pushbutton';
import { EINVAL, ENOENT, EEXIST, EMFILE, ENOSPC, ENAMETOOLONG, type Fn } from '../spec/posix.ts';
import { type State, validPid, validName, lookup, highestFd, create, truncate } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function open(s: State, pid: i32, name: Fn, creat: boolean, excl: boolean, trunc: boolean, anyfd: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validName(name)) return ENAMETOOLONG;
  let ino = lookup(s, name);
  if (ino < 0 && !creat) return ENOENT;
  if (ino >= 0 && creat && excl) return EEXIST;
  const fd = highestFd(s, pid, -1);
  if (fd < 0) return EMFILE;
  if (ino < 0) {
    ino = create(s, name);
    if (ino < 0) return ENOSPC;
  } else if (trunc) {
    truncate(s, ino);
  }
  s.fd_kind[pid][fd] = 'file';
  s.fd_obj[pid][fd] = ino;
  s.fd_off[pid][fd] = 0;
  s.opens[ino][pid] = s.opens[ino][pid] + 1;
  return fd;
}
