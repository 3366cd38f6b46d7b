// Seeded bug: B10, MMIO pass-through. A BAR0 write at an offset A3 does not intercept is written to the hardware and reported done; the spec's whitelist refuses it (EPERM).
// Real design choice in the prototype: CPFL/gxen tools/a3 context_bar0.cc, write_bar0 ends with `regs.write32(cmd.offset, cmd.value)` for every offset not handled above it.
import type { i8, u32 } from 'pushbutton';
import { ESRCH } from '../spec/gpuvm.ts';
import { type State, live } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function mmio_other(s: State, v: i8, reg: u32, val: u32): number {
  if (!live(s, v)) return ESRCH;
  return 0;
}
