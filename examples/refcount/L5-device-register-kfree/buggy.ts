// L5: after device_register fails, the device must be released with put_device, never freed
// (tifm_7xx1_switch_media, commit fd2c930cf6a5). The failure is only logged, so every exit
// returns 0: the caller cannot tell the leaking path from "no media".
import type { i32 } from 'pushbutton';
import { type Kobj, device_register, kfree } from '../api.ts';
import { card_present } from '../io.ts';

export const EBUSY = -16;

export function switch_media(sock: Kobj): i32 {
  if (sock.registered) return EBUSY;
  if (!card_present(sock)) return 0;
  const ret = device_register(sock);
  if (ret !== 0) {
    kfree(sock); // kobj(sock) stays +1
    return 0;
  }
  sock.registered = true;
  return 0;
}
