// The half of a counterexample's replay that runs the user's code: in the sandbox's child process
// only (sandbox/tasks.ts), never in the verifier's. counterexample.ts sends it the model and what
// the goal claims, and gets back the run's values and what it showed.
//
// It decides from the real run alone wherever the failure is observable there: results, post-
// states, an assertion that throws, an out-of-bounds access on a checked array, a value stored
// (or returned) outside its declared type. Only a runtime goal whose failure leaves no trace in
// the run (an intermediate value overflowing its declared type, which TypeScript never checks)
// comes back marked `interpret`, for the IR interpreter in the verifier's process.

import type { Type } from './ir.ts';
import type { Input, TheoremKind } from './theorems.ts';
import { MAKE_ARRAY, CPU_HOOK, cpuCalls, AssertionFailure, AssumptionViolated } from './prelude.ts';
import { Model } from './solver/model.ts';
import { everyChoice } from './choices.ts';
import { OutOfBounds, checkedArray, decode, deepEqual, plain, typeViolation, widen, type Counterexample } from './counterexample.ts';
import { toWire } from './sandbox/wire.ts';
import { elidePair, hotIndices } from './elide.ts';
import type { TaskContext } from './sandbox/tasks.ts';

/** What the verifier sends for one replay: the theorem's inputs and goal, not its terms. */
export interface ReplayItem {
  kind: TheoremKind;
  op: string;
  inputs: Input[];
  /** the small scope's inputs (same order), when the model is of the small scope */
  smallInputs?: Input[];
  goal: { kind: string; side: 'impl' | 'spec'; anyChoice?: boolean; predicate?: string };
  model: string;
  specInvariants: string[];
  implInvariants: string[];
  specState: Type;
  implState: Type;
  /** the declared result types of the operation (a result outside its type is observable) */
  specRet?: Type;
  implRet?: Type;
}

/** The answer: the counterexample (values wire-encoded), and whether only the interpreter can tell. */
export interface ReplayAnswer {
  cex: Counterexample;
  interpret?: boolean;
}

type Fn = (...args: unknown[]) => unknown;
type Module = Record<string, unknown>;

interface Outcome {
  result?: unknown;
  error?: string;
  runtime?: boolean;
  /** an assume() failed: outside the spec's inputs for the spec, a failure for the implementation (whose assumes are obligations) */
  assumption?: boolean;
}

function run(f: Fn, args: unknown[]): Outcome {
  try {
    return { result: f(...args) };
  } catch (e) {
    // phrased to follow "the implementation" / "the spec" in the replay line
    if (e instanceof AssertionFailure) return { error: `fails an assert: ${e.message}`, runtime: true };
    // (the replay's arrays check their bounds, as the subset does: plain TypeScript would read
    // undefined there, or grow the array, and go on with a value the spec never meant)
    if (e instanceof OutOfBounds) return { error: `reads or writes out of bounds, which the subset makes an error (plain TypeScript would go on with undefined or a longer array): ${e.message}`, runtime: true };
    if (e instanceof AssumptionViolated) return { error: 'violates an assume()', assumption: true };
    return { error: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, runtime: true };
  }
}

/** The task (sandbox/tasks.ts): one replay, on the modules `spec` and `impl`. */
export function replayTask(ctx: TaskContext, item: ReplayItem): ReplayAnswer {
  const specMod = ctx.modules.spec;
  const implMod = ctx.modules.impl;
  const model = Model.parse(item.model);
  const g = globalThis as Record<symbol, unknown>;
  const previous = [g[MAKE_ARRAY], g[CPU_HOOK]];
  g[MAKE_ARRAY] = checkedArray;
  try {
    // the implementation is proved for every core its cpu() may answer: a failure on any core is
    // a failure (the first answer is kept when none shows it). Code that never asks for its core
    // runs once.
    let first: ReplayAnswer | undefined;
    for (const core of REPLAY_CORES) {
      g[CPU_HOOK] = core;
      const calls = cpuCalls();
      const out = doReplay(item, model, specMod, implMod);
      if (out.cex.confirmed) return encode(core === 0 ? out : { ...out, cex: { ...out.cex, replay: `${out.cex.replay} (run on core ${core})` } });
      first ??= out;
      if (cpuCalls() === calls) break;
    }
    return encode(first!);
  } finally {
    [g[MAKE_ARRAY], g[CPU_HOOK]] = previous;
  }
}

