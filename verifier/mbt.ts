// A spec/impl pair as a fast-check model-based test (`import { checkModel } from 'pushbutton/mbt'`,
// docs/writing-specs.md "Proofs as tests"): random operation sequences from the initial states run
// as plain TypeScript on the spec and on each implementation; after every step the results must be
// equal and `equiv(i, s)` must hold, and the invariants (`inv_*`) of both must hold. It is the
// refinement theorem of docs/writing-specs.md section 3 checked on reachable states rather than
// proved for all of them: a fast first check while writing, and a second opinion on the verifier.
//
// A spec that leaves a choice open (`choose`) is followed the way refinement allows: some choice of
// the spec must give the implementation's result and a state related by `equiv`; every sequence of
// choices is tried (verifier/choices.ts), each on a copy of the spec state. Copying is paid only
// by models that need it: a sequence runs without copies until the spec's first choice (the lowest
// candidate, its run-time default) fails to explain the implementation, and is then run again from
// the start with copies (so a kernel-sized deterministic state is never copied).
//
// fast-check is an optional peer dependency of pushbutton: install it to use this module.

import fc from 'fast-check';
import { everyChoice } from './choices.ts';
import { CHOOSE_HOOK, SMap, onCore } from './prelude.ts';

/** One call: the operation's name, its arguments after the state, and the core cpu() answers. */
export interface Step {
  op: string;
  args: unknown[];
  core?: number;
}

type Module = object;

export interface ModelImpl {
  name: string;
  /** The implementation module: init, equiv, the operations, inv_* (as `import * as impl`). */
  module: Module;
}

export interface Model<X = Step> {
  /** The spec module (as `import * as spec from './spec/NAME.ts'`). */
  spec: Module;
  /** One implementation module, or several, each with its own copy of the spec state. */
  impl: Module | ModelImpl[];
  /**
   * When the invariants are checked: after every step (default), or only at the end of each
   * sequence (for states so large that a check costs more than a step; equiv is checked after
   * every step either way).
   */
  invariants?: 'every-step' | 'end';
  /**
   * Makes a generated item into a call, given the spec state before it (the first implementation's
   * copy): for arguments picked from the state so that operations succeed often. Items that are
   * already Steps need none.
   */
  concretize?: (x: X, s: unknown) => Step;
  /** Copies a spec state (default: records, arrays and SMaps, deeply). */
  clone?: (s: unknown) => unknown;
}

/** What one step did: the call and the first implementation's result. */
export interface StepRecord {
  op: string;
  args: unknown[];
  result: unknown;
}

/** A disagreement between the spec and an implementation (fast-check reports it, shrunk). */
export class ModelMismatch extends Error {}

type Fn = (...a: unknown[]) => unknown;

function fnOf(m: Module, name: string, which: string): Fn {
  const f = (m as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new ModelMismatch(`${which} exports no function ${name}`);
  return f as Fn;
}

const invariantsOf = (m: Module) => Object.entries(m).filter(([k, v]) => k.startsWith('inv_') && typeof v === 'function') as [string, (s: unknown) => boolean][];

/** A deep copy of a state: records, arrays and SMaps (whose class the copy keeps). */
export function cloneState<T>(v: T): T {
  if (v instanceof SMap) {
    const m = new SMap<unknown, unknown>(cloneState(v.dflt));
    for (const k of v.keys()) m.set(k, cloneState(v.get(k)));
    return m as T;
  }
  if (Array.isArray(v)) return v.map(cloneState) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneState(x)])) as T;
  return v;
}

/** A printable form of a value (results, arguments): SMaps as their default and sorted entries. */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof SMap ? { default: x.dflt, entries: x.keys().sort().map((k) => [k, x.get(k)]) } : x)) ?? String(v);
}

/** Structural equality of results, as refinement compares them (records and arrays field by field). */
const same = (a: unknown, b: unknown) => show(a) === show(b);

/** Signals that a sequence must be run again with copies of the spec state (see the header). */
class NeedCopies extends Error {}

interface Track {
  name: string;
  mod: Module;
  i: unknown;
  s: unknown;
}

function implsOf(m: Model<unknown>): ModelImpl[] {
  return Array.isArray(m.impl) ? m.impl : [{ name: 'impl', module: m.impl }];
}

