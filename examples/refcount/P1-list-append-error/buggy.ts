// P1: CPython _socket getaddrinfo (PR #10543): "single needs to be decrefed if PyList_Append()
// fails". Every error exit returns -1 (NULL in C).
import type { i32, u32 } from 'pushbutton';
import { Py_BuildValue, PyList_Append, Py_DECREF } from '../api.ts';

export function append_addr(all: u32, addr: i32): i32 {
  const single = Py_BuildValue(addr);
  if (single === 0) return -1;
  if (PyList_Append(all, single) !== 0) return -1; // py(single) +1
  Py_DECREF(single);
  return 0;
}
