// L14: a teardown loop removes each device from its table slot and puts the reference the slot
// held (idr_remove, then put_device), but skips the put for a device still busy: that reference
// is lost with the slot (issue 28 item 3; the replay reads each slot as it was before the store).
import type { Arr, u32 } from 'pushbutton';
import { device_busy, put_device_h } from '../api.ts';

export interface DevTable {
  devs: Arr<u32, 4>;
}

export function teardown(t: DevTable): void {
  for (let i = 0; i < 4; i++) {
    const d = t.devs[i];
    t.devs[i] = 0; // the slot's reference is ours now
    if (d !== 0 && !device_busy(d)) put_device_h(d); // dev(t.devs[i]) kept when busy
  }
}
