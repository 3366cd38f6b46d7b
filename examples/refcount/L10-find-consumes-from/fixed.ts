// L10 fixed: take a reference for the callee to drop first (or use of_get_child_by_name).
import type { u32 } from 'pushbutton';
import { of_find_compatible_node, of_node_get } from '../api.ts';

export const PHY = 9;

export function find_phy(parent: u32): u32 {
  of_node_get(parent);
  const np = of_find_compatible_node(parent, PHY);
  return np;
}
