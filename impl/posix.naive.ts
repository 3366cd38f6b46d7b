// The POSIX-like model (spec/posix.ts): a "Linux-like" implementation, the naive reference of
// COMMUTER §7.5. Struct-of-arrays tables as in a C kernel, and the sharing Linux 3.8 has where
// COMMUTER found its conflicts:
//   - one directory-wide version cell (the parent directory's lock) written by every name operation;
//   - one reference count per inode (i_count: descriptors + mappings) that every descriptor
//     operation takes and drops (fget/fput), so concurrent reads of one file write a shared cell;
//   - the lowest free descriptor, found by scanning the table (also with O_ANYFD), and the lowest
//     free inode, pipe and virtual page;
//   - one per-address-space sequence cell (mmap_sem) written by mmap, munmap and mprotect;
//   - pread reads the file size before it looks at the page.
// Helpers are exported so that a seeded bug (bugs/posix.*.ts) can reuse them around the one
// operation it changes. See docs/posix.md.
import type { u8, i8, i32, Arr } from 'pushbutton';
import { arr, forall } from 'pushbutton';
import type * as spec from '../spec/posix.ts';
import {
  NPROC, NFD, NINODE, NNAME, NPAGE, NVA, NPIPE, PIPECAP, MAXOFF,
  ENOENT, EBADF, EAGAIN, EEXIST, ENODEV, EINVAL, ENFILE, EMFILE, EFBIG, ENOSPC, ESPIPE, EPIPE, ENOMEM, ENAMETOOLONG,
  type Fn, type Data, type FdKind, type VmaKind, type Whence, type Sig, type Stat, type ReadResult, type PipeResult, type MemResult,
} from '../spec/posix.ts';

export interface State {
  /** name -> inode, -1 where the name is not linked */
  dir: Arr<i8, typeof NNAME>;
  /** the directory's lock/version: every name operation writes it */
  dirVersion: u8;
  i_nlink: Arr<u8, typeof NINODE>;
  /** references from descriptors and mappings, plus the ones fd operations hold while they run */
  i_count: Arr<u8, typeof NINODE>;
  i_size: Arr<u8, typeof NINODE>;
  i_data: Arr<Arr<Data, typeof NPAGE>, typeof NINODE>;
  p_readers: Arr<u8, typeof NPIPE>;
  p_writers: Arr<u8, typeof NPIPE>;
  p_len: Arr<u8, typeof NPIPE>;
  p_buf: Arr<Arr<Data, typeof PIPECAP>, typeof NPIPE>;
  fd_kind: Arr<Arr<FdKind, typeof NFD>, typeof NPROC>;
  fd_obj: Arr<Arr<i8, typeof NFD>, typeof NPROC>;
  fd_off: Arr<Arr<u8, typeof NFD>, typeof NPROC>;
  vm_kind: Arr<Arr<VmaKind, typeof NVA>, typeof NPROC>;
  vm_writable: Arr<Arr<boolean, typeof NVA>, typeof NPROC>;
  vm_ino: Arr<Arr<i8, typeof NVA>, typeof NPROC>;
  vm_off: Arr<Arr<u8, typeof NVA>, typeof NPROC>;
  vm_data: Arr<Arr<Data, typeof NVA>, typeof NPROC>;
  /** the address space's lock/sequence: every mmap, munmap and mprotect writes it */
  mm_seq: Arr<u8, typeof NPROC>;
}

