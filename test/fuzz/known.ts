// Generator features that are switched off because the verifier is known to get them wrong.
//
// Each flag names a finding in /work/notes/fuzz-findings.md. While a flag is on, the generator
// does not produce that construct, so the fuzzer stays green while the fix lands; turning a flag
// off (false) re-enables the construct, and the fuzzer must then pass without it. The flags are
// read only by the generator (expr.ts, generator.ts): the oracle checks every program the same way.

export const KNOWN_UNSOUND = {
  /** F1: a helper call (a side effect) inside the target of a compound assignment or ++/-- (`s.a[h(s)] += 1`) */
  callInCompoundTarget: false,
  /** F2, F7: a helper call inside an argument of Math.min / Math.max / Math.abs */
  callInMinMaxAbs: false,
  /** F9: a helper's result used directly as an array index (`s.rows[h(s) % 3]`): a term of the wrong sort (a boolean where an integer belongs) reaches a hypothesis */
  callAsIndex: false,
  /** F8: a conditional (?:) or another Math.min / max / abs inside an argument of Math.min / max / abs */
  branchInMinMaxAbs: false,
  /** F9: the bitwise operators (& | ^ ~ << >> >>> and their compound assignments) */
  bitwiseOperators: false,
  /** F3, F7: anything but a leaf (a call, a conditional, an operator) in an object literal with a spread (`{ ...s.cur, y: b ? 1 : 2 }`) */
  spreadLiteralLeavesOnly: false,
  /** F5: a map write whose value (or key) expression itself writes the same map */
  callInMapSetOperands: false,
  /** F6: `.length` of an array reached through an index (`s.rows[i].v.length`): the index is not evaluated */
  lengthThroughIndex: false,
};

export type KnownFlag = keyof typeof KNOWN_UNSOUND;
