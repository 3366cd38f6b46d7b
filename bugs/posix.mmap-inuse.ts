// Seeded bug: a non-fixed mmap takes the last virtual page even when it is in use (replacing a live mapping) while another page is free.
import type { i32 } from 'pushbutton';
import { NVA, NPAGE, EBADF, EINVAL, ENODEV, ENOMEM } from '../spec/posix.ts';
import { type State, validPid, validFd, validVa, allocVa, unmapVa, addMap } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function mmap(s: State, pid: i32, anon: boolean, writable: boolean, fixed: boolean, va: i32, fd: i32, off: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (fixed && !validVa(va)) return EINVAL;
  let ino = -1;
  if (!anon) {
    if (!validFd(fd)) return EBADF;
    const k = s.fd_kind[pid][fd];
    if (k === 'none') return EBADF;
    if (k !== 'file') return ENODEV;
    if (off < 0 || off >= NPAGE) return EINVAL;
    ino = s.fd_obj[pid][fd];
  }
  let v = va;
  if (!fixed) v = allocVa(s, pid) < 0 ? -1 : NVA - 1;
  if (v < 0) return ENOMEM;
  if (!anon) addMap(s, ino, 1);
  unmapVa(s, pid, v);
  s.vm_writable[pid][v] = writable;
  if (anon) {
    s.vm_kind[pid][v] = 'anon';
  } else {
    s.vm_kind[pid][v] = 'file';
    s.vm_ino[pid][v] = ino;
    s.vm_off[pid][v] = off;
  }
  return v;
}
