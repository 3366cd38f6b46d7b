// The theorems of DESIGN.md, stated over symbolic executions of a subsystem's functions.
//
// Each theorem is a set of hypotheses and a list of goals; each goal is one solver query
// (hypotheses ∧ ¬goal). The inputs are recorded with their types so that a model can be decoded
// back into TypeScript values and replayed.

import type { Loc, Type, Func } from './ir.ts';
import { isScalar } from './ir.ts';
import { Machine, type SVal, type Obligation, type MachineOptions, type Choice } from '../symexec/evaluate.ts';
import { leavesOf } from '../symexec/layout.ts';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import type { Subsystem, Operation } from './subsystem.ts';

export type TheoremKind = 'refinement' | 'invariants' | 'init';
export type GoalKind = 'result' | 'equiv' | 'impl-invariant' | 'spec-invariant' | 'runtime';

export interface Input {
  role: 'impl' | 'spec' | 'arg';
  /** the SMT name (leaves are `name.key`) */
  smt: string;
  /** the TypeScript parameter name */
  param: string;
  type: Type;
}

export interface GoalSpec {
  id: string;
  kind: GoalKind;
  loc: Loc;
  message: string;
  holds: Term;
  /** for runtime goals: which function's code raised it */
  obligation?: Obligation;
  /** for invariant goals: the invariant's name */
  predicate?: string;
  /** which side's code the goal is about */
  side: 'impl' | 'spec';
  /** a result goal that also covers equiv: some choice of the spec (choose) must give both */
  anyChoice?: boolean;
}

export interface Theorem {
  subsystem: string;
  op: string;
  kind: TheoremKind;
  inputs: Input[];
  /** facts about the inputs: their declared types, and assume() statements */
  facts: Term[];
  /** the invariants (and equiv) assumed of the pre-state */
  hypotheses: Term[];
  goals: GoalSpec[];
}

/** The boolean term a predicate or comparison evaluated to. */
export function scalar(v: SVal | undefined): Term {
  if (!v || v.k !== 's') throw new Error('internal: predicate did not return a boolean');
  return v.t;
}

/** Structural equality of two values of one type (records and arrays compare leaf by leaf). */
export function equalVals(m: Machine, a: SVal | undefined, b: SVal | undefined, type: Type): Term {
  if (!a || !b) return T.TRUE;
  if (isScalar(type)) return T.eq(scalar(a), scalar(b));
  if (a.k !== 'ref' || b.k !== 'ref') throw new Error('internal: aggregate result is not a reference');
  return T.and(...leavesOf(type).map((l) => T.eq(m.readLeaf(a.ref, l.segs), m.readLeaf(b.ref, l.segs))));
}

function takeObligations(m: Machine): Obligation[] {
  return m.obligations.splice(0, m.obligations.length);
}


/**
 * One goal per source location and kind: an expanded quantifier raises the same obligation once
 * per element (the kernel's invariants: hundreds), which are one question to the user and to Z3.
 */
function runtimeGoals(prefix: string, obs: Obligation[], side: 'impl' | 'spec'): GoalSpec[] {
  const byId = new Map<string, Obligation[]>();
  for (const o of obs) {
    const id = `${prefix}#${o.kind}@${o.loc.line}:${o.loc.col}`;
    byId.set(id, [...(byId.get(id) ?? []), o]);
  }
  return [...byId].map(([id, group]) => {
    const holds = T.and(...group.map((o) => o.holds));
    return { side, id, kind: 'runtime' as const, loc: group[0].loc, message: group[0].message, holds, obligation: { ...group[0], holds } };
  });
}

function invariantGoals(m: Machine, prefix: string, kind: GoalKind, invs: Func[], state: SVal): GoalSpec[] {
  const side = kind === 'impl-invariant' ? 'impl' : 'spec';
  return invs.map((f) => ({ side, id: `${prefix}#${f.name}`, kind, loc: f.loc, message: `${f.name} may not hold afterwards`, holds: m.predicate(f, [state]), predicate: f.name }));
}

function args(m: Machine, op: Operation): { inputs: Input[]; vals: SVal[] } {
  const inputs: Input[] = [];
  const vals: SVal[] = [];
  for (const p of op.spec.params.slice(1)) {
    const smt = `arg.${p.name}`;
    inputs.push({ role: 'arg', smt, param: p.name, type: p.type });
    vals.push(m.input(smt, p.type, { argument: p.name }));
  }
  return { inputs, vals };
}

/** The theorem of one kind about an operation (`init` for the init theorem), rebuilt as often as the solving ladder needs. */
export function theoremOf(sub: Subsystem, op: string, kind: TheoremKind, opts: MachineOptions = {}): Theorem {
  if (kind === 'init') return initTheorem(sub, opts);
  const operation = sub.operations.find((o) => o.name === op)!;
  return kind === 'refinement' ? refinement(sub, operation, opts) : invariants(sub, operation, opts);
}

