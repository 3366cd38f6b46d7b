// P4: a new reference lost on an early error exit (RID's get_new constructors).
import type { i32, u32 } from 'pushbutton';
import { PyObject_GetAttrString, PyLong_AsLong, PyErr_Occurred, Py_DECREF } from '../api.ts';

export const X = 7;

export function get_x(o: u32): i32 {
  const a = PyObject_GetAttrString(o, X);
  if (a === 0) return -1;
  const v = PyLong_AsLong(a);
  if (v === -1 && PyErr_Occurred()) return -1; // py(a) +1
  Py_DECREF(a);
  return v;
}
