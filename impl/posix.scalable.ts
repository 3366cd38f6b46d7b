// The POSIX-like model (spec/posix.ts): an "sv6-like" implementation, the scalable reference of
// COMMUTER §7.5. It avoids the shared cells of impl/posix.naive.ts where the interface allows:
//   - the directory is per-name cells only, no directory-wide lock or version; whether a name
//     exists is a cell of its own (sv6's name-existence check that does not look up the inode),
//     so an operation that only checks a name (EEXIST, ENOENT, rename onto itself) reads no cell
//     a rename of that name to another inode writes;
//   - link, open-descriptor and mapping counts are Refcache-style per-core counts (cpu(), the
//     core an operation runs on): a shared base and a small delta per core, folded into the base
//     when it grows past LINKCACHE (two opens or mmaps of one file on two cores write different
//     cells), and a count that the base and the core's own delta already show positive is not
//     read further; pipe-end counts are per process, read the running process's first up to
//     the first one open; no descriptor operation takes a shared reference: reads write nothing;
//   - inodes and pipes are freed lazily, as Refcache frees an object at the end of an epoch:
//     dropping the last name, descriptor, mapping or pipe end reads no other count and clears
//     nothing; a creating open (pipe) clears the inode (pipe) it takes, and equiv ignores the
//     contents of a free one;
//   - file data is per page with a present bit (sv6's radix array): the size is the number of
//     present pages, so pread and memread past the end answer from the page alone, and lseek from
//     the end decides out of range on the present bits that decide it;
//   - an update that changes nothing writes nothing: a page or anonymous page that already holds
//     the data, a truncation of an empty file, a seek to the current offset, an mprotect to the
//     current protection, a munmap of an unmapped page, a fixed mmap identical to the mapping in
//     place, and of a mapping only the cells that change (sv6 left such idempotent updates
//     conflicting, as deliberate trade-offs: COMMUTER thesis);
//   - allocation scans go in opposite directions on even and odd cores, so that two cores rarely
//     read the cell the other takes or frees: with O_ANYFD, open and pipe take the lowest free
//     descriptor on even cores and the highest on odd ones (the spec allows any; the lowest is
//     what POSIX requires otherwise); a non-fixed mmap the highest free page on even cores; a
//     creating open the highest free inode on even cores; pipe the pipe numbered like its core.
//     Each direction was chosen by measuring the conflicts of verify commute's tests
//     (docs/posix.md);
//   - no address-space-wide lock: mmap, munmap and mprotect touch the one virtual page, and
//     whether a page is mapped is a cell of its own (vm_used), which a fixed mmap replacing one
//     mapping by another leaves alone.
// Helpers are exported so that a seeded bug can reuse them. See docs/posix.md.
import type { u8, i8, i32, Arr } from 'pushbutton';
import { arr, forall, count, implies, cpu } from 'pushbutton';
import type * as spec from '../spec/posix.ts';
import {
  NPROC, NFD, NINODE, NNAME, NPAGE, NVA, NPIPE, PIPECAP, MAXOFF,
  ENOENT, EBADF, EAGAIN, EEXIST, ENODEV, EINVAL, ENFILE, EMFILE, EFBIG, ENOSPC, ESPIPE, EPIPE, ENOMEM, ENAMETOOLONG,
  type Fn, type Data, type FdKind, type VmaKind, type Whence, type Sig, type Stat, type ReadResult, type PipeResult, type MemResult,
} from '../spec/posix.ts';

/** cores with a link-count cache of their own */
export const NCPU = 2;
/** how far a core's link-count delta may grow (either way) before it is folded into the base */
export const LINKCACHE = 2;

