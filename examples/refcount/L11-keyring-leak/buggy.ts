// L11, CVE-2016-0728 (join_session_keyring): the reference from find_keyring_by_name leaks when the
// keyring is already the session keyring (`ret = 0; goto error2`).
import type { i32, u32 } from 'pushbutton';
import { find_keyring_by_name, key_serial } from '../api.ts';

export const ENOKEY = -126;

export interface Cred {
  session: i32;
}

export function join_session_keyring(cred: Cred, name: u32): i32 {
  const keyring = find_keyring_by_name(name);
  if (keyring <= 0) return ENOKEY;
  if (keyring === cred.session) return 0; // key(keyring) +1
  cred.session = keyring; // the reference moves into the credentials
  return key_serial(keyring);
}
