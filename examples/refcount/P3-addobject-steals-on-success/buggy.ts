// P3: PyModule_AddObject steals the value only on success (CPython PR #15725's note, and the
// reason PyModule_AddObjectRef exists): on failure the exception object leaks.
import type { i32, u32 } from 'pushbutton';
import { PyErr_NewException, PyModule_AddObject } from '../api.ts';

export const NAME = 5;

export function init_module(m: u32): i32 {
  const exc = PyErr_NewException(NAME);
  if (exc === 0) return -1;
  if (PyModule_AddObject(m, NAME, exc) < 0) return -1; // py(exc) +1
  return 0;
}
