// P1 fixed: Py_DECREF(single) before the error exit.
import type { i32, u32 } from 'pushbutton';
import { Py_BuildValue, PyList_Append, Py_DECREF } from '../api.ts';

export function append_addr(all: u32, addr: i32): i32 {
  const single = Py_BuildValue(addr);
  if (single === 0) return -1;
  const err = PyList_Append(all, single);
  Py_DECREF(single);
  if (err !== 0) return -1;
  return 0;
}
