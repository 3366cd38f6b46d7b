// P2 fixed: no Py_DECREF; the list owns the item whatever SetItem returns.
import type { i32, u32 } from 'pushbutton';
import { PyLong_FromLong, PyList_SetItem } from '../api.ts';

export function copy_grouping(list: u32, i: i32, v: i32): i32 {
  const item = PyLong_FromLong(v);
  if (item === 0) return -1;
  if (PyList_SetItem(list, i, item) !== 0) return -1;
  return 0;
}