export interface State {
  /** name -> exists: one cell per name */
  named: Arr<boolean, typeof NNAME>;
  /** name -> inode, where the name exists (stale otherwise): one cell per name */
  dir: Arr<i8, typeof NNAME>;
  /** link count: the base plus every core's delta */
  nlinkBase: Arr<i8, typeof NINODE>;
  nlinkDelta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>;
  /** descriptors (of any process) open on the inode: the base plus every core's delta */
  opensBase: Arr<i8, typeof NINODE>;
  opensDelta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>;
  /** virtual pages mapping the inode: the base plus every core's delta, like the link count */
  mapsBase: Arr<i8, typeof NINODE>;
  mapsDelta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>;
  /** per page: present (below the end of the file), and its data */
  present: Arr<Arr<boolean, typeof NPAGE>, typeof NINODE>;
  pages: Arr<Arr<Data, typeof NPAGE>, typeof NINODE>;
  /** read and write ends open on the pipe, per process */
  readers: Arr<Arr<u8, typeof NPROC>, typeof NPIPE>;
  writers: Arr<Arr<u8, typeof NPROC>, typeof NPIPE>;
  plen: Arr<u8, typeof NPIPE>;
  pbuf: Arr<Arr<Data, typeof PIPECAP>, typeof NPIPE>;
  fd_kind: Arr<Arr<FdKind, typeof NFD>, typeof NPROC>;
  fd_obj: Arr<Arr<i8, typeof NFD>, typeof NPROC>;
  fd_off: Arr<Arr<u8, typeof NFD>, typeof NPROC>;
  /** the page is mapped: a cell of its own, which a fixed mmap replacing one mapping by another does not write */
  vm_used: Arr<Arr<boolean, typeof NVA>, typeof NPROC>;
  vm_kind: Arr<Arr<VmaKind, typeof NVA>, typeof NPROC>;
  vm_writable: Arr<Arr<boolean, typeof NVA>, typeof NPROC>;
  vm_ino: Arr<Arr<i8, typeof NVA>, typeof NPROC>;
  vm_off: Arr<Arr<u8, typeof NVA>, typeof NPROC>;
  vm_data: Arr<Arr<Data, typeof NVA>, typeof NPROC>;
}

export function init(): State {
  return {
    named: arr(NNAME, (n) => false),
    dir: arr(NNAME, (n) => -1),
    nlinkBase: arr(NINODE, (i) => 0),
    nlinkDelta: arr(NINODE, (i) => arr(NCPU, (c) => 0)),
    opensBase: arr(NINODE, (i) => 0),
    opensDelta: arr(NINODE, (i) => arr(NCPU, (c) => 0)),
    mapsBase: arr(NINODE, (i) => 0),
    mapsDelta: arr(NINODE, (i) => arr(NCPU, (c) => 0)),
    present: arr(NINODE, (i) => arr(NPAGE, (p) => false)),
    pages: arr(NINODE, (i) => arr(NPAGE, (p) => 0)),
    readers: arr(NPIPE, (p) => arr(NPROC, (q) => 0)),
    writers: arr(NPIPE, (p) => arr(NPROC, (q) => 0)),
    plen: arr(NPIPE, (p) => 0),
    pbuf: arr(NPIPE, (p) => arr(PIPECAP, (k) => 0)),
    fd_kind: arr(NPROC, (p) => arr(NFD, (fd) => 'none')),
    fd_obj: arr(NPROC, (p) => arr(NFD, (fd) => -1)),
    fd_off: arr(NPROC, (p) => arr(NFD, (fd) => 0)),
    vm_used: arr(NPROC, (p) => arr(NVA, (v) => false)),
    vm_kind: arr(NPROC, (p) => arr(NVA, (v) => 'none')),
    vm_writable: arr(NPROC, (p) => arr(NVA, (v) => false)),
    vm_ino: arr(NPROC, (p) => arr(NVA, (v) => -1)),
    vm_off: arr(NPROC, (p) => arr(NVA, (v) => 0)),
    vm_data: arr(NPROC, (p) => arr(NVA, (v) => 0)),
  };
}

// ---- helpers -------------------------------------------------------------------------------------

export function validPid(pid: number): boolean {
  return pid >= 0 && pid < NPROC;
}

export function validFd(fd: number): boolean {
  return fd >= 0 && fd < NFD;
}

export function validVa(va: number): boolean {
  return va >= 0 && va < NVA;
}

export function validName(name: number): boolean {
  return name >= 0 && name < NNAME;
}

/** The inode a valid name names, or -1. */
export function lookup(s: State, name: Fn): number {
  if (!s.named[name]) return -1;
  return s.dir[name];
}

