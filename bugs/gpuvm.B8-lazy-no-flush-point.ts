// Seeded bug: B8, lazy shadowing without its flush point. A doorbell queues the command without re-scanning a dirty channel, so the GPU runs on the shadow of the table as it was before the guest's TLB flush.
// Seeded: in the prototype the re-scan happens before the channel next runs (channel::flush when tlb_flush_needed_).
import type { i8, u8 } from 'pushbutton';
import { CPV, QMAX, ESRCH, EINVAL, EBUSY } from '../spec/gpuvm.ts';
import { type State, live, phys } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function doorbell(s: State, v: i8, vc: u8): number {
  if (!live(s, v)) return ESRCH;
  if (vc >= CPV || !s.ch_enabled[phys(v, vc)]) return EINVAL;
  if (s.queue[v] >= QMAX) return EBUSY;
  s.queue[v] = s.queue[v] + 1;
  return 0;
}
