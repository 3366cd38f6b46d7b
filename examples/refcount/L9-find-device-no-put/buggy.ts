// L9: of_find_device_by_node returns a reference that an error exit forgets (qcom tsens, reported
// by scripts/coccinelle/free/put_device.cocci). The propagated error overlaps -EPROBE_DEFER.
import type { i32, u32 } from 'pushbutton';
import { of_find_device_by_node, put_device_h } from '../api.ts';
import { get_drvdata } from '../io.ts';

export const EPROBE_DEFER = -517;

export interface Priv {
  ready: boolean;
}

export function get_sensor(np: u32, priv: Priv): i32 {
  const pdev = of_find_device_by_node(np);
  if (pdev === 0) return EPROBE_DEFER;
  const ret = get_drvdata(pdev);
  if (ret !== 0) return ret; // dev(pdev) +1
  priv.ready = true;
  put_device_h(pdev);
  return 0;
}
