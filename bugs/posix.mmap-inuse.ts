// Seeded bug: a non-fixed mmap takes the last virtual page even when it is in use (replacing a live mapping) while another page is free.
import type { i32 } from 'pushbutton';
import { NVA, NPAGE, EBADF, EINVAL, ENODEV, ENOMEM } from '../spec/posix.ts';
import { type State, validPid, validFd, validVa, allocVa, unmapVa, addMap, setVma } from '../impl/posix.scalable.ts';

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
  setVma(s, pid, v, anon ? 'anon' : 'file', writable, ino, anon ? 0 : off);
  return v;
}
