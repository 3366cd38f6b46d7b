// GPUvm: a per-VM implementation, the design the paper's discussion points to (docs/gpuvm.md,
// "The per-VM implementation"). It keeps what impl/gpuvm.ts (A3's layout) already has per VM (the
// register file, the static slice of the channel table at p = vc + v*CPV, the dirty flag per
// channel, the queue per VM, packed entries) and replaces A3's cells that every VM writes:
// - A3's one playlist page, rewritten whole from the engine bitset on every submit, becomes one
//   run list per VM (rl[v], rl_len[v]), rewritten from v's own engine bits only: a submit, kill
//   or destroy of v touches nothing of another VM (hardware with per-VM run lists, or an
//   interleaving scheduler reading them, in the paper's discussion of scalability);
// - A3's one PRAMIN window register, repointed on every PRAMIN access, becomes one aperture per
//   VM (aperture[v]);
// - the first free slot becomes a per-VM slot search: vm_create starts at the slot the domid
//   names (domid % NVM) and pv_alloc at the VM's own share of the PV pages (PPV of them), each
//   going round to the others only when those are taken, so two VMs allocating at once take
//   different slots whatever their order;
// - the scheduler's counters are per VM (queue[v]), as in A3's model: the spec has no global one.
// The translation (decode, pack) is A3's, and equiv relates the state as impl/gpuvm.ts does.
import type { u8, u16, u32, i8, Arr } from 'pushbutton';
import { arr, forall, count } from 'pushbutton';
import type * as spec from '../spec/gpuvm';
import {
  NVM, CPV, NCH, FPV, NFRAME, NPD, NPTE, NSYS, MPV, NPV, NBAR, QMAX,
  TARGET_VRAM, TARGET_SYSRAM, TARGET_SYSRAM_NO_SNOOP, ADDR_SHIFT, ADDR_MASK, TARGET_SHIFT,
  EPERM, ESRCH, ENOMEM, EBUSY, EINVAL, ENOSPC, ERANGE,
  type Mode, type PvType,
} from '../spec/gpuvm';

/** PV page-table pages each VM searches first: ids v*PPV .. v*PPV + PPV - 1. */
export const PPV = NPV / NVM;

export interface State {
  vm_active: Arr<boolean, typeof NVM>;
  vm_domid: Arr<u16, typeof NVM>;
  vm_pv: Arr<boolean, typeof NVM>;
  /** the guest's PRAMIN window base (its 0x1700 register), in frames from its partition's start */
  pramin: Arr<u32, typeof NVM>;
  /** VM v's own PRAMIN aperture: the absolute frame its window was last pointed at */
  aperture: Arr<u32, typeof NVM>;
  queue: Arr<u8, typeof NVM>;
  bar1: Arr<Arr<u32, typeof NBAR>, typeof NVM>;
  bar3: Arr<Arr<u32, typeof NBAR>, typeof NVM>;
  bar3pgt: Arr<i8, typeof NVM>;
  ch_enabled: Arr<boolean, typeof NCH>;
  ch_ramin: Arr<u16, typeof NCH>;
  ch_pd: Arr<u8, typeof NCH>;
  ch_pgd: Arr<i8, typeof NCH>;
  ch_dirty: Arr<boolean, typeof NCH>;
  shadow: Arr<Arr<u32, typeof NPTE>, typeof NCH>;
  /** which physical channels are on the run list (a bit per channel: in v's slice for v's channels) */
  engine: Arr<boolean, typeof NCH>;
  /** VM v's run list: its run-listed virtual channels in increasing order, and their number */
  rl: Arr<Arr<u8, typeof CPV>, typeof NVM>;
  rl_len: Arr<u8, typeof NVM>;
  gmem: Arr<Arr<Arr<u32, typeof NPTE>, typeof NPD>, typeof NVM>;
  p2m: Arr<Arr<i8, typeof NSYS>, typeof NVM>;
  pv_type: Arr<PvType, typeof NPV>;
  pv_owner: Arr<u8, typeof NPV>;
  pv_refcnt: Arr<u8, typeof NPV>;
  pv_pte: Arr<Arr<u32, typeof NPTE>, typeof NPV>;
  vram: Arr<u32, typeof NFRAME>;
}

