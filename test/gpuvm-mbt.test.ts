// Model-based test of the GPUvm model (docs/gpuvm.md; verifier/mbt.ts runs it): random sequences of
// the 19 operations from init, run as plain TypeScript on spec/gpuvm.ts and on both implementations
// (impl/gpuvm.ts, A3's layout; impl/gpuvm.pervm.ts, per-VM run lists, apertures and slot search),
// at the model's own sizes (NVM, CPV, NPTE, ... of the spec, not its SMALL_* scope). After every
// step the results must be equal and `equiv` must hold, and every spec and implementation invariant
// must hold. The spec leaves two choices open (the VM slot of vm_create, the PV page of pv_alloc)
// and the implementations choose differently (A3 the first free slot, the per-VM one from the
// domid's or the VM's own slots first), so each implementation has its own copy of the spec state,
// steered to its choices. No solver runs: the file takes seconds.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as spec from '../spec/gpuvm.ts';
import * as a3 from '../impl/gpuvm.ts';
import * as pervm from '../impl/gpuvm.pervm.ts';
import * as b9 from '../bugs/gpuvm.B9-destroy-leaves-channels.ts';
import * as b8 from '../bugs/gpuvm.B8-lazy-no-flush-point.ts';
import { checkModel, runModel, ModelMismatch, type Model, type Step, type StepRecord } from '../verifier/mbt.ts';

const model: Model = {
  spec,
  impl: [
    { name: 'a3', module: a3 },
    { name: 'pervm', module: pervm },
  ],
};

// ---- arguments: mostly valid, sometimes out of range (within the declared types) ----------------

/** lo..hi nine times in ten, else one just outside (the operations' EINVAL/ESRCH/ERANGE paths). */
const mostly = (lo: number, hi: number, below = lo - 1) => fc.oneof({ arbitrary: fc.integer({ min: lo, max: hi }), weight: 9 }, { arbitrary: fc.constantFrom(below, hi + 1), weight: 1 });
const vm = mostly(0, spec.NVM - 1); // i8: -1 and NVM are ESRCH
const vc = mostly(0, spec.CPV - 1, spec.CPV + 1); // u8: no negative values
const pd = mostly(0, spec.NPD - 1, 255);
const pte = mostly(0, spec.NPTE - 1, 255);
const pvid = mostly(0, spec.NPV - 1); // i8
const slot = mostly(0, spec.NBAR - 1, 255);
const word = fc.integer({ min: 0, max: 0xffffffff });
/**
 * A guest page-table word (page_table.h's layout): mostly present, with a frame inside the
 * partition or the p2m's range, and now and then one that is not (outside, wrapped, target 1)
 * or any 32-bit word.
 */
const gpte: fc.Arbitrary<number> = fc.oneof(
  {
    arbitrary: fc.tuple(fc.boolean(), fc.boolean(), fc.oneof({ arbitrary: fc.integer({ min: 0, max: spec.FPV + 1 }), weight: 4 }, fc.integer({ min: 0, max: spec.ADDR_MASK })), fc.constantFrom(0, 0, 2, 3, 1))
      .map(([present, ro, addr, target]) => ((present ? 1 : 0) | (ro ? 4 : 0) | (addr << spec.ADDR_SHIFT) | (target << spec.TARGET_SHIFT)) >>> 0),
    weight: 9,
  },
  word,
);

const call: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom('fv', 'pv')).map((a) => ({ op: 'vm_create', args: a })), weight: 3 },
  vm.map((v) => ({ op: 'vm_destroy', args: [v] })),
  { arbitrary: fc.tuple(vm, vc, mostly(0, spec.FPV - 1, 255), pd).map((a) => ({ op: 'chan_bind', args: a })), weight: 3 },
  fc.tuple(vm, vc).map((a) => ({ op: 'chan_kill', args: a })),
  { arbitrary: fc.tuple(vm, fc.tuple(vc, vc), mostly(0, spec.CPV, 255)).map(([v, vcs, n]) => ({ op: 'playlist_submit', args: [v, vcs, n] })), weight: 2 },
  { arbitrary: fc.tuple(vm, pd, pte, gpte).map((a) => ({ op: 'gpt_write', args: a })), weight: 4 },
  { arbitrary: fc.tuple(vm, pd).map((a) => ({ op: 'tlb_flush', args: a })), weight: 2 },
  { arbitrary: fc.tuple(vm, vc).map((a) => ({ op: 'doorbell', args: a })), weight: 3 },
  vm.map((v) => ({ op: 'complete', args: [v] })),
  { arbitrary: fc.tuple(vm, fc.constantFrom('pgd', 'pgt', 'pgd', 'pgt', 'none')).map((a) => ({ op: 'pv_alloc', args: a })), weight: 3 },
  fc.tuple(vm, pvid).map((a) => ({ op: 'pv_free', args: a })),
  { arbitrary: fc.tuple(vm, pvid, vc).map((a) => ({ op: 'pv_set_pgd', args: a })), weight: 2 },
  fc.tuple(vm, pvid).map((a) => ({ op: 'pv_bar3_pgt', args: a })),
  { arbitrary: fc.tuple(vm, pvid, pte, gpte).map((a) => ({ op: 'pv_map', args: a })), weight: 2 },
  fc.tuple(vm, pvid, pte).map((a) => ({ op: 'pv_unmap', args: a })),
  { arbitrary: fc.tuple(vm, fc.constantFrom(1, 3, 1, 3, 0, 2), slot, gpte).map((a) => ({ op: 'bar_map', args: a })), weight: 2 },
  fc.tuple(vm, fc.oneof({ arbitrary: fc.integer({ min: 0, max: spec.FPV }), weight: 4 }, word)).map((a) => ({ op: 'pramin_set', args: a })),
  { arbitrary: fc.tuple(vm, fc.integer({ min: 0, max: spec.FPV }), word).map((a) => ({ op: 'pramin_write', args: a })), weight: 2 },
  fc.tuple(vm, word, word).map((a) => ({ op: 'mmio_other', args: a })),
);

