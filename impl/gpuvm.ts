// GPUvm: the implementation, transcribing A3's layout and choices (CPFL/gxen tools/a3):
// - a per-VM virtual register file (context::reg32_) holding what the guest wrote to the
//   intercepted registers, here the PRAMIN window base (0x1700) and the playlist length (0x2274);
// - struct-of-arrays channel tables indexed by the physical channel p = vc + v*CPV
//   (context::get_phys_channel_id), a dirty flag per channel (channel::tlb_flush_needed_);
// - one playlist engine bitset for the whole GPU and one physical playlist page, rewritten whole
//   on every submit (playlist.cc, playlist_update);
// - one global PRAMIN window register, rewritten on every PRAMIN access (device_t::write_pmem);
// - the first free slot for a VM (device_t::acquire_virt) and for a PV page;
// - page-table entries as packed integers, fields taken out with shifts and masks as
//   page_table.h's bit-fields do (decode, then pack); p2m with an INVALID (-1) sentinel, as the
//   spec has it, so that equiv relates the two maps by plain equality.
// Helpers are exported so that a seeded bug (bugs/gpuvm.*.ts) can reuse them.
import type { u8, u16, u32, i8, Arr } from 'pushbutton';
import { arr, forall, count } from 'pushbutton';
import type * as spec from '../spec/gpuvm';
import {
  NVM, CPV, NCH, FPV, NFRAME, NPD, NPTE, NSYS, MPV, NPV, NBAR, QMAX,
  TARGET_VRAM, TARGET_SYSRAM, TARGET_SYSRAM_NO_SNOOP, ADDR_SHIFT, ADDR_MASK, TARGET_SHIFT,
  EPERM, ESRCH, ENOMEM, EBUSY, EINVAL, ENOSPC, ERANGE,
  type Mode, type PvType,
} from '../spec/gpuvm';

/** context::reg32_ slots modelled: the PRAMIN window base (0x1700) and the playlist length (0x2274). */
export const NREG = 2;
export const R_PRAMIN = 0;
export const R_PLAYLIST = 1;
/** a3_xen_gfn_to_mfn's "no mapping" */
export const INVALID = -1;

