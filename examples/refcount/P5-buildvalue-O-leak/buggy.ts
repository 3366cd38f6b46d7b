// P5: Py_BuildValue("(O)", fresh) takes its own reference, so the fresh object leaks on every
// path (pycutest issue #108, Corrfunc PR #229). Consistent: rc/escape-leak, not an IPP.
import type { i32, u32 } from 'pushbutton';
import { PyLong_FromLong, Py_BuildValue_O } from '../api.ts';

export function make_tuple(x: i32): u32 {
  const fresh = PyLong_FromLong(x);
  if (fresh === 0) return 0;
  return Py_BuildValue_O(fresh); // py(fresh) +1
}
