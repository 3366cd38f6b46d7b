// What of a counterexample's states leaves the sandbox: of each long array the reports would walk,
// only the elements they show. A kernel state widened from the small scope is 8,192 pages of 512
// entries; copied whole after the run, encoded, sent and decoded again, its four states (before
// and after, both sides) were about half of a replay's seconds (bench/README.md, "Counterexamples
// as fast as proofs"), while the text report and --json print a few elements of them.
//
// The rule is the reports' own (report.ts stateLines, compactCounterexample): through records,
// down to the first array on each path; an array longer than WHOLE keeps the elements at "hot"
// indices (the integers among the arguments and the states' top-level fields) and those the
// operation changed, each element whole. Shorter arrays, and everything else, are kept whole.

import { SMap } from './prelude.ts';
import { deepEqual, plain } from './counterexample.ts';
import { Elided } from './sandbox/wire.ts';

export { Elided };

/** An array longer than this is elided to the elements the reports show. */
export const WHOLE = 64;

/** Integers among the arguments and the states' top-level fields: the array elements worth showing. */
export function hotIndices(values: unknown[]): Set<number> {
  const out = new Set<number>();
  for (const v of values) {
    if (typeof v === 'number') out.add(v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const x of Object.values(v)) if (typeof x === 'number') out.add(x);
  }
  return out;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/**
 * A state before an operation (a plain value: plain() of counterexample.ts) and the same state
 * after it (the run's live value, or undefined where the run stopped), as the reports need them:
 * each long array elided to the hot elements and those that differ between the two, the state
 * after made plain (only the elements kept are copied).
 */
export function elidePair(before: unknown, after: unknown, hot: Set<number>): [unknown, unknown] {
  // (a map is plain as `{ default, entries }` before; made so after too, then walked alike)
  if (after instanceof SMap) after = plain(after);
  if (Array.isArray(before) && before.length > WHOLE) {
    const other = Array.isArray(after) ? after : undefined;
    const b = new Map<number, unknown>();
    const a = new Map<number, unknown>();
    const n = Math.max(before.length, other?.length ?? 0);
    for (let i = 0; i < n; i++) {
      if (!hot.has(i) && (other === undefined || samePlain(before[i], other[i]))) continue;
      if (i < before.length) b.set(i, before[i]);
      if (other && i < other.length) a.set(i, plain(other[i]));
    }
    return [new Elided(before.length, b), other ? new Elided(other.length, a) : plain(after)];
  }
  if (isRecord(before)) {
    const live = isRecord(after) ? after : undefined;
    const b: Record<string, unknown> = {};
    const a: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(before)) [b[k], a[k]] = elidePair(x, live?.[k], hot);
    // (fields only the state after has: kept whole)
    if (live) for (const [k, x] of Object.entries(live)) if (!(k in before)) a[k] = plain(x);
    return [b, live ? a : plain(after)];
  }
  return [before, plain(after)];
}

/** Whether a plain value equals what plain() would make of a live one, without copying it. */
function samePlain(p: unknown, v: unknown): boolean {
  if (p === v) return true;
  if (Array.isArray(v)) {
    if (!Array.isArray(p) || p.length !== v.length) return false;
    for (let k = 0; k < v.length; k++) if (!samePlain(p[k], v[k])) return false;
    return true;
  }
  if (v instanceof SMap || (v && typeof v === 'object' && !isRecord(v))) return deepEqual(p, plain(v));
  if (isRecord(v) && isRecord(p)) {
    const kv = Object.keys(v);
    return kv.length === Object.keys(p).length && kv.every((k) => k in p && samePlain(p[k], v[k]));
  }
  return false;
}
