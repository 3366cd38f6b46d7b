// L7: a lookup released only on the success path. The leaking exit returns a unique error code,
// so the caller can tell it apart (no IPP); it is a leak all the same (rc/escape-leak).
import type { i32, u32 } from 'pushbutton';
import { ENODEV, of_get_child_by_name, of_node_put, of_property_read_u32 } from '../api.ts';

export const X = 3;
export const REG = 4;

export function probe_reg(parent: u32): i32 {
  const np = of_get_child_by_name(parent, X);
  if (np === 0) return ENODEV;
  const ret = of_property_read_u32(np, REG);
  if (ret !== 0) return ret; // of(np) +1
  of_node_put(np);
  return 0;
}
