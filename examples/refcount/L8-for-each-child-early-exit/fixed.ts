// L8 fixed: put the current child before leaving the loop early.
import type { i32, u32 } from 'pushbutton';
import { of_get_next_child, of_node_put, of_property_read_u32 } from '../api.ts';

export const REG = 4;

export function check_children(parent: u32): i32 {
  let child = of_get_next_child(parent, 0);
  for (let i = 0; i < 3; i++) {
    if (child !== 0) {
      const ret = of_property_read_u32(child, REG);
      if (ret !== 0) {
        of_node_put(child);
        return ret;
      }
      child = of_get_next_child(parent, child);
    }
  }
  of_node_put(child);
  return 0;
}
