// A Hyperkernel-style kernel: the implementation. Its own layout, as hv6's C: struct-of-arrays
// tables (proc_table, page_desc_table, file_table), a descriptor table per process (hv6 keeps
// ofile[NOFILE] in struct proc), plain reference counters, no ghost state (no back-pointers).
// `equiv` relates it to the spec (see docs/kernel.md).
import type { u8, u16, u32, i32, Arr } from 'pushbutton';
import { arr, forall } from 'pushbutton';
import type * as spec from '../spec/kernel';
import {
  NPROC, NPAGE, NOFILE, NFILE, NPTE, INITPID, PTE_P, PTE_W, MAXOFFSET,
  EPERM, ESRCH, EBADF, ECHILD, ENOMEM, EACCES, EBUSY, EEXIST, EINVAL, ESPIPE,
  type ProcState, type PageType, type FileType,
} from '../spec/kernel';

export interface State {
  current: u8;
  proc_state: Arr<ProcState, typeof NPROC>;
  proc_ppid: Arr<u8, typeof NPROC>;
  proc_killed: Arr<boolean, typeof NPROC>;
  proc_pml4: Arr<u16, typeof NPROC>;
  proc_stack: Arr<u16, typeof NPROC>;
  proc_hvm: Arr<u16, typeof NPROC>;
  proc_tlbinv: Arr<boolean, typeof NPROC>;
  nr_children: Arr<u16, typeof NPROC>;
  nr_fds: Arr<u16, typeof NPROC>;
  nr_pages: Arr<u16, typeof NPROC>;
  /** file number per (pid, fd), 0 when empty (hv6 keeps ofile[NOFILE] in struct proc) */
  ofile: Arr<Arr<u8, typeof NOFILE>, typeof NPROC>;
  page_type: Arr<PageType, typeof NPAGE>;
  page_owner: Arr<u8, typeof NPAGE>;
  pte_pn: Arr<Arr<u16, typeof NPTE>, typeof NPAGE>;
  pte_perm: Arr<Arr<u8, typeof NPTE>, typeof NPAGE>;
  page_data: Arr<Arr<u32, typeof NPTE>, typeof NPAGE>;
  file_type: Arr<FileType, typeof NFILE>;
  file_refcnt: Arr<u16, typeof NFILE>;
  file_value: Arr<u32, typeof NFILE>;
  file_omode: Arr<u32, typeof NFILE>;
  file_offset: Arr<u32, typeof NFILE>;
}

export function init(): State {
  return {
    current: INITPID,
    proc_state: arr(NPROC, (p) => (p === INITPID ? 'running' : 'unused')),
    proc_ppid: arr(NPROC, (p) => (p === INITPID ? INITPID : 0)),
    proc_killed: arr(NPROC, (p) => false),
    proc_pml4: arr(NPROC, (p) => 0),
    proc_stack: arr(NPROC, (p) => (p === INITPID ? 1 : 0)),
    proc_hvm: arr(NPROC, (p) => (p === INITPID ? 2 : 0)),
    proc_tlbinv: arr(NPROC, (p) => false),
    nr_children: arr(NPROC, (p) => (p === INITPID ? 1 : 0)),
    nr_fds: arr(NPROC, (p) => 0),
    nr_pages: arr(NPROC, (p) => (p === INITPID ? 3 : 0)),
    ofile: arr(NPROC, (p) => arr(NOFILE, (fd) => 0)),
    page_type: arr(NPAGE, (pn) => (pn === 0 ? 'pml4' : pn === 1 || pn === 2 ? 'proc_data' : 'free')),
    page_owner: arr(NPAGE, (pn) => (pn <= 2 ? INITPID : 0)),
    pte_pn: arr(NPAGE, (pn) => arr(NPTE, (i) => 0)),
    pte_perm: arr(NPAGE, (pn) => arr(NPTE, (i) => 0)),
    page_data: arr(NPAGE, (pn) => arr(NPTE, (i) => 0)),
    file_type: arr(NFILE, (f) => 'none'),
    file_refcnt: arr(NFILE, (f) => 0),
    file_value: arr(NFILE, (f) => 0),
    file_omode: arr(NFILE, (f) => 0),
    file_offset: arr(NFILE, (f) => 0),
  };
}

// Helpers are exported so that a seeded bug (bugs/kernel.*.ts) can reuse them around the one
// function it changes; the spec's operations are matched by name, so these are not operations.
export function validPid(pid: number): boolean {
  return pid > 0 && pid < NPROC;
}