/** Ground disjunctions up to this many combinations of choices; an existential quantifier above. */
const CHOICE_EXPAND = 1024;

/** The values a choice can take: an index of its candidates, or -1 when there is none. */
export function choiceValues(c: Choice): number[] {
  return Array.from({ length: c.n + 1 }, (_, v) => v - 1);
}

/** `body` holds for some values of the choices that their facts allow. */
export function someChoice(choices: Choice[], body: Term): Term {
  const all = T.and(...choices.map((c) => c.fact), body);
  const combos = choices.reduce((p, c) => p * choiceValues(c).length, 1);
  // the choice constants are closed terms: T.replace, not T.substitute (which binds variables)
  if (combos > CHOICE_EXPAND) {
    const xs = choices.map(() => T.mkBvar('choice', T.INT));
    return T.exists(xs, choices.reduce((t, c, k) => T.replace(t, c.c, xs[k]), all));
  }
  let cases: Term[] = [all];
  for (const c of choices) cases = cases.flatMap((t) => choiceValues(c).map((v) => T.replace(t, c.c, T.mkInt(v))));
  return T.or(...cases);
}

/** Refinement (Hyperkernel theorem 1) for one operation. */
export function refinement(sub: Subsystem, op: Operation, opts: MachineOptions = {}): Theorem {
  const m = new Machine(sub.program, opts);
  const prefix = `${sub.name}.${op.name}`;
  const i = m.input('impl', sub.impl.state);
  const s = m.input('spec', sub.spec.state);
  // aggregate arguments get one copy per side: each side may mutate its own
  const implArgs = args(m, op);
  const specArgs = args(m, op);
  const pre: Term[] = [
    ...sub.impl.invariants.map((f) => m.predicate(f, [i])),
    ...sub.spec.invariants.map((f) => m.predicate(f, [s])),
    m.predicate(sub.impl.equiv, [i, s]),
  ];
  // The predicates' well-definedness on the pre-states is proved on post-states and init, so it
  // holds of every reachable state; assuming it here would let a counterexample's pre-state be
  // one that TypeScript evaluates as the solver does (an index out of bounds reads undefined in
  // TypeScript, an arbitrary value in SMT), but measured it cost too much: the kernel's
  // clone#equiv went from 2.4M rlimit to over 32M, its inv_pgtable goals likewise. Without it, a
  // counterexample whose pre-state breaks it fails its replay and its goal stays unknown, never
  // proved.
  takeObligations(m);
  // the implementation must work for every input the spec accepts: its assumes are checked
  m.checkAssumptions = true;
  const ri = m.call(op.impl, [i, ...implArgs.vals]);
  m.checkAssumptions = false;
  m.checkFreshResult(op.impl, ri);
  const implRuntime = takeObligations(m);
  m.hypotheses.push(...m.choices.splice(0).map((c) => c.fact)); // the implementation's own choices: every one must refine
  const rs = m.call(op.spec, [s, ...specArgs.vals]);
  m.checkFreshResult(op.spec, rs);
  takeObligations(m); // the spec's own runtime errors belong to the invariants theorem
  const choices = m.choices.splice(0);
  const sameResult = equalVals(m, ri, rs, op.spec.ret);
  const related = m.predicate(sub.impl.equiv, [i, s]);
  const goals: GoalSpec[] = choices.length
    ? // the spec leaves choices open: the implementation refines it when SOME choice gives its result and a related state
      [{ side: 'impl', id: `${prefix}#result`, kind: 'result', loc: op.impl.loc, message: `${op.name} may return a result, or leave a state, that no choice of the spec allows`, holds: someChoice(choices, T.and(sameResult, related)), anyChoice: true }]
    : [
        { side: 'impl', id: `${prefix}#result`, kind: 'result', loc: op.impl.loc, message: `${op.name} may return a different result than the spec`, holds: sameResult },
        { side: 'impl', id: `${prefix}#equiv`, kind: 'equiv', loc: sub.impl.equiv.loc, message: `equiv may not hold after ${op.name}`, holds: related, predicate: 'equiv' },
      ];
  goals.push(...invariantGoals(m, prefix, 'impl-invariant', sub.impl.invariants, i));
  const postRuntime = takeObligations(m);
  goals.push(...runtimeGoals(prefix, [...implRuntime, ...postRuntime], 'impl'));
  return {
    subsystem: sub.name,
    op: op.name,
    kind: 'refinement',
    inputs: [
      { role: 'impl', smt: 'impl', param: op.impl.params[0].name, type: sub.impl.state },
      { role: 'spec', smt: 'spec', param: op.spec.params[0].name, type: sub.spec.state },
      ...specArgs.inputs,
    ],
    facts: m.hypotheses,
    hypotheses: pre,
    goals: goals.filter((g) => !T.isTrue(g.holds)),
  };
}

