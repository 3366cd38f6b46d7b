// The implementation's starting state of a commutativity test, solved from its `equiv`: each
// variant's state must satisfy its representation invariants and be related to the test's spec
// setup (docs/commute.md). Solved once the setup is concrete, apart from the test enumeration:
// with the implementations' facts in every enumeration query, each check carried both variants'
// states and relations (close/read: 42 s of enumeration against 20 s without), and here the spec
// side is a constant. With the spec side known, equiv mostly decides the implementation's cells
// one by one, so propagation (symexec/propagate.ts) finds the state without a solver; the solver
// is asked for the setups where propagation cannot tell.

import type { Type } from '../ir.ts';
import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import { Machine, type SVal } from '../../symexec/evaluate.ts';
import { leavesOf, scalarSort } from '../../symexec/layout.ts';
import { ArrayValue, type Value } from '../../symexec/term-eval.ts';
import { PropagationModels, cellKey, type Cells } from '../../symexec/propagate.ts';
import { Model, type MValue } from '../solver/model.ts';
import type { SolverPool } from '../solver/pool.ts';
import { decode, scalarValue } from '../counterexample.ts';
import { scalar, type Input } from '../theorems.ts';
import type { Subsystem } from '../subsystem.ts';
import { solveGoals, type Budget, type QueryGoal } from './query.ts';
import type { CommuteSpec } from './analyze.ts';

/**
 * A variant's implementation state `impl!NAME`, satisfying its invariants and related by its
 * equiv to the spec state input `s`: where tests start the implementation, and where prove.ts
 * runs it symbolically from any state of a path.
 */
export function relatedImplState(v: Subsystem, expandLimit?: number): { m: Machine; i: SVal; smt: string; facts: Term[] } {
  const m = new Machine(v.program, { expandLimit });
  const s = m.input('s', v.spec.state);
  const smt = `impl!${v.name}`;
  const i = m.input(smt, v.impl.state);
  const facts = [...v.impl.invariants.map((f) => scalar(m.call(f, [i]))), scalar(m.call(v.impl.equiv, [i, s]))];
  return { m, i, smt, facts };
}

/** Arrays up to this many elements are expanded in the implementation facts. */
const EXPANSION = 1024;

interface ImplFacts {
  facts: Term[];
  inputs: Map<string, Input>;
  /** models of the facts by propagation (none for an implementation state with a map) */
  propagation?: PropagationModels;
}

const implFactsCache = new WeakMap<CommuteSpec, ImplFacts>();

/** Every variant's implementation state, related by equiv to `s` (the same for every test of a spec). */
function implFacts(spec: CommuteSpec): ImplFacts {
  const hit = implFactsCache.get(spec);
  if (hit) return hit;
  const facts: Term[] = [];
  const inputs = new Map<string, Input>();
  for (const v of spec.variants) {
    // the facts expanded exactly, element by element: the analysis expands every array of a
    // pair, so they are small (at a small scope too); a quantified equiv left Z3 at `unknown` on
    // the kernel, and cost 0.4 s a test on POSIX open/link
    const r = relatedImplState(v, EXPANSION);
    facts.push(...r.m.hypotheses, ...r.facts);
    inputs.set(v.name, { role: 'impl', smt: r.smt, param: r.smt, type: v.impl.state });
  }
  // an implementation state with a map is not read back from cells (stateOfCells)
  const maps = spec.variants.some((v) => leavesOf(v.impl.state).some((l) => l.key.endsWith('{has}')));
  const propagation = maps ? undefined : new PropagationModels(facts, defaultCell);
  const r = { facts, inputs, propagation };
  implFactsCache.set(spec, r);
  return r;
}

/** What a cell propagation had to guess holds: zero, false, or an opaque value of no test's. */
function defaultCell(s: T.Sort): Value {
  return s.k === 'Int' ? 0n : s.k === 'Bool' ? false : `${T.sortToSmt(s)}!any`;
}