export function init(): State {
  return {
    vm_active: arr(NVM, () => false),
    vm_domid: arr(NVM, () => 0),
    vm_pv: arr(NVM, () => false),
    pramin: arr(NVM, () => 0),
    aperture: arr(NVM, () => 0),
    queue: arr(NVM, () => 0),
    bar1: arr(NVM, () => arr(NBAR, () => 0)),
    bar3: arr(NVM, () => arr(NBAR, () => 0)),
    bar3pgt: arr(NVM, () => -1),
    ch_enabled: arr(NCH, () => false),
    ch_ramin: arr(NCH, () => 0),
    ch_pd: arr(NCH, () => 0),
    ch_pgd: arr(NCH, () => -1),
    ch_dirty: arr(NCH, () => false),
    shadow: arr(NCH, () => arr(NPTE, () => 0)),
    engine: arr(NCH, () => false),
    rl: arr(NVM, () => arr(CPV, () => 0)),
    rl_len: arr(NVM, () => 0),
    gmem: arr(NVM, () => arr(NPD, () => arr(NPTE, () => 0))),
    p2m: arr(NVM, (v) => arr(NSYS, (g) => (g < 4 ? v * MPV + g : -1))),
    pv_type: arr(NPV, () => 'none'),
    pv_owner: arr(NPV, () => 0),
    pv_refcnt: arr(NPV, () => 0),
    pv_pte: arr(NPV, () => arr(NPTE, () => 0)),
    vram: arr(NFRAME, () => 0),
  };
}

// ---- helpers -----------------------------------------------------------------------------------

export function live(s: State, v: number): boolean {
  return v >= 0 && v < NVM && s.vm_active[v];
}

export function phys(v: number, vc: number): number {
  return vc + v * CPV;
}

export function shift(v: number): number {
  return v * FPV;
}

export interface Entry {
  present: boolean;
  ro: boolean;
  target: u8;
  frame: u16;
}

function none(): Entry {
  return { present: false, ro: false, target: 0, frame: 0 };
}

/** context::guest_to_host's decisions on a packed guest entry g of VM v (as impl/gpuvm.ts). */
export function decode(s: State, v: number, g: number): Entry {
  if ((g & 1) === 0) return none();
  const ro = ((g >>> 2) & 1) !== 0;
  const addr = (g >>> ADDR_SHIFT) & ADDR_MASK;
  const target = (g >>> TARGET_SHIFT) & 3;
  if (target === TARGET_VRAM) {
    const h = addr + shift(v);
    if (h < shift(v) || h >= shift(v) + FPV) return none();
    return { present: true, ro: ro, target: target, frame: h };
  }
  if (target === TARGET_SYSRAM || target === TARGET_SYSRAM_NO_SNOOP) {
    if (addr >= NSYS) return none();
    const m = s.p2m[v][addr];
    if (m < 0) return none();
    return { present: true, ro: ro, target: target, frame: m };
  }
  return none();
}

/** present | read_only << 2 | address << 4 | target << 13 as a sum (the fields do not overlap; impl/gpuvm.ts says why). */
export function pack(present: boolean, ro: boolean, frame: number, target: number): number {
  return present ? 1 + (ro ? 4 : 0) + frame * 16 + target * 8192 : 0;
}

export function guest_to_host(s: State, v: number, g: number): number {
  const e = decode(s, v, g);
  return pack(e.present, e.ro, e.frame, e.target);
}

export function reshadow(s: State, v: number, p: number): void {
  const pd = s.ch_pd[p];
  for (let i = 0; i < NPTE; i++) s.shadow[p][i] = guest_to_host(s, v, s.gmem[v][pd][i]);
  s.ch_dirty[p] = false;
}

/** VM v's run list rewritten from v's engine bits: no other VM's cell is read or written. */
export function write_runlist(s: State, v: number): void {
  let n = 0;
  for (let c = 0; c < CPV; c++) {
    if (s.engine[phys(v, c)]) {
      s.rl[v][n] = c;
      n = n + 1;
    }
  }
  s.rl_len[v] = n;
}

