// Seeded bug: B3, SYSRAM error value. An unmapped guest system-RAM frame translates to machine frame 0 and the entry stays present.
// Real in the prototype: CPFL/gxen tools/a3 a3_xen.c, a3_xen_gfn_to_mfn returns 0 when Xen has no mapping, and
// context::guest_to_host stores it with `present` kept ("TODO(Yusuke Suzuki): Validate host physical address in Xen side").
import type { i8, u8, u32 } from 'pushbutton';
import { FPV, NSYS, EINVAL, ERANGE, NPTE, TARGET_VRAM, TARGET_SYSRAM, TARGET_SYSRAM_NO_SNOOP, ADDR_SHIFT, ADDR_MASK, TARGET_SHIFT } from '../spec/gpuvm.ts';
import { type State, pvCaller, ownsPv, shift, pack, INVALID } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

function guest_to_host_mfn0(s: State, v: number, g: number): number {
  if ((g & 1) === 0) return 0;
  const ro = ((g >>> 2) & 1) !== 0;
  const addr = (g >>> ADDR_SHIFT) & ADDR_MASK;
  const target = (g >>> TARGET_SHIFT) & 3;
  if (target === TARGET_VRAM) {
    const h = addr + shift(v);
    if (!(shift(v) <= h && h < shift(v) + FPV)) return 0;
    return pack(true, ro, h, target);
  }
  if (target === TARGET_SYSRAM || target === TARGET_SYSRAM_NO_SNOOP) {
    const m = addr < NSYS && s.p2m[v][addr] !== INVALID ? s.p2m[v][addr] : 0;
    return pack(true, ro, m, target);
  }
  return 0;
}

export function pv_map(s: State, v: i8, id: i8, i: u8, gpte: u32): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  if (i >= NPTE) return ERANGE;
  s.pv_pte[id][i] = guest_to_host_mfn0(s, v, gpte);
  return 0;
}
