// Counterexamples: decode a solver model into TypeScript values, and replay them on the real code.
//
// A failed goal is shown to the user only after running the user's own TypeScript functions on the
// decoded values reproduces the failure. If it does not, that is a toolchain bug and is reported
// as one (the goal is then "unknown", never "proved" and never a bug of the user's).

import type { Type } from './ir.ts';
import { SMap, MAKE_ARRAY, CPU_HOOK, cpuCalls, AssertionFailure, AssumptionViolated } from './prelude.ts';
import { Model, type MValue } from './solver/model.ts';
import type { Theorem, GoalSpec, Input } from './theorems.ts';
import type { Subsystem } from './subsystem.ts';
import { everyChoice } from './choices.ts';
import { Interpreter, RuntimeError, AssumptionFailed } from '../symexec/concrete.ts';
import { isPrinterDef } from '../symexec/term.ts';
import { elementName } from '../symexec/scalarize.ts';

export interface Counterexample {
  /** the inputs as TypeScript values, by parameter name (states under their role) */
  inputs: { role: Input['role']; name: string; value: unknown }[];
  /** results of running both sides, when the theorem runs an operation */
  implResult?: unknown;
  specResult?: unknown;
  /** post-states */
  implAfter?: unknown;
  specAfter?: unknown;
  /** what the replay on the real TypeScript showed */
  replay: string;
  /** true when running the TypeScript (or, for unobservable runtime errors, the IR interpreter) reproduced it */
  confirmed: boolean;
}

// ---- decoding ------------------------------------------------------------------------------------

/** A bounds-checked array: out-of-bounds reads and writes throw, as the verifier's semantics say. */
export class OutOfBounds extends RangeError {}

export function checkedArray<T>(a: T[]): T[] {
  const len = a.length;
  return new Proxy(a, {
    get(t, p, r) {
      if (typeof p === 'string' && /^-?\d+$/.test(p) && !(Number(p) >= 0 && Number(p) < len)) throw new OutOfBounds(`index ${p} is outside 0..${len - 1}`);
      return Reflect.get(t, p, r);
    },
    set(t, p, v, r) {
      if (typeof p === 'string' && /^-?\d+$/.test(p) && !(Number(p) >= 0 && Number(p) < len)) throw new OutOfBounds(`index ${p} is outside 0..${len - 1}`);
      return Reflect.set(t, p, v, r);
    },
  });
}

function applyIndices(v: MValue | undefined, idx: bigint[]): MValue | undefined {
  let x = v;
  for (const i of idx) {
    if (x === undefined || typeof x !== 'object' || x.kind !== 'array') return undefined;
    x = x.get(i);
  }
  return x;
}

/** A scalar of type `t` from a model value; a value the model leaves out: the type's default. */
export function scalarValue(t: Type, v: MValue | undefined): unknown {
  switch (t.k) {
    case 'bool':
      return typeof v === 'boolean' ? v : false;
    case 'int':
      return typeof v === 'bigint' ? Number(v) : Number(t.min > 0n ? t.min : t.max < 0n ? t.max : 0n);
    case 'enum': {
      const n = typeof v === 'bigint' ? Number(v) : 0;
      return t.members[n] ?? `<not a member: ${n}>`;
    }
    case 'opaque':
      return v && typeof v === 'object' && v.kind === 'opaque' ? v.id : `${t.name}!any`;
    default:
      throw new Error(`internal: ${t.k} is not a scalar`);
  }
}

/** Keys worth probing in a model's map: every scalar of the key's sort the model mentions. */
function candidateKeys(model: Model, key: Type): MValue[] {
  if (key.k === 'bool') return [false, true];
  if (key.k === 'enum') return key.members.map((_, i) => BigInt(i));
  const out = new Map<string, MValue>();
  for (const name of model.constants()) {
    if (isPrinterDef(name)) continue; // the printer's shared subterms, not inputs
    let v: MValue | undefined;
    try {
      v = model.value(name);
    } catch {
      continue; // an input whose value the model evaluator cannot build is no key candidate
    }
    if (key.k === 'opaque' && v && typeof v === 'object' && v.kind === 'opaque' && v.sort === key.name) out.set(v.id, v);
    if (key.k === 'int' && typeof v === 'bigint') out.set(String(v), v);
  }
  if (key.k === 'int') for (let i = 0n; i < 16n; i++) out.set(String(i), i);
  return [...out.values()];
}

