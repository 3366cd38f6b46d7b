// A Hyperkernel-style kernel (Nelson et al., SOSP'17, hv6/spec/kernel/spec/specs.py): the
// state-machine spec. See docs/kernel.md.
//
// Finite interface, as in Hyperkernel: the caller names every pid, page, descriptor and file; the
// kernel only checks that it is free and of the right type, and no handler loops over a table.
// Every failure returns its own errno and leaves the state unchanged. Reference counts are
// related to what they count by `count` in the invariants (symbolic counts: docs/encoding.md).
//
// The sizes are named constants, Hyperkernel's (64 processes, 8192 pages, 16 descriptors per
// process, 128 files, 512-entry pages); SMALL_* below is where counterexamples are searched.
import type { u8, u16, u32, i32, Arr } from 'pushbutton';
import { arr, forall, count, implies } from 'pushbutton';

export const NPROC = 64;
export const NPAGE = 8192;
export const NOFILE = 16;
export const NFILE = 128;
export const NPTE = 512;
/**
 * The small scope where counterexamples are searched when the full-size query stays undecided
 * (docs/writing-specs.md): a counterexample found there is widened to the sizes above with init()'s
 * elements and replayed at those sizes. It never proves anything.
 */
export const SMALL_NPROC = 4;
export const SMALL_NPAGE = 16;
export const SMALL_NOFILE = 4;
export const SMALL_NFILE = 4;
export const SMALL_NPTE = 4;
export const INITPID = 1;
/** page-table entry permission bits: present, writable */
export const PTE_P = 1;
export const PTE_W = 2;
export const MAXOFFSET = 1000000;

export const EPERM = -1;
export const ESRCH = -3;
export const EBADF = -9;
export const ECHILD = -10;
export const ENOMEM = -12;
export const EACCES = -13;
export const EBUSY = -16;
export const EEXIST = -17;
export const EINVAL = -22;
export const ESPIPE = -29;

export type ProcState = 'unused' | 'embryo' | 'runnable' | 'running' | 'sleeping' | 'zombie';
export type PageType = 'free' | 'reserved' | 'proc_data' | 'frame' | 'pml4' | 'pdpt' | 'pd' | 'pt';
export type FileType = 'none' | 'pipe' | 'inode' | 'socket';

export interface Proc {
  state: ProcState;
  ppid: u8;
  killed: boolean;
  pml4: u16;
  stack: u16;
  hvm: u16;
  /** descriptor -> file number, 0 when empty */
  ofile: Arr<u8, typeof NOFILE>;
  nr_children: u16;
  nr_fds: u16;
  nr_pages: u16;
  /** ghost: set when a mapping of this process was removed or downgraded; cleared by a switch to it */
  tlbinv: boolean;
}

export interface Page {
  type: PageType;
  owner: u8;
  /** for page-table pages: target page and permission of each entry (0 = not present) */
  pte_pn: Arr<u16, typeof NPTE>;
  pte_perm: Arr<u8, typeof NPTE>;
  /** for frames: the contents */
  data: Arr<u32, typeof NPTE>;
  /** ghost: the unique page-table slot that maps this page */
  rev_pn: u16;
  rev_idx: u16;
}

export interface File {
  type: FileType;
  refcnt: u16;
  value: u32;
  omode: u32;
  offset: u32;
}

export interface State {
  current: u8;
  procs: Arr<Proc, typeof NPROC>;
  pages: Arr<Page, typeof NPAGE>;
  files: Arr<File, typeof NFILE>;
}