/** A Refcache count of an inode (links, mappings, open descriptors): the base plus every core's delta. */
export function countOf(base: Arr<i8, typeof NINODE>, delta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>, ino: number): number {
  let n = base[ino];
  for (let c = 0; c < NCPU; c++) n = n + delta[ino][c];
  return n;
}

/** A delta within the cache's range. */
export function cached(x: number): boolean {
  return x >= -LINKCACHE && x <= LINKCACHE;
}

/** Adds `d` (+1 or -1) to a Refcache count on the running core: its own delta, or the base when the delta spills. */
export function addCount(base: Arr<i8, typeof NINODE>, delta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>, ino: number, d: number): void {
  const c = cpu(NCPU);
  const x = delta[ino][c] + d;
  if (!cached(x)) {
    base[ino] = base[ino] + x;
    delta[ino][c] = 0;
  } else {
    delta[ino][c] = x;
  }
}

export function nlinkOf(s: State, ino: number): number {
  return countOf(s.nlinkBase, s.nlinkDelta, ino);
}

export function addLink(s: State, ino: number, d: number): void {
  addCount(s.nlinkBase, s.nlinkDelta, ino, d);
}

export function opensOf(s: State, ino: number): number {
  return countOf(s.opensBase, s.opensDelta, ino);
}

export function addOpen(s: State, ino: number, d: number): void {
  addCount(s.opensBase, s.opensDelta, ino, d);
}

export function mapsOf(s: State, ino: number): number {
  return countOf(s.mapsBase, s.mapsDelta, ino);
}

export function addMap(s: State, ino: number, d: number): void {
  addCount(s.mapsBase, s.mapsDelta, ino, d);
}

/**
 * A Refcache count that is zero. Read from the base and the running core's delta alone when they
 * already show it positive: every other core's delta is at least -LINKCACHE (inv_linkcache), so
 * base + own > (NCPU - 1) * LINKCACHE leaves the sum positive without reading the deltas that
 * the other cores write.
 */
export function countIsZero(base: Arr<i8, typeof NINODE>, delta: Arr<Arr<i8, typeof NCPU>, typeof NINODE>, ino: number): boolean {
  if (base[ino] + delta[ino][cpu(NCPU)] > (NCPU - 1) * LINKCACHE) return false;
  return countOf(base, delta, ino) === 0;
}

/**
 * No name, descriptor or mapping of any process refers to the inode. The link count is read
 * first, then the open count, then the mapping count, each from the base and this core's delta
 * alone when they already show it positive: a named inode is passed over without reading the
 * open counts, which an open of it in the other call writes (reading the open counts first,
 * measured on the whole model, raised open/open's conflicted tests from 32 to 79), nor, often,
 * the other core's link delta, which an unlink writes.
 */
export function idle(s: State, ino: number): boolean {
  return countIsZero(s.nlinkBase, s.nlinkDelta, ino) && countIsZero(s.opensBase, s.opensDelta, ino) && countIsZero(s.mapsBase, s.mapsDelta, ino);
}

/** The inode's size: the number of present pages (they are a prefix). */
export function sizeOf(s: State, ino: number): number {
  let n = 0;
  for (let p = 0; p < NPAGE; p++) if (s.present[ino][p]) n++;
  return n;
}

/** Whether the inode holds at least `k` pages, from one present bit (they are a prefix). */
export function sizeAtLeast(s: State, ino: number, k: number): boolean {
  if (k <= 0) return true;
  return k <= NPAGE && s.present[ino][k - 1];
}

/** Drops every page, writing only the pages that hold something: an O_TRUNC open of an empty file writes nothing. */
export function truncate(s: State, ino: number): void {
  for (let p = 0; p < NPAGE; p++) {
    if (s.present[ino][p]) s.present[ino][p] = false;
    if (s.pages[ino][p] !== 0) s.pages[ino][p] = 0;
  }
}

/** A free inode: the highest on even cores, the lowest on odd ones. */
export function allocInode(s: State): number {
  const up = cpu(NCPU) % 2 === 1;
  for (let k = 0; k < NINODE; k++) if (idle(s, up ? k : NINODE - 1 - k)) return up ? k : NINODE - 1 - k;
  return -1;
}

