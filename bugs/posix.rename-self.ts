// Seeded bug: rename of a name onto itself removes it (the src === dst case is missing), destroying the file.
import type { Fn } from '../spec/posix.ts';
import { ENOENT } from '../spec/posix.ts';
import { type State, lockDir, lookup, maybeFreeInode } from '../impl/posix.naive.ts';

export * from '../impl/posix.naive.ts';

export function rename(s: State, src: Fn, dst: Fn): number {
  lockDir(s);
  const ino = lookup(s, src);
  if (ino < 0) return ENOENT;
  const old = lookup(s, dst);
  s.dir.set(dst, ino);
  s.dir.delete(src);
  if (old >= 0) {
    if (s.i_nlink[old] > 0) s.i_nlink[old] = s.i_nlink[old] - 1;
    maybeFreeInode(s, old);
  }
  return 0;
}
