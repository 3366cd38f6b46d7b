// L11 fixed: "KEYS: Fix keyring ref leak in join_session_keyring()" adds the key_put.
import type { i32, u32 } from 'pushbutton';
import { find_keyring_by_name, key_put, key_serial } from '../api.ts';

export const ENOKEY = -126;

export interface Cred {
  session: i32;
}

export function join_session_keyring(cred: Cred, name: u32): i32 {
  const keyring = find_keyring_by_name(name);
  if (keyring <= 0) return ENOKEY;
  if (keyring === cred.session) {
    key_put(keyring);
    return 0;
  }
  cred.session = keyring;
  return key_serial(keyring);
}
