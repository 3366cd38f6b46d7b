// A POSIX-like file system and virtual-memory interface after COMMUTER (Clements et al., SOSP'13,
// aclements/commuter models/fs.py): the state-machine spec. See docs/posix.md.
//
// The 18 operations of COMMUTER's model, in its order: open, link, unlink, rename, stat, fstat,
// lseek, close, pipe, read, write, pread, pwrite, mmap, munmap, mprotect, memread, memwrite.
// Two processes, one flat directory of NNAME names, page-granular file data, pipes, errno and
// signal outcomes as values. Where POSIX leaves a choice open (the inode a creating open allocates, the virtual page
// of a non-fixed mmap, the pipe object, the descriptor of an O_ANYFD open or pipe) the spec says
// so with `choose`; without O_ANYFD a new descriptor is the lowest free one, as POSIX requires.
//
// States are canonical: every freed descriptor, mapping, inode and pipe is cleared, pages beyond
// a file's length and pipe slots beyond its contents are 0, and a removed name's entry is -1. Two states that behave the same are therefore structurally equal (given the
// choices), which is what the commutativity analysis compares; no `equivalent` is needed.
//
// Sizes are small named constants: the commutativity analysis executes pairs of operations
// symbolically and every array is expanded.
import type { u8, i8, i32, Arr } from 'pushbutton';
import { arr, forall, count, implies, choose } from 'pushbutton';

/** processes (COMMUTER: proc0, proc1) */
export const NPROC = 2;
/** descriptors per process */
export const NFD = 3;
/** inodes */
export const NINODE = 3;
/** pages per file (COMMUTER: DATA_MAX_LEN = 8 datavals of one page each) */
export const NPAGE = 2;
/** virtual pages per process */
export const NVA = 3;
/**
 * file names: names are 0..NNAME-1, like COMMUTER's pool of file names. A bounded name space
 * (not an opaque name type) is what lets the spec state that an inode's link count is the number
 * of its names (inv_names): with names as opaque keys of a map, the analysis started from states
 * no run reaches (a named inode with nlink 0), and the tests built from them measured those.
 */
export const NNAME = 5;
/** pipes */
export const NPIPE = 2;
/** pages a pipe holds */
export const PIPECAP = 2;
/** the largest file offset, in pages (lseek beyond it is EINVAL) */
export const MAXOFF = 4;

export const ENOENT = -2;
export const EBADF = -9;
export const EAGAIN = -11;
export const ENOMEM = -12;
export const EEXIST = -17;
export const ENODEV = -19;
export const EINVAL = -22;
export const ENFILE = -23;
export const EMFILE = -24;
export const EFBIG = -27;
export const ENOSPC = -28;
export const ESPIPE = -29;
export const EPIPE = -32;
export const ENAMETOOLONG = -36;

/** A file name: 0..NNAME-1 (ENAMETOOLONG otherwise). */
export type Fn = i32;
/** The contents of one page (COMMUTER's SDataVal); 0 is a zero page. */
export type Data = u8;
/** a descriptor: empty, an open file, the read end or the write end of a pipe */
export type FdKind = 'none' | 'file' | 'rpipe' | 'wpipe';
export type VmaKind = 'none' | 'anon' | 'file';
export type Whence = 'set' | 'cur' | 'end';
/** The outcome of a memory access: no signal, SIGSEGV, SIGBUS. */
export type Sig = 'none' | 'segv' | 'bus';

export interface Inode {
  /** the number of names in the directory */
  nlink: u8;
  /** the number of descriptors (of any process) open on it */
  nopen: u8;
  /** the number of virtual pages (of any process) mapping it */
  nmap: u8;
  /** length in pages */
  len: u8;
  data: Arr<Data, typeof NPAGE>;
}

export interface Pipe {
  /** the number of read ends and write ends open */
  nread: u8;
  nwrite: u8;
  /** pages queued, oldest at buf[0] */
  len: u8;
  buf: Arr<Data, typeof PIPECAP>;
}

export interface Fd {
  kind: FdKind;
  /** the inode (file) or the pipe (rpipe, wpipe); -1 when none */
  obj: i8;
  /** file offset in pages (files only) */
  off: u8;
}

export interface Vma {
  kind: VmaKind;
  writable: boolean;
  /** the mapped inode and the page of it (file mappings); -1 and 0 otherwise */
  ino: i8;
  off: u8;
  /** the page's contents (anonymous mappings) */
  data: Data;
}

