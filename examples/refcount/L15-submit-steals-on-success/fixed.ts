// L15 fixed: the request is put only when the submit failed (the queue owns it otherwise).
import { type i32, type u32, owned } from 'pushbutton';
import { EBUSY, ENOMEM, blk_get_request, blk_put_request, blk_queue_submit } from '../api.ts';

/** steals rq when it returns 0, and only then */
export function submit_retry(q: u32, rq: u32): i32 {
  for (let i = 0; i < 3; i++) {
    const r = blk_queue_submit(q, rq);
    if (r === 0) {
      owned(rq, 'rq'); // on this outcome the caller's reference was handed over
      return 0;
    }
  }
  return EBUSY;
}

export function send_buffer(q: u32): i32 {
  const rq = blk_get_request(q);
  if (rq === 0) return ENOMEM;
  const r = submit_retry(q, rq);
  if (r !== 0) blk_put_request(rq);
  return r;
}
