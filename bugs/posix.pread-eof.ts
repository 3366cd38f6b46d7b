// Seeded bug: pread answers from the page without its present bit, so a read past the end of the file returns a page instead of end of file.
import type { i32 } from 'pushbutton';
import { NPAGE, EBADF, EINVAL, ESPIPE, type ReadResult } from '../spec/posix.ts';
import { type State, validPid, validFd, readErr } from '../impl/posix.scalable.ts';

export * from '../impl/posix.scalable.ts';

export function pread(s: State, pid: i32, fd: i32, off: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return readErr(EBADF);
  if (k !== 'file') return readErr(ESPIPE);
  if (off < 0) return readErr(EINVAL);
  if (off >= NPAGE) return readErr(0);
  return { r: 1, data: s.pages[s.fd_obj[pid][fd]][off] };
}
