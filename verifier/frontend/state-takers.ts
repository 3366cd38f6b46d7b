// Which parameters of a spec's exported functions TypeScript lets the State be passed to, asked of
// TypeScript's own checker (its assignability), at the parameter or anywhere inside it (a record's
// property, an array's element, a type argument: Arr<State, 1>, SMap<u8, View>).
//
// verifier/subsystem.ts refuses every such function that is not an operation (the State, exactly,
// first): it would silently not be verified. Its own structural rule (`accepts`, on the lowered
// types) missed, round after round, one more form TypeScript accepts (red-team rounds 9-12: views,
// views of views, wider string unions, maps compared both ways); this asks TypeScript instead, and
// the two rules are both applied.

import { ts, type Node } from 'ts-morph';

/** For each function, the indices of the parameters that can be given the State (or hold it). */
export function stateTakers(checker: ts.TypeChecker, state: ts.Type, functions: Map<string, Node>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, fn] of functions) {
    const sig = checker.getSignatureFromDeclaration(fn.compilerNode as ts.SignatureDeclaration);
    if (!sig) continue;
    const ks: number[] = [];
    sig.getParameters().forEach((p, k) => {
      if (canHold(checker, state, checker.getTypeOfSymbol(p), new Set())) ks.push(k);
    });
    if (ks.length) out.set(name, ks);
  }
  return out;
}

/**
 * Whether the State can be passed as `t` or held inside it, at any depth: no depth bound (round
 * 14, z02: a view six records down was cut off, and so missed). A type already seen answered
 * false where it was first met, since a true answer ends the walk: `seen` only stops cycles.
 */
function canHold(checker: ts.TypeChecker, state: ts.Type, t: ts.Type, seen: Set<ts.Type>): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  // (any and unknown accept everything: such a parameter is refused by the lowering anyway)
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  if (checker.isTypeAssignableTo(state, t)) return true;
  const inner: ts.Type[] = [];
  if (t.isUnionOrIntersection()) inner.push(...t.types);
  if (t.flags & ts.TypeFlags.Object) {
    const ref = t as ts.TypeReference;
    if ((ref as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) inner.push(...checker.getTypeArguments(ref));
    for (const p of checker.getPropertiesOfType(t)) if (p.flags & ts.SymbolFlags.Property) inner.push(checker.getTypeOfSymbol(p));
  }
  return inner.some((x) => canHold(checker, state, x, seen));
}
