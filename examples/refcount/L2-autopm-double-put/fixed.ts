// L2 fixed: no put after a failed get.
import type { i32 } from 'pushbutton';
import { type Device, EIO, usb_autopm_get_interface, usb_autopm_put_interface } from '../api.ts';
import { do_io } from '../io.ts';

export function start_xfer(dev: Device): i32 {
  const ret = usb_autopm_get_interface(dev);
  if (ret < 0) return EIO;
  const io = do_io(dev);
  usb_autopm_put_interface(dev);
  if (io < 0) return EIO;
  return 0;
}
