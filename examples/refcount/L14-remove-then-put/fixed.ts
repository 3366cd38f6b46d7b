// L14 fixed: a busy device goes back into its slot (the table keeps its reference); every other
// one is removed and put.
import type { Arr, u32 } from 'pushbutton';
import { device_busy, put_device_h } from '../api.ts';

export interface DevTable {
  devs: Arr<u32, 4>;
}

export function teardown(t: DevTable): void {
  for (let i = 0; i < 4; i++) {
    const d = t.devs[i];
    t.devs[i] = 0; // the slot's reference is ours now
    if (d !== 0 && device_busy(d)) t.devs[i] = d; // handed back to the table
    else put_device_h(d); // released (nothing for NULL)
  }
}
