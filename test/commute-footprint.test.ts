// MTRACE for TypeScript state (verifier/commute/footprint.ts): the cells an operation reads and
// writes, on small hand-written state machines, and the conflicts between two footprints.

import { describe, it, expect } from 'vitest';
import { types } from 'node:util';
import { arr, smap, type Arr, type SMap } from '../verifier/prelude.ts';
import { recordAccesses, conflicts, overlaps } from '../verifier/commute/footprint.ts';
import type { Access } from '../verifier/commute/types.ts';

interface Inode { nlink: number; size: number }
interface Fd { ino: number; off: number }
interface Proc { x: number; fds: Arr<Fd | null, 4> }
interface State {
  next: number;
  pages: Arr<number, 8>;
  inodes: Arr<Inode, 40>;
  procs: Arr<Proc, 2>;
  dir: SMap<string, number>;
  files: SMap<string, Inode>;
}

function init(): State {
  return {
    next: 0,
    pages: arr(8, () => 0),
    inodes: arr(40, () => ({ nlink: 1, size: 0 })),
    procs: arr(2, () => ({ x: 0, fds: arr(4, (): Fd | null => null) })),
    dir: smap<string, number>(-1),
    files: smap<string, Inode>({ nlink: 0, size: 0 }),
  };
}

const reads = (acc: Access[]) => acc.filter((a) => a.kind === 'read').map((a) => a.cell);
const writes = (acc: Access[]) => acc.filter((a) => a.kind === 'write').map((a) => a.cell);

describe('recordAccesses: cells', () => {
  it('names a field of an array element, and walking through objects is not a read', () => {
    const s = init();
    const { result, accesses } = recordAccesses(s, (t) => {
      t.inodes[3].nlink += 1;
      return t.inodes[3].nlink;
    });
    expect(result).toBe(2);
    expect(s.inodes[3].nlink).toBe(2);
    expect(accesses).toEqual([
      { cell: 'inodes[3].nlink', kind: 'read' },
      { cell: 'inodes[3].nlink', kind: 'write' },
    ]);
  });

  it('names array elements and root fields, once per kind, in first-access order', () => {
    const { accesses } = recordAccesses(init(), (t) => {
      t.pages[2] = t.pages[5] + 1;
      t.pages[2] = 7;
      t.next = t.next + 1;
    });
    expect(accesses).toEqual([
      { cell: 'pages[5]', kind: 'read' },
      { cell: 'pages[2]', kind: 'write' },
      { cell: 'next', kind: 'read' },
      { cell: 'next', kind: 'write' },
    ]);
  });

  it('counts a store of the value already there (mtrace counts stores)', () => {
    const { accesses } = recordAccesses(init(), (t) => {
      t.procs[0].x = 0;
    });
    expect(writes(accesses)).toEqual(['procs[0].x']);
  });

  it('does not read the elements an array method walks past when they are records', () => {
    const { result, accesses } = recordAccesses(init(), (t) => {
      let n = 0;
      t.procs.forEach((p) => (n += p.fds.length));
      return n;
    });
    expect(result).toBe(8);
    expect(reads(accesses)).toEqual(['procs.length', 'procs[0].fds.length', 'procs[1].fds.length']);
    expect(writes(accesses)).toEqual([]);
  });

  it('resolves an alias to the object it points to', () => {
    const { accesses } = recordAccesses(init(), (t) => {
      const p = t.procs[1];
      p.x = 1;
      const fds = p.fds;
      fds[2] = { ino: 3, off: 0 };
    });
    expect(writes(accesses)).toEqual(['procs[1].x', 'procs[1].fds[2]']);
  });

  it('gives an object shared by two slots one name, its shortest path', () => {
    const s = init();
    const f: Fd = { ino: 1, off: 0 };
    s.procs[1].fds[3] = f;
    s.procs[0].fds[0] = f;
    const { accesses } = recordAccesses(s, (t) => {
      t.procs[1].fds[3]!.off = 10;
    });
    expect(writes(accesses)).toEqual(['procs[0].fds[0].off']);
  });

  it('keeps names across two recordings that share a names map', () => {
    const s = init();
    const names = new WeakMap<object, string>();
    const a = recordAccesses(s, (t) => {
      const fd = { ino: 7, off: 0 };
      t.procs[0].fds[1] = fd;
      t.procs[1].fds[2] = fd; // the same open file in both processes
    }, { names });
    const b = recordAccesses(s, (t) => {
      t.procs[1].fds[2]!.off = 4;
    }, { names });
    expect(writes(a.accesses)).toEqual(['procs[0].fds[1]', 'procs[1].fds[2]']);
    expect(writes(b.accesses)).toEqual(['procs[0].fds[1].off']);
    expect(conflicts(a.accesses, b.accesses)).toEqual([{ cell: 'procs[0].fds[1].off', a: 'write', b: 'write' }]);
  });

  it('never stores a proxy into the state', () => {
    const s = init();
    recordAccesses(s, (t) => {
      t.procs[0].fds[0] = { ino: 1, off: 0 };
      t.procs[1].fds[0] = t.procs[0].fds[0];
      t.files.set('a', t.inodes[2]);
      t.procs[1].fds[1] = { ...t.procs[0].fds[0]!, off: 5 };
    });
    expect(types.isProxy(s.procs[1].fds[0])).toBe(false);
    expect(s.procs[1].fds[0]).toBe(s.procs[0].fds[0]);
    expect(types.isProxy(s.files.get('a'))).toBe(false);
    expect(s.files.get('a')).toBe(s.inodes[2]);
    expect(s.procs[1].fds[1]).toEqual({ ino: 1, off: 5 });
  });

  it('returns the real result, a copy that is not a proxy and does not follow the state', () => {
    const s = init();
    const { result, accesses } = recordAccesses(s, (t) => ({ st: t.inodes[4], all: [t.inodes[4], t.inodes[4]] }));
    expect(types.isProxy(result.st)).toBe(false);
    expect(result.st).toEqual({ nlink: 1, size: 0 });
    expect(result.all[0]).toBe(result.all[1]); // sharing inside the result is kept
    s.inodes[4].nlink = 9;
    expect(result.st.nlink).toBe(1);
    expect(accesses).toEqual([]); // copying the result out is not the operation's read
  });

  it('stops recording when the operation returns', () => {
    let leaked: State | undefined;
    const { accesses } = recordAccesses(init(), (t) => {
      leaked = t;
      return 0;
    });
    leaked!.next = 3;
    expect(accesses).toEqual([]);
  });
});