export function validPn(pn: number): boolean {
  return pn >= 0 && pn < NPAGE;
}

export function validFd(fd: number): boolean {
  return fd >= 0 && fd < NOFILE;
}

export function validFn(fn: number): boolean {
  return fn > 0 && fn < NFILE;
}

export function validIdx(idx: number): boolean {
  return idx >= 0 && idx < NPTE;
}

export function validPerm(perm: number): boolean {
  return perm === PTE_P || perm === PTE_P + PTE_W;
}

export function isLive(st: ProcState): boolean {
  return st === 'embryo' || st === 'runnable' || st === 'running' || st === 'sleeping';
}

export function mayManage(s: State, pid: number): boolean {
  return pid === s.current || (s.proc_ppid[pid] === s.current && s.proc_state[pid] === 'embryo');
}

export function takePage(s: State, pid: number, pn: number, type: PageType): void {
  s.page_type[pn] = type;
  s.page_owner[pn] = pid;
  s.pte_pn[pn] = arr(NPTE, (i) => 0);
  s.pte_perm[pn] = arr(NPTE, (i) => 0);
  s.page_data[pn] = arr(NPTE, (i) => 0);
  s.nr_pages[pid] = s.nr_pages[pid] + 1;
}

export function dropPage(s: State, pn: number): void {
  const o = s.page_owner[pn];
  s.nr_pages[o] = s.nr_pages[o] - 1;
  s.page_type[pn] = 'free';
  s.page_owner[pn] = 0;
}

// ---- processes -----------------------------------------------------------------------------------

export function clone(s: State, pid: i32, pml4: i32, stack: i32, hvm: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] !== 'unused') return EBUSY;
  if (!validPn(pml4) || !validPn(stack) || !validPn(hvm)) return EINVAL;
  if (pml4 === stack || pml4 === hvm || stack === hvm) return EINVAL;
  if (s.page_type[pml4] !== 'free' || s.page_type[stack] !== 'free' || s.page_type[hvm] !== 'free') return ENOMEM;
  const cur = s.current;
  s.proc_state[pid] = 'embryo';
  s.proc_ppid[pid] = cur;
  s.proc_killed[pid] = false;
  s.proc_pml4[pid] = pml4;
  s.proc_stack[pid] = stack;
  s.proc_hvm[pid] = hvm;
  s.proc_tlbinv[pid] = false;
  takePage(s, pid, pml4, 'pml4');
  takePage(s, pid, stack, 'proc_data');
  takePage(s, pid, hvm, 'proc_data');
  s.nr_children[cur] = s.nr_children[cur] + 1;
  return 0;
}

export function set_runnable(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_ppid[pid] !== s.current) return EACCES;
  if (s.proc_state[pid] !== 'embryo') return EINVAL;
  s.proc_state[pid] = 'runnable';
  return 0;
}

export function switch_to(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] !== 'runnable') return EINVAL;
  const cur = s.current;
  if (s.proc_killed[cur]) s.proc_state[cur] = 'zombie';
  else s.proc_state[cur] = 'runnable';
  s.proc_state[pid] = 'running';
  s.proc_tlbinv[pid] = false;
  s.current = pid;
  return 0;
}

export function kill(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  const st = s.proc_state[pid];
  if (!isLive(st)) return ESRCH;
  if (pid !== s.current && s.proc_ppid[pid] !== s.current) return EPERM;
  s.proc_killed[pid] = true;
  if (st !== 'running') s.proc_state[pid] = 'zombie';
  return 0;
}

export function reap(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] === 'unused' || s.proc_ppid[pid] !== s.current) return ECHILD;
  if (s.proc_state[pid] !== 'zombie') return EINVAL;
  if (s.nr_children[pid] !== 0 || s.nr_fds[pid] !== 0 || s.nr_pages[pid] !== 0) return EBUSY;
  const cur = s.current;
  s.proc_state[pid] = 'unused';
  s.proc_ppid[pid] = 0;
  s.proc_killed[pid] = false;
  s.proc_pml4[pid] = 0;
  s.proc_stack[pid] = 0;
  s.proc_hvm[pid] = 0;
  s.proc_tlbinv[pid] = false;
  s.nr_children[cur] = s.nr_children[cur] - 1;
  return 0;
}

