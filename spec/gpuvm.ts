// GPUvm (Suzuki et al., USENIX ATC'14): GPU virtualisation in Xen, as a state-machine spec. The
// prototype is CPFL/gxen's tools/a3 ("A3", the GPU Access Aggregator); see docs/gpuvm.md.
//
// What the spec is about: a GPU shared by NVM guests. VRAM is statically partitioned (VM v owns
// frames [v*FPV, (v+1)*FPV)); each VM has CPV channels, each a slice of the physical channel table
// at p = v*CPV + vc; the hardware walks *shadow* page tables, translations of the guest's own
// tables that A3 refreshes when the guest flushes its TLB (lazily: the flush only marks the
// channels dirty, the next doorbell re-scans). Para-virtual (PV) guests instead hand A3
// validated entries for hypervisor-owned page-table pages. Every operation checks its arguments,
// returns its errno and then leaves the state unchanged.
//
// Guest page-table entries are raw 32-bit words with page_table.h's fields (present, read_only,
// address, target); the address field is 8 bits wide here (28 in the prototype), so that a guest
// frame number large enough to wrap into another VM's partition is expressible.
import type { u8, u16, u32, i8, Arr } from 'pushbutton';
import { arr, forall, count, exists, choose, assert } from 'pushbutton';

// ---- sizes (docs/gpuvm.md: which are the prototype's, which are smaller) ------------------------
/** VMs (the prototype's A3_VM_NUM) */
export const NVM = 2;
/** channels per VM (prototype: A3_DOMAIN_CHANNELS = 64 of A3_CHANNELS = 128) */
export const CPV = 2;
export const NCH = NVM * CPV;
/** VRAM frames per VM partition (prototype: 2 GiB per VM) and of the hypervisor's area */
export const FPV = 8;
export const NHV = 4;
export const NFRAME = NVM * FPV + NHV;
/** guest page directories per VM, entries per table (2 PDEs x 4 PTEs, flattened) */
export const NPD = 2;
export const NPTE = 4;
/** guest system-RAM frames with a p2m slot, machine frames Xen gave each VM */
export const NSYS = 8;
export const MPV = 8;
/** PV page-table pages (hypervisor VRAM), BAR1/BAR3 slots per VM, command queue length */
export const NPV = 4;
export const NBAR = 2;
export const QMAX = 4;
/**
 * The small scope where counterexamples are searched when the real-size query stays undecided.
 * Not CPV: a small state is widened to the real sizes by array index (verifier/counterexample.ts),
 * and with fewer channels per VM, VM 1's channel 0 (p = 1) becomes VM 0's channel 1 there.
 * Measured: with SMALL_CPV = 1 the small scope's counterexamples of B2 and B3 did not replay at
 * the real sizes (unknown), without it they do.
 */
/**
 * One entry per table: the small scope's theorem is expanded to ground facts, and on the correct
 * model its search must end in "no counterexample" quickly. With 2 entries (16 in all) doorbell's
 * search spent its whole 8M rlimit; with 1 it ends at 3.2M, and B2, B3 and B8 are still found there.
 */
export const SMALL_NPTE = 1;
export const SMALL_QMAX = 2;

// ---- page_table.h's page_entry, packed into 32 bits --------------------------------------------
// bit 0 present, 1 supervisor_only, 2 read_only, 3 encrypted, 4..11 address (8 bits here),
// 12 unknown0, 13..14 target, 15 unknown1, 16..23 storage_type
export const TARGET_VRAM = 0;
export const TARGET_SYSRAM = 2;
export const TARGET_SYSRAM_NO_SNOOP = 3;
export const ADDR_SHIFT = 4;
export const ADDR_MASK = 0xff;
export const TARGET_SHIFT = 13;

export const EPERM = -1;
export const ESRCH = -3;
export const ENOMEM = -12;
export const EBUSY = -16;
export const EINVAL = -22;
export const ENOSPC = -28;
export const ERANGE = -34;

export type Mode = 'fv' | 'pv';
export type PvType = 'none' | 'pgd' | 'pgt';