/** Slot k of a search of n slots that starts at `start` and goes round (start < n). */
function round(start: number, k: number, n: number): number {
  return start + k < n ? start + k : start + k - n;
}

// ---- VMs ---------------------------------------------------------------------------------------

/** The slot the domid names if free, else the next free one after it. */
export function vm_create(s: State, domid: u16, mode: Mode): number {
  const start = domid % NVM;
  for (let k = 0; k < NVM; k++) {
    const v = round(start, k, NVM);
    if (!s.vm_active[v]) {
      s.vm_active[v] = true;
      s.vm_domid[v] = domid;
      s.vm_pv[v] = mode === 'pv';
      return v;
    }
  }
  return ENOSPC;
}

export function vm_destroy(s: State, v: i8): number {
  if (!live(s, v)) return ESRCH;
  for (let k = 0; k < CPV; k++) {
    const p = phys(v, k);
    s.ch_enabled[p] = false;
    s.ch_ramin[p] = 0;
    s.ch_pd[p] = 0;
    s.ch_pgd[p] = -1;
    s.engine[p] = false;
    s.ch_dirty[p] = false;
    s.shadow[p] = arr(NPTE, () => 0);
  }
  s.rl[v] = arr(CPV, () => 0);
  s.rl_len[v] = 0;
  for (let id = 0; id < NPV; id++) {
    if (s.pv_type[id] !== 'none' && s.pv_owner[id] === v) {
      s.pv_type[id] = 'none';
      s.pv_owner[id] = 0;
      s.pv_refcnt[id] = 0;
      s.pv_pte[id] = arr(NPTE, () => 0);
    }
  }
  s.gmem[v] = arr(NPD, () => arr(NPTE, () => 0));
  for (let f = 0; f < FPV; f++) s.vram[shift(v) + f] = 0;
  s.vm_active[v] = false;
  s.vm_domid[v] = 0;
  s.vm_pv[v] = false;
  s.pramin[v] = 0;
  s.aperture[v] = 0;
  s.queue[v] = 0;
  s.bar1[v] = arr(NBAR, () => 0);
  s.bar3[v] = arr(NBAR, () => 0);
  s.bar3pgt[v] = -1;
  return 0;
}

// ---- channels ----------------------------------------------------------------------------------

export function chan_bind(s: State, v: i8, vc: u8, ramin: u8, pd: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV || ramin >= FPV || pd >= NPD) return EINVAL;
  const p = phys(v, vc);
  s.ch_enabled[p] = true;
  s.ch_ramin[p] = shift(v) + ramin;
  s.ch_pd[p] = pd;
  reshadow(s, v, p);
  return 0;
}

export function chan_kill(s: State, v: i8, vc: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV) return EINVAL;
  const p = phys(v, vc);
  s.ch_enabled[p] = false;
  if (s.engine[p]) {
    s.engine[p] = false;
    write_runlist(s, v);
  }
  return 0;
}

/** v's engine bits cleared, the listed channels set, v's run list rewritten (no one else's). */
export function playlist_submit(s: State, v: i8, vcs: Arr<u8, typeof CPV>, n: u8): number {
  if (!live(s, v)) return ESRCH;
  if (n > CPV) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    if (k < n && (vcs[k] >= CPV || !s.ch_enabled[phys(v, vcs[k])])) return EINVAL;
  }
  for (let c = 0; c < CPV; c++) s.engine[phys(v, c)] = false;
  for (let k = 0; k < CPV; k++) {
    if (k < n) s.engine[phys(v, vcs[k])] = true;
  }
  write_runlist(s, v);
  return 0;
}

// ---- guest page tables and lazy shadowing ------------------------------------------------------

export function gpt_write(s: State, v: i8, pd: u8, i: u8, pte: u32): number {
  if (!live(s, v)) return ESRCH;
  if (pd >= NPD || i >= NPTE) return EINVAL;
  s.gmem[v][pd][i] = pte;
  return 0;
}

