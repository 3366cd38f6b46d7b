// The spec's `equivalent` is what "both orders agree" compares final states with, so every
// verdict of verify commute rests on it meaning "no later operation can tell these states apart".
// An `equivalent` coarser than that (red-team q46: one that holds of every two states) makes pairs
// "always" commute that a later `get` tells apart. So it is checked, not trusted: for every
// operation f, from any two states that satisfy the invariants and are equivalent, with the same
// arguments, f returns the same result from both and leaves equivalent states (for each choice f
// makes from the first state, some choice from the second). That makes `equivalent` a
// bisimulation, and two bisimilar states give the same results to every sequence of operations.
// A failure the solver finds is replayed on the real spec (congruence-run.ts) before it is shown.

import { Machine, type SVal } from '../../symexec/evaluate.ts';
import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import type { Func } from '../ir.ts';
import { decode, plain } from '../counterexample.ts';
import { equalVals, someChoice, type Input } from '../theorems.ts';
import { Model } from '../solver/model.ts';
import type { SolverPool } from '../solver/pool.ts';
import { toWire } from '../sandbox/wire.ts';
import { groundFacts } from './ground.ts';
import { inputLengths, type CommuteSpec } from './analyze.ts';
import { solveGoals, type Budget } from './query.ts';
import type { CongruenceItem, CongruenceAnswer } from './congruence-run.ts';

export interface CongruenceResult {
  op: string;
  /** holds: proved for every pair of equivalent states; fails: a replayed pair told apart */
  status: 'holds' | 'fails' | 'unknown';
  /** fails: the two states, the arguments and what tells them apart; unknown: why */
  detail?: string;
}

/** The theorem for one operation: its inputs, what is given, and what must hold. */
function congruenceProblem(spec: CommuteSpec, eq: Func, f: Func): { inputs: Input[]; given: Term[]; holds: Term } {
  const m = new Machine(spec.program);
  const x = m.input('x', spec.state);
  const y = m.input('y', spec.state);
  const inputs: Input[] = [
    { role: 'spec', smt: 'x', param: 'x', type: spec.state },
    { role: 'spec', smt: 'y', param: 'y', type: spec.state },
  ];
  const given = [...spec.invariants.flatMap((inv) => [m.predicate(inv, [x]), m.predicate(inv, [y])]), m.predicate(eq, [x, y])];
  m.obligations.length = 0; // the predicates' own runtime errors are verify's (invariants theorem)
  const args: SVal[] = f.params.slice(1).map((p) => {
    inputs.push({ role: 'arg', smt: `arg.${p.name}`, param: p.name, type: p.type });
    return m.input(`arg.${p.name}`, p.type, { argument: p.name });
  });
  // aggregate arguments are the callee's to change: each run gets its own copy
  const rx = m.call(f, [x, ...args.map((v, k) => m.copy(v, `x.arg${k}`))]);
  const fromX = m.choices.splice(0);
  const ry = m.call(f, [y, ...args.map((v, k) => m.copy(v, `y.arg${k}`))]);
  const fromY = m.choices.splice(0);
  // runs that stop on a runtime error are verify's to report (the spec's invariants theorem)
  given.push(...m.obligations.splice(0).map((o) => o.holds), ...fromX.map((c) => c.fact), ...m.hypotheses);
  const holds = someChoice(fromY, T.and(equalVals(m, rx, ry, f.ret), m.predicate(eq, [x, y])));
  m.obligations.length = 0;
  return { inputs, given, holds };
}

/**
 * Checks `equivalent` against every operation of the spec (none when the spec has no
 * `equivalent`: states are then compared field by field, which no operation can see through).
 */
export async function checkEquivalent(spec: CommuteSpec, pool: SolverPool, budget: Budget): Promise<CongruenceResult[]> {
  const eq = spec.equivalent;
  if (!eq) return [];
  const out: CongruenceResult[] = [];
  for (const f of spec.operations) {
    const p = congruenceProblem(spec, eq, f);
    const asserts = [T.not(p.holds)];
    const facts = groundFacts(p.given, [...asserts, ...p.given]);
    const [r] = await solveGoals(pool, facts, [{ id: 'told-apart', asserts, project: [], cap: 1, budgetMs: budget.timeoutMs, budgetRlimit: budget.rlimit, models: true }], { ...budget, what: `equivalent ${f.name}` }, inputLengths(p.inputs));
    if (r.status === 'unsat') {
      out.push({ op: f.name, status: 'holds' });
      continue;
    }
    const model = r.solutions?.[0]?.model;
    if (!model) {
      out.push({ op: f.name, status: 'unknown', detail: r.stopped ?? r.reason ?? `the solver answered ${r.status}` });
      continue;
    }
    const parsed = Model.parse(model);
    const [x, y, ...args] = p.inputs.map((inp) => decode(parsed, inp, false));
    const item: CongruenceItem = { op: f.name, x: toWire(x), y: toWire(y), args: toWire(args), scoped: spec.scope.size > 0 };
    const answer = await spec.runtime().run<CongruenceAnswer>('commute-equivalent', item, `the replay of equivalent against ${f.name}`);
    const shown = `from x = ${JSON.stringify(plain(x))} and y = ${JSON.stringify(plain(y))}${args.length ? `, arguments ${JSON.stringify(plain(args))}` : ''}`;
    out.push(answer.toldApart ? { op: f.name, status: 'fails', detail: `${f.name} tells equivalent states apart ${shown}: ${answer.toldApart}` } : { op: f.name, status: 'unknown', detail: `the solver's pair of states does not replay (${answer.why}) ${shown}` });
  }
  return out;
}
