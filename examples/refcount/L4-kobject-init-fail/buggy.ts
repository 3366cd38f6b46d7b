// L4: kobject_init_and_add takes a reference even when it fails (iommu_group_alloc, commit
// 7cc31613734c): freeing instead of kobject_put leaks it. The failure overlaps the -ENOMEM exit.
import type { i32 } from 'pushbutton';
import { type Kobj, ENOMEM, kzalloc_ok, kobject_init_and_add, kfree } from '../api.ts';

export interface Group {
  kobj: Kobj;
  id: i32;
}

export function iommu_group_alloc(g: Group): i32 {
  if (!kzalloc_ok()) return ENOMEM;
  const ret = kobject_init_and_add(g.kobj);
  if (ret !== 0) {
    kfree(g.kobj); // kobj(g.kobj) stays +1
    return ret;
  }
  return 0; // the group is kept (its reference with it): success is told apart by 0
}
