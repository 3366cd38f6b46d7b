// P2: PyList_SetItem steals the item even when it fails; a Py_DECREF on the failure path
// releases it twice (copy_grouping in a vendored Python 2.7, oils-for-unix issue #2688).
import type { i32, u32 } from 'pushbutton';
import { PyLong_FromLong, PyList_SetItem, Py_DECREF } from '../api.ts';

export function copy_grouping(list: u32, i: i32, v: i32): i32 {
  const item = PyLong_FromLong(v);
  if (item === 0) return -1;
  if (PyList_SetItem(list, i, item) !== 0) {
    Py_DECREF(item); // py(item) -1
    return -1;
  }
  return 0;
}
