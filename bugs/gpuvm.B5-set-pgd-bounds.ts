// Seeded bug: B5, PV SET_PGD. The channel id of the hypercall is not checked against CPV: the page directory is installed on another VM's channel (or past the table).
// Real in the prototype: CPFL/gxen tools/a3 context_bar4.cc, the SET_PGD hypercall does `pgds_[cid] = pgd` for any
// non-negative `cid` read from the hypercall slot, with no `cid < A3_DOMAIN_CHANNELS` test.
import type { i8, u8 } from 'pushbutton';
import { EINVAL } from '../spec/gpuvm.ts';
import { type State, pvCaller, ownsPv, phys } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function pv_set_pgd(s: State, v: i8, id: i8, vc: u8): number {
  const e = pvCaller(s, v);
  if (e !== 0) return e;
  if (!ownsPv(s, v, id) || s.pv_type[id] !== 'pgd') return EINVAL;
  const p = phys(v, vc);
  const old = s.ch_pgd[p];
  if (old >= 0) s.pv_refcnt[old] = s.pv_refcnt[old] - 1;
  s.ch_pgd[p] = id;
  s.pv_refcnt[id] = s.pv_refcnt[id] + 1;
  return 0;
}