export function init(): State {
  return {
    dir: arr(NNAME, (n) => -1),
    dirVersion: 0,
    i_nlink: arr(NINODE, (i) => 0),
    i_count: arr(NINODE, (i) => 0),
    i_size: arr(NINODE, (i) => 0),
    i_data: arr(NINODE, (i) => arr(NPAGE, (p) => 0)),
    p_readers: arr(NPIPE, (p) => 0),
    p_writers: arr(NPIPE, (p) => 0),
    p_len: arr(NPIPE, (p) => 0),
    p_buf: arr(NPIPE, (p) => arr(PIPECAP, (k) => 0)),
    fd_kind: arr(NPROC, (p) => arr(NFD, (fd) => 'none')),
    fd_obj: arr(NPROC, (p) => arr(NFD, (fd) => -1)),
    fd_off: arr(NPROC, (p) => arr(NFD, (fd) => 0)),
    vm_kind: arr(NPROC, (p) => arr(NVA, (v) => 'none')),
    vm_writable: arr(NPROC, (p) => arr(NVA, (v) => false)),
    vm_ino: arr(NPROC, (p) => arr(NVA, (v) => -1)),
    vm_off: arr(NPROC, (p) => arr(NVA, (v) => 0)),
    vm_data: arr(NPROC, (p) => arr(NVA, (v) => 0)),
    mm_seq: arr(NPROC, (p) => 0),
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

/** Takes the directory's lock: every name operation writes the directory-wide cell. */
export function lockDir(s: State): void {
  s.dirVersion = (s.dirVersion + 1) % 256;
}

/** Takes the address space's lock. */
export function lockMm(s: State, pid: number): void {
  s.mm_seq[pid] = (s.mm_seq[pid] + 1) % 256;
}

export function validName(name: number): boolean {
  return name >= 0 && name < NNAME;
}

/** The inode a valid name names, or -1. */
export function lookup(s: State, name: Fn): number {
  return s.dir[name];
}

/** fget: a descriptor operation holds a reference to the inode while it runs. */
export function iget(s: State, ino: number): void {
  s.i_count[ino] = s.i_count[ino] + 1;
}

/** fput. */
export function iput(s: State, ino: number): void {
  s.i_count[ino] = s.i_count[ino] - 1;
}

/** The inode is cleared once no name, descriptor or mapping refers to it. */
export function maybeFreeInode(s: State, ino: number): void {
  if (s.i_nlink[ino] === 0 && s.i_count[ino] === 0) {
    s.i_size[ino] = 0;
    s.i_data[ino] = arr(NPAGE, (p) => 0);
  }
}

/** Scans for the lowest free inode. */
export function allocInode(s: State): number {
  for (let i = 0; i < NINODE; i++) if (s.i_nlink[i] === 0 && s.i_count[i] === 0) return i;
  return -1;
}

/** Scans for the lowest free descriptor of `pid` other than `but`. */
export function allocFd(s: State, pid: number, but: number): number {
  for (let fd = 0; fd < NFD; fd++) if (fd !== but && s.fd_kind[pid][fd] === 'none') return fd;
  return -1;
}

/** Scans for the lowest free pipe. */
export function allocPipe(s: State): number {
  for (let p = 0; p < NPIPE; p++) if (s.p_readers[p] === 0 && s.p_writers[p] === 0) return p;
  return -1;
}

/** Scans for the lowest free virtual page of `pid`. */
export function allocVa(s: State, pid: number): number {
  for (let v = 0; v < NVA; v++) if (s.vm_kind[pid][v] === 'none') return v;
  return -1;
}

export function clearFd(s: State, pid: number, fd: number): void {
  s.fd_kind[pid][fd] = 'none';
  s.fd_obj[pid][fd] = -1;
  s.fd_off[pid][fd] = 0;
}

export function clearVma(s: State, pid: number, va: number): void {
  s.vm_kind[pid][va] = 'none';
  s.vm_writable[pid][va] = false;
  s.vm_ino[pid][va] = -1;
  s.vm_off[pid][va] = 0;
  s.vm_data[pid][va] = 0;
}

export function unmapVa(s: State, pid: number, va: number): void {
  if (s.vm_kind[pid][va] === 'file') {
    const ino = s.vm_ino[pid][va];
    s.i_count[ino] = s.i_count[ino] - 1;
    maybeFreeInode(s, ino);
  }
  clearVma(s, pid, va);
}

export function statOf(s: State, ino: number): Stat {
  return { r: 0, ino: ino, size: s.i_size[ino], nlink: s.i_nlink[ino], fifo: false };
}

export function statErr(e: number): Stat {
  return { r: e, ino: -1, size: 0, nlink: 0, fifo: false };
}

export function readErr(e: number): ReadResult {
  return { r: e, data: 0 };
}

export function truncate(s: State, ino: number): void {
  s.i_size[ino] = 0;
  s.i_data[ino] = arr(NPAGE, (p) => 0);
}

export function writePage(s: State, ino: number, off: number, data: Data): void {
  s.i_data[ino][off] = data;
  if (off >= s.i_size[ino]) s.i_size[ino] = off + 1;
}

// ---- names ---------------------------------------------------------------------------------------

export function open(s: State, pid: i32, name: Fn, creat: boolean, excl: boolean, trunc: boolean, anyfd: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validName(name)) return ENAMETOOLONG;
  lockDir(s);
  let ino = lookup(s, name);
  if (ino < 0 && !creat) return ENOENT;
  if (ino >= 0 && creat && excl) return EEXIST;
  const fd = allocFd(s, pid, -1);
  if (fd < 0) return EMFILE;
  if (ino < 0) {
    ino = allocInode(s);
    if (ino < 0) return ENOSPC;
    s.i_nlink[ino] = 1;
    s.dir[name] = ino;
  } else if (trunc) {
    truncate(s, ino);
  }
  s.fd_kind[pid][fd] = 'file';
  s.fd_obj[pid][fd] = ino;
  s.fd_off[pid][fd] = 0;
  s.i_count[ino] = s.i_count[ino] + 1;
  return fd;
}

export function link(s: State, oldname: Fn, newname: Fn): number {
  if (!validName(oldname) || !validName(newname)) return ENAMETOOLONG;
  lockDir(s);
  const ino = lookup(s, oldname);
  if (ino < 0) return ENOENT;
  if (lookup(s, newname) >= 0) return EEXIST;
  s.dir[newname] = ino;
  s.i_nlink[ino] = s.i_nlink[ino] + 1;
  return 0;
}

export function unlink(s: State, name: Fn): number {
  if (!validName(name)) return ENAMETOOLONG;
  lockDir(s);
  const ino = lookup(s, name);
  if (ino < 0) return ENOENT;
  s.dir[name] = -1;
  s.i_nlink[ino] = s.i_nlink[ino] - 1;
  maybeFreeInode(s, ino);
  return 0;
}

export function rename(s: State, src: Fn, dst: Fn): number {
  if (!validName(src) || !validName(dst)) return ENAMETOOLONG;
  lockDir(s);
  const ino = lookup(s, src);
  if (ino < 0) return ENOENT;
  if (src === dst) return 0;
  const old = lookup(s, dst);
  s.dir[dst] = ino;
  s.dir[src] = -1;
  if (old >= 0) {
    s.i_nlink[old] = s.i_nlink[old] - 1;
    maybeFreeInode(s, old);
  }
  return 0;
}

export function stat(s: State, name: Fn): Stat {
  if (!validName(name)) return statErr(ENAMETOOLONG);
  lockDir(s);
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
  const ino = s.fd_obj[pid][fd];
  iget(s, ino);
  const st = statOf(s, ino);
  iput(s, ino);
  return st;
}

export function lseek(s: State, pid: i32, fd: i32, off: i32, whence: Whence): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  const ino = s.fd_obj[pid][fd];
  iget(s, ino);
  let n = off;
  if (whence === 'cur') n = s.fd_off[pid][fd] + off;
  else if (whence === 'end') n = s.i_size[ino] + off;
  iput(s, ino);
  if (n < 0 || n > MAXOFF) return EINVAL;
  s.fd_off[pid][fd] = n;
  return n;
}

