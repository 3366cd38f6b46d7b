// L16: a cleanup helper owns two device-tree nodes, either of which may be NULL, and returns
// early when the first is NULL: the second node's reference leaks (issue 28 item 1: a NULL is
// never counted, so the helper is judged on the nodes that exist).
import { type u32, owned } from 'pushbutton';
import { of_node_put } from '../api.ts';

export function release_pair(a: u32, b: u32): void {
  owned(a, 'of');
  owned(b, 'of');
  if (a === 0) return; // of(b) kept when a is NULL and b is not
  of_node_put(a);
  of_node_put(b);
}
