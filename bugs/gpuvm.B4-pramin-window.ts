// Seeded bug: B4, PRAMIN window. A store through the PRAMIN window goes to shift + the guest's window base with no partition bound.
// Real in the prototype: CPFL/gxen tools/a3 context_bar0.cc, write_bar0 on 0x700000-0x7fffff computes
// `shift + (reg32(0x1700) << 16)` from the guest's own register value and writes there unchecked.
import type { i8, u8, u32 } from 'pushbutton';
import { ESRCH } from '../spec/gpuvm.ts';
import { type State, live, shift, R_PRAMIN } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function pramin_write(s: State, v: i8, off: u8, val: u32): number {
  if (!live(s, v)) return ESRCH;
  s.pramin_window = shift(v) + s.reg32[v][R_PRAMIN];
  s.vram[s.pramin_window + off] = val;
  return 0;
}