/** The leaf constants of the input `smt` holding `value`, as values for term-eval (propagate.ts's given). */
function leafValues(smt: string, type: Type, value: unknown): Map<string, Value> {
  const scalarOf = (t: Type, v: unknown): Value => (t.k === 'bool' ? v === true : t.k === 'int' ? BigInt(v as number) : t.k === 'enum' ? BigInt(t.members.indexOf(v as string)) : String(v));
  const dfltOf = (s: T.Sort): Value => (s.k === 'Array' ? ArrayValue.constant(dfltOf(s.elem)) : defaultCell(s));
  // the value of every leaf under `t`, by its key relative to `t`
  const go = (t: Type, v: unknown): Map<string, Value> => {
    const out = new Map<string, Value>();
    const under = (prefix: string, k: string) => (!k ? prefix : k.startsWith('[') || k.startsWith('{') || !prefix ? `${prefix}${k}` : `${prefix}.${k}`);
    switch (t.k) {
      case 'record':
        for (const f of t.fields) for (const [k, x] of go(f.type, (v as Record<string, unknown>)[f.name])) out.set(under(f.name, k), x);
        return out;
      case 'array': {
        // an array of records is one array per leaf of the element (layout.ts)
        const elems = (v as unknown[]).map((x) => go(t.elem, x));
        for (const l of leavesOf(t.elem)) out.set(under('[]', l.key), ArrayValue.constant(dfltOf(l.sort), elems.map((e, k) => [BigInt(k), e.get(l.key)!] as [Value, Value])));
        return out;
      }
      case 'map': {
        const m = v as { dflt: unknown; keys(): unknown[]; get(k: unknown): unknown };
        const keys = m.keys();
        out.set('{val}', ArrayValue.constant(scalarOf(t.value, m.dflt), keys.map((k) => [scalarOf(t.key, k), scalarOf(t.value, m.get(k))] as [Value, Value])));
        out.set('{has}', ArrayValue.constant(false, keys.map((k) => [scalarOf(t.key, k), true] as [Value, Value])));
        out.set('{dflt}', scalarOf(t.value, m.dflt));
        return out;
      }
      case 'void':
        return out;
      default:
        out.set('', scalarOf(t, v));
        return out;
    }
  };
  return new Map([...go(type, value)].map(([k, x]) => [k ? `${smt}.${k}` : smt, x]));
}

/** The value of the input `smt` of type `type` in propagated cells (a cell no fact reads: its type's default). */
function stateOfCells(smt: string, type: Type, cells: Cells): unknown {
  // a cell's value as the model value decode() would have read (an opaque value is a string here)
  const scalar = (t: Type, v: Value | undefined): unknown => scalarValue(t, t.k === 'opaque' && typeof v === 'string' ? { kind: 'opaque', sort: t.name, id: v } : (v as MValue | undefined));
  const go = (t: Type, key: string, idx: Value[]): unknown => {
    switch (t.k) {
      case 'record':
        return Object.fromEntries(t.fields.map((f) => [f.name, go(f.type, key ? `${key}.${f.name}` : f.name, idx)]));
      case 'array':
        return Array.from({ length: t.len }, (_, k) => go(t.elem, `${key}[]`, [...idx, BigInt(k)]));
      case 'void':
        return undefined;
      default:
        // maps are outside propagation's fragment (implFacts)
        return scalar(t, cells.get(cellKey(key ? `${smt}.${key}` : smt, idx)));
    }
  };
  return go(type, '', []);
}

/** Opaque values of a setup as constants of their sort, pairwise distinct (model ids are per model). */
class OpaqueConsts {
  readonly byId = new Map<string, Term>();
  term(sortName: string, id: string): Term {
    let c = this.byId.get(id);
    if (!c) this.byId.set(id, (c = T.mkConst(`opaque!${id}`, { k: 'Unint', name: sortName })));
    return c;
  }
  distinct(): Term[] {
    const cs = [...this.byId.values()];
    return cs.flatMap((x, i) => cs.slice(i + 1).filter((y) => T.sortEq(x.sort, y.sort)).map((y) => T.not(T.eq(x, y))));
  }
}

/** Equalities that fix the state input `smt` of type `type` to a decoded value, element by element. */
export function valueFacts(smt: string, type: Type, value: unknown, opaque = new OpaqueConsts()): Term[] {
  const leaves = new Map(leavesOf(type).map((l) => [l.key, l]));
  const leafConst = (key: string) => T.mkConst(key ? `${smt}.${key}` : smt, leaves.get(key)!.sort);
  const at = (a: Term, idx: Term[]) => idx.reduce((x, i) => T.select(x, i), a);
  const scalarTerm = (t: Type, v: unknown): Term => {
    switch (t.k) {
      case 'bool':
        return T.mkBool(v === true);
      case 'int':
        return T.mkInt(v as number);
      case 'enum':
        return T.mkInt(t.members.indexOf(v as string));
      case 'opaque':
        return opaque.term(t.name, v as string);
      default:
        throw new Error(`internal: ${t.k} is not a scalar`);
    }
  };
  const out: Term[] = [];
  const go = (t: Type, key: string, idx: Term[], v: unknown): void => {
    switch (t.k) {
      case 'record':
        for (const f of t.fields) go(f.type, key ? `${key}.${f.name}` : f.name, idx, (v as Record<string, unknown>)[f.name]);
        return;
      case 'array':
        (v as unknown[]).forEach((x, k) => go(t.elem, `${key}[]`, [...idx, T.mkInt(k)], x));
        return;
      case 'map': {
        const m = v as { dflt: unknown; keys(): unknown[]; get(k: unknown): unknown };
        out.push(T.eq(at(leafConst(`${key}{dflt}`), idx), scalarTerm(t.value, m.dflt)));
        // the keys set, and no other: the `has` array is a store chain over "false everywhere"
        let has = T.constArray(scalarSort(t.key), T.FALSE);
        for (const k of m.keys()) {
          const kt = scalarTerm(t.key, k);
          has = T.store(has, kt, T.TRUE);
          out.push(T.eq(T.select(at(leafConst(`${key}{val}`), idx), kt), scalarTerm(t.value, m.get(k))));
        }
        out.push(T.eq(at(leafConst(`${key}{has}`), idx), has));
        return;
      }
      case 'void':
        return;
      default:
        out.push(T.eq(at(leafConst(key), idx), scalarTerm(t, v)));
    }
  };
  go(type, '', [], value);
  return out;
}

