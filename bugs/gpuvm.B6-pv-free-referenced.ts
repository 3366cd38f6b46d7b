// Seeded bug: B6, PV MEM_FREE. A page-table page is freed while a channel or BAR3 still walks it; the next allocation hands it to another table.
// Real in the prototype: CPFL/gxen tools/a3 context_bar4.cc, MEM_FREE does `allocated_.erase(id)` whether or not the
// page is installed as a PGD, a PGT or pv_bar3_pgt_.
import type { i8 } from 'pushbutton';
import { NPTE, EINVAL } from '../spec/gpuvm.ts';
import { arr } from 'pushbutton';
import { type State, pvCaller, ownsPv } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function pv_free(s: State, v: i8, id: i8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id)) return EINVAL;
  s.pv_type[id] = 'none';
  s.pv_owner[id] = 0;
  s.pv_pte[id] = arr(NPTE, () => 0);
  return 0;
}