export function reparent(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.proc_state[pid] === 'unused') return ESRCH;
  const old = s.proc_ppid[pid];
  if (s.proc_state[old] !== 'zombie') return EPERM;
  if (!isLive(s.proc_state[INITPID])) return EINVAL;
  s.proc_ppid[pid] = INITPID;
  s.nr_children[old] = s.nr_children[old] - 1;
  s.nr_children[INITPID] = s.nr_children[INITPID] + 1;
  return 0;
}

// ---- page tables ---------------------------------------------------------------------------------

export function allocPage(s: State, ftype: PageType, ttype: PageType, pid: number, from: number, index: number, to: number, perm: number): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  if (s.page_owner[from] !== pid) return EACCES;
  if (s.page_type[from] !== ftype) return EINVAL;
  if (!validPerm(perm)) return EINVAL;
  if (s.pte_perm[from][index] !== 0) return EEXIST;
  if (s.page_type[to] !== 'free') return ENOMEM;
  takePage(s, pid, to, ttype);
  s.pte_pn[from][index] = to;
  s.pte_perm[from][index] = perm;
  return 0;
}

export function alloc_pdpt(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pml4', 'pdpt', pid, from, index, to, perm);
}

export function alloc_pd(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pdpt', 'pd', pid, from, index, to, perm);
}

export function alloc_pt(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pd', 'pt', pid, from, index, to, perm);
}

export function alloc_frame(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pt', 'frame', pid, from, index, to, perm);
}

export function freePage(s: State, ftype: PageType, from: number, index: number, to: number): number {
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  if (s.page_owner[from] !== s.current) return EACCES;
  if (s.page_type[from] !== ftype) return EINVAL;
  if (s.pte_perm[from][index] === 0 || s.pte_pn[from][index] !== to) return EINVAL;
  s.pte_pn[from][index] = 0;
  s.pte_perm[from][index] = 0;
  dropPage(s, to);
  s.proc_tlbinv[s.current] = true;
  return 0;
}

export function free_pdpt(s: State, from: i32, index: i32, to: i32): number {
  return freePage(s, 'pml4', from, index, to);
}

export function free_pd(s: State, from: i32, index: i32, to: i32): number {
  return freePage(s, 'pdpt', from, index, to);
}

export function free_pt(s: State, from: i32, index: i32, to: i32): number {
  return freePage(s, 'pd', from, index, to);
}

export function free_frame(s: State, from: i32, index: i32, to: i32): number {
  return freePage(s, 'pt', from, index, to);
}

export function reclaim_page(s: State, pn: i32): number {
  if (!validPn(pn)) return EINVAL;
  const t = s.page_type[pn];
  if (t === 'free' || t === 'reserved') return EINVAL;
  if (s.proc_state[s.page_owner[pn]] !== 'zombie') return EBUSY;
  dropPage(s, pn);
  return 0;
}

export function copy_frame(s: State, from: i32, pid: i32, to: i32): number {
  if (!validPn(from) || !validPn(to)) return EINVAL;
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (s.page_owner[from] !== s.current || s.page_owner[to] !== pid) return EACCES;
  if (s.page_type[from] !== 'frame' || s.page_type[to] !== 'frame') return EINVAL;
  const src = s.page_data[from];
  s.page_data[to] = arr(NPTE, (i) => src[i]);
  return 0;
}

export function protect_frame(s: State, pt: i32, index: i32, frame: i32, perm: i32): number {
  if (!validPn(pt) || !validPn(frame) || !validIdx(index)) return EINVAL;
  if (s.page_owner[pt] !== s.current) return EACCES;
  if (s.page_type[pt] !== 'pt') return EINVAL;
  if (s.pte_perm[pt][index] === 0 || s.pte_pn[pt][index] !== frame) return EINVAL;
  if (!validPerm(perm)) return EINVAL;
  s.pte_perm[pt][index] = perm;
  s.proc_tlbinv[s.current] = true;
  return 0;
}

// ---- files ---------------------------------------------------------------------------------------

export function create(s: State, fd: i32, fn: i32, type: FileType, value: u32, omode: u32): number {
  if (!validFd(fd)) return EBADF;
  if (!validFn(fn) || type === 'none') return EINVAL;
  if (s.ofile[s.current][fd] !== 0) return EBUSY;
  if (s.file_type[fn] !== 'none') return EBUSY;
  s.file_type[fn] = type;
  s.file_value[fn] = value;
  s.file_omode[fn] = omode;
  s.file_offset[fn] = 0;
  s.file_refcnt[fn] = 1;
  s.ofile[s.current][fd] = fn;
  s.nr_fds[s.current] = s.nr_fds[s.current] + 1;
  return 0;
}