/**
 * Most calls are guided by the spec state before them (the first implementation's copy): the VM
 * becomes an active one and a PV page one the VM owns, so that sequences get past ESRCH and
 * EINVAL into the operations' work; one call in five keeps its generated arguments.
 */
type Item = { step: Step; guide: number | null };
const item: fc.Arbitrary<Item> = fc.record({ step: call, guide: fc.oneof({ arbitrary: fc.nat(1 << 16), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) });
const PV_OPS = ['pv_alloc', 'pv_free', 'pv_set_pgd', 'pv_bar3_pgt', 'pv_map', 'pv_unmap'];
const range = (n: number) => Array.from({ length: n }, (_, k) => k);
const pick = <T,>(xs: T[], seed: number): T | undefined => (xs.length ? xs[seed % xs.length] : undefined);

function concretize(x: Item, st: unknown): Step {
  const s = st as spec.State;
  const g = x.guide;
  if (g === null || x.step.op === 'vm_create') return x.step;
  const args = [...x.step.args];
  const active = range(spec.NVM).filter((v) => s.vms[v].active);
  // a para-virtual VM for the hypercalls (the others answer EPERM)
  const pv = active.filter((v) => s.vms[v].mode === 'pv');
  const v = pick(PV_OPS.includes(x.step.op) && pv.length ? pv : active, g) ?? (args[0] as number);
  args[0] = v;
  if (v < 0 || v >= spec.NVM) return { op: x.step.op, args };
  const enabled = range(spec.CPV).filter((c) => s.chans[v * spec.CPV + c].enabled);
  const owned = (t: spec.PvType | null) => range(spec.NPV).filter((id) => s.pv[id].type !== 'none' && s.pv[id].owner === v && (t === null || s.pv[id].type === t));
  const h = g >> 4;
  switch (x.step.op) {
    case 'doorbell': case 'chan_kill': args[1] = pick(enabled, h) ?? args[1]; break;
    case 'pv_set_pgd': args[1] = pick(owned('pgd'), h) ?? args[1]; args[2] = pick(enabled, h >> 2) ?? args[2]; break;
    case 'pv_bar3_pgt': args[1] = pick(owned('pgt'), h) ?? args[1]; break;
    case 'pv_free': case 'pv_map': case 'pv_unmap': args[1] = pick(owned(null), h) ?? args[1]; break;
  }
  return { op: x.step.op, args };
}

const guided: Model<Item> = { ...model, concretize };
// every sequence starts with one full-virtualised and one para-virtual guest (created in either
// order, with any domids), so that most of it runs on live VMs
const creates = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([d1, d2, pvFirst]): Item[] =>
  [{ step: { op: 'vm_create', args: [d1, pvFirst ? 'pv' : 'fv'] }, guide: null }, { step: { op: 'vm_create', args: [d2, pvFirst ? 'fv' : 'pv'] }, guide: null }]);
const sequences = fc.tuple(creates, fc.array(item, { minLength: 20, maxLength: 60 })).map(([head, tail]) => [...head, ...tail]);

/** Every operation of the spec (its exported functions that take a state and are not predicates). */
const OPERATIONS = ['vm_create', 'vm_destroy', 'chan_bind', 'chan_kill', 'playlist_submit', 'gpt_write', 'tlb_flush', 'doorbell', 'complete', 'pv_alloc', 'pv_free', 'pv_set_pgd', 'pv_bar3_pgt', 'pv_map', 'pv_unmap', 'bar_map', 'pramin_set', 'pramin_write', 'mmio_other'];