export interface Proc {
  fds: Arr<Fd, typeof NFD>;
  vmas: Arr<Vma, typeof NVA>;
}

export interface State {
  /** the one flat directory: name -> inode, -1 where the name is not linked */
  dir: Arr<i8, typeof NNAME>;
  inodes: Arr<Inode, typeof NINODE>;
  pipes: Arr<Pipe, typeof NPIPE>;
  procs: Arr<Proc, typeof NPROC>;
}

/** Results. Every field is set on every path (0 or -1 where it means nothing) so results compare as records. */
export interface Stat {
  /** 0, or a negative errno */
  r: i32;
  ino: i8;
  /** length in pages */
  size: u8;
  nlink: u8;
  /** a pipe (S_ISFIFO) */
  fifo: boolean;
}

export interface ReadResult {
  /** 1 (one page read), 0 (end of file), or a negative errno */
  r: i32;
  data: Data;
}

export interface PipeResult {
  /** 0, or a negative errno */
  r: i32;
  rfd: i8;
  wfd: i8;
}

export interface MemResult {
  sig: Sig;
  data: Data;
}

export function init(): State {
  return {
    dir: arr(NNAME, (n) => -1),
    inodes: arr(NINODE, (i) => ({ nlink: 0, nopen: 0, nmap: 0, len: 0, data: arr(NPAGE, (p) => 0) })),
    pipes: arr(NPIPE, (p) => ({ nread: 0, nwrite: 0, len: 0, buf: arr(PIPECAP, (k) => 0) })),
    procs: arr(NPROC, (p) => ({
      fds: arr(NFD, (fd) => ({ kind: 'none', obj: -1, off: 0 })),
      vmas: arr(NVA, (v) => ({ kind: 'none', writable: false, ino: -1, off: 0, data: 0 })),
    })),
  };
}

/**
 * verify commute (docs/commute.md): the two processes are interchangeable (swapping them maps
 * states to states and runs to runs), so the first call of a pair runs in process 0, as
 * COMMUTER's call "a" does; the second runs in either, so both one-process and two-process
 * pairs are analysed.
 */
