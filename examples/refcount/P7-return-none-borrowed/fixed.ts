// P7 fixed: take the reference the contract promises (Py_RETURN_NONE; Py_INCREF on the item,
// or PyDict_GetItemRef since CPython 3.13).
import type { u32 } from 'pushbutton';
import { Py_None, Py_INCREF, PyLong_AsLong, PyErr_Occurred, PyDict_GetItem } from '../api.ts';

/** @returnsNew py */
export function set_flag(self: u32, arg: u32): u32 {
  const v = PyLong_AsLong(arg);
  if (v === -1 && PyErr_Occurred()) return 0;
  Py_INCREF(Py_None);
  return Py_None;
}

/** @returnsNew py */
export function get_item(d: u32, key: u32): u32 {
  const v = PyDict_GetItem(d, key);
  if (v === 0) return 0;
  Py_INCREF(v);
  return v;
}