/** Replaces the opaque model ids of `v` (strings `Sort!val!N`) by the setup's own. */
function renameOpaque(v: unknown, ids: Map<string, string>): unknown {
  if (typeof v === 'string') return ids.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => renameOpaque(x, ids));
  if (v && typeof v === 'object') {
    const m = v as unknown as { entries?: unknown; dflt: unknown };
    if (m.entries instanceof Map) {
      // an SMap (its fields, not its methods: a test's map is rebuilt in place)
      m.entries = new Map([...m.entries].map(([k, x]) => [renameOpaque(k, ids), renameOpaque(x, ids)]));
      m.dflt = renameOpaque(m.dflt, ids);
      return v;
    }
    for (const [k, x] of Object.entries(v)) (v as Record<string, unknown>)[k] = renameOpaque(x, ids);
  }
  return v;
}

/** Each variant's starting state for one setup, and what found them; or why there is none. */
export type StartStates = { states: Map<string, unknown>; by: 'propagation' | 'solver' } | { status: 'unsat' | 'unknown'; why: string };

/**
 * Each variant's starting state for each setup (spec states of one spec, as the test generator
 * decoded them): by propagation where it tells, the rest in one solver job (the implementations'
 * facts once, one goal per setup).
 */
export async function solveStartStates(spec: CommuteSpec, setups: unknown[], pool: SolverPool, budget: Budget): Promise<StartStates[]> {
  if (spec.variants.length === 0 || setups.length === 0) return setups.map(() => ({ states: new Map(), by: 'propagation' }));
  const impl = implFacts(spec);
  const propagated = setups.map((setup) => impl.propagation?.find(leafValues('s', spec.state, setup)));
  const rest = propagated.flatMap((cells, k) => (cells ? [] : [k]));
  const solved = await solveWithZ3(impl, rest.map((k) => setups[k]), spec.state, pool, budget);
  const bySolver = new Map(rest.map((k, j) => [k, solved[j]]));
  return propagated.map((cells, k) => (cells ? { states: new Map([...impl.inputs].map(([name, inp]) => [name, stateOfCells(inp.smt, inp.type, cells)])), by: 'propagation' } : bySolver.get(k)!));
}

async function solveWithZ3(impl: ImplFacts, setups: unknown[], state: Type, pool: SolverPool, budget: Budget): Promise<StartStates[]> {
  if (setups.length === 0) return [];
  const opaques = setups.map(() => new OpaqueConsts());
  const goals: QueryGoal[] = setups.map((setup, k) => {
    const eqs = valueFacts('s', state, setup, opaques[k]);
    return { id: `start${k}`, asserts: [...eqs, ...opaques[k].distinct()], project: [], cap: 1, budgetMs: budget.timeoutMs, models: true, modelPrefixes: ['impl!', 'opaque!'] };
  });
  const results = await solveGoals(pool, impl.facts, goals, budget);
  return results.map((r, k): StartStates => {
    const text = r.solutions?.[0]?.model;
    if (!text) {
      const status = r.status === 'unsat' ? 'unsat' : 'unknown';
      return { status, why: status === 'unsat' ? 'no implementation state satisfies the invariants and equiv with this setup' : `the solver gave up (${r.stopped ?? r.reason ?? r.status})` };
    }
    try {
      const model = Model.parse(text);
      // the model's names for the setup's opaque values, mapped back to the setup's
      const ids = new Map<string, string>();
      for (const [id, c] of opaques[k].byId) {
        const mv = model.value(c.name!);
        if (mv && typeof mv === 'object' && mv.kind === 'opaque') ids.set(mv.id, id);
      }
      return { states: new Map([...impl.inputs].map(([name, inp]) => [name, renameOpaque(decode(model, inp, false), ids)])), by: 'solver' };
    } catch (e) {
      return { status: 'unknown', why: `the model could not be decoded: ${(e as Error).message}` };
    }
  });
}
