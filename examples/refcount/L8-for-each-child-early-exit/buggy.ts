// L8: leaving a for_each_child_of_node loop early keeps the reference on the current child
// (scripts/coccinelle/iterators/for_each_child.cocci). The loop is unrolled to its bound.
import type { i32, u32 } from 'pushbutton';
import { of_get_next_child, of_property_read_u32 } from '../api.ts';

export const REG = 4;

export function check_children(parent: u32): i32 {
  let child = of_get_next_child(parent, 0);
  for (let i = 0; i < 3; i++) {
    if (child !== 0) {
      const ret = of_property_read_u32(child, REG);
      if (ret !== 0) return ret; // of(child) +1
      child = of_get_next_child(parent, child);
    }
  }
  return 0;
}
