// P6: PyDict_GetItem returns a borrowed reference; the error path releases it anyway.
import type { i32, u32 } from 'pushbutton';
import { PyDict_GetItem, PyLong_AsLong, Py_DECREF } from '../api.ts';

export function lookup(d: u32, key: u32): i32 {
  const v = PyDict_GetItem(d, key);
  if (v === 0) return -1;
  const n = PyLong_AsLong(v);
  if (n < 0) {
    Py_DECREF(v); // py(v) -1 on a reference never owned
    return -1;
  }
  return n;
}