export function commuteFirst(pid: i32): boolean {
  return pid === 0;
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

/** The inode `name` (a valid name) names, or -1. */
function lookup(s: State, name: Fn): number {
  return s.dir[name];
}

/** An inode nothing refers to: free for a creating open. */
function inodeFree(s: State, i: number): boolean {
  return s.inodes[i].nlink === 0 && s.inodes[i].nopen === 0 && s.inodes[i].nmap === 0;
}

/** An inode whose last name, descriptor and mapping are gone is cleared (it is free again). */
function maybeFreeInode(s: State, i: number): void {
  const ind = s.inodes[i];
  if (ind.nlink === 0 && ind.nopen === 0 && ind.nmap === 0) {
    ind.len = 0;
    ind.data = arr(NPAGE, (p) => 0);
  }
}

function pipeFree(s: State, p: number): boolean {
  return s.pipes[p].nread === 0 && s.pipes[p].nwrite === 0;
}

/** The lowest free descriptor of `pid`, or -1. */
function lowestFd(s: State, pid: number): number {
  for (let fd = 0; fd < NFD; fd++) if (s.procs[pid].fds[fd].kind === 'none') return fd;
  return -1;
}

/** The lowest free descriptor of `pid` other than `but`, or -1. */
function lowestFdBut(s: State, pid: number, but: number): number {
  for (let fd = 0; fd < NFD; fd++) if (fd !== but && s.procs[pid].fds[fd].kind === 'none') return fd;
  return -1;
}

function clearFd(s: State, pid: number, fd: number): void {
  const f = s.procs[pid].fds[fd];
  f.kind = 'none';
  f.obj = -1;
  f.off = 0;
}

/** Drops what descriptor `fd` of `pid` refers to, and clears it. */
function dropFd(s: State, pid: number, fd: number): void {
  const f = s.procs[pid].fds[fd];
  const o = f.obj;
  if (f.kind === 'file') {
    s.inodes[o].nopen = s.inodes[o].nopen - 1;
    maybeFreeInode(s, o);
  } else {
    const pp = s.pipes[o];
    if (f.kind === 'wpipe') pp.nwrite = pp.nwrite - 1;
    else pp.nread = pp.nread - 1;
    if (pp.nread === 0 && pp.nwrite === 0) {
      pp.len = 0;
      pp.buf = arr(PIPECAP, (k) => 0);
    }
  }
  clearFd(s, pid, fd);
}

/** Drops what virtual page `va` of `pid` maps, and clears it. */
function dropVma(s: State, pid: number, va: number): void {
  const m = s.procs[pid].vmas[va];
  const i = m.ino;
  if (m.kind === 'file') {
    s.inodes[i].nmap = s.inodes[i].nmap - 1;
    maybeFreeInode(s, i);
  }
  m.kind = 'none';
  m.writable = false;
  m.ino = -1;
  m.off = 0;
  m.data = 0;
}

function statOf(s: State, i: number): Stat {
  return { r: 0, ino: i, size: s.inodes[i].len, nlink: s.inodes[i].nlink, fifo: false };
}

function statErr(e: number): Stat {
  return { r: e, ino: -1, size: 0, nlink: 0, fifo: false };
}

function readErr(e: number): ReadResult {
  return { r: e, data: 0 };
}

/** Reads page `off` of inode `i`: one page, or end of file. */
function iread(s: State, i: number, off: number): ReadResult {
  if (off >= s.inodes[i].len) return { r: 0, data: 0 };
  return { r: 1, data: s.inodes[i].data[off] };
}

/** Writes page `off` (< NPAGE) of inode `i`; a page past the end extends the file (a hole reads as zero pages). */
function iwrite(s: State, i: number, off: number, data: Data): void {
  const ind = s.inodes[i];
  ind.data[off] = data;
  if (off >= ind.len) ind.len = off + 1;
}

/** Truncates inode `i` to length 0. */
function itrunc(s: State, i: number): void {
  s.inodes[i].len = 0;
  s.inodes[i].data = arr(NPAGE, (p) => 0);
}

// ---- names ---------------------------------------------------------------------------------------

/**
 * open(name, O_CREAT?, O_EXCL?, O_TRUNC?, O_ANYFD?) in process `pid`: the descriptor. A creating
 * open of a missing name allocates any free inode; the descriptor is the lowest free one, or any
 * free one with `anyfd`.
 */
export function open(s: State, pid: i32, name: Fn, creat: boolean, excl: boolean, trunc: boolean, anyfd: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validName(name)) return ENAMETOOLONG;
  let ino = lookup(s, name);
  if (ino < 0 && !creat) return ENOENT;
  if (ino >= 0 && creat && excl) return EEXIST;
  let fd = lowestFd(s, pid);
  if (anyfd) fd = choose(NFD, (k) => s.procs[pid].fds[k].kind === 'none');
  if (fd < 0) return EMFILE;
  if (ino < 0) {
    const fresh = choose(NINODE, (i) => inodeFree(s, i));
    if (fresh < 0) return ENOSPC;
    ino = fresh;
    s.inodes[ino].nlink = 1;
    s.dir[name] = ino;
  } else if (trunc) {
    itrunc(s, ino);
  }
  const f = s.procs[pid].fds[fd];
  f.kind = 'file';
  f.obj = ino;
  f.off = 0;
  s.inodes[ino].nopen = s.inodes[ino].nopen + 1;
  return fd;
}

/** link(old, new): a second name for old's inode. */
export function link(s: State, oldname: Fn, newname: Fn): number {
  if (!validName(oldname) || !validName(newname)) return ENAMETOOLONG;
  const ino = lookup(s, oldname);
  if (ino < 0) return ENOENT;
  if (lookup(s, newname) >= 0) return EEXIST;
  s.dir[newname] = ino;
  s.inodes[ino].nlink = s.inodes[ino].nlink + 1;
  return 0;
}

/** unlink(name): removes the name; the inode goes when nothing refers to it any more. */
export function unlink(s: State, name: Fn): number {
  if (!validName(name)) return ENAMETOOLONG;
  const ino = lookup(s, name);
  if (ino < 0) return ENOENT;
  s.dir[name] = -1;
  s.inodes[ino].nlink = s.inodes[ino].nlink - 1;
  maybeFreeInode(s, ino);
  return 0;
}

/**
 * rename(src, dst): dst names src's inode and src goes; dst's old inode loses a link. A rename
 * onto itself does nothing. As in COMMUTER, src and dst that are links of one inode lose src.
 */
