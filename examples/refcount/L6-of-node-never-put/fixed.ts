// L6 fixed: of_node_put once the node is no longer needed (of_node_put(NULL) is a no-op).
import type { i32 } from 'pushbutton';
import { of_find_compatible_node, of_node_put, of_property_read_u32 } from '../api.ts';

export const CCM = 27;
export const REV = 1;

export function mx27_read_cpu_rev(): i32 {
  const np = of_find_compatible_node(0, CCM);
  const rev = of_property_read_u32(np, REV);
  of_node_put(np);
  return rev;
}
