// L15: a queue submit takes over the request only when it returns 0 (steal on success, as
// PyList_Append-style or blk-mq submits with retries). submit_retry wraps it and declares the same
// with owned() on its success branch; send_buffer puts the request after a successful submit too,
// when the queue already owns that reference (issue 28 item 2).
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
  blk_put_request(rq); // rq(blk_get_request()@…) -1 after a successful submit: put twice
  return r;
}