export function tlb_flush(s: State, v: i8, pd: u8): number {
  if (!live(s, v)) return ESRCH;
  if (pd >= NPD) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    const p = phys(v, k);
    if (s.ch_enabled[p] && s.ch_pd[p] === pd) s.ch_dirty[p] = true;
  }
  return 0;
}

export function doorbell(s: State, v: i8, vc: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV || !s.ch_enabled[phys(v, vc)]) return EINVAL;
  if (s.queue[v] >= QMAX) return EBUSY;
  if (s.ch_dirty[phys(v, vc)]) reshadow(s, v, phys(v, vc));
  s.queue[v] = s.queue[v] + 1;
  return 0;
}

export function complete(s: State, v: i8): number {
  if (!live(s, v)) return ESRCH;
  if (s.queue[v] === 0) return EINVAL;
  s.queue[v] = s.queue[v] - 1;
  return 0;
}

// ---- para-virtual page tables ------------------------------------------------------------------

export function pvCaller(s: State, v: number): number {
  if (!live(s, v)) return ESRCH;
  if (!s.vm_pv[v]) return EPERM;
  return 0;
}

export function ownsPv(s: State, v: number, id: number): boolean {
  return id >= 0 && id < NPV && s.pv_type[id] !== 'none' && s.pv_owner[id] === v;
}

/** The first free page of v's own share (ids v*PPV..), else the next free one after it. */
export function pv_alloc(s: State, v: i8, type: PvType): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (type === 'none') return EINVAL;
  for (let k = 0; k < NPV; k++) {
    const id = round(v * PPV, k, NPV);
    if (s.pv_type[id] === 'none') {
      s.pv_type[id] = type;
      s.pv_owner[id] = v;
      return id;
    }
  }
  return ENOMEM;
}

export function pv_free(s: State, v: i8, id: i8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (s.pv_refcnt[id] !== 0) return EBUSY;
  s.pv_type[id] = 'none';
  s.pv_owner[id] = 0;
  s.pv_pte[id] = arr(NPTE, () => 0);
  return 0;
}

export function pv_set_pgd(s: State, v: i8, id: i8, vc: u8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (vc >= CPV || !ownsPv(s, v, id) || s.pv_type[id] !== 'pgd') return EINVAL;
  const p = phys(v, vc);
  const old = s.ch_pgd[p];
  if (old >= 0) s.pv_refcnt[old] = s.pv_refcnt[old] - 1;
  s.ch_pgd[p] = id;
  s.pv_refcnt[id] = s.pv_refcnt[id] + 1;
  return 0;
}

export function pv_bar3_pgt(s: State, v: i8, id: i8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id) || s.pv_type[id] !== 'pgt') return EINVAL;
  const old = s.bar3pgt[v];
  if (old >= 0) s.pv_refcnt[old] = s.pv_refcnt[old] - 1;
  s.bar3pgt[v] = id;
  s.pv_refcnt[id] = s.pv_refcnt[id] + 1;
  return 0;
}

export function pv_map(s: State, v: i8, id: i8, i: u8, gpte: u32): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (i >= NPTE) return ERANGE;
  s.pv_pte[id][i] = guest_to_host(s, v, gpte);
  return 0;
}

export function pv_unmap(s: State, v: i8, id: i8, i: u8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (i >= NPTE) return ERANGE;
  s.pv_pte[id][i] = 0;
  return 0;
}

// ---- BARs, PRAMIN, other MMIO ------------------------------------------------------------------

export function bar_map(s: State, v: i8, bar: u8, slot: u8, gpte: u32): number {
  if (!live(s, v)) return ESRCH;
  if ((bar !== 1 && bar !== 3) || slot >= NBAR) return EINVAL;
  if (bar === 1) s.bar1[v][slot] = guest_to_host(s, v, gpte);
  else s.bar3[v][slot] = guest_to_host(s, v, gpte);
  return 0;
}

export function pramin_set(s: State, v: i8, b: u32): number {
  if (!live(s, v)) return ESRCH;
  s.pramin[v] = b;
  return 0;
}

