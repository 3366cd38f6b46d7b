// Seeded bug: rename of a name onto itself removes it (the src === dst case is missing), destroying the file.
import type { Fn } from '../spec/posix.ts';
import { ENOENT, ENAMETOOLONG } from '../spec/posix.ts';
import { type State, validName, lockDir, lookup, maybeFreeInode } from '../impl/posix.naive.ts';

export * from '../impl/posix.naive.ts';

export function rename(s: State, src: Fn, dst: Fn): number {
  if (!validName(src) || !validName(dst)) return ENAMETOOLONG;
  lockDir(s);
  const ino = lookup(s, src);
  if (ino < 0) return ENOENT;
  const old = lookup(s, dst);
  s.dir[dst] = ino;
  s.dir[src] = -1;
  if (old >= 0) {
    s.i_nlink[old] = s.i_nlink[old] - 1;
    maybeFreeInode(s, old);
  }
  return 0;
}
