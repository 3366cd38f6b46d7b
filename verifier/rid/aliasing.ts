// What a verdict of verify rid assumes about its function's callers: record parameters that are
// different objects. Inside the analysed program a call that passes one record twice to a function
// that writes it is rejected (symexec/paths.ts); the callers of a top-level function are outside
// it, so the assumption is stated beside the verdict instead of left implicit.

import { isScalar, typeToString, type Func, type Loc, type Type } from '../ir.ts';
import { writesParam, type FunctionPaths } from '../../symexec/summary.ts';

/** Whether a value of type `outer` can hold (or be) a record of type `inner`. */
function canHold(outer: Type, inner: Type): boolean {
  if (typeToString(outer) === typeToString(inner)) return true;
  if (outer.k === 'record') return outer.fields.some((f) => canHold(f.type, inner));
  if (outer.k === 'array') return canHold(outer.elem, inner);
  return false;
}

/**
 * A note for each pair of record parameters that a caller could pass as one object (or one inside
 * the other) while the function writes one of them: its verdict holds for distinct records only.
 */
export function aliasingNotes(fp: FunctionPaths): { fn: Func; loc: Loc; message: string }[] {
  const notes: { fn: Func; loc: Loc; message: string }[] = [];
  const recs = fp.params.map((p, i) => ({ p, i })).filter((x) => !isScalar(x.p.type));
  for (const a of recs) {
    for (const b of recs) {
      if (a.i >= b.i || !(canHold(a.p.type, b.p.type) || canHold(b.p.type, a.p.type))) continue;
      if (!writesParam(fp, a.i) && !writesParam(fp, b.i)) continue;
      notes.push({
        fn: fp.fn,
        loc: fp.fn.loc,
        message: `the verdict assumes ${a.p.name} and ${b.p.name} are different records: a call that passes one object as both (or one inside the other) is not analysed`,
      });
    }
  }
  return notes;
}