/** Makes the free inode `ino` (from allocInode) the inode of `name`, a name that does not exist. */
export function create(s: State, name: Fn, ino: number): void {
  // the inode was freed lazily: its pages and its cores' deltas are cleared now
  truncate(s, ino);
  s.nlinkBase[ino] = 1;
  s.nlinkDelta[ino] = arr(NCPU, (c) => 0);
  s.named[name] = true;
  s.dir[name] = ino;
}

/** The lowest free descriptor of `pid` other than `but`. */
export function lowestFd(s: State, pid: number, but: number): number {
  for (let fd = 0; fd < NFD; fd++) if (fd !== but && s.fd_kind[pid][fd] === 'none') return fd;
  return -1;
}

/** The highest free descriptor of `pid` other than `but`, scanning down from the top. */
export function highestFd(s: State, pid: number, but: number): number {
  for (let k = 0; k < NFD; k++) if (NFD - 1 - k !== but && s.fd_kind[pid][NFD - 1 - k] === 'none') return NFD - 1 - k;
  return -1;
}

/**
 * Any free descriptor (O_ANYFD), by core: even cores take the lowest, odd cores the highest, so
 * two cores allocating in one process take different descriptors and read few of the same cells
 * (sv6 allocates descriptors from per-core partitions). Measured on the whole model, this way
 * round leaves fewer conflicts than the other: the other call's close frees a descriptor above
 * the lowest free one more often than below it.
 */
export function anyFd(s: State, pid: number, but: number): number {
  return anyFdFromTop() ? highestFd(s, pid, but) : lowestFd(s, pid, but);
}

/** O_ANYFD's direction on the running core (anyFd): odd cores scan from the highest descriptor. */
export function anyFdFromTop(): boolean {
  return cpu(NCPU) % 2 !== 0;
}

/** The pipe's read ends, summed over the processes. */
export function readersOf(s: State, p: number): number {
  let n = 0;
  for (let q = 0; q < NPROC; q++) n = n + s.readers[p][q];
  return n;
}

/** The pipe's write ends, summed over the processes. */
export function writersOf(s: State, p: number): number {
  let n = 0;
  for (let q = 0; q < NPROC; q++) n = n + s.writers[p][q];
  return n;
}

/**
 * Whether some process holds an end of pipe `p` counted in `ends` (s.readers or s.writers): stops
 * at the first, the running process's first. Summing the counts would read every process's count,
 * also one that a close in the other call changes without changing the answer.
 */
export function anyEnd(ends: Arr<Arr<u8, typeof NPROC>, typeof NPIPE>, p: number, pid: number): boolean {
  for (let k = 0; k < NPROC; k++) if (ends[p][(pid + k) % NPROC] !== 0) return true;
  return false;
}

/** Whether a pipe end is open on pipe `p` in any process: stops at the first one found, the running process's first. */
export function pipeBusy(s: State, p: number, pid: number): boolean {
  for (let k = 0; k < NPROC; k++) {
    const q = (pid + k) % NPROC;
    if (s.readers[p][q] !== 0 || s.writers[p][q] !== 0) return true;
  }
  return false;
}

/** The pipe numbered like the running core if it is free, else any free pipe. */
export function allocPipe(s: State, pid: number): number {
  const c = cpu(NCPU);
  if (c < NPIPE && !pipeBusy(s, c, pid)) return c;
  for (let p = 0; p < NPIPE; p++) if (!pipeBusy(s, p, pid)) return p;
  return -1;
}

/** A free virtual page of `pid`: the highest on even cores, the lowest on odd ones (from the used bits alone). */
export function allocVa(s: State, pid: number): number {
  const top = cpu(NCPU) % 2 === 0;
  for (let k = 0; k < NVA; k++) if (!s.vm_used[pid][top ? NVA - 1 - k : k]) return top ? NVA - 1 - k : k;
  return -1;
}

export function clearFd(s: State, pid: number, fd: number): void {
  s.fd_kind[pid][fd] = 'none';
  s.fd_obj[pid][fd] = -1;
  s.fd_off[pid][fd] = 0;
}