describe('recordAccesses: SMap', () => {
  it('reads an entry on get and has', () => {
    const { result, accesses } = recordAccesses(init(), (t) => [t.dir.get('f0'), t.dir.has('f1')]);
    expect(result).toEqual([-1, false]);
    expect(accesses).toEqual([
      { cell: 'dir{f0}', kind: 'read' },
      { cell: 'dir{f1}', kind: 'read' },
    ]);
  });

  it('writes #keys only when set adds a key or delete removes one', () => {
    const s = init();
    s.dir.set('f0', 3);
    const { accesses } = recordAccesses(s, (t) => {
      t.dir.set('f0', 4); // present: the entry only
      t.dir.set('f1', 5); // absent: the entry and the key set
      t.dir.delete('f2'); // absent: the entry only
      t.dir.delete('f0'); // present: the entry and the key set
    });
    expect(writes(accesses)).toEqual(['dir{f0}', 'dir{f1}', 'dir{#keys}', 'dir{f2}']);
    expect(s.dir.keys()).toEqual(['f1']);
  });

  it('reads #keys on keys(), which conflicts with adding a name but not with overwriting one', () => {
    const s = init();
    s.dir.set('f0', 3);
    const list = recordAccesses(s, (t) => t.dir.keys().length).accesses;
    expect(list).toEqual([{ cell: 'dir{#keys}', kind: 'read' }]);
    const overwrite = recordAccesses(s, (t) => t.dir.set('f0', 9)).accesses;
    const create = recordAccesses(s, (t) => t.dir.set('f9', 9)).accesses;
    expect(conflicts(list, overwrite)).toEqual([]);
    expect(conflicts(list, create)).toEqual([{ cell: 'dir{#keys}', a: 'read', b: 'write' }]);
  });

  it('two creates of different names do not conflict in the key set (no subset code reads it)', () => {
    const s = init();
    const one = recordAccesses(s, (t) => t.dir.set('f1', 1)).accesses;
    const two = recordAccesses(s, (t) => t.dir.set('f2', 2)).accesses;
    expect(conflicts(one, two)).toEqual([]);
    const same = recordAccesses(s, (t) => t.dir.set('f1', 3)).accesses;
    expect(conflicts(one, same)).toEqual([{ cell: 'dir{f1}', a: 'write', b: 'write' }]);
  });

  it('names fields of records held in a map by the entry', () => {
    const s = init();
    s.files.set('a', { nlink: 1, size: 0 });
    const { accesses } = recordAccesses(s, (t) => {
      const ino = t.files.get('a');
      ino.size = ino.nlink;
    });
    expect(accesses).toEqual([
      { cell: 'files{a}', kind: 'read' },
      { cell: 'files{a}.nlink', kind: 'read' },
      { cell: 'files{a}.size', kind: 'write' },
    ]);
  });

  it('names the shared default value of absent keys once', () => {
    const { accesses } = recordAccesses(init(), (t) => t.files.get('x').nlink + t.files.get('y').nlink);
    expect(reads(accesses)).toEqual(['files{x}', 'files{*}.nlink', 'files{y}']);
  });
});