/**
 * A translated entry: what the GPU walks (present, read_only, target, address). `gaddr` (ghost) is
 * the guest frame it was translated from. The other page_entry fields (supervisor_only,
 * encrypted, storage_type, tag) are not modelled in shadows.
 */
export interface Sh {
  present: boolean;
  ro: boolean;
  target: u8;
  /** host frame: VRAM frame for TARGET_VRAM, machine frame for the SYSRAM targets */
  frame: u16;
  gaddr: u8;
}

export interface Vm {
  active: boolean;
  domid: u16;
  mode: Mode;
  /** the guest's PRAMIN window base (register 0x1700), in frames from the start of its partition */
  pramin: u32;
  /** commands submitted by doorbells and not yet completed */
  queue: u8;
  bar1: Arr<Sh, typeof NBAR>;
  bar3: Arr<Sh, typeof NBAR>;
  /** the PV page-table page installed as BAR3's table (context::pv_bar3_pgt_), -1 for none */
  bar3pgt: i8;
}

export interface Chan {
  enabled: boolean;
  runlisted: boolean;
  /** host frame of the channel descriptor (RAMIN) */
  ramin: u16;
  /** the guest page directory the descriptor names (+0x200) */
  pd: u8;
  /** lazy shadowing: a TLB flush happened, the next doorbell re-scans (tlb_flush_needed_) */
  dirty: boolean;
  /** PV: the hypervisor-owned page directory installed by SET_PGD, -1 for none */
  pgd: i8;
  shadow: Arr<Sh, typeof NPTE>;
}

export interface PvPage {
  type: PvType;
  owner: u8;
  refcnt: u8;
  pte: Arr<Sh, typeof NPTE>;
}

export interface State {
  vms: Arr<Vm, typeof NVM>;
  /** physical channels; channel vc of VM v is p = v*CPV + vc */
  chans: Arr<Chan, typeof NCH>;
  /** the guests' page tables (in their own memory): gpt[v][pd][i], raw page_entry words */
  gpt: Arr<Arr<Arr<u32, typeof NPTE>, typeof NPD>, typeof NVM>;
  /** Xen's p2m per VM slot for system-RAM targets: machine frame, or -1 where unmapped (fixed) */
  p2m: Arr<Arr<i8, typeof NSYS>, typeof NVM>;
  pv: Arr<PvPage, typeof NPV>;
  /** VRAM, one word per frame */
  vram: Arr<u32, typeof NFRAME>;
}

function noEntry(): Sh {
  return { present: false, ro: false, target: 0, frame: 0, gaddr: 0 };
}

function freshVm(): Vm {
  return { active: false, domid: 0, mode: 'fv', pramin: 0, queue: 0, bar1: arr(NBAR, () => noEntry()), bar3: arr(NBAR, () => noEntry()), bar3pgt: -1 };
}

/** Boot: no VM; Xen's p2m gives each slot machine frames v*MPV + g for its first four guest frames. */
export function init(): State {
  return {
    vms: arr(NVM, () => freshVm()),
    chans: arr(NCH, () => ({ enabled: false, runlisted: false, ramin: 0, pd: 0, dirty: false, pgd: -1, shadow: arr(NPTE, () => noEntry()) })),
    gpt: arr(NVM, () => arr(NPD, () => arr(NPTE, () => 0))),
    p2m: arr(NVM, (v) => arr(NSYS, (g) => (g < 4 ? v * MPV + g : -1))),
    pv: arr(NPV, () => ({ type: 'none', owner: 0, refcnt: 0, pte: arr(NPTE, () => noEntry()) })),
    vram: arr(NFRAME, () => 0),
  };
}

// ---- helpers -----------------------------------------------------------------------------------

export function base(v: number): number {
  return v * FPV;
}

/** The VM a physical channel belongs to (the static slice). */
export function vmOf(p: number): number {
  return Math.floor(p / CPV);
}

function live(s: State, v: number): boolean {
  return v >= 0 && v < NVM && s.vms[v].active;
}