export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  const o = s.fd_obj[pid][fd];
  if (k === 'file') {
    s.i_count[o] = s.i_count[o] - 1;
    maybeFreeInode(s, o);
  } else {
    if (k === 'wpipe') s.p_writers[o] = s.p_writers[o] - 1;
    else s.p_readers[o] = s.p_readers[o] - 1;
    if (s.p_readers[o] === 0 && s.p_writers[o] === 0) {
      s.p_len[o] = 0;
      s.p_buf[o] = arr(PIPECAP, (j) => 0);
    }
  }
  clearFd(s, pid, fd);
  return 0;
}

export function pipe(s: State, pid: i32, anyfd: boolean): PipeResult {
  if (!validPid(pid)) return { r: EINVAL, rfd: -1, wfd: -1 };
  const rfd = allocFd(s, pid, -1);
  const wfd = allocFd(s, pid, rfd);
  if (rfd < 0 || wfd < 0) return { r: EMFILE, rfd: -1, wfd: -1 };
  const p = allocPipe(s);
  if (p < 0) return { r: ENFILE, rfd: -1, wfd: -1 };
  s.p_readers[p] = 1;
  s.p_writers[p] = 1;
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
  if (k === 'none') return readErr(EBADF);
  const o = s.fd_obj[pid][fd];
  if (k === 'wpipe') return readErr(EBADF);
  if (k === 'rpipe') {
    if (s.p_len[o] === 0) {
      if (s.p_writers[o] > 0) return readErr(EAGAIN);
      return readErr(0);
    }
    const d = s.p_buf[o][0];
    for (let j = 0; j < PIPECAP - 1; j++) s.p_buf[o][j] = s.p_buf[o][j + 1];
    s.p_buf[o][PIPECAP - 1] = 0;
    s.p_len[o] = s.p_len[o] - 1;
    return { r: 1, data: d };
  }
  iget(s, o);
  const off = s.fd_off[pid][fd];
  if (off >= s.i_size[o]) {
    iput(s, o);
    return readErr(0);
  }
  const d = s.i_data[o][off];
  s.fd_off[pid][fd] = off + 1;
  iput(s, o);
  return { r: 1, data: d };
}