describe('recordAccesses: object granularity', () => {
  it('names the enclosing record, array or map', () => {
    const s = init();
    const { accesses } = recordAccesses(s, (t) => {
      t.inodes[3].nlink = t.inodes[3].size;
      t.dir.set('f0', 1);
      t.pages[1] = 2;
      t.next = 1;
    }, { granularity: 'object' });
    expect(accesses).toEqual([
      { cell: 'inodes[3]', kind: 'read' },
      { cell: 'inodes[3]', kind: 'write' },
      { cell: 'dir', kind: 'write' },
      { cell: 'pages', kind: 'write' },
      { cell: '$', kind: 'write' },
    ]);
  });

  it('shows false sharing that cell granularity does not', () => {
    const opA = (t: State) => { t.inodes[3].nlink += 1; };
    const opB = (t: State) => t.inodes[3].size;
    const cell = [recordAccesses(init(), opA).accesses, recordAccesses(init(), opB).accesses] as const;
    expect(conflicts(...cell)).toEqual([]);
    const obj = [
      recordAccesses(init(), opA, { granularity: 'object' }).accesses,
      recordAccesses(init(), opB, { granularity: 'object' }).accesses,
    ] as const;
    expect(conflicts(...obj)).toEqual([{ cell: 'inodes[3]', a: 'write', b: 'read' }]);
  });

  it('still conflicts with the readers of a record replaced in the root', () => {
    const opts = { granularity: 'object' as const };
    const a = recordAccesses(init(), (t) => { t.inodes = arr(40, () => ({ nlink: 0, size: 0 })); }, opts).accesses;
    const b = recordAccesses(init(), (t) => t.inodes[5].size, opts).accesses;
    expect(writes(a)).toEqual(['$', 'inodes']);
    expect(conflicts(a, b)).toEqual([{ cell: 'inodes[5]', a: 'write', b: 'read' }]);
  });
});

describe('conflicts', () => {
  const rec = (op: (t: State) => unknown) => recordAccesses(init(), op).accesses;

  it('finds none on disjoint elements', () => {
    const a = rec((t) => { t.inodes[1].nlink = 0; t.procs[0].fds[1] = null; });
    const b = rec((t) => { t.inodes[2].nlink = 0; t.procs[1].fds[1] = null; });
    expect(conflicts(a, b)).toEqual([]);
  });

  it('finds none between two readers', () => {
    expect(conflicts(rec((t) => t.next), rec((t) => t.next))).toEqual([]);
  });

  it('reports a replaced record against a read of its field, on the finer cell', () => {
    const a = rec((t) => { t.inodes[3] = { nlink: 0, size: 0 }; });
    const b = rec((t) => t.inodes[3].nlink + t.inodes[31].nlink);
    expect(conflicts(a, b)).toEqual([{ cell: 'inodes[3].nlink', a: 'write', b: 'read' }]);
    expect(conflicts(b, a)).toEqual([{ cell: 'inodes[3].nlink', a: 'read', b: 'write' }]);
  });

  it('overlaps at segment boundaries only', () => {
    expect(overlaps('inodes[3]', 'inodes[3].nlink')).toBe(true);
    expect(overlaps('inodes[3].nlink', 'inodes[3]')).toBe(true);
    expect(overlaps('inodes[3]', 'inodes[3]')).toBe(true);
    expect(overlaps('inodes[3]', 'inodes[31]')).toBe(false);
    expect(overlaps('inodes', 'inodes[3]')).toBe(true);
    expect(overlaps('dir', 'dir{f0}')).toBe(true);
    expect(overlaps('dir{f0}', 'dir{f01}')).toBe(false);
    expect(overlaps('next', 'nextIno')).toBe(false);
  });

  it('reports each cell once with the strongest kinds, in a deterministic order', () => {
    const a: Access[] = [
      { cell: 'x', kind: 'read' },
      { cell: 'y', kind: 'write' },
      { cell: 'x', kind: 'write' },
    ];
    const b: Access[] = [
      { cell: 'y', kind: 'read' },
      { cell: 'x', kind: 'read' },
      { cell: 'z', kind: 'write' },
    ];
    expect(conflicts(a, b)).toEqual([
      { cell: 'x', a: 'write', b: 'read' },
      { cell: 'y', a: 'write', b: 'read' },
    ]);
    expect(conflicts(a, b)).toEqual(conflicts([...a], [...b]));
  });
});
