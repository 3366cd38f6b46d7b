// L12, CVE-2016-4557 (replace_map_fd_with_map_ptr): __bpf_map_get already does fdput when the
// descriptor is not a map, and the caller puts again.
import type { i32 } from 'pushbutton';
import { EINVAL, bpf_map_get, fdget, fdput } from '../api.ts';

export function replace_map_fd(fd: i32, imm_ok: boolean): i32 {
  if (!imm_ok) return EINVAL;
  fdget(fd);
  const map = bpf_map_get(fd);
  if (map === 0) {
    fdput(fd); // fd(fd) -1: a double put
    return EINVAL;
  }
  fdput(fd);
  return 0;
}