/** Builds the TypeScript value of an input from the model. */
export function decode(model: Model, inp: Input, checked = true): unknown {
  const leaf = (key: string) => model.value(key ? `${inp.smt}.${key}` : inp.smt);
  const go = (t: Type, key: string, idx: bigint[]): unknown => {
    switch (t.k) {
      case 'record': {
        const o: Record<string, unknown> = {};
        for (const f of t.fields) o[f.name] = go(f.type, key ? `${key}.${f.name}` : f.name, idx);
        return o;
      }
      case 'array': {
        const a: unknown[] = [];
        for (let k = 0; k < t.len; k++) a.push(go(t.elem, `${key}[]`, [...idx, BigInt(k)]));
        return checked ? checkedArray(a) : a;
      }
      case 'map': {
        const m = new SMap<unknown, unknown>(scalarValue(t.value, applyIndices(leaf(`${key}{dflt}`), idx)));
        // A model's map is a function over all keys; the keys that matter are among the values the
        // model gives anything else (arguments, state fields), so those are the ones tried.
        const has = applyIndices(leaf(`${key}{has}`), idx);
        const vals = applyIndices(leaf(`${key}{val}`), idx);
        if (has && typeof has === 'object' && has.kind === 'array' && vals && typeof vals === 'object' && vals.kind === 'array') {
          for (const k of candidateKeys(model, t.key)) {
            if (has.get(k) === true) m.set(scalarValue(t.key, k), scalarValue(t.value, vals.get(k)));
          }
        }
        return m;
      }
      default: {
        // an element of an array written as its elements (scalarize.ts) has a constant of its own
        const element = idx.length ? model.value(elementName(`${inp.smt}.${key}`, idx)) : undefined;
        return scalarValue(t, element ?? applyIndices(leaf(key), idx));
      }
    }
  };
  return go(inp.type, '', []);
}

// ---- replay -------------------------------------------------------------------------------------

type Fn = (...args: unknown[]) => unknown;

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a instanceof SMap && b instanceof SMap) return deepEqual(a.dflt, b.dflt) && [...new Set([...a.keys(), ...b.keys()])].every((k) => deepEqual(a.get(k), b.get(k)));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Every stored integer fits its declared type (TypeScript itself never checks this), every field and element is there. */
export function typeViolation(v: unknown, t: Type, where: string): string | undefined {
  switch (t.k) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || BigInt(v) < t.min || BigInt(v) > t.max) return `${where} = ${String(v)} is outside ${t.name}`;
      return undefined;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `${where} = ${String(v)} is not a boolean`;
    case 'enum':
      return t.members.includes(v as string) ? undefined : `${where} = ${String(v)} is not a member of ${t.name}`;
    case 'record':
      if (!v || typeof v !== 'object') return `${where} is ${String(v)}`;
      for (const f of t.fields) {
        const e = typeViolation((v as Record<string, unknown>)[f.name], f.type, `${where}.${f.name}`);
        if (e) return e;
      }
      return undefined;
    case 'array':
      if (!Array.isArray(v)) return `${where} is not an array`;
      for (let k = 0; k < t.len; k++) {
        const e = typeViolation(v[k], t.elem, `${where}[${k}]`);
        if (e) return e;
      }
      return v.length === t.len ? undefined : `${where} has length ${v.length}, not ${t.len}`;
    default:
      return undefined;
  }
}

export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof SMap) return { default: plain(v.dflt), entries: v.keys().map((k) => [k, plain(v.get(k))]) };
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A deep copy of a decoded value (records, arrays, maps), for a run that changes it. */
export function cloneValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  if (v instanceof SMap) {
    const m = new SMap<unknown, unknown>(cloneValue(v.dflt));
    for (const k of v.keys()) m.set(k, cloneValue(v.get(k)));
    return m as T;
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)])) as T;
  return v;
}

interface Outcome {
  result?: unknown;
  error?: string;
  runtime?: boolean;
}