export function write(s: State, pid: i32, fd: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  const o = s.fd_obj[pid][fd];
  if (k === 'rpipe') return EBADF;
  if (k === 'wpipe') {
    if (s.p_readers[o] === 0) return EPIPE;
    const n = s.p_len[o];
    if (n >= PIPECAP) return EAGAIN;
    s.p_buf[o][n] = data;
    s.p_len[o] = n + 1;
    return 1;
  }
  const off = s.fd_off[pid][fd];
  if (off >= NPAGE) return EFBIG;
  iget(s, o);
  writePage(s, o, off, data);
  s.fd_off[pid][fd] = off + 1;
  iput(s, o);
  return 1;
}

export function pread(s: State, pid: i32, fd: i32, off: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return readErr(EBADF);
  if (k !== 'file') return readErr(ESPIPE);
  if (off < 0) return readErr(EINVAL);
  const o = s.fd_obj[pid][fd];
  iget(s, o);
  // the size first (i_size_read), then the page
  const size = s.i_size[o];
  if (off >= size) {
    iput(s, o);
    return readErr(0);
  }
  const d = s.i_data[o][off];
  iput(s, o);
  return { r: 1, data: d };
}

export function pwrite(s: State, pid: i32, fd: i32, off: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const k = s.fd_kind[pid][fd];
  if (k === 'none') return EBADF;
  if (k !== 'file') return ESPIPE;
  if (off < 0) return EINVAL;
  if (off >= NPAGE) return EFBIG;
  const o = s.fd_obj[pid][fd];
  iget(s, o);
  writePage(s, o, off, data);
  iput(s, o);
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
  lockMm(s, pid);
  let v = va;
  if (!fixed) {
    v = allocVa(s, pid);
  }
  if (v < 0) return ENOMEM;
  if (!anon) s.i_count[ino] = s.i_count[ino] + 1;
  if (fixed) unmapVa(s, pid, va);
  s.vm_writable[pid][v] = writable;
  if (anon) {
    s.vm_kind[pid][v] = 'anon';
  } else {
    s.vm_kind[pid][v] = 'file';
    s.vm_ino[pid][v] = ino;
    s.vm_off[pid][v] = off;
  }
  return v;
}