/**
 * T_v: one guest entry translated for VM v (context::guest_to_host). VRAM: the host frame is the
 * guest frame plus the partition base, computed at full width, present only inside the partition.
 * SYSRAM: p2m[v](g), present only where Xen maps g. Target 1 (reserved) is never present.
 */
function translate(s: State, v: number, g: number): Sh {
  if ((g & 1) === 0) return noEntry();
  const ro = ((g >>> 2) & 1) !== 0;
  const addr = (g >>> ADDR_SHIFT) & ADDR_MASK;
  const target = (g >>> TARGET_SHIFT) & 3;
  if (target === TARGET_VRAM) {
    const h = addr + base(v);
    if (h < base(v) || h >= base(v) + FPV) return noEntry();
    return { present: true, ro: ro, target: target, frame: h, gaddr: addr };
  }
  if (target === TARGET_SYSRAM || target === TARGET_SYSRAM_NO_SNOOP) {
    if (addr >= NSYS) return noEntry();
    const m = s.p2m[v][addr];
    if (m < 0) return noEntry();
    return { present: true, ro: ro, target: target, frame: m, gaddr: addr };
  }
  return noEntry();
}

/** Re-scans the guest table `pd` of v into channel p's shadow; the channel is clean afterwards. */
function reshadow(s: State, v: number, p: number): void {
  const c = s.chans[p];
  for (let i = 0; i < NPTE; i++) c.shadow[i] = translate(s, v, s.gpt[v][c.pd][i]);
  c.dirty = false;
}

// ---- VMs ---------------------------------------------------------------------------------------

/** A3's TYPE_INIT: takes *any* free VM slot (a spec's open choice) and returns it. */
export function vm_create(s: State, domid: u16, mode: Mode): number {
  const v = choose(NVM, (w) => !s.vms[w].active);
  if (v < 0) return ENOSPC;
  s.vms[v].active = true;
  s.vms[v].domid = domid;
  s.vms[v].mode = mode;
  return v;
}

/** Tears v down: its channels off and out of the run list, shadows, queue, PV pages, memory cleared. */
export function vm_destroy(s: State, v: i8): number {
  if (!live(s, v)) return ESRCH;
  for (let k = 0; k < CPV; k++) {
    s.chans[v * CPV + k] = { enabled: false, runlisted: false, ramin: 0, pd: 0, dirty: false, pgd: -1, shadow: arr(NPTE, () => noEntry()) };
  }
  for (let id = 0; id < NPV; id++) {
    if (s.pv[id].type !== 'none' && s.pv[id].owner === v) s.pv[id] = { type: 'none', owner: 0, refcnt: 0, pte: arr(NPTE, () => noEntry()) };
  }
  s.gpt[v] = arr(NPD, () => arr(NPTE, () => 0));
  for (let f = 0; f < FPV; f++) s.vram[base(v) + f] = 0;
  s.vms[v] = freshVm();
  return 0;
}

// ---- channels ----------------------------------------------------------------------------------

/** Write of channel vc's RAMIN register (0x3000 + 8*vc): enable it on descriptor `ramin` naming table `pd`, and shadow it. */
export function chan_bind(s: State, v: i8, vc: u8, ramin: u8, pd: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV || ramin >= FPV || pd >= NPD) return EINVAL;
  const p = v * CPV + vc;
  const c = s.chans[p];
  c.enabled = true;
  c.ramin = base(v) + ramin;
  c.pd = pd;
  reshadow(s, v, p);
  return 0;
}

/** Channel kill (0x2634): disabled, and off the run list. */
export function chan_kill(s: State, v: i8, vc: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV) return EINVAL;
  s.chans[v * CPV + vc].enabled = false;
  s.chans[v * CPV + vc].runlisted = false;
  return 0;
}

/** Playlist write (0x2270/0x2274): v's part of the run list becomes the n channels vcs[0..n). */
export function playlist_submit(s: State, v: i8, vcs: Arr<u8, typeof CPV>, n: u8): number {
  if (!live(s, v)) return ESRCH;
  if (n > CPV) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    if (k < n && (vcs[k] >= CPV || !s.chans[v * CPV + vcs[k]].enabled)) return EINVAL;
  }
  const before = arr(NCH, (p) => s.chans[p].runlisted);
  for (let c = 0; c < CPV; c++) s.chans[v * CPV + c].runlisted = exists(CPV, (k) => k < n && vcs[k] === c);
  // a.5 item 5, the run-list frame condition: no other VM's channel changed
  assert(forall(NCH, (p) => vmOf(p) === v || s.chans[p].runlisted === before[p]), 'playlist_submit changes only its own VM');
  return 0;
}

