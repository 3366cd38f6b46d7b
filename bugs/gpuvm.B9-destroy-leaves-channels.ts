// Seeded bug: B9, channel reuse after destroy. Destroying a VM only gives its slot back: its channels stay enabled and on the run list, with their shadows, for the next VM created in the slot.
// Plausible in the prototype: CPFL/gxen tools/a3 context.cc, context::~context only calls device()->release_virt(id_, this);
// whether the hardware would still run those channels was not checked.
import type { i8 } from 'pushbutton';
import { ESRCH } from '../spec/gpuvm.ts';
import { type State, live } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function vm_destroy(s: State, v: i8): number {
  if (!live(s, v)) return ESRCH;
  s.vm_active[v] = false;
  return 0;
}