function run(f: Fn, args: unknown[]): Outcome {
  try {
    return { result: f(...args) };
  } catch (e) {
    // phrased to follow "the implementation" / "the spec" in the replay line
    if (e instanceof AssertionFailure) return { error: `fails an assert: ${e.message}`, runtime: true };
    if (e instanceof OutOfBounds) return { error: `reads or writes out of bounds: ${e.message}`, runtime: true };
    if (e instanceof AssumptionViolated) return { error: 'violates an assume()' };
    return { error: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, runtime: true };
  }
}

/**
 * A state of the small scope at the real sizes: arrays are as long as in `init` (the real initial
 * state), the small scope's elements first and `init`'s after them, records field by field.
 */
export function widen(v: unknown, init: unknown, checked: boolean): unknown {
  if (Array.isArray(v) && Array.isArray(init)) {
    const out = Array.from({ length: init.length }, (_, k) => (k < v.length ? widen(v[k], init[k], checked) : init[k]));
    return checked ? checkedArray(out) : out;
  }
  const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
  if (isRecord(v) && isRecord(init)) {
    const out: Record<string, unknown> = { ...init };
    for (const key of Object.keys(v)) out[key] = widen(v[key], init[key], checked);
    return out;
  }
  return v;
}

/** Replays a failed goal on the real TypeScript code. */
/**
 * `small`: the same theorem at the module's small scope (Lowering.smallScope), whose model this
 * is. Its states are widened to the real sizes with the elements of the real `init()` state, and
 * everything below (hypotheses, the run, the failure) is checked at the real sizes.
 */
export async function replay(sub: Subsystem, th: Theorem, goal: GoalSpec, modelText: string, small?: Theorem): Promise<Counterexample> {
  const model = Model.parse(modelText);
  const { spec: specMod, impl: implMod } = await sub.runtime();
  const g = globalThis as Record<symbol, unknown>;
  const previous = [g[MAKE_ARRAY], g[CPU_HOOK]];
  g[MAKE_ARRAY] = checkedArray;
  try {
    // the implementation is proved for every core its cpu() may answer: a failure on any core is
    // a failure (the first answer is kept when none shows it). Code that never asks for its core
    // runs once.
    let first: Counterexample | undefined;
    for (const core of REPLAY_CORES) {
      g[CPU_HOOK] = core;
      const calls = cpuCalls();
      const out = doReplay(sub, th, goal, model, specMod, implMod, small);
      if (out.confirmed) return core === 0 ? out : { ...out, replay: `${out.replay} (run on core ${core})` };
      first ??= out;
      if (cpuCalls() === calls) break;
    }
    return first!;
  } finally {
    [g[MAKE_ARRAY], g[CPU_HOOK]] = previous;
  }
}

/** The cores a replay runs the operation on, in turn, until one shows the failure (cpu() answers core mod N). */
const REPLAY_CORES = [0, 1, 2, 3];