// ---- guest page tables and lazy shadowing ------------------------------------------------------

/** A guest store into its own page table `pd`: the shadow is not touched (A3 does not see it). */
export function gpt_write(s: State, v: i8, pd: u8, i: u8, pte: u32): number {
  if (!live(s, v)) return ESRCH;
  if (pd >= NPD || i >= NPTE) return EINVAL;
  s.gpt[v][pd][i] = pte;
  return 0;
}

/** TLB flush (0x100cb8/0x100cbc), lazy: every enabled channel of v on table `pd` is re-scanned before it next runs. */
export function tlb_flush(s: State, v: i8, pd: u8): number {
  if (!live(s, v)) return ESRCH;
  if (pd >= NPD) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    const c = s.chans[v * CPV + k];
    if (c.enabled && c.pd === pd) c.dirty = true;
  }
  return 0;
}

/** A command submitted on channel vc: the lazy flush point (a dirty shadow is re-scanned), then queued. */
export function doorbell(s: State, v: i8, vc: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV || !s.chans[v * CPV + vc].enabled) return EINVAL;
  if (s.vms[v].queue >= QMAX) return EBUSY;
  if (s.chans[v * CPV + vc].dirty) reshadow(s, v, v * CPV + vc);
  s.vms[v].queue = s.vms[v].queue + 1;
  return 0;
}

/** The GPU finished one of v's commands. */
export function complete(s: State, v: i8): number {
  if (!live(s, v)) return ESRCH;
  if (s.vms[v].queue === 0) return EINVAL;
  s.vms[v].queue = s.vms[v].queue - 1;
  return 0;
}

// ---- para-virtual page tables (BAR4 hypercalls) ------------------------------------------------

function pvCaller(s: State, v: number): number {
  if (!live(s, v)) return ESRCH;
  if (s.vms[v].mode !== 'pv') return EPERM;
  return 0;
}

function ownsPv(s: State, v: number, id: number): boolean {
  return id >= 0 && id < NPV && s.pv[id].type !== 'none' && s.pv[id].owner === v;
}

/** MEM_ALLOC: *any* free hypervisor page becomes v's page-table page of type `type`. */
export function pv_alloc(s: State, v: i8, type: PvType): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (type === 'none') return EINVAL;
  const id = choose(NPV, (k) => s.pv[k].type === 'none');
  if (id < 0) return ENOMEM;
  s.pv[id].type = type;
  s.pv[id].owner = v;
  return id;
}

/** MEM_FREE: only an unreferenced page of v's. */
export function pv_free(s: State, v: i8, id: i8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (s.pv[id].refcnt !== 0) return EBUSY;
  s.pv[id] = { type: 'none', owner: 0, refcnt: 0, pte: arr(NPTE, () => noEntry()) };
  return 0;
}

/** SET_PGD: channel vc of v walks v's page directory `id`. */
export function pv_set_pgd(s: State, v: i8, id: i8, vc: u8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (vc >= CPV || !ownsPv(s, v, id) || s.pv[id].type !== 'pgd') return EINVAL;
  const c = s.chans[v * CPV + vc];
  if (c.pgd >= 0) s.pv[c.pgd].refcnt = s.pv[c.pgd].refcnt - 1;
  c.pgd = id;
  s.pv[id].refcnt = s.pv[id].refcnt + 1;
  return 0;
}

/** BAR3_PGT: v's BAR3 walks v's page table `id`. */
export function pv_bar3_pgt(s: State, v: i8, id: i8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id) || s.pv[id].type !== 'pgt') return EINVAL;
  const old = s.vms[v].bar3pgt;
  if (old >= 0) s.pv[old].refcnt = s.pv[old].refcnt - 1;
  s.vms[v].bar3pgt = id;
  s.pv[id].refcnt = s.pv[id].refcnt + 1;
  return 0;
}

