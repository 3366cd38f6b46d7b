// Seeded bug: unlink removes the name but does not drop the inode's link count (a missing refcount update).
import type { Fn } from '../spec/posix.ts';
import { ENOENT, ENAMETOOLONG } from '../spec/posix.ts';
import { type State, validName, lockDir, lookup, maybeFreeInode } from '../impl/posix.naive.ts';

export * from '../impl/posix.naive.ts';

export function unlink(s: State, name: Fn): number {
  if (!validName(name)) return ENAMETOOLONG;
  lockDir(s);
  const ino = lookup(s, name);
  if (ino < 0) return ENOENT;
  s.dir[name] = -1;
  maybeFreeInode(s, ino);
  return 0;
}