export function rename(s: State, src: Fn, dst: Fn): number {
  if (!validName(src) || !validName(dst)) return ENAMETOOLONG;
  const ino = lookup(s, src);
  if (ino < 0) return ENOENT;
  if (src === dst) return 0;
  const old = lookup(s, dst);
  s.dir[dst] = ino;
  s.dir[src] = -1;
  if (old >= 0) {
    s.inodes[old].nlink = s.inodes[old].nlink - 1;
    maybeFreeInode(s, old);
  }
  return 0;
}

/** stat(name): inode number, size in pages, link count. */
export function stat(s: State, name: Fn): Stat {
  if (!validName(name)) return statErr(ENAMETOOLONG);
  const ino = lookup(s, name);
  if (ino < 0) return statErr(ENOENT);
  return statOf(s, ino);
}

// ---- descriptors ---------------------------------------------------------------------------------

/** fstat(fd): as stat for a file; a pipe is a FIFO. */
export function fstat(s: State, pid: i32, fd: i32): Stat {
  if (!validPid(pid)) return statErr(EINVAL);
  if (!validFd(fd)) return statErr(EBADF);
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return statErr(EBADF);
  if (f.kind !== 'file') return { r: 0, ino: -1, size: 0, nlink: 0, fifo: true };
  return statOf(s, f.obj);
}

/** lseek(fd, off, whence): the new offset, in pages. */
export function lseek(s: State, pid: i32, fd: i32, off: i32, whence: Whence): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return EBADF;
  if (f.kind !== 'file') return ESPIPE;
  let n = off;
  if (whence === 'cur') n = f.off + off;
  if (whence === 'end') n = s.inodes[f.obj].len + off;
  if (n < 0 || n > MAXOFF) return EINVAL;
  f.off = n;
  return n;
}

/** close(fd). */
export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  if (s.procs[pid].fds[fd].kind === 'none') return EBADF;
  dropFd(s, pid, fd);
  return 0;
}

/** pipe(): any free pipe; the two lowest free descriptors (read end first), or any two with `anyfd`. */
export function pipe(s: State, pid: i32, anyfd: boolean): PipeResult {
  if (!validPid(pid)) return { r: EINVAL, rfd: -1, wfd: -1 };
  let rfd = lowestFd(s, pid);
  let wfd = lowestFdBut(s, pid, rfd);
  if (anyfd) {
    rfd = choose(NFD, (k) => s.procs[pid].fds[k].kind === 'none');
    wfd = choose(NFD, (k) => k !== rfd && s.procs[pid].fds[k].kind === 'none');
  }
  if (rfd < 0 || wfd < 0) return { r: EMFILE, rfd: -1, wfd: -1 };
  const p = choose(NPIPE, (k) => pipeFree(s, k));
  if (p < 0) return { r: ENFILE, rfd: -1, wfd: -1 };
  s.pipes[p].nread = 1;
  s.pipes[p].nwrite = 1;
  const r = s.procs[pid].fds[rfd];
  r.kind = 'rpipe';
  r.obj = p;
  const w = s.procs[pid].fds[wfd];
  w.kind = 'wpipe';
  w.obj = p;
  return { r: 0, rfd: rfd, wfd: wfd };
}

/**
 * read(fd): one page at the offset (which advances), or end of file. From a pipe: the oldest
 * page; an empty pipe is EAGAIN while a write end is open, end of file otherwise.
 */
export function read(s: State, pid: i32, fd: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return readErr(EBADF);
  if (f.kind === 'wpipe') return readErr(EBADF);
  if (f.kind === 'rpipe') {
    const pp = s.pipes[f.obj];
    if (pp.len === 0) {
      if (pp.nwrite > 0) return readErr(EAGAIN);
      return readErr(0);
    }
    const d = pp.buf[0];
    for (let k = 0; k < PIPECAP - 1; k++) pp.buf[k] = pp.buf[k + 1];
    pp.buf[PIPECAP - 1] = 0;
    pp.len = pp.len - 1;
    return { r: 1, data: d };
  }
  const res = iread(s, f.obj, f.off);
  if (res.r === 1) f.off = f.off + 1;
  return res;
}