/** Boot state: the init process (pid 1, its own parent) runs with pages 0 (root), 1 (stack), 2 (hvm). */
export function init(): State {
  return {
    current: INITPID,
    procs: arr(NPROC, (p) => ({
      state: p === INITPID ? 'running' : 'unused',
      ppid: p === INITPID ? INITPID : 0,
      killed: false,
      pml4: 0,
      stack: p === INITPID ? 1 : 0,
      hvm: p === INITPID ? 2 : 0,
      ofile: arr(NOFILE, (fd) => 0),
      nr_children: p === INITPID ? 1 : 0,
      nr_fds: 0,
      nr_pages: p === INITPID ? 3 : 0,
      tlbinv: false,
    })),
    pages: arr(NPAGE, (pn) => ({
      type: pn === 0 ? 'pml4' : pn === 1 || pn === 2 ? 'proc_data' : 'free',
      owner: pn <= 2 ? INITPID : 0,
      pte_pn: arr(NPTE, (i) => 0),
      pte_perm: arr(NPTE, (i) => 0),
      data: arr(NPTE, (i) => 0),
      rev_pn: 0,
      rev_idx: 0,
    })),
    files: arr(NFILE, (f) => ({ type: 'none', refcnt: 0, value: 0, omode: 0, offset: 0 })),
  };
}

// ---- helpers -----------------------------------------------------------------------------------

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

/** Present, and either read-only or writable. */
export function validPerm(perm: number): boolean {
  return perm === PTE_P || perm === PTE_P + PTE_W;
}

export function isLive(st: ProcState): boolean {
  return st === 'embryo' || st === 'runnable' || st === 'running' || st === 'sleeping';
}

export function isPageTable(t: PageType): boolean {
  return t === 'pml4' || t === 'pdpt' || t === 'pd' || t === 'pt';
}

/** The type a present entry of a page of type `t` points to. */
export function nextLevel(t: PageType): PageType {
  if (t === 'pml4') return 'pdpt';
  if (t === 'pdpt') return 'pd';
  if (t === 'pd') return 'pt';
  if (t === 'pt') return 'frame';
  return 'free';
}

/** The current process, or an EMBRYO child of it: whom the current process may set up. */
function mayManage(s: State, pid: number): boolean {
  return pid === s.current || (s.procs[pid].ppid === s.current && s.procs[pid].state === 'embryo');
}

/** A FREE page becomes `pid`'s page of type `type`, zeroed. */
function takePage(s: State, pid: number, pn: number, type: PageType): void {
  const pg = s.pages[pn];
  pg.type = type;
  pg.owner = pid;
  pg.pte_pn = arr(NPTE, (i) => 0);
  pg.pte_perm = arr(NPTE, (i) => 0);
  pg.data = arr(NPTE, (i) => 0);
  s.procs[pid].nr_pages = s.procs[pid].nr_pages + 1;
}

/** An owned page becomes FREE. */
function dropPage(s: State, pn: number): void {
  const pg = s.pages[pn];
  const o = pg.owner;
  s.procs[o].nr_pages = s.procs[o].nr_pages - 1;
  pg.type = 'free';
  pg.owner = 0;
}

// ---- processes -----------------------------------------------------------------------------------

/** clone_proc: creates the EMBRYO child `pid` of the current process with three FREE pages. */
export function clone(s: State, pid: i32, pml4: i32, stack: i32, hvm: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.procs[pid].state !== 'unused') return EBUSY;
  if (!validPn(pml4) || !validPn(stack) || !validPn(hvm)) return EINVAL;
  if (pml4 === stack || pml4 === hvm || stack === hvm) return EINVAL;
  if (s.pages[pml4].type !== 'free' || s.pages[stack].type !== 'free' || s.pages[hvm].type !== 'free') return ENOMEM;
  const cur = s.current;
  const p = s.procs[pid];
  p.state = 'embryo';
  p.ppid = cur;
  p.killed = false;
  p.pml4 = pml4;
  p.stack = stack;
  p.hvm = hvm;
  p.tlbinv = false;
  takePage(s, pid, pml4, 'pml4');
  takePage(s, pid, stack, 'proc_data');
  takePage(s, pid, hvm, 'proc_data');
  s.procs[cur].nr_children = s.procs[cur].nr_children + 1;
  return 0;
}

