// P5 fixed: "(N)" hands our reference to the tuple.
import type { i32, u32 } from 'pushbutton';
import { PyLong_FromLong, Py_BuildValue_N } from '../api.ts';

export function make_tuple(x: i32): u32 {
  const fresh = PyLong_FromLong(x);
  if (fresh === 0) return 0;
  return Py_BuildValue_N(fresh);
}
