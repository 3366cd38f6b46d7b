// P7: a function documented to return a new reference returns a borrowed one: `return Py_None;`
// without Py_INCREF (what Py_RETURN_NONE exists for), and a dict item returned as it was found.
// The caller will Py_DECREF the result, so each call drops a reference it never got. No pair of
// paths differs (NULL and non-NULL results tell them apart): IPP misses this (research/rid.md §3
// P7); the declared return contract (@returnsNew) catches it.
import type { u32 } from 'pushbutton';
import { Py_None, PyLong_AsLong, PyErr_Occurred, PyDict_GetItem } from '../api.ts';

/** @returnsNew py */
export function set_flag(self: u32, arg: u32): u32 {
  const v = PyLong_AsLong(arg);
  if (v === -1 && PyErr_Occurred()) return 0; // NULL: the exception is set
  return Py_None; // borrowed
}

/** @returnsNew py */
export function get_item(d: u32, key: u32): u32 {
  const v = PyDict_GetItem(d, key);
  if (v === 0) return 0;
  return v; // borrowed from the dict
}
