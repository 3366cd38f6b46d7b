// The oracle for the evaluator's forking mode (verify rid): the same generated programs, their
// paths enumerated by symexec/paths.ts (callees summarised bottom-up, as verify rid does), against
// the plain TypeScript run.
//
// The paths' conditions partition the inputs, so for each input exactly one path's condition
// holds, unless the run ends in a failed assert or assume (its path is cut). On that path:
//  - some obligation is violated at the input: the model may differ from the run here (verify
//    rid reports such a function unknown), so nothing more is compared;
//  - otherwise the plain run completes, and its result and the final state of its record
//    arguments equal the path's.
// A plain run that throws (a failed assert) must have no path, or one with a violated obligation.

import type { Func, Program } from '../../verifier/ir.ts';
import { isScalar } from '../../verifier/ir.ts';
import { bottomUp } from '../../verifier/rid/analyse.ts';
import { PathEvaluator } from '../../symexec/paths.ts';
import type { FunctionPaths, PathRecord } from '../../symexec/summary.ts';
import { leavesOf } from '../../symexec/layout.ts';
import type { Term } from '../../symexec/term.ts';
import { TermEvaluator, TermEvalError, type Value } from '../../symexec/term-eval.ts';
import { clone, show, scalarValue, leafValue, dimsOf, leafMismatch, envOf } from '../support/values.ts';

/** The paths of `fn`, its callees summarised first (their constants prefixed apart from `arg`). */
export function forkedPaths(program: Program, fn: Func): FunctionPaths {
  const sums = new Map<string, FunctionPaths>();
  let fp: FunctionPaths | undefined;
  bottomUp(program, [fn.key]).forEach((f, i) => {
    const p = new PathEvaluator(f, sums, { program, prefix: f === fn ? 'arg' : `fork${i}` }).run();
    sums.set(f.key, p);
    if (f === fn) fp = p;
  });
  return fp!;
}

/** Compares one input's plain run with the forked paths; a description of the disagreement, if any. */
export function checkForked(fn: Func, fp: FunctionPaths, op: (...args: unknown[]) => unknown, args: unknown[]): string | undefined {
  if (fp.capped) return undefined;
  const ev = new TermEvaluator(envOf(fn, args));
  const value = (t: Term): Value | undefined => {
    try {
      return ev.eval(t);
    } catch (e) {
      if (e instanceof TermEvalError) return undefined;
      throw e;
    }
  };
  const taken = fp.paths.filter((p) => value(p.pc) === true);
  if (taken.length > 1) return `forking mode: ${taken.length} paths hold on one input (${taken.map((p) => p.steps.map((s) => s.what).join(' > ')).join(' | ')})`;
  const path: PathRecord | undefined = taken[0];
  // (obligations carry the path condition where they were raised: any that fails here counts)
  const diverges = fp.obligations.some((o) => value(o.holds) !== true);
  const real = args.map((a, i) => clone(a, fn.params[i].type));
  let result: unknown;
  try {
    result = op(...real);
  } catch (e) {
    if (path && !diverges) return `forking mode: the plain run throws (${(e as Error).message}) but the path ${path.steps.map((s) => s.what).join(' > ')} holds with no obligation violated`;
    return undefined;
  }
  if (diverges) return undefined;
  if (!path) return `forking mode: the plain run completes (${show(result)}) but no path holds on this input`;
  if (fn.ret.k !== 'void' && path.ret) {
    if (path.ret.t) {
      const got = value(path.ret.t);
      const want = scalarValue(result, fn.ret);
      if (got !== want) return `forking mode: the path returns ${String(got)}, the run ${show(result)}`;
    } else if (path.ret.leaves) {
      for (const l of leavesOf(fn.ret)) {
        const bad = leafMismatch(dimsOf(fn.ret, l.segs), value(path.ret.leaves.get(l.key)!) as Value, leafValue(result, fn.ret, l.segs));
        if (bad) return `forking mode: result leaf ${l.key}: ${bad}`;
      }
    }
  }
  for (const [i, p] of fn.params.entries()) {
    if (isScalar(p.type)) continue;
    for (const l of leavesOf(p.type)) {
      const t = path.post.get(l.key ? `${p.name}.${l.key}` : p.name)!;
      const bad = leafMismatch(dimsOf(p.type, l.segs), value(t) as Value, leafValue(real[i], p.type, l.segs));
      if (bad) return `forking mode: final ${p.name} leaf ${l.key}: ${bad}\nreal final ${p.name}: ${show(real[i])}`;
    }
  }
  return undefined;
}
