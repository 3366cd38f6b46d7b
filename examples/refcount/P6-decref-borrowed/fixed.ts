// P6 fixed: a borrowed reference is not released.
import type { i32, u32 } from 'pushbutton';
import { PyDict_GetItem, PyLong_AsLong } from '../api.ts';

export function lookup(d: u32, key: u32): i32 {
  const v = PyDict_GetItem(d, key);
  if (v === 0) return -1;
  const n = PyLong_AsLong(v);
  if (n < 0) return -1;
  return n;
}
