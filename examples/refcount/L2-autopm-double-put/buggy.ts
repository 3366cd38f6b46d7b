// L2: usb_autopm_get_interface already drops the count when it fails; putting again underflows.
import type { i32 } from 'pushbutton';
import { type Device, EIO, usb_autopm_get_interface, usb_autopm_put_interface } from '../api.ts';
import { do_io } from '../io.ts';

export function start_xfer(dev: Device): i32 {
  const ret = usb_autopm_get_interface(dev);
  if (ret < 0) {
    usb_autopm_put_interface(dev); // dpm(dev) -1: the get did not hold a reference
    return EIO;
  }
  const io = do_io(dev);
  usb_autopm_put_interface(dev);
  if (io < 0) return EIO;
  return 0;
}
