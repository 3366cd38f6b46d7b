// Seeded bug: B1, playlist bounds. The virtual channel ids a guest lists are not checked against CPV, so VM v can put another VM's channel on the run list (or index past the channel table).
// Real in the prototype: CPFL/gxen tools/a3/playlist.cc, playlist_update: `vid` is read from guest memory and
// `engine->set(ctx->get_phys_channel_id(vid), true)` runs with no `vid < A3_DOMAIN_CHANNELS` test.
import type { i8, u8, Arr } from 'pushbutton';
import { CPV, ESRCH, EINVAL } from '../spec/gpuvm.ts';
import { type State, live, phys, write_playlist, R_PLAYLIST } from '../impl/gpuvm.ts';

export * from '../impl/gpuvm.ts';

export function playlist_submit(s: State, v: i8, vcs: Arr<u8, typeof CPV>, n: u8): number {
  if (!live(s, v)) return ESRCH;
  if (n > CPV) return EINVAL;
  for (let k = 0; k < CPV; k++) {
    if (k < n && !s.ch_enabled[phys(v, vcs[k])]) return EINVAL;
  }
  s.reg32[v][R_PLAYLIST] = n;
  for (let c = 0; c < CPV; c++) s.engine[phys(v, c)] = false;
  for (let k = 0; k < CPV; k++) {
    if (k < n) s.engine[phys(v, vcs[k])] = true;
  }
  write_playlist(s);
  return 0;
}
