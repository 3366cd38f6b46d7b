// L10: of_find_compatible_node(from, ...) puts `from`; passing a node the function only borrows
// over-puts it on every path (rc/borrowed-underflow; no IPP, it is consistent).
import type { u32 } from 'pushbutton';
import { of_find_compatible_node } from '../api.ts';

export const PHY = 9;

export function find_phy(parent: u32): u32 {
  const np = of_find_compatible_node(parent, PHY); // of(parent) -1
  return np;
}