/** write(fd, data): one page at the offset (which advances). To a pipe: EPIPE without readers, EAGAIN when full. */
export function write(s: State, pid: i32, fd: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return EBADF;
  if (f.kind === 'rpipe') return EBADF;
  if (f.kind === 'wpipe') {
    const pp = s.pipes[f.obj];
    if (pp.nread === 0) return EPIPE;
    if (pp.len >= PIPECAP) return EAGAIN;
    pp.buf[pp.len] = data;
    pp.len = pp.len + 1;
    return 1;
  }
  if (f.off >= NPAGE) return EFBIG;
  iwrite(s, f.obj, f.off, data);
  f.off = f.off + 1;
  return 1;
}

/** pread(fd, off): page `off`, or end of file; the offset of fd is unchanged. */
export function pread(s: State, pid: i32, fd: i32, off: i32): ReadResult {
  if (!validPid(pid)) return readErr(EINVAL);
  if (!validFd(fd)) return readErr(EBADF);
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return readErr(EBADF);
  if (f.kind !== 'file') return readErr(ESPIPE);
  if (off < 0) return readErr(EINVAL);
  return iread(s, f.obj, off);
}

/** pwrite(fd, off, data): writes page `off`; the offset of fd is unchanged. */
export function pwrite(s: State, pid: i32, fd: i32, off: i32, data: Data): number {
  if (!validPid(pid)) return EINVAL;
  if (!validFd(fd)) return EBADF;
  const f = s.procs[pid].fds[fd];
  if (f.kind === 'none') return EBADF;
  if (f.kind !== 'file') return ESPIPE;
  if (off < 0) return EINVAL;
  if (off >= NPAGE) return EFBIG;
  iwrite(s, f.obj, off, data);
  return 1;
}

// ---- virtual memory ------------------------------------------------------------------------------

/**
 * mmap(va if fixed, anon?, writable?, fd, off): maps one page, anonymous (zero-filled) or page
 * `off` of fd's file, at `va` (fixed: replacing what is there) or at any free virtual page.
 */
export function mmap(s: State, pid: i32, anon: boolean, writable: boolean, fixed: boolean, va: i32, fd: i32, off: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (fixed && !validVa(va)) return EINVAL;
  let ino = -1;
  if (!anon) {
    if (!validFd(fd)) return EBADF;
    const f = s.procs[pid].fds[fd];
    if (f.kind === 'none') return EBADF;
    if (f.kind !== 'file') return ENODEV;
    if (off < 0 || off >= NPAGE) return EINVAL;
    ino = f.obj;
  }
  let v = va;
  if (!fixed) v = choose(NVA, (k) => s.procs[pid].vmas[k].kind === 'none');
  if (v < 0) return ENOMEM;
  // the new mapping's reference first, so that replacing a mapping of the same inode keeps it;
  // only a fixed mapping replaces one (a chosen page is free)
  if (!anon) s.inodes[ino].nmap = s.inodes[ino].nmap + 1;
  if (fixed) dropVma(s, pid, va);
  const m = s.procs[pid].vmas[v];
  m.writable = writable;
  if (anon) {
    m.kind = 'anon';
  } else {
    m.kind = 'file';
    m.ino = ino;
    m.off = off;
  }
  return v;
}

/** munmap(va): unmapping a page that is not mapped is not an error. */
export function munmap(s: State, pid: i32, va: i32): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  dropVma(s, pid, va);
  return 0;
}

/** mprotect(va, writable). */
export function mprotect(s: State, pid: i32, va: i32, writable: boolean): number {
  if (!validPid(pid)) return EINVAL;
  if (!validVa(va)) return EINVAL;
  const m = s.procs[pid].vmas[va];
  if (m.kind === 'none') return ENOMEM;
  m.writable = writable;
  return 0;
}

/** A load from `va`: SIGSEGV when unmapped (or pid invalid), SIGBUS past the end of a mapped file. */
export function memread(s: State, pid: i32, va: i32): MemResult {
  if (!validPid(pid) || !validVa(va)) return { sig: 'segv', data: 0 };
  const m = s.procs[pid].vmas[va];
  if (m.kind === 'none') return { sig: 'segv', data: 0 };
  if (m.kind === 'anon') return { sig: 'none', data: m.data };
  if (m.off >= s.inodes[m.ino].len) return { sig: 'bus', data: 0 };
  return { sig: 'none', data: s.inodes[m.ino].data[m.off] };
}

