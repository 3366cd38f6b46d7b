// Seeded bug: a missing reference-count update. dup installs the new descriptor but does not
// take a reference on the file, so a later close of either descriptor frees a file that is
// still open. Refuted in dup: equiv does not hold afterwards (the spec's refcnt went up).
import type { i32, u8, u32, Arr } from 'pushbutton';
import { arr, forall } from 'pushbutton';
import type * as spec from '../spec';
import { NPROC, NFD, NFILE, NOFILE, MAXFDS, MAXOFFSET, ESRCH, EBADF, EBUSY, EINVAL, EMFILE, ESPIPE, type FileKind } from '../spec';

export const NSLOT = NPROC * NFD;

export interface State {
  /** file number + 1 per (pid, fd), 0 when empty */
  ofile: Arr<u8, typeof NSLOT>;
  nr_fds: Arr<u8, typeof NPROC>;
  ftype: Arr<FileKind, typeof NFILE>;
  frefcnt: Arr<u8, typeof NFILE>;
  foffset: Arr<u32, typeof NFILE>;
}

export function init(): State {
  return {
    ofile: arr(NSLOT, (k) => 0),
    nr_fds: arr(NPROC, (p) => 0),
    ftype: arr(NFILE, (f) => 'none'),
    frefcnt: arr(NFILE, (f) => 0),
    foffset: arr(NFILE, (f) => 0),
  };
}

function slot(pid: number, fd: number): number {
  return pid * NFD + fd;
}

/** Argument checks shared by every call: 0 when pid and fd are in range. */
function check(pid: number, fd: number): number {
  if (pid < 0 || pid >= NPROC) return ESRCH;
  if (fd < 0 || fd >= NFD) return EBADF;
  return 0;
}

export function open(s: State, pid: i32, fd: i32, file: i32, kind: FileKind): number {
  const err = check(pid, fd);
  if (err !== 0) return err;
  if (file < 0 || file >= NFILE || kind === 'none') return EINVAL;
  const k = slot(pid, fd);
  if (s.ofile[k] !== 0) return EINVAL;
  if (s.nr_fds[pid] >= MAXFDS) return EMFILE;
  if (s.ftype[file] !== 'none') return EBUSY;
  s.ftype[file] = kind;
  s.frefcnt[file] = 1;
  s.foffset[file] = 0;
  s.ofile[k] = file + 1;
  s.nr_fds[pid] = s.nr_fds[pid] + 1;
  return fd;
}

export function dup(s: State, pid: i32, oldfd: i32, newfd: i32): number {
  const err = check(pid, oldfd);
  if (err !== 0) return err;
  if (newfd < 0 || newfd >= NFD) return EBADF;
  const fn = s.ofile[slot(pid, oldfd)];
  if (fn === 0) return EBADF;
  if (s.ofile[slot(pid, newfd)] !== 0) return EINVAL;
  if (s.nr_fds[pid] >= MAXFDS) return EMFILE;
  s.ofile[slot(pid, newfd)] = fn;
  s.nr_fds[pid] = s.nr_fds[pid] + 1;
  return newfd;
}

function put(s: State, file: number): void {
  s.frefcnt[file] = s.frefcnt[file] - 1;
  if (s.frefcnt[file] === 0) {
    s.ftype[file] = 'none';
    s.foffset[file] = 0;
  }
}

export function close(s: State, pid: i32, fd: i32): number {
  const err = check(pid, fd);
  if (err !== 0) return err;
  const k = slot(pid, fd);
  const fn = s.ofile[k];
  if (fn === 0) return EBADF;
  s.ofile[k] = 0;
  s.nr_fds[pid] = s.nr_fds[pid] - 1;
  put(s, fn - 1);
  return 0;
}

export function dup2(s: State, pid: i32, oldfd: i32, newfd: i32): number {
  const err = check(pid, oldfd);
  if (err !== 0) return err;
  if (newfd < 0 || newfd >= NFD) return EBADF;
  const fn = s.ofile[slot(pid, oldfd)];
  if (fn === 0) return EBADF;
  if (oldfd === newfd) return newfd;
  const k = slot(pid, newfd);
  if (s.ofile[k] === 0) {
    if (s.nr_fds[pid] >= MAXFDS) return EMFILE;
    s.nr_fds[pid] = s.nr_fds[pid] + 1;
  } else {
    put(s, s.ofile[k] - 1);
  }
  s.ofile[k] = fn;
  s.frefcnt[fn - 1] = s.frefcnt[fn - 1] + 1;
  return newfd;
}

export function lseek(s: State, pid: i32, fd: i32, offset: i32): number {
  const err = check(pid, fd);
  if (err !== 0) return err;
  const fn = s.ofile[slot(pid, fd)];
  if (fn === 0) return EBADF;
  if (s.ftype[fn - 1] === 'pipe') return ESPIPE;
  if (offset < 0 || offset > MAXOFFSET) return EINVAL;
  s.foffset[fn - 1] = offset;
  return offset;
}

export function equiv(i: State, s: spec.State): boolean {
  return (
    forall(NSLOT, (k) => i.ofile[k] === s.procs[Math.floor(k / NFD)].fds[k % NFD] + 1) &&
    forall(NPROC, (p) => i.nr_fds[p] === s.procs[p].nfds) &&
    forall(NFILE, (f) => i.ftype[f] === s.files[f].kind && i.frefcnt[f] === s.files[f].refcnt && i.foffset[f] === s.files[f].offset)
  );
}