/** MAP: entry i of v's page `id` becomes T_v(gpte), validated now. */
export function pv_map(s: State, v: i8, id: i8, i: u8, gpte: u32): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (i >= NPTE) return ERANGE;
  s.pv[id].pte[i] = translate(s, v, gpte);
  return 0;
}

/** UNMAP: entry i of v's page `id` is cleared. */
export function pv_unmap(s: State, v: i8, id: i8, i: u8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (i >= NPTE) return ERANGE;
  s.pv[id].pte[i] = noEntry();
  return 0;
}

// ---- BARs, PRAMIN, other MMIO ------------------------------------------------------------------

/** A BAR1 (bar = 1) or BAR3 (bar = 3) mapping of v: slot `slot` becomes T_v(gpte). */
export function bar_map(s: State, v: i8, bar: u8, slot: u8, gpte: u32): number {
  if (!live(s, v)) return ESRCH;
  if ((bar !== 1 && bar !== 3) || slot >= NBAR) return EINVAL;
  if (bar === 1) s.vms[v].bar1[slot] = translate(s, v, gpte);
  else s.vms[v].bar3[slot] = translate(s, v, gpte);
  return 0;
}

/** Write of the PRAMIN window base (0x1700): A3 keeps the guest's value; it is checked at use. */
export function pramin_set(s: State, v: i8, b: u32): number {
  if (!live(s, v)) return ESRCH;
  s.vms[v].pramin = b;
  return 0;
}

/** A store through the PRAMIN window (0x700000-0x7fffff): frame `off` of the window, inside v's partition. */
export function pramin_write(s: State, v: i8, off: u8, val: u32): number {
  if (!live(s, v)) return ESRCH;
  if (s.vms[v].pramin + off >= FPV) return EINVAL;
  const f = base(v) + s.vms[v].pramin + off;
  // a.5 item 6, PRAMIN confinement: every VRAM store on behalf of v lands in v's partition
  assert(f >= base(v) && f < base(v) + FPV, 'PRAMIN store inside the partition');
  s.vram[f] = val;
  return 0;
}

/** Any BAR0 offset A3 does not intercept: the spec's whitelist has none of them. */
export function mmio_other(s: State, v: i8, reg: u32, val: u32): number {
  if (!live(s, v)) return ESRCH;
  return EPERM;
}

// ---- invariants (a.5) --------------------------------------------------------------------------

/** 1. The VM partitions and the hypervisor's area are pairwise disjoint and inside VRAM. */
export function inv_partitions(s: State): boolean {
  return forall(NVM, (v) => base(v) + FPV <= NVM * FPV && forall(NVM, (w) => v === w || base(v) + FPV <= base(w) || base(w) + FPV <= base(v))) && NVM * FPV + NHV === NFRAME;
}

/** Where VM v's present entries may point: its VRAM partition, or the machine frames Xen gave it. */
export function confined(v: number, e: Sh): boolean {
  return !e.present ||
    (e.target === TARGET_VRAM && e.frame >= base(v) && e.frame < base(v) + FPV) ||
    ((e.target === TARGET_SYSRAM || e.target === TARGET_SYSRAM_NO_SNOOP) && e.frame >= v * MPV && e.frame < v * MPV + MPV);
}

/** Xen's p2m of each slot maps into that slot's machine frames. */
export function inv_p2m(s: State): boolean {
  return forall(NVM, (v) => forall(NSYS, (g) => s.p2m[v][g] === -1 || (s.p2m[v][g] >= v * MPV && s.p2m[v][g] < v * MPV + MPV)));
}

/** 2. Shadow confinement: a present shadow entry belongs to an active VM and points into its memory. */
export function inv_shadow_confined(s: State): boolean {
  return forall(NCH, (p) => forall(NPTE, (i) => !s.chans[p].shadow[i].present || (s.vms[vmOf(p)].active && confined(vmOf(p), s.chans[p].shadow[i]))));
}