/** Makes the current process's EMBRYO child `pid` RUNNABLE. */
export function set_runnable(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  const p = s.procs[pid];
  if (p.ppid !== s.current) return EACCES;
  if (p.state !== 'embryo') return EINVAL;
  p.state = 'runnable';
  return 0;
}

/** switch_proc: yields to the RUNNABLE `pid` (its TLB is flushed); a killed current process becomes a ZOMBIE. */
export function switch_to(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (s.procs[pid].state !== 'runnable') return EINVAL;
  const cur = s.current;
  s.procs[cur].state = s.procs[cur].killed ? 'zombie' : 'runnable';
  s.procs[pid].state = 'running';
  s.procs[pid].tlbinv = false;
  s.current = pid;
  return 0;
}

/** Kills `pid` (the current process or a child of it): a ZOMBIE now, or at its next switch if running. */
export function kill(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  const p = s.procs[pid];
  if (!isLive(p.state)) return ESRCH;
  if (pid !== s.current && p.ppid !== s.current) return EPERM;
  p.killed = true;
  if (p.state !== 'running') p.state = 'zombie';
  return 0;
}

/** Frees the ZOMBIE child `pid` once it holds no children, descriptors or pages. */
export function reap(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  const p = s.procs[pid];
  if (p.state === 'unused' || p.ppid !== s.current) return ECHILD;
  if (p.state !== 'zombie') return EINVAL;
  if (p.nr_children !== 0 || p.nr_fds !== 0 || p.nr_pages !== 0) return EBUSY;
  const cur = s.current;
  p.state = 'unused';
  p.ppid = 0;
  p.killed = false;
  p.pml4 = 0;
  p.stack = 0;
  p.hvm = 0;
  p.tlbinv = false;
  s.procs[cur].nr_children = s.procs[cur].nr_children - 1;
  return 0;
}

/** Hands `pid`, whose parent is a ZOMBIE, to the init process (which must be live). */
export function reparent(s: State, pid: i32): number {
  if (!validPid(pid)) return ESRCH;
  const p = s.procs[pid];
  if (p.state === 'unused') return ESRCH;
  const old = p.ppid;
  if (s.procs[old].state !== 'zombie') return EPERM;
  if (!isLive(s.procs[INITPID].state)) return EINVAL;
  p.ppid = INITPID;
  s.procs[old].nr_children = s.procs[old].nr_children - 1;
  s.procs[INITPID].nr_children = s.procs[INITPID].nr_children + 1;
  return 0;
}

// ---- page tables ---------------------------------------------------------------------------------

/**
 * alloc_page_table: the FREE page `to` becomes `pid`'s page of type `nextLevel(ftype)`, mapped at
 * entry `index` of `from` (a page of type `ftype` owned by `pid`) with permission `perm`.
 */
function allocPage(s: State, ftype: PageType, pid: number, from: number, index: number, to: number, perm: number): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  const f = s.pages[from];
  if (f.owner !== pid) return EACCES;
  if (f.type !== ftype) return EINVAL;
  if (!validPerm(perm)) return EINVAL;
  if (f.pte_perm[index] !== 0) return EEXIST;
  if (s.pages[to].type !== 'free') return ENOMEM;
  takePage(s, pid, to, nextLevel(ftype));
  f.pte_pn[index] = to;
  f.pte_perm[index] = perm;
  s.pages[to].rev_pn = from;
  s.pages[to].rev_idx = index;
  return 0;
}

export function alloc_pdpt(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pml4', pid, from, index, to, perm);
}

export function alloc_pd(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pdpt', pid, from, index, to, perm);
}

export function alloc_pt(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pd', pid, from, index, to, perm);
}

export function alloc_frame(s: State, pid: i32, from: i32, index: i32, to: i32, perm: i32): number {
  return allocPage(s, 'pt', pid, from, index, to, perm);
}