/**
 * Maps page `va` of `pid` (a zero page: data 0), writing only the cells that change: a munmap of
 * an unmapped page, or a fixed mmap replacing an anonymous mapping by another, leaves the kind
 * cell alone, which a scan for a free page on the other core reads.
 */
export function setVma(s: State, pid: number, va: number, kind: VmaKind, writable: boolean, ino: number, off: number): void {
  if (s.vm_used[pid][va] !== (kind !== 'none')) s.vm_used[pid][va] = kind !== 'none';
  if (s.vm_kind[pid][va] !== kind) s.vm_kind[pid][va] = kind;
  if (s.vm_writable[pid][va] !== writable) s.vm_writable[pid][va] = writable;
  if (s.vm_ino[pid][va] !== ino) s.vm_ino[pid][va] = ino;
  if (s.vm_off[pid][va] !== off) s.vm_off[pid][va] = off;
  if (s.vm_data[pid][va] !== 0) s.vm_data[pid][va] = 0;
}

export function unmapVa(s: State, pid: number, va: number): void {
  if (s.vm_kind[pid][va] === 'file') addMap(s, s.vm_ino[pid][va], -1);
  setVma(s, pid, va, 'none', false, -1, 0);
}

export function statOf(s: State, ino: number): Stat {
  return { r: 0, ino: ino, size: sizeOf(s, ino), nlink: nlinkOf(s, ino), fifo: false };
}

export function statErr(e: number): Stat {
  return { r: e, ino: -1, size: 0, nlink: 0, fifo: false };
}

export function readErr(e: number): ReadResult {
  return { r: e, data: 0 };
}

/** Page `off` of the inode, from the page alone: a page that is not present is the end of the file. */
export function readPage(s: State, ino: number, off: number): ReadResult {
  if (off >= NPAGE || !s.present[ino][off]) return readErr(0);
  return { r: 1, data: s.pages[ino][off] };
}

/** Writes page `off` (< NPAGE); the pages before it that are missing become present zero pages. */
export function writePage(s: State, ino: number, off: number, data: Data): void {
  for (let p = 0; p < NPAGE; p++) if (p <= off && !s.present[ino][p]) s.present[ino][p] = true;
  // a page that already holds the data is not written: two writes of one value do not conflict
  if (s.pages[ino][off] !== data) s.pages[ino][off] = data;
}

// ---- names ---------------------------------------------------------------------------------------

export function open(s: State, pid: i32, name: Fn, creat: boolean, excl: boolean, trunc: boolean, anyfd: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validName(name)) return ENAMETOOLONG;
  const exists = s.named[name];
  if (!exists && !creat) return ENOENT;
  if (exists && creat && excl) return EEXIST;
  const fd = anyfd ? anyFd(s, pid, -1) : lowestFd(s, pid, -1);
  if (fd < 0) return EMFILE;
  let ino = -1;
  if (exists) {
    ino = s.dir[name];
    if (trunc) truncate(s, ino);
  } else {
    ino = allocInode(s);
    if (ino < 0) return ENOSPC;
    create(s, name, ino);
  }
  s.fd_kind[pid][fd] = 'file';
  s.fd_obj[pid][fd] = ino;
  s.fd_off[pid][fd] = 0;
  addOpen(s, ino, 1);
  return fd;
}

// errors are decided on the names' existence cells alone: the inode cell is read only on success

export function link(s: State, oldname: Fn, newname: Fn): number {
  if (!validName(oldname) || !validName(newname)) return ENAMETOOLONG;
  if (!s.named[oldname]) return ENOENT;
  if (s.named[newname]) return EEXIST;
  const ino = s.dir[oldname];
  s.named[newname] = true;
  s.dir[newname] = ino;
  addLink(s, ino, 1);
  return 0;
}

export function unlink(s: State, name: Fn): number {
  if (!validName(name)) return ENAMETOOLONG;
  if (!s.named[name]) return ENOENT;
  s.named[name] = false;
  addLink(s, s.dir[name], -1);
  return 0;
}

