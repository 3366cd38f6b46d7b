// L1 fixed: drop the count on the error path too (or use pm_runtime_resume_and_get).
import type { i32 } from 'pushbutton';
import { type Device, pm_runtime_get_sync, pm_runtime_put, pm_runtime_put_noidle } from '../api.ts';
import { do_io } from '../io.ts';

export function read_sensor(dev: Device): i32 {
  const ret = pm_runtime_get_sync(dev);
  if (ret < 0) {
    pm_runtime_put_noidle(dev);
    return ret;
  }
  const io = do_io(dev);
  pm_runtime_put(dev);
  return io;
}
