// Seeded bug: reclaim_page frees pages of any process that is not running, not only of zombies.
import type { i32 } from 'pushbutton';
import { EBUSY, EINVAL } from '../spec/kernel.ts';
import { type State, validPn, dropPage } from '../impl/kernel.ts';

export * from '../impl/kernel.ts';

export function reclaim_page(s: State, pn: i32): number {
  if (!validPn(pn)) return EINVAL;
  const t = s.page_type[pn];
  if (t === 'free' || t === 'reserved') return EINVAL;
  if (s.proc_state[s.page_owner[pn]] === 'running') return EBUSY;
  dropPage(s, pn);
  return 0;
}
