// Seeded bug: read from an empty pipe with a writer hands out a stale page instead of EAGAIN (a read past the pipe's end).
import type { i32 } from 'pushbutton';
import { EBADF, EINVAL, PIPECAP, type ReadResult } from '../spec/posix.ts';
import { type State, validPid, validFd, readErr, readPage, writersOf } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function read(s: State, pid: i32, fd: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none' || k === 'wpipe') return readErr(EBADF);
  const o = s.fd_obj[pid][fd];
  if (k === 'rpipe') {
    if (s.plen[o] === 0 && writersOf(s, o) === 0) return readErr(0);
    const d = s.pbuf[o][0];
    for (let j = 0; j < PIPECAP - 1; j++) s.pbuf[o][j] = s.pbuf[o][j + 1];
    s.pbuf[o][PIPECAP - 1] = 0;
    if (s.plen[o] > 0) s.plen[o] = s.plen[o] - 1;
    return { r: 1, data: d };
  }
  const off = s.fd_off[pid][fd];
  const res = readPage(s, o, off);
  if (res.r === 1) s.fd_off[pid][fd] = off + 1;
  return res;
}
