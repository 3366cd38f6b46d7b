// Seeded bug: B7, slot exhaustion. With every VM slot taken, the slot search returns npos (0xFFFFFFFF) and the context goes on with it instead of failing with ENOSPC.
// Real in the prototype: CPFL/gxen tools/a3 device.cc, device_t::acquire_virt returns npos when no slot is free, and
// context::initialize (context.cc) stores it as the VM's id unchecked.
import type { u16 } from 'pushbutton';
import { NVM, type Mode } from '../spec/gpuvm.ts';
import { type State } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function acquire_virt(s: State): number {
  for (let v = 0; v < NVM; v++) {
    if (!s.vm_active[v]) return v;
  }
  return 0xffffffff;
}

export function vm_create(s: State, domid: u16, mode: Mode): number {
  const v = acquire_virt(s);
  s.vm_active[v] = true;
  s.vm_domid[v] = domid;
  s.vm_pv[v] = mode === 'pv';
  return v;
}