export function putFile(s: State, fn: number): void {
  s.file_refcnt[fn] = s.file_refcnt[fn] - 1;
  if (s.file_refcnt[fn] === 0) {
    s.file_type[fn] = 'none';
    s.file_value[fn] = 0;
    s.file_omode[fn] = 0;
    s.file_offset[fn] = 0;
  }
}

export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (pid !== s.current && s.proc_state[pid] !== 'zombie') return EACCES;
  if (!validFd(fd)) return EBADF;
  const fn = s.ofile[pid][fd];
  if (fn === 0) return EBADF;
  s.ofile[pid][fd] = 0;
  s.nr_fds[pid] = s.nr_fds[pid] - 1;
  putFile(s, fn);
  return 0;
}

export function dup(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.ofile[s.current][oldfd];
  if (fn === 0) return EBADF;
  if (s.ofile[pid][newfd] !== 0) return EBUSY;
  s.ofile[pid][newfd] = fn;
  s.nr_fds[pid] = s.nr_fds[pid] + 1;
  s.file_refcnt[fn] = s.file_refcnt[fn] + 1;
  return 0;
}

export function dup2(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.ofile[s.current][oldfd];
  if (fn === 0) return EBADF;
  if (pid === s.current && oldfd === newfd) return 0;
  const old = s.ofile[pid][newfd];
  if (old !== 0) {
    s.nr_fds[pid] = s.nr_fds[pid] - 1;
    putFile(s, old);
  }
  s.ofile[pid][newfd] = fn;
  s.nr_fds[pid] = s.nr_fds[pid] + 1;
  s.file_refcnt[fn] = s.file_refcnt[fn] + 1;
  return 0;
}

export function lseek(s: State, fd: i32, offset: i32): number {
  if (!validFd(fd)) return EBADF;
  const fn = s.ofile[s.current][fd];
  if (fn === 0) return EBADF;
  if (s.file_type[fn] !== 'inode') return ESPIPE;
  if (offset < 0 || offset > MAXOFFSET) return EINVAL;
  s.file_offset[fn] = offset;
  return 0;
}

// ---- representation invariant and the abstraction relation --------------------------------------

/** Stored indices are in range (what hv6's check_invariants() checks at boot for its tables). */
export function inv_ranges(s: State): boolean {
  return s.current < NPROC && forall(NPROC, (p) => s.proc_ppid[p] < NPROC) && forall(NPAGE, (pn) => s.page_owner[pn] < NPROC) && forall(NPROC, (p) => forall(NOFILE, (fd) => s.ofile[p][fd] < NFILE));
}

export function equiv(i: State, s: spec.State): boolean {
  return (
    i.current === s.current &&
    forall(NPROC, (p) =>
      i.proc_state[p] === s.procs[p].state &&
        i.proc_ppid[p] === s.procs[p].ppid &&
        i.proc_killed[p] === s.procs[p].killed &&
        i.proc_pml4[p] === s.procs[p].pml4 &&
        i.proc_stack[p] === s.procs[p].stack &&
        i.proc_hvm[p] === s.procs[p].hvm &&
        i.proc_tlbinv[p] === s.procs[p].tlbinv &&
        i.nr_children[p] === s.procs[p].nr_children &&
        i.nr_fds[p] === s.procs[p].nr_fds &&
        i.nr_pages[p] === s.procs[p].nr_pages,
    ) &&
    forall(NPROC, (p) => forall(NOFILE, (fd) => i.ofile[p][fd] === s.procs[p].ofile[fd])) &&
    forall(NPAGE, (pn) =>
      i.page_type[pn] === s.pages[pn].type &&
        i.page_owner[pn] === s.pages[pn].owner &&
        forall(NPTE, (j) => i.pte_pn[pn][j] === s.pages[pn].pte_pn[j] && i.pte_perm[pn][j] === s.pages[pn].pte_perm[j] && i.page_data[pn][j] === s.pages[pn].data[j]),
    ) &&
    forall(NFILE, (f) =>
      i.file_type[f] === s.files[f].type &&
        i.file_refcnt[f] === s.files[f].refcnt &&
        i.file_value[f] === s.files[f].value &&
        i.file_omode[f] === s.files[f].omode &&
        i.file_offset[f] === s.files[f].offset,
    )
  );
}