/** A store to `va`: SIGSEGV when unmapped or read-only, SIGBUS past the end of a mapped file. */
export function memwrite(s: State, pid: i32, va: i32, data: Data): Sig {
  if (!validPid(pid) || !validVa(va)) return 'segv';
  const m = s.procs[pid].vmas[va];
  if (m.kind === 'none' || !m.writable) return 'segv';
  if (m.kind === 'anon') {
    m.data = data;
    return 'none';
  }
  if (m.off >= s.inodes[m.ino].len) return 'bus';
  s.inodes[m.ino].data[m.off] = data;
  return 'none';
}

// ---- declarative invariants ----------------------------------------------------------------------

/** A descriptor is empty (and cleared), an open file (valid inode, offset <= MAXOFF) or a pipe end. */
function fdOk(f: Fd): boolean {
  if (f.kind === 'none') return f.obj === -1 && f.off === 0;
  if (f.kind === 'file') return f.obj >= 0 && f.obj < NINODE && f.off <= MAXOFF;
  return f.obj >= 0 && f.obj < NPIPE && f.off === 0;
}

/** A virtual page is unmapped (and cleared), anonymous, or a page of a valid inode. */
function vmaOk(m: Vma): boolean {
  if (m.kind === 'none') return !m.writable && m.ino === -1 && m.off === 0 && m.data === 0;
  if (m.kind === 'anon') return m.ino === -1 && m.off === 0;
  return m.ino >= 0 && m.ino < NINODE && m.off < NPAGE && m.data === 0;
}

export function inv_fds(s: State): boolean {
  return forall(NPROC, (p) => forall(NFD, (fd) => fdOk(s.procs[p].fds[fd])));
}

export function inv_vmas(s: State): boolean {
  return forall(NPROC, (p) => forall(NVA, (v) => vmaOk(s.procs[p].vmas[v])));
}

/** nopen(i) = the number of (pid, fd) naming inode i. */
export function inv_nopen(s: State): boolean {
  return forall(NINODE, (i) =>
    s.inodes[i].nopen === count(NPROC * NFD, (k) => fdIs(s, k, 'file', i)),
  );
}

/** nmap(i) = the number of (pid, va) mapping inode i. */
export function inv_nmap(s: State): boolean {
  return forall(NINODE, (i) =>
    s.inodes[i].nmap === count(NPROC * NVA, (k) => s.procs[Math.floor(k / NVA)].vmas[k % NVA].kind === 'file' && s.procs[Math.floor(k / NVA)].vmas[k % NVA].ino === i),
  );
}

/** The descriptor `k` of the flattened (pid, fd) table is of kind `kind` on object `o`. */
function fdIs(s: State, k: number, kind: FdKind, o: number): boolean {
  return s.procs[Math.floor(k / NFD)].fds[k % NFD].kind === kind && s.procs[Math.floor(k / NFD)].fds[k % NFD].obj === o;
}

/** nread(p) = the number of read ends of pipe p. */
export function inv_nread(s: State): boolean {
  return forall(NPIPE, (p) => s.pipes[p].nread === count(NPROC * NFD, (k) => fdIs(s, k, 'rpipe', p)));
}

/** nwrite(p) = the number of write ends of pipe p. */
export function inv_nwrite(s: State): boolean {
  return forall(NPIPE, (p) => s.pipes[p].nwrite === count(NPROC * NFD, (k) => fdIs(s, k, 'wpipe', p)));
}

/** Every name is unlinked (-1) or names an inode; an inode's link count is the number of its names. */
export function inv_names(s: State): boolean {
  return forall(NNAME, (n) => s.dir[n] >= -1 && s.dir[n] < NINODE) &&
    forall(NINODE, (i) => s.inodes[i].nlink === count(NNAME, (n) => s.dir[n] === i));
}

/** A file is at most NPAGE pages, pages past its end are zero, a free inode is cleared. */
export function inv_inodes(s: State): boolean {
  return forall(NINODE, (i) =>
    s.inodes[i].len <= NPAGE &&
      forall(NPAGE, (p) => implies(p >= s.inodes[i].len, s.inodes[i].data[p] === 0)) &&
      implies(inodeFree(s, i), s.inodes[i].len === 0),
  );
}

/** A pipe holds at most PIPECAP pages, slots past its contents are zero, a free pipe is empty. */
export function inv_pipes(s: State): boolean {
  return forall(NPIPE, (p) =>
    s.pipes[p].len <= PIPECAP &&
      forall(PIPECAP, (k) => implies(k >= s.pipes[p].len, s.pipes[p].buf[k] === 0)) &&
      implies(pipeFree(s, p), s.pipes[p].len === 0),
  );
}