export interface State {
  vm_active: Arr<boolean, typeof NVM>;
  vm_domid: Arr<u16, typeof NVM>;
  vm_pv: Arr<boolean, typeof NVM>;
  reg32: Arr<Arr<u32, typeof NREG>, typeof NVM>;
  queue: Arr<u8, typeof NVM>;
  bar1: Arr<Arr<u32, typeof NBAR>, typeof NVM>;
  bar3: Arr<Arr<u32, typeof NBAR>, typeof NVM>;
  bar3pgt: Arr<i8, typeof NVM>;
  ch_enabled: Arr<boolean, typeof NCH>;
  ch_ramin: Arr<u16, typeof NCH>;
  ch_pd: Arr<u8, typeof NCH>;
  ch_pgd: Arr<i8, typeof NCH>;
  /** channel p needs a re-scan before it runs (channel::tlb_flush_needed_) */
  ch_dirty: Arr<boolean, typeof NCH>;
  shadow: Arr<Arr<u32, typeof NPTE>, typeof NCH>;
  /** the playlist engine: which physical channels are on the run list */
  engine: Arr<boolean, typeof NCH>;
  /** the physical playlist page the GPU reads (0x2270), and its length (0x2274) */
  playlist: Arr<u8, typeof NCH>;
  playlist_len: u8;
  /** the GPU's one PRAMIN window register (0x1700): absolute frame of the window */
  pramin_window: u32;
  /** the guests' page tables (guest memory, not A3's): gmem[v][pd][i] */
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
    reg32: arr(NVM, () => arr(NREG, () => 0)),
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
    playlist: arr(NCH, () => 0),
    playlist_len: 0,
    pramin_window: 0,
    gmem: arr(NVM, () => arr(NPD, () => arr(NPTE, () => 0))),
    p2m: arr(NVM, (v) => arr(NSYS, (g) => (g < 4 ? v * MPV + g : INVALID))),
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

/** context::get_phys_channel_id */
export function phys(v: number, vc: number): number {
  return vc + v * CPV;
}

/** context::get_address_shift, in frames */
export function shift(v: number): number {
  return v * FPV;
}

/** A translated entry's fields, page_table.h's bit-fields that the GPU walks. */
export interface Entry {
  present: boolean;
  ro: boolean;
  target: u8;
  frame: u16;
}

function none(): Entry {
  return { present: false, ro: false, target: 0, frame: 0 };
}

/** context::guest_to_host's decisions on a packed guest entry g of VM v. */
export function decode(s: State, v: number, g: number): Entry {
  if ((g & 1) === 0) return none();
  const ro = ((g >>> 2) & 1) !== 0;
  const addr = (g >>> ADDR_SHIFT) & ADDR_MASK;
  const target = (g >>> TARGET_SHIFT) & 3;
  if (target === TARGET_VRAM) {
    // get_phys_address at full width, then the partition test on the full-width address
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

/**
 * The packed entry: present | read_only << 2 | address << 4 | target << 13, 0 when not present.
 * The fields do not overlap, so | is +: a sum, which the solver reasons about linearly. equiv
 * packs the spec's entries with this same function, and decode takes translate's decisions in
 * translate's order, so that the two sides of a re-scanned entry differ only in whose state
 * they read.
 */
export function pack(present: boolean, ro: boolean, frame: number, target: number): number {
  return present ? 1 + (ro ? 4 : 0) + frame * 16 + target * 8192 : 0;
}

/** context::guest_to_host on a packed entry: 0 where the result is not present. */
export function guest_to_host(s: State, v: number, g: number): number {
  const e = decode(s, v, g);
  return pack(e.present, e.ro, e.frame, e.target);
}

/** channel::flush: re-scan the guest table into the shadow, clear the dirty bit. */
export function reshadow(s: State, v: number, p: number): void {
  const pd = s.ch_pd[p];
  for (let i = 0; i < NPTE; i++) s.shadow[p][i] = guest_to_host(s, v, s.gmem[v][pd][i]);
  s.ch_dirty[p] = false;
}

/** playlist_update's second half: the page is rewritten whole from the engine bitset. */
export function write_playlist(s: State): void {
  let n = 0;
  for (let p = 0; p < NCH; p++) {
    if (s.engine[p]) {
      s.playlist[n] = p;
      n = n + 1;
    }
  }
  s.playlist_len = n;
}

// ---- VMs ---------------------------------------------------------------------------------------

/** device_t::acquire_virt: the first free slot. */
export function vm_create(s: State, domid: u16, mode: Mode): number {
  for (let v = 0; v < NVM; v++) {
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
  write_playlist(s);
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
  s.reg32[v] = arr(NREG, () => 0);
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
    write_playlist(s);
  }
  return 0;
}

/** playlist.cc: v's engine bits cleared, the listed channels set, the whole page rewritten. */
export function playlist_submit(s: State, v: i8, vcs: Arr<u8, typeof CPV>, n: u8): number {
  if (!live(s, v)) return ESRCH;
  if (n > CPV) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    if (k < n && (vcs[k] >= CPV || !s.ch_enabled[phys(v, vcs[k])])) return EINVAL;
  }
  s.reg32[v][R_PLAYLIST] = n;
  for (let c = 0; c < CPV; c++) s.engine[phys(v, c)] = false;
  for (let k = 0; k < CPV; k++) {
    if (k < n) s.engine[phys(v, vcs[k])] = true;
  }
  write_playlist(s);
  return 0;
}

// ---- guest page tables and lazy shadowing ------------------------------------------------------

export function gpt_write(s: State, v: i8, pd: u8, i: u8, pte: u32): number {
  if (!live(s, v)) return ESRCH;
  if (pd >= NPD || i >= NPTE) return EINVAL;
  s.gmem[v][pd][i] = pte;
  return 0;
}

/** context::flush_tlb with lazy shadowing: channel::tlb_flush_needed on every enabled channel on `pd`. */
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

export function pv_alloc(s: State, v: i8, type: PvType): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (type === 'none') return EINVAL;
  for (let id = 0; id < NPV; id++) {
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

/** write_bar0 at 0x1700: only the VM's own register file. */
export function pramin_set(s: State, v: i8, b: u32): number {
  if (!live(s, v)) return ESRCH;
  s.reg32[v][R_PRAMIN] = b;
  return 0;
}

/** write_bar0 at 0x700000..: the global window register is pointed at shift + reg32(0x1700), then the store. */
export function pramin_write(s: State, v: i8, off: u8, val: u32): number {
  if (!live(s, v)) return ESRCH;
  const b = s.reg32[v][R_PRAMIN];
  if (b + off >= FPV) return EINVAL;
  s.pramin_window = shift(v) + b;
  s.vram[s.pramin_window + off] = val;
  return 0;
}

export function mmio_other(s: State, v: i8, reg: u32, val: u32): number {
  if (!live(s, v)) return ESRCH;
  return EPERM;
}

// ---- representation invariants and the abstraction relation ------------------------------------

/** The playlist page lists exactly the engine's channels, in increasing order. */
export function inv_playlist(s: State): boolean {
  return s.playlist_len === count(NCH, (p) => s.engine[p]) &&
    forall(NCH, (k) => k >= s.playlist_len || (s.playlist[k] < NCH && s.engine[s.playlist[k]] && (k + 1 >= s.playlist_len || s.playlist[k] < s.playlist[k + 1])));
}

/** The packed form of a spec entry (0 when not present): present | read_only << 2 | address << 4 | target << 13. */
export function packed(e: spec.Sh): number {
  return pack(e.present, e.ro, e.frame, e.target);
}

export function sameEntry(x: number, e: spec.Sh): boolean {
  return x === packed(e);
}

/**
 * The page-table pages the GPU walks, in one numbering: rows 0..NCH-1 are the channels' shadow
 * tables, rows NCH..NTABLE-1 the PV pages; entry k is entry k % NPTE of row floor(k / NPTE).
 *
 * Why one quantifier over them (NTABLE * NPTE = 32 entries): over more than 16 elements a forall
 * stays a quantifier (docs/writing-specs.md), so the negated goal is one entry at a symbolic
 * index, which is either the one re-scanned entry or unchanged. Per table (4 x 4 entries) it was
 * expanded into 16 conjuncts, each with the whole translation of the re-scanned row, and Z3's
 * cost grew much faster than their number: doorbell#equiv needed about 22M rlimit at the
 * incremental stage and over 32M at the fresh one (unknown at the default budget), chan_bind's
 * about 21M; with this numbering 3.8M and 4.2M.
 */
export const NTABLE = NCH + NPV;

export function tableEntry(i: State, k: number): number {
  const r = Math.floor(k / NPTE);
  return r < NCH ? i.shadow[r][k % NPTE] : i.pv_pte[r - NCH][k % NPTE];
}

/** The spec's entry k in the same numbering, packed. */
export function specEntry(s: spec.State, k: number): number {
  const r = Math.floor(k / NPTE);
  if (r < NCH) return packed(s.chans[r].shadow[k % NPTE]);
  return packed(s.pv[r - NCH].pte[k % NPTE]);
}

export function equiv(i: State, s: spec.State): boolean {
  return forall(NVM, (v) =>
    i.vm_active[v] === s.vms[v].active && i.vm_domid[v] === s.vms[v].domid && i.vm_pv[v] === (s.vms[v].mode === 'pv') &&
      i.reg32[v][R_PRAMIN] === s.vms[v].pramin && i.queue[v] === s.vms[v].queue && i.bar3pgt[v] === s.vms[v].bar3pgt &&
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
