// P3 fixed: Py_DECREF(exc) when PyModule_AddObject fails.
import type { i32, u32 } from 'pushbutton';
import { PyErr_NewException, PyModule_AddObject, Py_DECREF } from '../api.ts';

export const NAME = 5;

export function init_module(m: u32): i32 {
  const exc = PyErr_NewException(NAME);
  if (exc === 0) return -1;
  if (PyModule_AddObject(m, NAME, exc) < 0) {
    Py_DECREF(exc);
    return -1;
  }
  return 0;
}
