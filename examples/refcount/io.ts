// Device I/O the ports call: an outcome the analysis does not see into (0 or a negative errno).
import { type i32, type u32, result, assume } from 'pushbutton';
import type { Device, Kobj } from './api.ts';

export function do_io(dev: Device): i32 {
  const ret: i32 = result();
  assume(ret <= 0);
  return ret;
}

export function try_lock(): i32 {
  const ret: i32 = result();
  assume(ret <= 0);
  return ret;
}

/** platform_get_drvdata-style lookup: 0, or any negative errno. */
export function get_drvdata(pdev: u32): i32 {
  const ret: i32 = result();
  assume(ret <= 0);
  return ret;
}

/** Whether a card sits in the socket: read from the hardware. */
export function card_present(sock: Kobj): boolean {
  return result();
}
