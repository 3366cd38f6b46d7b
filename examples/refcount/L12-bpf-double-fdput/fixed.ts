// L12 fixed: "bpf: fix double-fdput in replace_map_fd_with_map_ptr()".
import type { i32 } from 'pushbutton';
import { EINVAL, bpf_map_get, fdget, fdput } from '../api.ts';

export function replace_map_fd(fd: i32, imm_ok: boolean): i32 {
  if (!imm_ok) return EINVAL;
  fdget(fd);
  const map = bpf_map_get(fd);
  if (map === 0) return EINVAL;
  fdput(fd);
  return 0;
}