function doReplay(sub: Subsystem, th: Theorem, goal: GoalSpec, model: Model, specMod: Record<string, unknown>, implMod: Record<string, unknown>, small?: Theorem): Counterexample {
  const fn = (m: Record<string, unknown>, name: string): Fn => {
    const f = m[name];
    if (typeof f !== 'function') throw new Error(`${name} is not exported at run time`);
    return f as Fn;
  };
  // the model speaks of the small scope's inputs when there is one (same inputs, same order)
  const source = small ?? th;
  const inits = small && th.kind !== 'init' ? { spec: run(fn(specMod, 'init'), []).result, impl: run(fn(implMod, 'init'), []).result } : undefined;
  const valueOf = (k: number, checked = true): unknown => {
    const inp = source.inputs[k];
    const v = decode(model, inp, checked);
    return inits && inp.role !== 'arg' ? widen(v, inits[inp.role], checked) : v;
  };
  const inputs = th.inputs.map((inp, k) => ({ role: inp.role, name: inp.param, value: valueOf(k) }));
  const shown = th.inputs.map((inp, k) => ({ role: inp.role, name: inp.param, value: plain(small ? inputs[k].value : valueOf(k, false)) }));
  const state = (role: 'impl' | 'spec') => inputs.find((x) => x.role === role)?.value;
  const argVals = () => th.inputs.flatMap((x, k) => (x.role === 'arg' ? [valueOf(k)] : []));
  const cex: Counterexample = { inputs: shown, replay: '', confirmed: false };
  const fail = (why: string) => ({ ...cex, replay: why, confirmed: false });

  // 1. the hypotheses must hold on the decoded values
  for (const [k, inp] of th.inputs.entries()) {
    const bad = typeViolation(shown[k].value, inp.type, inp.param);
    if (bad) return fail(`the decoded input does not fit its type: ${bad}`);
  }
  const holdsAll = (m: Record<string, unknown>, names: string[], st: unknown) => names.filter((n) => run(fn(m, n), [st]).result !== true);
  if (th.kind !== 'init') {
    const s = state('spec');
    const badSpec = holdsAll(specMod, sub.spec.invariants.map((f) => f.name), s);
    if (badSpec.length) return fail(`the decoded spec state violates ${badSpec.join(', ')}`);
    if (th.kind === 'refinement') {
      const i = state('impl');
      const badImpl = holdsAll(implMod, sub.impl.invariants.map((f) => f.name), i);
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
    implResult: implOut && plain(implOut.result),
    specResult: specOut && plain(specOut.result),
    implAfter: implAfter === undefined ? undefined : plain(implAfter),
    specAfter: specAfter === undefined ? undefined : plain(specAfter),
  };
  const confirmed = (why: string) => ({ ...out, replay: why, confirmed: true });
  const refuted = (why: string) => ({ ...out, replay: why, confirmed: false });
  if (implOut?.error && !implOut.runtime) return refuted(`the implementation ${implOut.error}`);
  if (specOut?.error && !specOut.runtime) return refuted(`the spec ${specOut.error}`);

  // 3. check that the failure shows
  const side = goal.side;
  switch (goal.kind) {
    case 'result':
      if (implOut?.error) return confirmed(`the implementation ${implOut.error}`);
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
      if (o?.error) return confirmed(`the ${side === 'impl' ? 'implementation' : 'spec'} ${o.error}`);
      const after = side === 'impl' ? implAfter : specAfter;
      const stateType = side === 'impl' ? sub.impl.state : sub.spec.state;
      const bad = typeViolation(after, stateType, th.kind === 'init' ? 'init()' : (th.inputs.find((x) => x.role === side)?.param ?? 's'));
      if (bad) return confirmed(`afterwards ${bad}`);
      // not observable from outside: locate it with the IR interpreter on the same inputs (which
      // speak of the real sizes only without a small scope)
      if (small) return refuted('the runtime error found at the small scope is not observable at the real sizes');
      return interpretRuntime(sub, th, goal, model, side, out);
    }
  }
}

function interpretRuntime(sub: Subsystem, th: Theorem, goal: GoalSpec, model: Model, side: 'impl' | 'spec', out: Counterexample): Counterexample {
  const interp = new Interpreter(sub.program);
  const mod = side === 'impl' ? sub.impl : sub.spec;
  const args = th.inputs.filter((x) => x.role === 'arg').map((inp) => decode(model, inp, false));
  const st = th.inputs.find((x) => x.role === side);
  try {
    if (th.kind === 'init') interp.call(mod.init, []);
    else {
      const f = mod.exports.get(th.op)!;
      const s = decode(model, st!, false);
      interp.call(f, [s, ...args]);
      // obligations raised while evaluating predicates on the post-state
      if (side === 'impl') {
        const spec = decode(model, th.inputs.find((x) => x.role === 'spec')!, false);
        interp.call(sub.spec.exports.get(th.op)!, [spec, ...th.inputs.filter((x) => x.role === 'arg').map((inp) => decode(model, inp, false))]);
        interp.call(sub.impl.equiv, [s, spec]);
      }
      for (const inv of mod.invariants) interp.call(inv, [s]);
    }
  } catch (e) {
    if (e instanceof RuntimeError) {
      const where = `${e.loc.line}:${e.loc.col}`;
      const same = e.kind === goal.obligation?.kind;
      return { ...out, replay: `not observable from the TypeScript run; the IR interpreter stops at line ${where}: ${e.message}`, confirmed: same };
    }
    if (e instanceof AssumptionFailed) return { ...out, replay: 'an assume() does not hold on these inputs', confirmed: false };
    throw e;
  }
  return { ...out, replay: 'neither the TypeScript run nor the IR interpreter shows the runtime error', confirmed: false };
}
