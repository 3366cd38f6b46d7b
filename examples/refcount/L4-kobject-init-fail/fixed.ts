// L4 fixed: kobject_put on failure (its release callback frees the group).
import type { i32 } from 'pushbutton';
import { type Kobj, ENOMEM, kzalloc_ok, kobject_init_and_add, kobject_put } from '../api.ts';

export interface Group {
  kobj: Kobj;
  id: i32;
}

export function iommu_group_alloc(g: Group): i32 {
  if (!kzalloc_ok()) return ENOMEM;
  const ret = kobject_init_and_add(g.kobj);
  if (ret !== 0) {
    kobject_put(g.kobj);
    return ret;
  }
  return 0; // the group is kept (its reference with it): success is told apart by 0
}