function once<X>(m: Model<X>, items: X[], copies: boolean): StepRecord[] {
  const spec = m.spec;
  const clone = m.clone ?? cloneState;
  const specInvs = invariantsOf(spec);
  const tracks: Track[] = implsOf(m as Model<unknown>).map((x) => ({ name: x.name, mod: x.module, i: fnOf(x.module, 'init', x.name)(), s: fnOf(spec, 'init', 'the spec')() }));
  const invariants = (t: Track, where: string) => {
    for (const [n, f] of specInvs) if (f(t.s) !== true) throw new ModelMismatch(`spec ${n}${tracks.length > 1 ? ` (${t.name}'s copy)` : ''} is false after ${where}`);
    for (const [n, f] of invariantsOf(t.mod)) if (f(t.i) !== true) throw new ModelMismatch(`${t.name} ${n} is false after ${where}`);
  };
  for (const t of tracks) {
    if (fnOf(t.mod, 'equiv', t.name)(t.i, t.s) !== true) throw new ModelMismatch(`${t.name}: equiv(impl.init(), spec.init()) is false`);
    if (m.invariants !== 'end') invariants(t, 'init');
  }
  const records: StepRecord[] = [];
  items.forEach((x, k) => {
    const st: Step = m.concretize ? m.concretize(x, tracks[0].s) : (x as unknown as Step);
    const where = `step ${k}: ${st.op}(${st.args.map(show).join(', ')})${st.core === undefined ? '' : ` on core ${st.core}`}`;
    const specOp = fnOf(spec, st.op, 'the spec');
    for (const t of tracks) {
      const equiv = fnOf(t.mod, 'equiv', t.name);
      const ri = onCore(st.core, () => fnOf(t.mod, st.op, t.name)(t.i, ...st.args));
      if (copies) {
        // every sequence of the spec's choices on a copy of its state; the implementation's must be one of them
        const { runs, complete } = everyChoice(() => {
          const c = clone(t.s);
          return { c, r: specOp(c, ...st.args) };
        });
        if (!complete) throw new ModelMismatch(`the spec makes too many choices to enumerate at ${where}`);
        const match = runs.find((r) => same(r.r, ri) && equiv(t.i, r.c) === true);
        if (!match) {
          const allowed = [...new Set(runs.map((r) => show(r.r)))].join(' | ');
          throw new ModelMismatch(`${t.name}: ${where} returned ${show(ri)}${runs.some((r) => same(r.r, ri)) ? ', but equiv(i, s) is false afterwards for every choice of the spec' : `; the spec returns ${allowed}`}`);
        }
        t.s = match.c;
      } else {
        // the spec as it runs (the lowest candidate of every choice), on the state itself
        let chose = false;
        const g = globalThis as Record<symbol, unknown>;
        const previous = g[CHOOSE_HOOK];
        g[CHOOSE_HOOK] = (candidates: number[]) => {
          if (candidates.length > 1) chose = true;
          return candidates[0];
        };
        let rs: unknown;
        try {
          rs = specOp(t.s, ...st.args);
        } finally {
          g[CHOOSE_HOOK] = previous;
        }
        const ok = same(rs, ri) && equiv(t.i, t.s) === true;
        if (!ok && chose) throw new NeedCopies();
        if (!same(rs, ri)) throw new ModelMismatch(`${t.name}: ${where} returned ${show(ri)}; the spec returns ${show(rs)}`);
        if (!ok) throw new ModelMismatch(`${t.name}: equiv(i, s) is false after ${where}`);
      }
      if (m.invariants !== 'end') invariants(t, where);
      if (t === tracks[0]) records.push({ op: st.op, args: st.args, result: ri });
    }
  });
  if (m.invariants === 'end') for (const t of tracks) invariants(t, 'the last step');
  return records;
}

/** Models learned to need copies of the spec state (they choose), so that later sequences start with them. */
const needsCopies = new WeakMap<object, boolean>();

/**
 * Runs one sequence from the initial states; throws ModelMismatch at the first disagreement.
 * Returns what each step did (the first implementation's results).
 */
export function runModel<X>(m: Model<X>, items: X[]): StepRecord[] {
  if (needsCopies.get(m.spec)) return once(m, items, true);
  try {
    return once(m, items, false);
  } catch (e) {
    if (!(e instanceof NeedCopies)) throw e;
    needsCopies.set(m.spec, true);
    return once(m, items, true);
  }
}

/**
 * Calls of the named operations with generated arguments: `steps({ incr: [fc.nat(20)] })`, or with
 * a weight, `{ open: { args: [...], weight: 4 } }`; `cores: n` runs each call on a random core of
 * 0..n-1 (for implementations with per-core data, `cpu()`).
 */
export function steps(ops: Record<string, fc.Arbitrary<unknown>[] | { args: fc.Arbitrary<unknown>[]; weight: number }>, opts: { cores?: number } = {}): fc.Arbitrary<Step> {
  const calls = Object.entries(ops).map(([op, a]) => {
    const { args, weight } = Array.isArray(a) ? { args: a, weight: 1 } : a;
    return { arbitrary: fc.tuple(...args).map((xs): Step => ({ op, args: xs })), weight };
  });
  if (calls.length === 0) throw new Error('steps: name at least one operation');
  const call = fc.oneof(...calls);
  return opts.cores === undefined ? call : fc.tuple(call, fc.integer({ min: 0, max: opts.cores - 1 })).map(([c, core]) => ({ ...c, core }));
}

/**
 * The model-based test: fast-check runs `sequences` (e.g. `fc.array(steps({...}), { maxLength: 30 })`)
 * and fails with the shrunk sequence and the disagreement. Returns every step of every run (for a
 * test to check the sequences reached what it meant them to, e.g. each operation's success).
 */
export function checkModel<X>(m: Model<X>, sequences: fc.Arbitrary<X[]>, params: fc.Parameters<[X[]]> = {}): StepRecord[] {
  const all: StepRecord[] = [];
  const out = fc.check(
    fc.property(sequences, (items) => {
      all.push(...runModel(m, items));
    }),
    params,
  );
  if (out.failed) {
    // the disagreement first (fast-check keeps it as the error's cause), then the shrunk sequence and the seed
    const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new ModelMismatch(`${why}\n${fc.defaultReportMessage(out) ?? ''}`);
  }
  return all;
}