export function rename(s: State, src: Fn, dst: Fn): number {
  if (!validName(src) || !validName(dst)) return ENAMETOOLONG;
  if (!s.named[src]) return ENOENT;
  if (src === dst) return 0;
  const ino = s.dir[src];
  const old = lookup(s, dst);
  // cells already holding what they should are not written
  if (old !== ino) s.dir[dst] = ino;
  if (old < 0) s.named[dst] = true;
  s.named[src] = false;
  if (old >= 0) addLink(s, old, -1);
  return 0;
}

export function stat(s: State, name: Fn): Stat {
  if (!validName(name)) return statErr(ENAMETOOLONG);
  const ino = lookup(s, name);
  if (ino < 0) return statErr(ENOENT);
  return statOf(s, ino);
}

// ---- descriptors ---------------------------------------------------------------------------------

export function fstat(s: State, pid: i32, fd: i32): Stat {
  if (!validPid(pid)) return statErr(EINVAL);
  if (!validFd(fd)) return statErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return statErr(EBADF);
  if (k !== 'file') return { r: 0, ino: -1, size: 0, nlink: 0, fifo: true };
  return statOf(s, s.fd_obj[pid][fd]);
}

export function lseek(s: State, pid: i32, fd: i32, off: i32, whence: Whence): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  let n = off;
  if (whence === 'cur') {
    n = s.fd_off[pid][fd] + off;
  } else if (whence === 'end') {
    const ino = s.fd_obj[pid][fd];
    // out of range is decided from the present bits that decide it, not the whole size, which a
    // truncation or a write past the end in the other call changes
    if (!sizeAtLeast(s, ino, -off) || sizeAtLeast(s, ino, MAXOFF - off + 1)) return EINVAL;
    n = sizeOf(s, ino) + off;
  }
  if (n < 0 || n > MAXOFF) return EINVAL;
  // two seeks to one offset commute: the second writes nothing
  if (s.fd_off[pid][fd] !== n) s.fd_off[pid][fd] = n;
  return n;
}

export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  const o = s.fd_obj[pid][fd];
  if (k === 'file') {
    addOpen(s, o, -1);
  } else {
    if (k === 'wpipe') s.writers[o][pid] = s.writers[o][pid] - 1;
    else s.readers[o][pid] = s.readers[o][pid] - 1;
  }
  clearFd(s, pid, fd);
  return 0;
}

export function pipe(s: State, pid: i32, anyfd: boolean): PipeResult {
  if (!validPid(pid)) return { r: EINVAL, rfd: -1, wfd: -1 };
  // the two ends in one scan (lowest first, or as anyFd's direction for O_ANYFD) that stops as
  // soon as the entries left cannot make up two: EMFILE reads as few entries as it can
  const down = anyfd && anyFdFromTop();
  let rfd = -1;
  let wfd = -1;
  let used = 0;
  for (let k = 0; k < NFD; k++) {
    const fd = down ? NFD - 1 - k : k;
    if (wfd < 0 && used < NFD - 1) {
      if (s.fd_kind[pid][fd] !== 'none') used = used + 1;
      else if (rfd < 0) rfd = fd;
      else wfd = fd;
    }
  }
  if (wfd < 0) return { r: EMFILE, rfd: -1, wfd: -1 };
  const p = allocPipe(s, pid);
  if (p < 0) return { r: ENFILE, rfd: -1, wfd: -1 };
  // the pipe was freed lazily: its contents are cleared now
  s.plen[p] = 0;
  s.pbuf[p] = arr(PIPECAP, (j) => 0);
  s.readers[p][pid] = 1;
  s.writers[p][pid] = 1;
  s.fd_kind[pid][rfd] = 'rpipe';
  s.fd_obj[pid][rfd] = p;
  s.fd_kind[pid][wfd] = 'wpipe';
  s.fd_obj[pid][wfd] = p;
  return { r: 0, rfd: rfd, wfd: wfd };
}

