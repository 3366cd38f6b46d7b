// L1 (research/rid.md §3): pm_runtime_get_sync keeps the usage count on failure; the early
// return forgets the put. RID's flagship pattern.
import type { i32 } from 'pushbutton';
import { type Device, pm_runtime_get_sync, pm_runtime_put } from '../api.ts';
import { do_io } from '../io.ts';

export function read_sensor(dev: Device): i32 {
  const ret = pm_runtime_get_sync(dev);
  if (ret < 0) return ret; // dpm(dev) stays +1
  const io = do_io(dev);
  pm_runtime_put(dev);
  return io;
}
