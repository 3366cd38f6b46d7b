// A per-process file-descriptor table over a global open-file table, after Hyperkernel's
// sys_create / sys_dup / sys_dup2 / sys_close / sys_lseek (hv6/fd.c, hv6/spec/kernel/spec/specs.py).
//
// Finite interface, as in Hyperkernel: the caller names the descriptor and the file slot, the
// kernel only checks they are free, so no operation searches. Every error leaves the state
// unchanged and returns a negative errno. The crosscutting invariant is Hyperkernel's
// `files_refcnt` (lemma 8): a file's reference count is the number of (pid, fd) pairs naming it.
//
// Errors, checked in this order: a pid out of range is ESRCH; a descriptor number out of range, or
// one that names no file where a file is needed, is EBADF; a bad file slot or kind, or a target
// descriptor already in use (open, dup), is EINVAL; a process at its descriptor limit is EMFILE;
// a file slot in use is EBUSY; lseek on a pipe is ESPIPE. Success returns the descriptor (or the
// new offset for lseek, 0 for close).
import type { i8, i32, u8, u32, Arr } from 'pushbutton';
import { arr, forall, count, implies } from 'pushbutton';

export const NPROC = 4;
export const NFD = 4;
export const NFILE = 4;
/** A process may hold at most this many descriptors (its RLIMIT_NOFILE), fewer than its NFD slots. */
export const MAXFDS = 3;
/** An empty descriptor slot. */
export const NOFILE = -1;
export const MAXOFFSET = 1000000;

export const ESRCH = -3;
export const EBADF = -9;
export const EBUSY = -16;
export const EINVAL = -22;
export const EMFILE = -24;
export const ESPIPE = -29;

export type FileKind = 'none' | 'inode' | 'pipe';

export interface File {
  kind: FileKind;
  /** the number of descriptors, over all processes, that name this file */
  refcnt: u8;
  offset: u32;
}

export interface Proc {
  /** file slot per descriptor, or NOFILE */
  fds: Arr<i8, typeof NFD>;
  /** the number of descriptors in use (Hyperkernel's nr_fds) */
  nfds: u8;
}

export interface State {
  procs: Arr<Proc, typeof NPROC>;
  files: Arr<File, typeof NFILE>;
}

export function init(): State {
  return {
    procs: arr(NPROC, (p) => ({ fds: arr(NFD, (fd) => NOFILE), nfds: 0 })),
    files: arr(NFILE, (f) => ({ kind: 'none', refcnt: 0, offset: 0 })),
  };
}

function validPid(pid: number): boolean {
  return pid >= 0 && pid < NPROC;
}

function validFd(fd: number): boolean {
  return fd >= 0 && fd < NFD;
}

/** Opens a fresh file of the given kind in the free slot `file`, as descriptor `fd` of `pid`. */
export function open(s: State, pid: i32, fd: i32, file: i32, kind: FileKind): number {
  if (!validPid(pid)) return ESRCH;
  if (!validFd(fd)) return EBADF;
  if (file < 0 || file >= NFILE || kind === 'none') return EINVAL;
  const p = s.procs[pid];
  if (p.fds[fd] !== NOFILE) return EINVAL;
  if (p.nfds >= MAXFDS) return EMFILE;
  const f = s.files[file];
  if (f.kind !== 'none') return EBUSY;
  f.kind = kind;
  f.refcnt = 1;
  f.offset = 0;
  p.fds[fd] = file;
  p.nfds = p.nfds + 1;
  return fd;
}

/** Makes `newfd` (which must be free) name the same file as `oldfd`. */
export function dup(s: State, pid: i32, oldfd: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const p = s.procs[pid];
  const file = p.fds[oldfd];
  if (file === NOFILE) return EBADF;
  if (p.fds[newfd] !== NOFILE) return EINVAL;
  if (p.nfds >= MAXFDS) return EMFILE;
  p.fds[newfd] = file;
  p.nfds = p.nfds + 1;
  s.files[file].refcnt = s.files[file].refcnt + 1;
  return newfd;
}

/** Drops one reference to `file`; the last one frees the slot. */
function release(s: State, file: number): void {
  const f = s.files[file];
  f.refcnt = f.refcnt - 1;
  if (f.refcnt === 0) {
    f.kind = 'none';
    f.offset = 0;
  }
}

/** Closes descriptor `fd` of `pid`. */
export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!validFd(fd)) return EBADF;
  const p = s.procs[pid];
  const file = p.fds[fd];
  if (file === NOFILE) return EBADF;
  p.fds[fd] = NOFILE;
  p.nfds = p.nfds - 1;
  release(s, file);
  return 0;
}

/** POSIX dup2: `newfd` is closed first if it is open; dup2(fd, fd) on an open fd does nothing. */
export function dup2(s: State, pid: i32, oldfd: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const p = s.procs[pid];
  const file = p.fds[oldfd];
  if (file === NOFILE) return EBADF;
  if (oldfd === newfd) return newfd;
  const old = p.fds[newfd];
  if (old === NOFILE) {
    if (p.nfds >= MAXFDS) return EMFILE;
    p.nfds = p.nfds + 1;
  } else {
    release(s, old);
  }
  p.fds[newfd] = file;
  s.files[file].refcnt = s.files[file].refcnt + 1;
  return newfd;
}

/** Sets the offset of the file behind `fd`; pipes have none. */
export function lseek(s: State, pid: i32, fd: i32, offset: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!validFd(fd)) return EBADF;
  const file = s.procs[pid].fds[fd];
  if (file === NOFILE) return EBADF;
  const f = s.files[file];
  if (f.kind === 'pipe') return ESPIPE;
  if (offset < 0 || offset > MAXOFFSET) return EINVAL;
  f.offset = offset;
  return offset;
}

// ---- declarative invariants ------------------------------------------------------------------

/** Every descriptor is empty or names a file slot. */
export function inv_fd_range(s: State): boolean {
  return forall(NPROC, (p) => forall(NFD, (fd) => s.procs[p].fds[fd] === NOFILE || (s.procs[p].fds[fd] >= 0 && s.procs[p].fds[fd] < NFILE)));
}

/** Hyperkernel's files_refcnt: refcnt(f) = |{(pid, fd) : fds(pid, fd) = f}|. */
export function inv_refcnt(s: State): boolean {
  return forall(NFILE, (f) => s.files[f].refcnt === count(NPROC * NFD, (k) => s.procs[Math.floor(k / NFD)].fds[k % NFD] === f));
}

/** Hyperkernel's nr_fds: nfds(pid) = |{fd : fds(pid, fd) in use}|, within the limit. */
export function inv_nfds(s: State): boolean {
  return forall(NPROC, (p) => s.procs[p].nfds === count(NFD, (fd) => s.procs[p].fds[fd] !== NOFILE) && s.procs[p].nfds <= MAXFDS);
}

/** A file slot is free exactly when nothing refers to it, and a free slot is zeroed. */
export function inv_free(s: State): boolean {
  return forall(NFILE, (f) => (s.files[f].kind === 'none') === (s.files[f].refcnt === 0) && implies(s.files[f].kind === 'none', s.files[f].offset === 0));
}

/** Offsets stay within MAXOFFSET. */
export function inv_offset(s: State): boolean {
  return forall(NFILE, (f) => s.files[f].offset <= MAXOFFSET);
}
