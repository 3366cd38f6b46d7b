// K1: a reference count kept in a Counter field and written directly (kref-style get/put
// helpers): the early return after a failed lock keeps the reference.
import type { i32, Counter } from 'pushbutton';
import { do_io } from '../io.ts';
import type { Device } from '../api.ts';

export interface Obj {
  refcount: Counter;
  dev: Device;
}

export function obj_get(o: Obj): void {
  o.refcount = o.refcount + 1;
}

export function obj_put(o: Obj): void {
  o.refcount = o.refcount - 1;
}

export function obj_use(o: Obj): i32 {
  obj_get(o);
  const r = do_io(o.dev);
  if (r < 0) return r; // o.refcount +1
  const io = do_io(o.dev);
  obj_put(o);
  return io;
}
