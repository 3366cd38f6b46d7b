// Seeded bug: B2, partition check after truncation. The host frame is tested after it was cut to the 8-bit address field, and only against the partition's end, so a large guest frame of VM 1 wraps into VM 0's partition.
// Seeded: the stored versions of context::guest_to_host (CPFL/gxen tools/a3) test the full-width address; this is the mistake that test prevents.
import type { i8, u8, u32 } from 'pushbutton';
import { FPV, NBAR, NSYS, ESRCH, EINVAL, TARGET_VRAM, TARGET_SYSRAM, TARGET_SYSRAM_NO_SNOOP, ADDR_SHIFT, ADDR_MASK, TARGET_SHIFT } from '../spec/gpuvm.ts';
import { type State, live, shift, pack, INVALID } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

function guest_to_host_wrap(s: State, v: number, g: number): number {
  if ((g & 1) === 0) return 0;
  const ro = ((g >>> 2) & 1) !== 0;
  const addr = (g >>> ADDR_SHIFT) & ADDR_MASK;
  const target = (g >>> TARGET_SHIFT) & 3;
  if (target === TARGET_VRAM) {
    const h = (addr + shift(v)) & ADDR_MASK;
    if (h >= shift(v) + FPV) return 0;
    return pack(true, ro, h, target);
  }
  if (target === TARGET_SYSRAM || target === TARGET_SYSRAM_NO_SNOOP) {
    if (addr >= NSYS) return 0;
    const m = s.p2m[v][addr];
    if (m === INVALID) return 0;
    return pack(true, ro, m, target);
  }
  return 0;
}

export function bar_map(s: State, v: i8, bar: u8, slot: u8, gpte: u32): number {
  if (!live(s, v)) return ESRCH;
  if ((bar !== 1 && bar !== 3) || slot >= NBAR) return EINVAL;
  if (bar === 1) s.bar1[v][slot] = guest_to_host_wrap(s, v, gpte);
  else s.bar3[v][slot] = guest_to_host_wrap(s, v, gpte);
  return 0;
}
