// L6: the node found is never put, on every path (mx27_read_cpu_rev). Consistent, so no IPP:
// the escape rule (rc/escape-leak) reports it.
import type { i32 } from 'pushbutton';
import { of_find_compatible_node, of_property_read_u32 } from '../api.ts';

export const CCM = 27;
export const REV = 1;

export function mx27_read_cpu_rev(): i32 {
  const np = of_find_compatible_node(0, CCM);
  const rev = of_property_read_u32(np, REV);
  return rev; // of(np) +1 when np was found
}