/** 2, for BAR1/BAR3 mappings and for PV page-table pages (whose owner's memory bounds them). */
export function inv_bar_confined(s: State): boolean {
  return forall(NVM, (v) => forall(NBAR, (k) => confined(v, s.vms[v].bar1[k]) && confined(v, s.vms[v].bar3[k])));
}

export function inv_pv_confined(s: State): boolean {
  return forall(NPV, (id) => forall(NPTE, (i) => s.pv[id].type === 'none' ? !s.pv[id].pte[i].present : confined(s.pv[id].owner, s.pv[id].pte[i])));
}

/** T_v of guest frame e.gaddr gives e's host frame. */
function translated(s: State, v: number, e: Sh): boolean {
  return !e.present ||
    (e.target === TARGET_VRAM && e.frame === e.gaddr + base(v)) ||
    ((e.target === TARGET_SYSRAM || e.target === TARGET_SYSRAM_NO_SNOOP) && e.gaddr < NSYS && s.p2m[v][e.gaddr] === e.frame);
}

/** 3. Faithfulness: every present shadow entry is T_v of the guest frame it was read from (see docs/gpuvm.md for ¬dirty). */
export function inv_faithful(s: State): boolean {
  return forall(NCH, (p) => forall(NPTE, (i) => translated(s, vmOf(p), s.chans[p].shadow[i])));
}

/** 4. Channel map: phys = v*CPV + vc is injective and owned by v; enabled or run-listed channels belong to active VMs. */
export function inv_chanmap(s: State): boolean {
  return forall(NVM, (v) => forall(CPV, (vc) => v * CPV + vc < NCH && vmOf(v * CPV + vc) === v)) &&
    forall(NCH, (p) =>
      (!s.chans[p].runlisted || s.chans[p].enabled) &&
      (!s.chans[p].enabled || (s.vms[vmOf(p)].active && s.chans[p].ramin >= base(vmOf(p)) && s.chans[p].ramin < base(vmOf(p)) + FPV)) &&
      s.chans[p].pd < NPD);
}

/** 7. PV page discipline: a referenced page is allocated, of the right type, owned by the referrer; refcnt = #references. */
export function inv_pv_refs(s: State): boolean {
  return forall(NCH, (p) => s.chans[p].pgd < NPV && (s.chans[p].pgd < 0 || (s.pv[s.chans[p].pgd].type === 'pgd' && s.pv[s.chans[p].pgd].owner === vmOf(p)))) &&
    forall(NVM, (v) => s.vms[v].bar3pgt < NPV && (s.vms[v].bar3pgt < 0 || (s.pv[s.vms[v].bar3pgt].type === 'pgt' && s.pv[s.vms[v].bar3pgt].owner === v))) &&
    forall(NPV, (id) => s.pv[id].owner < NVM && s.pv[id].refcnt === count(NCH, (p) => s.chans[p].pgd === id) + count(NVM, (v) => s.vms[v].bar3pgt === id));
}

/** 8. Destroy cleanliness: a free VM slot holds nothing, so a VM created in it starts clean. */
export function inv_free_slot_clean(s: State): boolean {
  return forall(NVM, (v) => s.vms[v].active || (
    s.vms[v].queue === 0 && s.vms[v].pramin === 0 && s.vms[v].bar3pgt === -1 &&
    forall(NBAR, (k) => !s.vms[v].bar1[k].present && !s.vms[v].bar3[k].present) &&
    forall(CPV, (k) => !s.chans[v * CPV + k].enabled && !s.chans[v * CPV + k].runlisted && !s.chans[v * CPV + k].dirty && s.chans[v * CPV + k].pgd === -1) &&
    forall(NPV, (id) => s.pv[id].type === 'none' || s.pv[id].owner !== v) &&
    forall(NPD, (pd) => forall(NPTE, (i) => s.gpt[v][pd][i] === 0)) &&
    forall(FPV, (f) => s.vram[base(v) + f] === 0)));
}

/** The command queues stay within QMAX. */
export function inv_queue(s: State): boolean {
  return forall(NVM, (v) => s.vms[v].queue <= QMAX);
}