/** Invariant preservation (Hyperkernel theorem 2) for one spec operation. */
export function invariants(sub: Subsystem, op: Operation, opts: MachineOptions = {}): Theorem {
  const m = new Machine(sub.program, opts);
  const prefix = `${sub.name}.${op.name}`;
  const s = m.input('spec', sub.spec.state);
  const a = args(m, op);
  const pre = sub.spec.invariants.map((f) => m.predicate(f, [s]));
  takeObligations(m); // as in refinement: proved on post-states and init, not assumed
  m.call(op.spec, [s, ...a.vals]);
  const specRuntime = takeObligations(m);
  m.hypotheses.push(...m.choices.map((c) => c.fact)); // every choice the spec may make must keep the invariants
  const goals = invariantGoals(m, `${prefix}.spec`, 'spec-invariant', sub.spec.invariants, s);
  goals.push(...runtimeGoals(`${prefix}.spec`, [...specRuntime, ...takeObligations(m)], 'spec'));
  return {
    subsystem: sub.name,
    op: op.name,
    kind: 'invariants',
    inputs: [{ role: 'spec', smt: 'spec', param: op.spec.params[0].name, type: sub.spec.state }, ...a.inputs],
    facts: m.hypotheses,
    hypotheses: pre,
    goals: goals.filter((g) => !T.isTrue(g.holds)),
  };
}

/** `init` establishes every invariant and `equiv`. */
export function initTheorem(sub: Subsystem, opts: MachineOptions = {}): Theorem {
  const m = new Machine(sub.program, opts);
  const prefix = `${sub.name}.init`;
  m.checkAssumptions = true;
  const i = m.call(sub.impl.init, [])!;
  m.checkAssumptions = false;
  const implRuntime = takeObligations(m);
  const s = m.call(sub.spec.init, [])!;
  const specRuntime = takeObligations(m);
  m.hypotheses.push(...m.choices.map((c) => c.fact)); // (a choice in init must suit equiv whichever it is)
  const goals: GoalSpec[] = [
    ...invariantGoals(m, `${prefix}.spec`, 'spec-invariant', sub.spec.invariants, s),
    ...invariantGoals(m, prefix, 'impl-invariant', sub.impl.invariants, i),
    { side: 'impl', id: `${prefix}#equiv`, kind: 'equiv', loc: sub.impl.equiv.loc, message: 'equiv may not hold between the two initial states', holds: m.predicate(sub.impl.equiv, [i, s]), predicate: 'equiv' },
  ];
  const postRuntime = takeObligations(m);
  goals.push(...runtimeGoals(prefix, [...implRuntime, ...postRuntime], 'impl'), ...runtimeGoals(`${prefix}.spec`, specRuntime, 'spec'));
  return { subsystem: sub.name, op: 'init', kind: 'init', inputs: [], facts: m.hypotheses, hypotheses: [], goals: goals.filter((g) => !T.isTrue(g.holds)) };
}

/**
 * Prints a theorem as solver input: one shared prelude, one `(assert (not goal))` per goal.
 * Without `withHypotheses` the pre-state invariants are left out: a goal proved without them is
 * proved with them too, and most runtime-error goals need none (and are much cheaper so).
 */
export function toSmt(th: Theorem, withHypotheses = true): { prelude: string; goals: { id: string; smt: string }[] } {
  const given = withHypotheses ? [...th.facts, ...th.hypotheses] : th.facts;
  const assumed = [...T.countFacts([...given, ...th.goals.map((g) => g.holds)]), ...given];
  const all = [...assumed, ...th.goals.map((g) => g.holds)];
  const printer = new T.SmtPrinter();
  all.forEach((t) => printer.count(t));
  const hyps = assumed.filter((h) => !T.isTrue(h)).map((h) => `(assert ${printer.print(h)})`);
  const goals = th.goals.map((g) => ({ id: g.id, smt: `(assert (not ${printer.print(g.holds)}))` }));
  const sorts = T.unintSortsOf(all).map((s) => `(declare-sort ${T.quoteSym(s)} 0)`);
  const consts = T.constantsOf(all).map((c) => `(declare-const ${T.quoteSym(c.name!)} ${T.sortToSmt(c.sort)})`);
  consts.push(...T.countDeclarations(all));
  const prelude = [`; ${th.subsystem}.${th.op}: ${th.kind}`, ...sorts, ...consts, ...printer.defs, ...hyps].join('\n');
  return { prelude, goals };
}