function encode(a: ReplayAnswer): ReplayAnswer {
  const c = a.cex;
  const w = (v: unknown) => (v === undefined ? undefined : toWire(v));
  return { ...a, cex: { ...c, inputs: c.inputs.map((x) => ({ ...x, value: toWire(x.value) })), implResult: w(c.implResult), specResult: w(c.specResult), implAfter: w(c.implAfter), specAfter: w(c.specAfter) } };
}

/** The cores a replay runs the operation on, in turn, until one shows the failure (cpu() answers core mod N). */
const REPLAY_CORES = [0, 1, 2, 3];

function doReplay(th: ReplayItem, model: Model, specMod: Module, implMod: Module): ReplayAnswer {
  const fn = (m: Module, name: string): Fn => {
    const f = m[name];
    if (typeof f !== 'function') throw new Error(`${name} is not exported at run time`);
    return f as Fn;
  };
  // the model speaks of the small scope's inputs when there is one (same inputs, same order)
  const small = th.smallInputs !== undefined;
  const source = th.smallInputs ?? th.inputs;
  const inits = small && th.kind !== 'init' ? { spec: run(fn(specMod, 'init'), []).result, impl: run(fn(implMod, 'init'), []).result } : undefined;
  const valueOf = (k: number, checked = true): unknown => {
    const inp = source[k];
    const v = decode(model, inp, checked);
    return inits && inp.role !== 'arg' ? widen(v, inits[inp.role], checked) : v;
  };
  const inputs = th.inputs.map((inp, k) => ({ role: inp.role, name: inp.param, value: valueOf(k) }));
  const shown = th.inputs.map((inp, k) => ({ role: inp.role, name: inp.param, value: plain(small ? inputs[k].value : valueOf(k, false)) }));
  const state = (role: 'impl' | 'spec') => inputs.find((x) => x.role === role)?.value;
  const argVals = () => th.inputs.flatMap((x, k) => (x.role === 'arg' ? [valueOf(k)] : []));
  // the states as the reports show them (elide.ts): of long arrays, the hot elements and those the
  // operation changed; the states after made plain there (a kernel state is millions of entries)
  const hot = hotIndices(shown.map((x) => x.value));
  const reported = (after: { impl?: unknown; spec?: unknown }) => {
    const pairs = shown.map((x) => (x.role === 'arg' ? [x.value, undefined] : elidePair(x.value, after[x.role], hot)));
    const afterOf = (role: 'impl' | 'spec') => {
      const k = shown.findIndex((x) => x.role === role);
      return after[role] === undefined ? undefined : k >= 0 ? pairs[k][1] : plain(after[role]);
    };
    return { inputs: shown.map((x, k) => ({ ...x, value: pairs[k][0] })), implAfter: afterOf('impl'), specAfter: afterOf('spec') };
  };
  const cex: Counterexample = { inputs: shown, replay: '', confirmed: false };
  const fail = (why: string): ReplayAnswer => ({ cex: { ...cex, inputs: reported({}).inputs, replay: why, confirmed: false } });

  // 1. the hypotheses must hold on the decoded values
  for (const [k, inp] of th.inputs.entries()) {
    const bad = typeViolation(shown[k].value, inp.type, inp.param);
    if (bad) return fail(`the decoded input does not fit its type: ${bad}`);
  }
  const holdsAll = (m: Module, names: string[], st: unknown) => names.filter((n) => run(fn(m, n), [st]).result !== true);
  if (th.kind !== 'init') {
    const s = state('spec');
    const badSpec = holdsAll(specMod, th.specInvariants, s);
    if (badSpec.length) return fail(`the decoded spec state violates ${badSpec.join(', ')}`);
    if (th.kind === 'refinement') {
      const i = state('impl');
      const badImpl = holdsAll(implMod, th.implInvariants, i);
      if (badImpl.length) return fail(`the decoded implementation state violates ${badImpl.join(', ')}`);
      if (run(fn(implMod, 'equiv'), [i, s]).result !== true) return fail('the decoded states are not related by equiv');
    }
  }

  // 2. run the operation(s)
  let implOut: Outcome | undefined, specOut: Outcome | undefined;
  let implAfter: unknown, specAfter: unknown;
  if (th.kind === 'init') {
    implOut = run(fn(implMod, 'init'), []);
    specOut = run(fn(specMod, 'init'), []);
    implAfter = implOut.result;
    specAfter = specOut.result;
  } else {
    if (th.kind === 'refinement') {
      implAfter = state('impl');
      implOut = run(fn(implMod, th.op), [implAfter, ...argVals()]);
    }
    specAfter = state('spec');
    specOut = run(fn(specMod, th.op), [specAfter, ...argVals()]);
  }
  const out: Counterexample = {
    ...cex,
    ...reported({ impl: implAfter, spec: specAfter }),
    implResult: implOut && plain(implOut.result),
    specResult: specOut && plain(specOut.result),
  };
  const confirmed = (why: string): ReplayAnswer => ({ cex: { ...out, replay: why, confirmed: true } });
  const refuted = (why: string): ReplayAnswer => ({ cex: { ...out, replay: why, confirmed: false } });
  if (implOut?.error && !implOut.runtime && !implOut.assumption) return refuted(`the implementation ${implOut.error}`);
  if (specOut?.error && !specOut.runtime) return refuted(`the spec ${specOut.error}`);

  // 3. check that the failure shows
  const goal = th.goal;
  const side = goal.side;
  switch (goal.kind) {
    case 'result':
      if (implOut?.error) return confirmed(`the implementation ${implOut.error}${implOut.assumption ? ' on inputs the spec accepts' : ''}`);
      if (goal.anyChoice) {
        // the spec may choose: the counterexample stands only if no choice gives this result and a related state
        const specIndex = th.inputs.findIndex((x) => x.role === 'spec');
        const { runs, complete } = everyChoice(() => {
          const s = valueOf(specIndex);
          return { o: run(fn(specMod, th.op), [s, ...argVals()]), s };
        });
        const allowed = runs.find((r) => !r.o.error && deepEqual(implOut?.result, r.o.result) && run(fn(implMod, 'equiv'), [implAfter, r.s]).result === true);
        if (allowed) return refuted(`a choice of the spec returns ${JSON.stringify(plain(allowed.o.result))} with a related state`);
        if (!complete) return refuted(`${runs.length} choices of the spec tried without a match, but not all of them`);
        return confirmed(`no choice of the spec (${runs.length} tried) returns ${JSON.stringify(plain(implOut?.result))} and a state related to the implementation's`);
      }
      if (!deepEqual(implOut?.result, specOut?.result)) return confirmed(`results differ: implementation ${JSON.stringify(plain(implOut?.result))}, spec ${JSON.stringify(plain(specOut?.result))}`);
      return refuted('both sides returned the same result');
    case 'equiv': {
      if (implOut?.error || specOut?.error) return confirmed(implOut?.error ? `the implementation ${implOut.error}` : `the spec ${specOut!.error}`);
      const r = run(fn(implMod, 'equiv'), [implAfter, specAfter]);
      return r.result === false ? confirmed('equiv(i, s) is false afterwards') : refuted(`equiv(i, s) is ${r.error ?? String(r.result)} afterwards`);
    }
    case 'impl-invariant':
    case 'spec-invariant': {
      const mod = goal.kind === 'impl-invariant' ? implMod : specMod;
      const after = goal.kind === 'impl-invariant' ? implAfter : specAfter;
      const o = goal.kind === 'impl-invariant' ? implOut : specOut;
      if (o?.error) return confirmed(`the ${goal.kind === 'impl-invariant' ? 'implementation' : 'spec'} ${o.error}`);
      const r = run(fn(mod, goal.predicate!), [after]);
      return r.result === false ? confirmed(`${goal.predicate} is false afterwards`) : refuted(`${goal.predicate} is ${r.error ?? String(r.result)} afterwards`);
    }
    case 'runtime': {
      const o = side === 'impl' ? implOut : specOut;
      const who = side === 'impl' ? 'implementation' : 'spec';
      if (o?.error) return confirmed(`the ${who} ${o.error}`);
      const after = side === 'impl' ? implAfter : specAfter;
      const stateType = side === 'impl' ? th.implState : th.specState;
      const bad = typeViolation(after, stateType, th.kind === 'init' ? 'init()' : (th.inputs.find((x) => x.role === side)?.param ?? 's'));
      if (bad) return confirmed(`afterwards ${bad}`);
      // a result outside its declared type (a missing return, an overflowing return value)
      const ret = side === 'impl' ? th.implRet : th.specRet;
      const badResult = th.kind !== 'init' && ret && ret.k !== 'void' ? typeViolation(o?.result, ret, `the ${who}'s result`) : undefined;
      if (badResult) return confirmed(badResult);
      // not observable from outside: the verifier locates it with the IR interpreter on the same
      // inputs (which speak of the real sizes only without a small scope)
      if (small) return refuted('the runtime error found at the small scope is not observable at the real sizes');
      return { ...refuted('the TypeScript run shows no runtime error'), interpret: true };
    }
  }
  return refuted(`no replay for a goal of kind ${goal.kind}`);
}