const succeeded = (r: StepRecord) => typeof r.result === 'number' && r.result >= 0;

describe('gpuvm model-based test', () => {
  it('the test names every operation the spec exports, at the model sizes', () => {
    const exported = Object.entries(spec).filter(([k, f]) => typeof f === 'function' && !k.startsWith('inv_') && !['init', 'base', 'vmOf', 'confined'].includes(k)).map(([k]) => k);
    expect(exported.sort()).toEqual([...OPERATIONS].sort());
    // the real sizes, not the small scope (which only the solver's counterexample search uses)
    expect([spec.NVM, spec.CPV, spec.NPTE, spec.QMAX]).not.toEqual([spec.NVM, spec.CPV, spec.SMALL_NPTE, spec.SMALL_QMAX]);
  });

  it('spec and both implementations agree on random sequences of the 19 operations', () => {
    const done = checkModel(guided, sequences, { numRuns: 150, seed: 25 });
    // every operation succeeds in some sequence, not only on its error paths; mmio_other has no
    // success (the spec's whitelist of pass-through registers is empty): it must answer EPERM then
    const ok = new Set(done.filter(succeeded).map((r) => r.op));
    expect([...ok].sort()).toEqual(OPERATIONS.filter((op) => op !== 'mmio_other').sort());
    expect(done.some((r) => r.op === 'mmio_other' && r.result === spec.EPERM)).toBe(true);
    // and the error paths are taken too: every errno of the spec's table shows up
    const errnos = new Set(done.filter((r) => !succeeded(r)).map((r) => r.result));
    expect([...errnos].sort()).toEqual([spec.EPERM, spec.ESRCH, spec.ENOMEM, spec.EBUSY, spec.EINVAL, spec.ENOSPC, spec.ERANGE].sort());
  }, 60_000);

  it('the per-VM implementation, guided by its own state, also reaches success in every operation', () => {
    // the run above guides calls (and records results) by A3's copy of the spec state; the two
    // implementations may put a guest in different slots, so the per-VM one is guided here by its own
    const done = checkModel({ spec, impl: [{ name: 'pervm', module: pervm }], concretize }, sequences, { numRuns: 60, seed: 26 });
    const ok = new Set(done.filter(succeeded).map((r) => r.op));
    expect([...ok].sort()).toEqual(OPERATIONS.filter((op) => op !== 'mmio_other').sort());
  }, 60_000);

  it('a scripted scenario: two VMs, lazy shadowing, the run list, PV tables, PRAMIN, teardown', () => {
    const vram = (addr: number) => 1 | (addr << spec.ADDR_SHIFT); // present, VRAM target
    const sys = (g: number) => 1 | 4 | (g << spec.ADDR_SHIFT) | (spec.TARGET_SYSRAM << spec.TARGET_SHIFT); // present, read-only
    const steps: Step[] = [
      { op: 'vm_create', args: [8, 'fv'] }, // slot 0 (A3: the first free; per-VM: 8 % NVM)
      { op: 'vm_create', args: [7, 'pv'] }, // slot 1
      { op: 'vm_create', args: [9, 'fv'] }, // ENOSPC
      { op: 'gpt_write', args: [0, 0, 0, vram(3)] },
      { op: 'gpt_write', args: [0, 0, 1, sys(2)] },
      { op: 'gpt_write', args: [0, 0, 2, vram(spec.FPV)] }, // outside the partition: not present in the shadow
      { op: 'chan_bind', args: [0, 1, 2, 0] }, // shadowed now
      { op: 'gpt_write', args: [0, 0, 0, vram(5)] }, // the shadow keeps frame 3 (no flush yet)
      { op: 'tlb_flush', args: [0, 0] }, // dirty
      { op: 'doorbell', args: [0, 1] }, // the flush point: re-scanned, queued
      { op: 'doorbell', args: [0, 0] }, // EINVAL: not enabled
      { op: 'playlist_submit', args: [0, [1, 0], 1] },
      { op: 'playlist_submit', args: [0, [0, 1], 2] }, // EINVAL: channel 0 is not enabled
      { op: 'chan_bind', args: [1, 0, 7, 1] },
      { op: 'playlist_submit', args: [1, [0, 0], 1] },
      { op: 'pramin_set', args: [0, 6] },
      { op: 'pramin_write', args: [0, 1, 42] }, // frame 7 of VM 0
      { op: 'pramin_write', args: [0, 2, 43] }, // EINVAL: past the partition
      { op: 'pramin_set', args: [1, 0] },
      { op: 'pramin_write', args: [1, 3, 44] },
      { op: 'pv_alloc', args: [0, 'pgd'] }, // EPERM: VM 0 is not para-virtual
      { op: 'pv_alloc', args: [1, 'pgd'] },
      { op: 'pv_alloc', args: [1, 'pgt'] },
      { op: 'pv_alloc', args: [1, 'none'] }, // EINVAL
      { op: 'bar_map', args: [0, 1, 0, vram(1)] },
      { op: 'bar_map', args: [0, 2, 0, vram(1)] }, // EINVAL: no BAR2
      { op: 'complete', args: [0] },
      { op: 'complete', args: [0] }, // EINVAL: empty
      { op: 'mmio_other', args: [0, 0x1234, 5] }, // EPERM
      { op: 'vm_destroy', args: [0] }, // its channel, run list, memory and BARs gone
      { op: 'vm_create', args: [10, 'fv'] }, // a clean slot again
      { op: 'doorbell', args: [0, 1] }, // EINVAL: the new VM's channel is not enabled
      { op: 'vm_destroy', args: [1] }, // its PV pages freed too
      { op: 'vm_destroy', args: [1] }, // ESRCH
    ];
    const done = runModel(model, steps);
    const { EPERM, ESRCH, EINVAL, ENOSPC } = spec;
    // A3's results (the per-VM implementation's differ only in the PV pages it hands VM 1: 2, 3)
    expect(done.map((r) => r.result)).toEqual([0, 1, ENOSPC, 0, 0, 0, 0, 0, 0, 0, EINVAL, 0, EINVAL, 0, 0, 0, 0, EINVAL, 0, 0, EPERM, 0, 1, EINVAL, 0, EINVAL, 0, EINVAL, EPERM, 0, 0, EINVAL, 0, ESRCH]);
  });

  it('a PV guest: page directories, BAR3 tables, reference counts, free while referenced', () => {
    // both implementations take VM slot 0 for domid 0 and PV pages 0 and 1 for VM 0 (A3: the
    // first free; per-VM: VM 0's share); the spec is steered to the same choices
    const steps: Step[] = [
      { op: 'vm_create', args: [0, 'pv'] },
      { op: 'pv_alloc', args: [0, 'pgd'] }, // 0
      { op: 'pv_alloc', args: [0, 'pgt'] }, // 1
      { op: 'pv_set_pgd', args: [0, 0, 0] },
      { op: 'pv_set_pgd', args: [0, 0, 1] }, // refcnt 2
      { op: 'pv_set_pgd', args: [0, 1, 1] }, // EINVAL: not a page directory
      { op: 'pv_bar3_pgt', args: [0, 1] },
      { op: 'pv_map', args: [0, 1, 0, 1 | (2 << spec.ADDR_SHIFT)] },
      { op: 'pv_map', args: [0, 1, spec.NPTE, 1] }, // ERANGE
      { op: 'pv_free', args: [0, 0] }, // EBUSY: referenced twice
      { op: 'pv_unmap', args: [0, 1, 0] },
      { op: 'pv_free', args: [0, 1] }, // EBUSY: BAR3's table
      { op: 'pv_free', args: [1, 1] }, // ESRCH: no VM 1
      { op: 'vm_destroy', args: [0] }, // frees both pages and their references
      { op: 'vm_create', args: [0, 'pv'] },
      { op: 'pv_free', args: [0, 0] }, // EINVAL: no longer the VM's
    ];
    expect(runModel(model, steps).map((r) => r.result)).toEqual([0, 0, 1, 0, 0, spec.EINVAL, 0, 0, spec.ERANGE, spec.EBUSY, 0, spec.EBUSY, spec.ESRCH, 0, 0, spec.EINVAL]);
  });

  // the test can fail: seeded bugs whose effect a random sequence reaches (no shrinking: the first
  // failing sequence is enough, and shrinking it would cost seconds)
  const mismatch = (bug: object): string => {
    try {
      checkModel({ spec, impl: bug, concretize }, sequences, { numRuns: 150, seed: 25, endOnFailure: true });
    } catch (e) {
      expect(e).toBeInstanceOf(ModelMismatch);
      return (e as Error).message;
    }
    return 'no mismatch';
  };

  it('finds B9 (a destroyed VM leaves its channels behind) in random sequences', () => {
    expect(mismatch(b9)).toMatch(/^impl: step \d+: vm_destroy\(\d\) returned 0, but equiv\(i, s\) is false/);
  });

  it('finds B8 (a doorbell without the lazy flush point) in random sequences', () => {
    expect(mismatch(b8)).toMatch(/^impl: step \d+: doorbell\(\d, \d\) returned 0, but equiv\(i, s\) is false/);
  });
});
