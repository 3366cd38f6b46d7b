// Seeded bug: link folds a full per-core delta into the base but then clears core 0's delta instead of its own: the link count goes wrong, on every core but core 0.
import { ENOENT, EEXIST, ENAMETOOLONG, type Fn } from '../spec/posix.ts';
import { type State, validName, NCPU, LINKCACHE } from '../impl/posix.scalable.ts';
import { cpu } from 'pushbutton';

export * from '../impl/posix.scalable.ts';

export function link(s: State, oldname: Fn, newname: Fn): number {
  if (!validName(oldname) || !validName(newname)) return ENAMETOOLONG;
  if (!s.named[oldname]) return ENOENT;
  if (s.named[newname]) return EEXIST;
  const ino = s.dir[oldname];
  s.named[newname] = true;
  s.dir[newname] = ino;
  const c = cpu(NCPU);
  const x = s.nlinkDelta[ino][c] + 1;
  if (x > LINKCACHE) {
    s.nlinkBase[ino] = s.nlinkBase[ino] + x;
    s.nlinkDelta[ino][0] = 0;
  } else {
    s.nlinkDelta[ino][c] = x;
  }
  return 0;
}