export function read(s: State, pid: i32, fd: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none' || k === 'wpipe') return readErr(EBADF);
  const o = s.fd_obj[pid][fd];
  if (k === 'rpipe') {
    if (s.plen[o] === 0) {
      if (anyEnd(s.writers, o, pid)) return readErr(EAGAIN);
      return readErr(0);
    }
    const d = s.pbuf[o][0];
    for (let j = 0; j < PIPECAP - 1; j++) s.pbuf[o][j] = s.pbuf[o][j + 1];
    s.pbuf[o][PIPECAP - 1] = 0;
    s.plen[o] = s.plen[o] - 1;
    return { r: 1, data: d };
  }
  const off = s.fd_off[pid][fd];
  const res = readPage(s, o, off);
  if (res.r === 1) s.fd_off[pid][fd] = off + 1;
  return res;
}

export function write(s: State, pid: i32, fd: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none' || k === 'rpipe') return EBADF;
  const o = s.fd_obj[pid][fd];
  if (k === 'wpipe') {
    if (!anyEnd(s.readers, o, pid)) return EPIPE;
    const n = s.plen[o];
    if (n >= PIPECAP) return EAGAIN;
    s.pbuf[o][n] = data;
    s.plen[o] = n + 1;
    return 1;
  }
  const off = s.fd_off[pid][fd];
  if (off >= NPAGE) return EFBIG;
  writePage(s, o, off, data);
  s.fd_off[pid][fd] = off + 1;
  return 1;
}

export function pread(s: State, pid: i32, fd: i32, off: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return readErr(EBADF);
  if (k !== 'file') return readErr(ESPIPE);
  if (off < 0) return readErr(EINVAL);
  // the page alone: no size, no shared reference count
  return readPage(s, s.fd_obj[pid][fd], off);
}

export function pwrite(s: State, pid: i32, fd: i32, off: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  if (off < 0) return EINVAL;
  if (off >= NPAGE) return EFBIG;
  writePage(s, s.fd_obj[pid][fd], off, data);
  return 1;
}

// ---- virtual memory ------------------------------------------------------------------------------

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
  if (!fixed) v = allocVa(s, pid);
  if (v < 0) return ENOMEM;
  // the mapping counts move only when the page maps another inode than before (a fixed mmap
  // identical to the mapping in place writes nothing at all)
  const old = s.vm_kind[pid][v] === 'file' ? s.vm_ino[pid][v] : -1;
  if (ino !== old) {
    if (ino >= 0) addMap(s, ino, 1);
    if (old >= 0) addMap(s, old, -1);
  }
  setVma(s, pid, v, anon ? 'anon' : 'file', writable, ino, anon ? 0 : off);
  return v;
}

export function munmap(s: State, pid: i32, va: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  unmapVa(s, pid, va);
  return 0;
}

export function mprotect(s: State, pid: i32, va: i32, writable: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  if (!s.vm_used[pid][va]) return ENOMEM;
  if (s.vm_writable[pid][va] !== writable) s.vm_writable[pid][va] = writable;
  return 0;
}

export function memread(s: State, pid: i32, va: i32): MemResult {
  if (!validPid(pid) || !validVa(va)) return { sig: 'segv', data: 0 };
  const k = s.vm_kind[pid][va];
  if (k === 'none') return { sig: 'segv', data: 0 };
  if (k === 'anon') return { sig: 'none', data: s.vm_data[pid][va] };
  const ino = s.vm_ino[pid][va];
  const off = s.vm_off[pid][va];
  if (!s.present[ino][off]) return { sig: 'bus', data: 0 };
  return { sig: 'none', data: s.pages[ino][off] };
}

export function memwrite(s: State, pid: i32, va: i32, data: Data): Sig {
  if (!validPid(pid) || !validVa(va)) return 'segv';
  // the protection first: a page that is not writable faults whether or not it is mapped, and
  // unmapping a read-only page leaves its writable bit alone (false already), so a write to it
  // reads no cell a munmap of it writes
  if (!s.vm_writable[pid][va]) return 'segv';
  const k = s.vm_kind[pid][va];
  if (k === 'none') return 'segv';
  if (k === 'anon') {
    if (s.vm_data[pid][va] !== data) s.vm_data[pid][va] = data;
    return 'none';
  }
  const ino = s.vm_ino[pid][va];
  const off = s.vm_off[pid][va];
  if (!s.present[ino][off]) return 'bus';
  if (s.pages[ino][off] !== data) s.pages[ino][off] = data;
  return 'none';
}

