// L16 fixed: of_node_put(NULL) does nothing, so the helper puts both nodes unconditionally. Clean
// because a NULL is never counted (before issue 28: an escape leak with the witness a = 0).
import { type u32, owned } from 'pushbutton';
import { of_node_put } from '../api.ts';

export function release_pair(a: u32, b: u32): void {
  owned(a, 'of');
  owned(b, 'of');
  of_node_put(a);
  of_node_put(b);
}