export function munmap(s: State, pid: i32, va: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  lockMm(s, pid);
  unmapVa(s, pid, va);
  return 0;
}

export function mprotect(s: State, pid: i32, va: i32, writable: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  lockMm(s, pid);
  if (s.vm_kind[pid][va] === 'none') return ENOMEM;
  s.vm_writable[pid][va] = writable;
  return 0;
}

export function memread(s: State, pid: i32, va: i32): MemResult {
  if (!validPid(pid) || !validVa(va)) return { sig: 'segv', data: 0 };
  const k = s.vm_kind[pid][va];
  if (k === 'none') return { sig: 'segv', data: 0 };
  if (k === 'anon') return { sig: 'none', data: s.vm_data[pid][va] };
  const ino = s.vm_ino[pid][va];
  const off = s.vm_off[pid][va];
  if (off >= s.i_size[ino]) return { sig: 'bus', data: 0 };
  return { sig: 'none', data: s.i_data[ino][off] };
}

export function memwrite(s: State, pid: i32, va: i32, data: Data): Sig {
  if (!validPid(pid) || !validVa(va)) return 'segv';
  const k = s.vm_kind[pid][va];
  if (k === 'none' || !s.vm_writable[pid][va]) return 'segv';
  if (k === 'anon') {
    s.vm_data[pid][va] = data;
    return 'none';
  }
  const ino = s.vm_ino[pid][va];
  const off = s.vm_off[pid][va];
  if (off >= s.i_size[ino]) return 'bus';
  s.i_data[ino][off] = data;
  return 'none';
}

// ---- representation invariants and the abstraction relation -------------------------------------

/** A file's size is at most NPAGE pages; its reference count is small enough to take one more. */
export function inv_ranges(s: State): boolean {
  return forall(NINODE, (i) => s.i_size[i] <= NPAGE && s.i_count[i] <= NPROC * (NFD + NVA));
}

function inodeEq(i: State, s: spec.State, n: number): boolean {
  return i.i_nlink[n] === s.inodes[n].nlink && i.i_count[n] === s.inodes[n].nopen + s.inodes[n].nmap && i.i_size[n] === s.inodes[n].len &&
    forall(NPAGE, (p) => i.i_data[n][p] === s.inodes[n].data[p]);
}

function pipeEq(i: State, s: spec.State, n: number): boolean {
  return i.p_readers[n] === s.pipes[n].nread && i.p_writers[n] === s.pipes[n].nwrite && i.p_len[n] === s.pipes[n].len &&
    forall(PIPECAP, (k) => i.p_buf[n][k] === s.pipes[n].buf[k]);
}

function fdEq(i: State, s: spec.State, p: number, fd: number): boolean {
  return i.fd_kind[p][fd] === s.procs[p].fds[fd].kind && i.fd_obj[p][fd] === s.procs[p].fds[fd].obj &&
    i.fd_off[p][fd] === s.procs[p].fds[fd].off;
}

function vmaEq(i: State, s: spec.State, p: number, v: number): boolean {
  return i.vm_kind[p][v] === s.procs[p].vmas[v].kind && i.vm_writable[p][v] === s.procs[p].vmas[v].writable &&
    i.vm_ino[p][v] === s.procs[p].vmas[v].ino && i.vm_off[p][v] === s.procs[p].vmas[v].off && i.vm_data[p][v] === s.procs[p].vmas[v].data;
}

/** The same directory and tables; i_count is the spec's nopen + nmap; dirVersion and mm_seq are the implementation's own. */
export function equiv(i: State, s: spec.State): boolean {
  return forall(NNAME, (n) => i.dir[n] === s.dir[n]) &&
    forall(NINODE, (n) => inodeEq(i, s, n)) &&
    forall(NPIPE, (n) => pipeEq(i, s, n)) &&
    forall(NPROC, (p) => forall(NFD, (fd) => fdEq(i, s, p, fd))) &&
    forall(NPROC, (p) => forall(NVA, (v) => vmaEq(i, s, p, v)));
}
