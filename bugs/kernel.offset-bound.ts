// Seeded bug: lseek accepts offset == MAXOFFSET + 1 (off-by-one bound).
import type { i32 } from 'pushbutton';
import { MAXOFFSET, EBADF, EINVAL, ESPIPE } from '../spec/kernel.ts';
import { type State, validFd } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function lseek(s: State, fd: i32, offset: i32): number {
  if (!validFd(fd)) return EBADF;
  const fn = s.ofile[s.current][fd];
  if (fn === 0) return EBADF;
  if (s.file_type[fn] !== 'inode') return ESPIPE;
  if (offset < 0 || offset > MAXOFFSET + 1) return EINVAL;
  s.file_offset[fn] = offset;
  return 0;
}