/**
 * free_page_table_page: unmaps entry `index` of the current process's page `from` (of type
 * `ftype`), which must map `to`, and frees `to`; the TLB of the current process must be flushed.
 */
function freePage(s: State, ftype: PageType, from: number, index: number, to: number): number {
  if (!validPn(from) || !validPn(to) || !validIdx(index)) return EINVAL;
  const f = s.pages[from];
  if (f.owner !== s.current) return EACCES;
  if (f.type !== ftype) return EINVAL;
  if (f.pte_perm[index] === 0 || f.pte_pn[index] !== to) return EINVAL;
  f.pte_pn[index] = 0;
  f.pte_perm[index] = 0;
  dropPage(s, to);
  s.procs[s.current].tlbinv = true;
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

/** Frees any page of a ZOMBIE (lazy teardown, one page per call). */
export function reclaim_page(s: State, pn: i32): number {
  if (!validPn(pn)) return EINVAL;
  const pg = s.pages[pn];
  if (pg.type === 'free' || pg.type === 'reserved') return EINVAL;
  if (s.procs[pg.owner].state !== 'zombie') return EBUSY;
  dropPage(s, pn);
  return 0;
}

/** Copies the current process's frame `from` into frame `to` of `pid` (the current process or its EMBRYO child). */
export function copy_frame(s: State, from: i32, pid: i32, to: i32): number {
  if (!validPn(from) || !validPn(to)) return EINVAL;
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  const f = s.pages[from];
  const t = s.pages[to];
  if (f.owner !== s.current || t.owner !== pid) return EACCES;
  if (f.type !== 'frame' || t.type !== 'frame') return EINVAL;
  t.data = arr(NPTE, (i) => f.data[i]);
  return 0;
}

/** Changes the permission of entry `index` of the current process's page table `pt`, which maps `frame`. */
export function protect_frame(s: State, pt: i32, index: i32, frame: i32, perm: i32): number {
  if (!validPn(pt) || !validPn(frame) || !validIdx(index)) return EINVAL;
  const p = s.pages[pt];
  if (p.owner !== s.current) return EACCES;
  if (p.type !== 'pt') return EINVAL;
  if (p.pte_perm[index] === 0 || p.pte_pn[index] !== frame) return EINVAL;
  if (!validPerm(perm)) return EINVAL;
  p.pte_perm[index] = perm;
  s.procs[s.current].tlbinv = true;
  return 0;
}

// ---- files ---------------------------------------------------------------------------------------

/** Opens the unused file `fn` (of type `type`) as descriptor `fd` of the current process. */
export function create(s: State, fd: i32, fn: i32, type: FileType, value: u32, omode: u32): number {
  if (!validFd(fd)) return EBADF;
  if (!validFn(fn) || type === 'none') return EINVAL;
  const p = s.procs[s.current];
  if (p.ofile[fd] !== 0) return EBUSY;
  const f = s.files[fn];
  if (f.type !== 'none') return EBUSY;
  f.type = type;
  f.value = value;
  f.omode = omode;
  f.offset = 0;
  f.refcnt = 1;
  p.ofile[fd] = fn;
  p.nr_fds = p.nr_fds + 1;
  return 0;
}

/** Drops one reference to `fn`; the last one clears the file. */
function putFile(s: State, fn: number): void {
  const f = s.files[fn];
  f.refcnt = f.refcnt - 1;
  if (f.refcnt === 0) {
    f.type = 'none';
    f.value = 0;
    f.omode = 0;
    f.offset = 0;
  }
}

/** Closes descriptor `fd` of `pid`: the current process, or a ZOMBIE being torn down. */
export function close(s: State, pid: i32, fd: i32): number {
  if (!validPid(pid)) return ESRCH;
  const p = s.procs[pid];
  if (pid !== s.current && p.state !== 'zombie') return EACCES;
  if (!validFd(fd)) return EBADF;
  const fn = p.ofile[fd];
  if (fn === 0) return EBADF;
  p.ofile[fd] = 0;
  p.nr_fds = p.nr_fds - 1;
  putFile(s, fn);
  return 0;
}

/** Makes the empty descriptor `newfd` of `pid` (the current process or its EMBRYO child) name the file of the current process's `oldfd`. */
export function dup(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.procs[s.current].ofile[oldfd];
  if (fn === 0) return EBADF;
  const p = s.procs[pid];
  if (p.ofile[newfd] !== 0) return EBUSY;
  p.ofile[newfd] = fn;
  p.nr_fds = p.nr_fds + 1;
  s.files[fn].refcnt = s.files[fn].refcnt + 1;
  return 0;
}

/** Like dup, but closes `newfd` first if it is open; the same descriptor onto itself does nothing. */
export function dup2(s: State, oldfd: i32, pid: i32, newfd: i32): number {
  if (!validPid(pid)) return ESRCH;
  if (!mayManage(s, pid)) return EACCES;
  if (!validFd(oldfd) || !validFd(newfd)) return EBADF;
  const fn = s.procs[s.current].ofile[oldfd];
  if (fn === 0) return EBADF;
  const p = s.procs[pid];
  if (pid === s.current && oldfd === newfd) return 0;
  const old = p.ofile[newfd];
  if (old !== 0) {
    p.ofile[newfd] = 0;
    p.nr_fds = p.nr_fds - 1;
    putFile(s, old);
  }
  p.ofile[newfd] = fn;
  p.nr_fds = p.nr_fds + 1;
  s.files[fn].refcnt = s.files[fn].refcnt + 1;
  return 0;
}

/** Sets the offset of the INODE file behind the current process's `fd`. */
export function lseek(s: State, fd: i32, offset: i32): number {
  if (!validFd(fd)) return EBADF;
  const fn = s.procs[s.current].ofile[fd];
  if (fn === 0) return EBADF;
  const f = s.files[fn];
  if (f.type !== 'inode') return ESPIPE;
  if (offset < 0 || offset > MAXOFFSET) return EINVAL;
  f.offset = offset;
  return 0;
}

// ---- declarative invariants ----------------------------------------------------------------------

/** I1: current is valid and RUNNING, and the only RUNNING process. */
export function inv_current(s: State): boolean {
  return validPid(s.current) && s.procs[s.current].state === 'running' && forall(NPROC, (p) => implies(s.procs[p].state === 'running', p === s.current));
}

/** I2: a page has a valid owner exactly when it is not FREE; a FREE page has owner 0. */
export function inv_page_owner(s: State): boolean {
  return forall(NPAGE, (pn) => s.pages[pn].owner < NPROC && (s.pages[pn].type === 'free') === (s.pages[pn].owner === 0));
}

/** I3: live processes own their root, stack and hvm pages, with types PML4, PROC_DATA, PROC_DATA. */
export function inv_proc_pages(s: State): boolean {
  return forall(NPROC, (p) =>
    implies(
      isLive(s.procs[p].state),
      validPn(s.procs[p].pml4) && validPn(s.procs[p].stack) && validPn(s.procs[p].hvm) &&
        s.pages[s.procs[p].pml4].owner === p && s.pages[s.procs[p].pml4].type === 'pml4' &&
        s.pages[s.procs[p].stack].owner === p && s.pages[s.procs[p].stack].type === 'proc_data' &&
        s.pages[s.procs[p].hvm].owner === p && s.pages[s.procs[p].hvm].type === 'proc_data',
    ),
  );
}

/** I5: pid 0 is never used; UNUSED processes have no parent and hold nothing; used ones have a valid parent. */
export function inv_unused(s: State): boolean {
  return s.procs[0].state === 'unused' && forall(NPROC, (p) =>
    s.procs[p].state === 'unused'
      ? s.procs[p].ppid === 0 && s.procs[p].nr_children === 0 && s.procs[p].nr_fds === 0 && s.procs[p].nr_pages === 0 && !s.procs[p].killed
      : validPid(s.procs[p].ppid),
  );
}

/** R2: nr_children(p) = |{q : ppid(q) = p}|. */
export function inv_children(s: State): boolean {
  return forall(NPROC, (p) => implies(p > 0, s.procs[p].nr_children === count(NPROC, (q) => s.procs[q].ppid === p)));
}

/** R1: nr_pages(p) = |{pn : owner(pn) = p}|. */
export function inv_nr_pages(s: State): boolean {
  return forall(NPROC, (p) => implies(p > 0, s.procs[p].nr_pages === count(NPAGE, (pn) => s.pages[pn].owner === p)));
}

/** R3: descriptors are empty or name a valid file; nr_fds(p) = |{fd : ofile(p, fd) != 0}|. */
export function inv_nr_fds(s: State): boolean {
  return forall(NPROC, (p) =>
    forall(NOFILE, (fd) => s.procs[p].ofile[fd] < NFILE) && s.procs[p].nr_fds === count(NOFILE, (fd) => s.procs[p].ofile[fd] !== 0),
  );
}

/** R4: refcnt(fn) = |{(pid, fd) : ofile(pid, fd) = fn}| (Hyperkernel's 2-D files_refcnt). */
export function inv_file_refcnt(s: State): boolean {
  return forall(NFILE, (f) =>
    implies(f > 0, s.files[f].refcnt === count(NPROC * NOFILE, (k) => s.procs[Math.floor(k / NOFILE)].ofile[k % NOFILE] === f)),
  );
}

/** A file is in use exactly when referenced; an unused file is zeroed; file 0 is never used. */
export function inv_file_free(s: State): boolean {
  return s.files[0].type === 'none' && forall(NFILE, (f) =>
    (s.files[f].type === 'none') === (s.files[f].refcnt === 0) &&
      implies(s.files[f].type === 'none', s.files[f].value === 0 && s.files[f].omode === 0 && s.files[f].offset === 0) &&
      s.files[f].offset <= MAXOFFSET,
  );
}

/**
 * ISO: page-table well-formedness. Every present entry of a page-table page owned by a live
 * process has a valid permission and maps a page of the next level's type with the same owner,
 * whose back-pointer names this entry (so the entry is the only one that maps it).
 */
export function inv_pgtable(s: State): boolean {
  return forall(NPAGE, (pn) =>
    forall(NPTE, (i) =>
      implies(
        isPageTable(s.pages[pn].type) && isLive(s.procs[s.pages[pn].owner].state) && s.pages[pn].pte_perm[i] !== 0,
        validPerm(s.pages[pn].pte_perm[i]) && validPn(s.pages[pn].pte_pn[i]) &&
          s.pages[s.pages[pn].pte_pn[i]].type === nextLevel(s.pages[pn].type) &&
          s.pages[s.pages[pn].pte_pn[i]].owner === s.pages[pn].owner &&
          s.pages[s.pages[pn].pte_pn[i]].rev_pn === pn &&
          s.pages[s.pages[pn].pte_pn[i]].rev_idx === i,
      ),
    ),
  );
}

/** Corollary of ISO: a writable leaf mapping of a live process lands on a FRAME it owns. */
export function inv_writable_frames(s: State): boolean {
  return forall(NPAGE, (pn) =>
    forall(NPTE, (i) =>
      implies(
        s.pages[pn].type === 'pt' && isLive(s.procs[s.pages[pn].owner].state) && s.pages[pn].pte_perm[i] === PTE_P + PTE_W,
        validPn(s.pages[pn].pte_pn[i]) && s.pages[s.pages[pn].pte_pn[i]].type === 'frame' && s.pages[s.pages[pn].pte_pn[i]].owner === s.pages[pn].owner,
      ),
    ),
  );
}