/** A store through v's own aperture, pointed at shift + the guest's base: no global window register. */
export function pramin_write(s: State, v: i8, off: u8, val: u32): number {
  if (!live(s, v)) return ESRCH;
  const b = s.pramin[v];
  if (b + off >= FPV) return EINVAL;
  s.aperture[v] = shift(v) + b;
  s.vram[s.aperture[v] + off] = val;
  return 0;
}

export function mmio_other(s: State, v: i8, reg: u32, val: u32): number {
  if (!live(s, v)) return ESRCH;
  return EPERM;
}

// ---- representation invariants and the abstraction relation ------------------------------------

/**
 * Each VM's run list lists exactly its engine's channels, in increasing order. "Listed channel c
 * is set" is written for every c (`rl[v][k] !== c || engine[...c]`), not as a read of the engine
 * at the listed channel: the read at a symbolic index, assumed by every goal, cost doorbell#equiv
 * 7.1M rlimit, this form 3.8M (A3's, with its playlist, 4.5M).
 */
export function inv_runlist(s: State): boolean {
  return forall(NVM, (v) => s.rl_len[v] === count(CPV, (c) => s.engine[phys(v, c)]) &&
    forall(CPV, (k) => k >= s.rl_len[v] || (s.rl[v][k] < CPV && (k + 1 >= s.rl_len[v] || s.rl[v][k] < s.rl[v][k + 1]) && forall(CPV, (c) => s.rl[v][k] !== c || s.engine[phys(v, c)]))));
}

export function packed(e: spec.Sh): number {
  return pack(e.present, e.ro, e.frame, e.target);
}

export function sameEntry(x: number, e: spec.Sh): boolean {
  return x === packed(e);
}

/** The channels' shadow tables and the PV pages in one numbering, under one quantifier (impl/gpuvm.ts, tableEntry, says why). */
export const NTABLE = NCH + NPV;

export function tableEntry(i: State, k: number): number {
  const r = Math.floor(k / NPTE);
  return r < NCH ? i.shadow[r][k % NPTE] : i.pv_pte[r - NCH][k % NPTE];
}

export function specEntry(s: spec.State, k: number): number {
  const r = Math.floor(k / NPTE);
  if (r < NCH) return packed(s.chans[r].shadow[k % NPTE]);
  return packed(s.pv[r - NCH].pte[k % NPTE]);
}

export function equiv(i: State, s: spec.State): boolean {
  return forall(NVM, (v) =>
    i.vm_active[v] === s.vms[v].active && i.vm_domid[v] === s.vms[v].domid && i.vm_pv[v] === (s.vms[v].mode === 'pv') &&
      i.pramin[v] === s.vms[v].pramin && i.queue[v] === s.vms[v].queue && i.bar3pgt[v] === s.vms[v].bar3pgt &&
      forall(NBAR, (k) => sameEntry(i.bar1[v][k], s.vms[v].bar1[k]) && sameEntry(i.bar3[v][k], s.vms[v].bar3[k])) &&
      forall(NPD, (pd) => forall(NPTE, (j) => i.gmem[v][pd][j] === s.gpt[v][pd][j])) &&
      forall(NSYS, (g) => i.p2m[v][g] === s.p2m[v][g])) &&
    forall(NCH, (p) =>
      i.ch_enabled[p] === s.chans[p].enabled && i.engine[p] === s.chans[p].runlisted && i.ch_ramin[p] === s.chans[p].ramin &&
        i.ch_pd[p] === s.chans[p].pd && i.ch_pgd[p] === s.chans[p].pgd && i.ch_dirty[p] === s.chans[p].dirty) &&
    forall(NPV, (id) => i.pv_type[id] === s.pv[id].type && i.pv_owner[id] === s.pv[id].owner && i.pv_refcnt[id] === s.pv[id].refcnt) &&
    forall(NTABLE * NPTE, (k) => tableEntry(i, k) === specEntry(s, k)) &&
    forall(NFRAME, (f) => i.vram[f] === s.vram[f]);
}
