// Running spec code that makes choices (the prelude's `choose`) once per possible sequence of
// choices: a replay must show that NO choice of the spec explains a counterexample, and a
// commutativity test accepts an implementation's result when SOME choice of the spec gives it.

import { CHOOSE_HOOK } from './prelude.ts';

/**
 * Runs `once` for every sequence of choices its choose() calls can make, depth-first (the first
 * run takes the lowest candidate everywhere, as the spec does at run time). Stops after `limit`
 * runs; `complete` says whether every sequence was run.
 */
export function everyChoice<R>(once: () => R, limit = 4096): { runs: R[]; complete: boolean } {
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[CHOOSE_HOOK];
  const runs: R[] = [];
  let script: number[] = [];
  try {
    for (;;) {
      const widths: number[] = [];
      g[CHOOSE_HOOK] = (candidates: number[]) => {
        const k = widths.length;
        widths.push(candidates.length);
        return candidates[script[k] ?? 0];
      };
      runs.push(once());
      // the next sequence: advance the deepest choice that has another candidate
      const picks = widths.map((_, k) => script[k] ?? 0);
      let k = picks.length - 1;
      while (k >= 0 && picks[k] + 1 >= widths[k]) k--;
      if (k < 0) return { runs, complete: true };
      if (runs.length >= limit) return { runs, complete: false };
      script = [...picks.slice(0, k), picks[k] + 1];
    }
  } finally {
    g[CHOOSE_HOOK] = previous;
  }
}