// ---- representation invariants and the abstraction relation -------------------------------------

/** A page is marked used exactly when it holds a mapping. */
export function inv_vmused(s: State): boolean {
  return forall(NPROC, (p) => forall(NVA, (v) => s.vm_used[p][v] === (s.vm_kind[p][v] !== 'none')));
}

/** A core's deltas (links, open descriptors, mappings) stay within the cache's range. */
export function inv_linkcache(s: State): boolean {
  return forall(NINODE, (i) => forall(NCPU, (c) => cached(s.nlinkDelta[i][c]) && cached(s.opensDelta[i][c]) && cached(s.mapsDelta[i][c])));
}

/** readers(n, p) = the number of read ends of pipe n open in p. */
export function inv_readers(s: State): boolean {
  return forall(NPIPE, (n) => forall(NPROC, (p) => s.readers[n][p] === count(NFD, (fd) => s.fd_kind[p][fd] === 'rpipe' && s.fd_obj[p][fd] === n)));
}

/** writers(n, p) = the number of write ends of pipe n open in p. */
export function inv_writers(s: State): boolean {
  return forall(NPIPE, (n) => forall(NPROC, (p) => s.writers[n][p] === count(NFD, (fd) => s.fd_kind[p][fd] === 'wpipe' && s.fd_obj[p][fd] === n)));
}


/** The spec's counts are the sums of the per-core and per-process ones; a free inode's pages are stale (freed lazily). */
function inodeEq(i: State, s: spec.State, n: number): boolean {
  const free = s.inodes[n].nlink === 0 && s.inodes[n].nopen === 0 && s.inodes[n].nmap === 0;
  return nlinkOf(i, n) === s.inodes[n].nlink && opensOf(i, n) === s.inodes[n].nopen && mapsOf(i, n) === s.inodes[n].nmap &&
    (free || forall(NPAGE, (p) => i.present[n][p] === (p < s.inodes[n].len) && i.pages[n][p] === s.inodes[n].data[p]));
}

/** A free pipe's contents are stale (freed lazily). */
function pipeEq(i: State, s: spec.State, n: number): boolean {
  const free = s.pipes[n].nread === 0 && s.pipes[n].nwrite === 0;
  return readersOf(i, n) === s.pipes[n].nread && writersOf(i, n) === s.pipes[n].nwrite &&
    (free || (i.plen[n] === s.pipes[n].len && forall(PIPECAP, (k) => i.pbuf[n][k] === s.pipes[n].buf[k])));
}

function fdEq(i: State, s: spec.State, p: number, fd: number): boolean {
  return i.fd_kind[p][fd] === s.procs[p].fds[fd].kind && i.fd_obj[p][fd] === s.procs[p].fds[fd].obj && i.fd_off[p][fd] === s.procs[p].fds[fd].off;
}

function vmaEq(i: State, s: spec.State, p: number, v: number): boolean {
  return i.vm_kind[p][v] === s.procs[p].vmas[v].kind && i.vm_writable[p][v] === s.procs[p].vmas[v].writable &&
    i.vm_ino[p][v] === s.procs[p].vmas[v].ino && i.vm_off[p][v] === s.procs[p].vmas[v].off && i.vm_data[p][v] === s.procs[p].vmas[v].data;
}

/** The same directory (the inode cell of a name that does not exist is stale) and tables; a page is present below the spec's length. */
export function equiv(i: State, s: spec.State): boolean {
  // a loop, not forall: the sums are computed by loops, which quantifier bodies cannot call
  for (let n = 0; n < NINODE; n++) if (!inodeEq(i, s, n)) return false;
  for (let n = 0; n < NPIPE; n++) if (!pipeEq(i, s, n)) return false;
  return forall(NNAME, (n) => i.named[n] === (s.dir[n] >= 0) && implies(i.named[n], i.dir[n] === s.dir[n])) &&
    forall(NPROC, (p) => forall(NFD, (fd) => fdEq(i, s, p, fd))) &&
    forall(NPROC, (p) => forall(NVA, (v) => vmaEq(i, s, p, v)));
}
