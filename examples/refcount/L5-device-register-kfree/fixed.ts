// L5 fixed: put_device on failure.
import type { i32 } from 'pushbutton';
import { type Kobj, device_register, put_device } from '../api.ts';
import { card_present } from '../io.ts';

export const EBUSY = -16;

export function switch_media(sock: Kobj): i32 {
  if (sock.registered) return EBUSY;
  if (!card_present(sock)) return 0;
  const ret = device_register(sock);
  if (ret !== 0) {
    put_device(sock);
    return 0;
  }
  sock.registered = true;
  return 0;
}
