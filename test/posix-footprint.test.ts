// The scalable POSIX implementation (impl/posix.scalable.ts) reads only what decides an answer:
// its footprints, recorded as verify commute's conflict checker records them
// (verifier/commute/footprint.ts), on states built by running its own operations from init().
// The whole-model figures are in bench/README.md; these are the design claims one at a time.

import { describe, it, expect } from 'vitest';
import * as scalable from '../impl/posix.scalable.ts';
import { recordAccesses } from '../verifier/commute/footprint.ts';
import { EINVAL } from '../spec/posix.ts';

const reads = (run: (s: scalable.State) => unknown, s: scalable.State) =>
  recordAccesses(s, run).accesses.filter((a) => a.kind === 'read').map((a) => a.cell);

/** Process 0 with `name` 0 open as fd 0, holding `pages` pages. */
function fileOf(pages: number): scalable.State {
  const s = scalable.init();
  expect(scalable.open(s, 0, 0, true, false, false, false)).toBe(0);
  for (let p = 0; p < pages; p++) expect(scalable.write(s, 0, 0, 7)).toBe(1);
  return s;
}

describe('posix.scalable footprints', () => {
  it('lseek from the end out of range reads one present bit at most, not the size', () => {
    // NPAGE = 2, MAXOFF = 4: -3 from the end is before the start whatever the size; 5 past MAXOFF
    expect(scalable.lseek(fileOf(2), 0, 0, -3, 'end')).toBe(EINVAL);
    expect(reads((s) => scalable.lseek(s, 0, 0, -3, 'end'), fileOf(2)).filter((c) => c.startsWith('present'))).toEqual([]);
    expect(reads((s) => scalable.lseek(s, 0, 0, 5, 'end'), fileOf(1)).filter((c) => c.startsWith('present'))).toEqual([]);
    // -2 from the end of a one-page file: page 1 is not present, and page 0 is not read
    const s = fileOf(1);
    const ino = s.fd_obj[0][0];
    expect(reads((t) => scalable.lseek(t, 0, 0, -2, 'end'), s).filter((c) => c.startsWith('present'))).toEqual([`present[${ino}][1]`]);
    // in range: the size is read, all of it
    expect(scalable.lseek(fileOf(1), 0, 0, -1, 'end')).toBe(0);
    expect(reads((t) => scalable.lseek(t, 0, 0, -1, 'end'), fileOf(1)).filter((c) => c.startsWith('present')).sort()).toEqual([`present[${ino}][0]`, `present[${ino}][1]`]);
  });

  it('a write to a pipe whose reader is in the writing process reads no other process\'s reader count', () => {
    const s = scalable.init();
    const { r, wfd } = scalable.pipe(s, 1, false);
    expect(r).toBe(0);
    const cells = reads((t) => scalable.write(t, 1, wfd, 9), s);
    expect(cells.filter((c) => c.startsWith('readers'))).toEqual(['readers[0][1]']);
  });

  it('an empty pipe\'s read stops at the first process holding a write end', () => {
    const s = scalable.init();
    const { rfd } = scalable.pipe(s, 0, false);
    const cells = reads((t) => scalable.read(t, 0, rfd), s);
    expect(cells.filter((c) => c.startsWith('writers'))).toEqual(['writers[0][0]']);
  });

  it('open of a missing name without O_CREAT reads the name\'s existence cell alone', () => {
    expect(reads((s) => scalable.open(s, 1, 3, false, false, false, false), fileOf(1))).toEqual(['named[3]']);
  });

  it('pread past the end reads the page\'s present bit alone, not the size', () => {
    const s = fileOf(1);
    const ino = s.fd_obj[0][0];
    expect(reads((t) => scalable.pread(t, 0, 0, 1), s).filter((c) => c.startsWith('present') || c.startsWith('pages'))).toEqual([`present[${ino}][1]`]);
  });

  it('a write to a read-only page reads its protection alone, which unmapping the page leaves alone', () => {
    const s = scalable.init();
    expect(scalable.mmap(s, 0, true, false, true, 1, -1, 0)).toBe(1);
    expect(scalable.memwrite(s, 0, 1, 5)).toBe('segv');
    expect(reads((t) => scalable.memwrite(t, 0, 1, 5), s)).toEqual(['vm_writable[0][1]']);
    const unmap = recordAccesses(s, (t) => scalable.munmap(t, 0, 1)).accesses;
    expect(unmap.filter((a) => a.kind === 'write').map((a) => a.cell)).not.toContain('vm_writable[0][1]');
  });
});
