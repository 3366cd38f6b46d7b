// Seeded bug: open without O_ANYFD takes the highest free descriptor, where POSIX requires the lowest.
import type { i32 } from 'pushbutton';
import { EINVAL, ENOENT, EEXIST, EMFILE, ENOSPC, ENAMETOOLONG, type Fn } from '../spec/posix.ts';
import { type State, validPid, validName, allocInode, highestFd, create, truncate, addOpen } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function open(s: State, pid: i32, name: Fn, creat: boolean, excl: boolean, trunc: boolean, anyfd: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validName(name)) return ENAMETOOLONG;
  const exists = s.named[name];
  if (!exists && !creat) return ENOENT;
  if (exists && creat && excl) return EEXIST;
  const fd = highestFd(s, pid, -1);
  if (fd < 0) return EMFILE;
  let ino = -1;
  if (exists) {
    ino = s.dir[name];
    if (trunc) truncate(s, ino);
  } else {
    ino = allocInode(s);
    if (ino < 0) return ENOSPC;
    create(s, name, ino);
  }
  s.fd_kind[pid][fd] = 'file';
  s.fd_obj[pid][fd] = ino;
  s.fd_off[pid][fd] = 0;
  addOpen(s, ino, 1);
  return fd;
}
