// Differential tests (DESIGN.md, "The subset"): the runtime meaning of the TypeScript and the SMT
// meaning must agree exactly. Three comparisons on random inputs, for every exported function of
// test/fixtures/diff/*.ts:
//
//   (a) the real TypeScript function  vs  the IR interpreter (symexec/concrete.ts)
//   (b) the IR interpreter  vs  the symbolic evaluator's terms, evaluated by symexec/term-eval.ts
//       (results, final states, and which runtime-error obligations fail)
//   (c) the symbolic terms printed as SMT-LIB and solved by Z3, inputs pinned  vs  the interpreter
//
// An input on which the interpreter raises a RuntimeError is outside the verified domain (the
// TypeScript would overflow, read out of bounds, ...): (a) skips it, (b) checks that an obligation
// of the same kind fails on it. Every run is seeded, so the test is deterministic.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../verifier/frontend/project.ts';
import { Lowering } from '../verifier/frontend/lower.ts';
import type { Func, Type, Program } from '../verifier/ir.ts';
import { isScalar } from '../verifier/ir.ts';
import { Interpreter, RuntimeError, AssumptionFailed } from '../symexec/concrete.ts';
import { Machine, type SVal, type Obligation, type ObligationKind } from '../symexec/evaluate.ts';
import { leavesOf, type Seg } from '../symexec/layout.ts';
import * as T from '../symexec/term.ts';
import type { Term, Sort } from '../symexec/term.ts';
import { evalTerm, TermEvaluator, TermEvalError, ArrayValue, UNDEF, showValue, type Value } from '../symexec/term-eval.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { SubsetError } from '../verifier/diagnostics.ts';
import { OPAQUES, arbOf, clone, sameValue, show, scalarValue, sortOfScalar, leafValue, dimsOf, pointsOf, selectPath, leafMismatch, envOf } from './support/values.ts';
import * as arith from './fixtures/diff/arith.ts';
import * as control from './fixtures/diff/control.ts';
import * as records from './fixtures/diff/records.ts';
import * as quant from './fixtures/diff/quant.ts';
import * as maps from './fixtures/diff/maps.ts';
import * as effects from './fixtures/diff/effects.ts';

const MODULES: Record<string, Record<string, unknown>> = { arith, control, records, quant, maps, effects };
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'diff');
// DIFF_RUNS and DIFF_SEED widen or move the search by hand (e.g. DIFF_RUNS=5000 DIFF_SEED=7); the
// defaults keep the suite deterministic and fast
const NUM_RUNS = Number(process.env.DIFF_RUNS ?? 300);
const SEED_OFFSET = Number(process.env.DIFF_SEED ?? 0);
/** Below this many in-domain samples a function's comparison would say little: the test fails. */
const MIN_IN_DOMAIN = 15;

// ---- lowering ----------------------------------------------------------------------------------

interface Subject {
  /** `module.function` */
  id: string;
  fn: Func;
  ts: (...args: unknown[]) => unknown;
}

const lowering = new Lowering(loadProject(path.resolve(FIXTURES, '..', '..', '..')));
const SUBJECTS: Subject[] = [];
for (const [modName, mod] of Object.entries(MODULES)) {
  const m = lowering.lowerModule(path.join(FIXTURES, `${modName}.ts`));
  for (const [name, fn] of m.exports) SUBJECTS.push({ id: `${modName}.${name}`, fn, ts: mod[name] as (...a: unknown[]) => unknown });
}
lowering.throwIfRejected();
const program: Program = lowering.program;

function seedOf(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h ^ SEED_OFFSET) | 0;
}

// ---- running one input concretely ----------------------------------------------------------------

type Outcome =
  | { k: 'ok'; result: unknown; finals: unknown[] }
  | { k: 'error'; kind: ObligationKind; message: string }
  | { k: 'assume' };

function interpret(fn: Func, args: unknown[]): Outcome {
  const copies = args.map((a, i) => clone(a, fn.params[i].type));
  try {
    const result = new Interpreter(program).call(fn, copies);
    return { k: 'ok', result, finals: copies };
  } catch (e) {
    if (e instanceof RuntimeError) return { k: 'error', kind: e.kind, message: e.message };
    if (e instanceof AssumptionFailed) return { k: 'assume' };
    throw e;
  }
}

function argsArb(fn: Func): fc.Arbitrary<unknown[]> {
  return fc.tuple(...fn.params.map((p) => arbOf(p.type)));
}

interface Stats {
  runs: number;
  inDomain: number;
  skipped: Map<string, number>;
}
const STATS = new Map<string, Stats>();
function stat(id: string): Stats {
  let s = STATS.get(id);
  if (!s) STATS.set(id, (s = { runs: 0, inDomain: 0, skipped: new Map() }));
  return s;
}

// ---- the symbolic side ---------------------------------------------------------------------------

interface Symbolic {
  m: Machine;
  inputs: SVal[];
  result: SVal | undefined;
  /** the result's leaves (one, with empty segs, for a scalar result) */
  resultLeaves: { segs: Seg[]; term: Term }[];
  /** the final leaves of every aggregate parameter */
  finalLeaves: { param: number; segs: Seg[]; term: Term }[];
  obligations: Obligation[];
}

const symCache = new Map<string, Symbolic>();
function symbolic(fn: Func): Symbolic {
  const hit = symCache.get(fn.key);
  if (hit) return hit;
  const m = new Machine(program);
  const inputs = fn.params.map((p) => m.input(`arg.${p.name}`, p.type));
  const result = m.call(fn, inputs);
  const resultLeaves: Symbolic['resultLeaves'] = [];
  if (fn.ret.k !== 'void') {
    if (isScalar(fn.ret)) resultLeaves.push({ segs: [], term: m.scalar(result!) });
    else for (const l of leavesOf(fn.ret)) resultLeaves.push({ segs: l.segs, term: m.readLeaf((result as SVal & { k: 'ref' }).ref, l.segs) });
  }
  const finalLeaves: Symbolic['finalLeaves'] = [];
  fn.params.forEach((p, i) => {
    if (isScalar(p.type)) return;
    const ref = (inputs[i] as SVal & { k: 'ref' }).ref;
    for (const l of leavesOf(p.type)) finalLeaves.push({ param: i, segs: l.segs, term: m.readLeaf(ref, l.segs) });
  });
  const s: Symbolic = { m, inputs, result, resultLeaves, finalLeaves, obligations: [...m.obligations] };
  symCache.set(fn.key, s);
  return s;
}

function evalOrExplain(ev: TermEvaluator, t: Term): Value {
  try {
    return ev.eval(t);
  } catch (e) {
    if (e instanceof TermEvalError) throw new Error(`term evaluation failed: ${e.message}`);
    throw e;
  }
}

// ---- the tests -------------------------------------------------------------------------------------

describe('term-eval: the reference meaning of terms', () => {
  const x = T.mkConst('x', T.INT), y = T.mkConst('y', T.INT), a = T.mkConst('a', T.arraySort(T.INT, T.INT));
  const at = (t: Term, xv: bigint, yv: bigint) => evalTerm(t, new Map<string, Value>([['x', xv], ['y', yv], ['a', ArrayValue.constant(0n, [[1n, 5n]])]]));

  it('div and mod are Euclidean: 0 <= mod < |y|', () => {
    for (const [xv, yv, q, r] of [[7n, 2n, 3n, 1n], [-7n, 2n, -4n, 1n], [7n, -2n, -3n, 1n], [-7n, -2n, 4n, 1n], [-6n, 3n, -2n, 0n]] as const) {
      expect([at(T.div(x, y), xv, yv), at(T.mod(x, y), xv, yv)]).toEqual([q, r]);
    }
  });

  it('a division by zero is unspecified, unless the context decides without it', () => {
    expect(at(T.div(x, y), 1n, 0n)).toBe(UNDEF);
    expect(at(T.eq(T.mod(x, y), T.mkInt(1)), 1n, 0n)).toBe(UNDEF);
    expect(at(T.and(T.lt(x, y), T.eq(T.div(x, y), T.mkInt(1))), 1n, 0n)).toBe(false);
    expect(at(T.ite(T.eq(y, T.mkInt(0)), x, T.div(x, y)), 3n, 0n)).toBe(3n);
  });

  it('arrays: select, store, constant arrays, lambdas', () => {
    expect(at(T.select(a, x), 1n, 0n)).toBe(5n);
    expect(at(T.select(T.store(a, y, x), T.mkInt(2)), 9n, 2n)).toBe(9n);
    const i = T.mkBvar('i', T.INT);
    expect(at(T.select(T.lambda(i, T.mul(i, x)), y), 3n, 4n)).toBe(12n);
    expect(at(T.eq(T.store(T.constArray(T.INT, x), y, x), T.constArray(T.INT, x)), 1n, 2n)).toBe(true);
  });

  it('quantifiers enumerate a guarded range and refuse anything else', () => {
    const i = T.mkBvar('i', T.INT);
    const range = T.and(T.le(T.mkInt(0), i), T.lt(i, x));
    expect(at(T.exists([i], T.and(range, T.eq(T.mul(i, i), y))), 5n, 9n)).toBe(true);
    expect(at(T.exists([i], T.and(range, T.eq(T.mul(i, i), y))), 3n, 9n)).toBe(false);
    expect(at(T.forall([i], T.implies(range, T.lt(i, y))), 5n, 5n)).toBe(true);
    expect(() => at(T.forall([i], T.lt(i, T.add(i, y))), 1n, 1n)).toThrow(TermEvalError);
  });
});

describe('differential: TypeScript vs the IR interpreter', () => {
  for (const s of SUBJECTS) {
    it(s.id, () => {
      const st = stat(s.id);
      fc.assert(
        fc.property(argsArb(s.fn), (args) => {
          st.runs++;
          const out = interpret(s.fn, args);
          if (out.k !== 'ok') {
            const why = out.k === 'error' ? out.kind : 'assume';
            st.skipped.set(why, (st.skipped.get(why) ?? 0) + 1);
            return;
          }
          st.inDomain++;
          const tsArgs = args.map((a, i) => clone(a, s.fn.params[i].type));
          const tsResult = s.ts(...tsArgs);
          if (!sameValue(tsResult, out.result, s.fn.ret)) throw new Error(`result: TypeScript ${show(tsResult)}, interpreter ${show(out.result)}`);
          s.fn.params.forEach((p, i) => {
            if (!sameValue(tsArgs[i], out.finals[i], p.type)) throw new Error(`final ${p.name}: TypeScript ${show(tsArgs[i])}, interpreter ${show(out.finals[i])}`);
          });
        }),
        { seed: seedOf(s.id), numRuns: NUM_RUNS },
      );
      expect(st.inDomain, `${s.id}: too few inputs inside the verified domain`).toBeGreaterThanOrEqual(MIN_IN_DOMAIN);
    });
  }
});

describe('differential: the IR interpreter vs the symbolic evaluator', () => {
  for (const s of SUBJECTS) {
    it(s.id, () => {
      const sym = symbolic(s.fn);
      fc.assert(
        fc.property(argsArb(s.fn), (args) => {
          const out = interpret(s.fn, args);
          const ev = new TermEvaluator(envOf(s.fn, args));
          const obs: { o: Obligation; v: Value }[] = sym.obligations.map((o) => ({ o, v: evalOrExplain(ev, o.holds) }));
          // hypotheses: type-range facts of the inputs and assume(c); unguarded quantifiers (facts
          // about every element of a large array) cannot be enumerated and are left out
          const hyps = () =>
            sym.m.hypotheses.map((h) => {
              try {
                return ev.eval(h);
              } catch (e) {
                if (e instanceof TermEvalError) return undefined;
                throw e;
              }
            });
          if (out.k === 'assume') {
            if (!hyps().includes(false)) throw new Error('the interpreter stopped at assume(), but every hypothesis holds');
            return;
          }
          if (out.k === 'error') {
            if (!obs.some(({ o, v }) => o.kind === out.kind && v === false)) {
              throw new Error(`the interpreter raised ${out.kind} (${out.message}), but no ${out.kind} obligation fails; obligations: ${obs.map(({ o, v }) => `${o.kind}@${o.loc.line}=${showValue(v)}`).join(', ')}`);
            }
            return;
          }
          hyps().forEach((v, j) => {
            if (v !== undefined && v !== true) throw new Error(`hypothesis ${j} evaluates to ${showValue(v)} on an input the interpreter accepts`);
          });
          for (const { o, v } of obs) {
            if (v !== true) throw new Error(`no runtime error, but the ${o.kind} obligation at line ${o.loc.line} (${o.message}) evaluates to ${showValue(v)}`);
          }
          for (const r of sym.resultLeaves) {
            const got = evalOrExplain(ev, r.term);
            const want = r.segs.length === 0 && isScalar(s.fn.ret) ? scalarValue(out.result, s.fn.ret) : leafValue(out.result, s.fn.ret, r.segs);
            const bad = leafMismatch(dimsOf(s.fn.ret, r.segs), got, want);
            if (bad) throw new Error(`result leaf '${r.segs.map((x) => JSON.stringify(x)).join('')}': ${bad}`);
          }
          for (const f of sym.finalLeaves) {
            const p = s.fn.params[f.param];
            const got = evalOrExplain(ev, f.term);
            const want = leafValue(out.finals[f.param], p.type, f.segs);
            const bad = leafMismatch(dimsOf(p.type, f.segs), got, want);
            if (bad) throw new Error(`final ${p.name} leaf '${f.segs.map((x) => JSON.stringify(x)).join('')}': ${bad}`);
          }
        }),
        { seed: seedOf(s.id), numRuns: NUM_RUNS },
      );
    });
  }
});

// ---- through Z3 ------------------------------------------------------------------------------------

/** Functions whose terms go to the solver: division, remainder, negative numbers, arrays, maps, quantifiers. */
const Z3_SUBJECTS = [
  'arith.remI32', 'arith.remNumber', 'arith.floorDivI32', 'arith.truncDivI32', 'arith.exactDiv', 'arith.divMix',
  'arith.floorIdentity', 'arith.minMaxAbs', 'arith.negatives', 'arith.compound',
  'control.loopFind', 'control.switchInt', 'control.voidEarly',
  'records.spawn', 'records.gridWrite', 'records.buildTable', 'records.bumpHigher',
  'quant.someEqual', 'quant.monotone', 'quant.countBig', 'quant.divAll',
  'maps.mapOps', 'maps.samePage', 'maps.kindCount',
  'arith.addU8', 'arith.mulI32', 'control.condGuard', 'control.constDivisors', 'control.asserted',
  'records.killUnchecked', 'records.claim', 'records.bucketPut', 'records.indexOrder', 'records.literalOrder',
  'effects.leftToRight', 'effects.effectShortCircuit', 'quant.shifted', 'quant.doubledSmall', 'quant.doubled',
  'quant.countAfterWrites', 'quant.countGridAfterWrite', 'quant.countGridRows',
];
const Z3_SAMPLES = 20;
/** Inputs the interpreter stops on, per function: their failing obligations go to Z3 too. */
const Z3_ERROR_SAMPLES = 6;

function smtOf(v: Value, sort: Sort): string {
  if (typeof v === 'bigint') return v < 0n ? `(- ${-v})` : `${v}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return T.quoteSym(`${(sort as { name: string }).name}!${v}`);
  if (v instanceof ArrayValue) {
    const as = sort as Sort & { k: 'Array' };
    if (v.dflt === undefined) throw new Error('cannot print an array without a default');
    let out = `((as const ${T.sortToSmt(sort)}) ${smtOf(v.dflt, as.elem)})`;
    for (const o of v.overrides.values()) out = `(store ${out} ${smtOf(o.index, as.index)} ${smtOf(o.value, as.elem)})`;
    return out;
  }
  throw new Error('cannot print UNDEF');
}

function selectSmt(base: string, p: Value[], sort: Sort): { text: string; sort: Sort } {
  let text = base, s = sort;
  for (const i of p) {
    const as = s as Sort & { k: 'Array' };
    text = `(select ${text} ${smtOf(i, as.index)})`;
    s = as.elem;
  }
  return { text, sort: s };
}

describe('differential: SMT-LIB through Z3 vs the IR interpreter', () => {
  let pool: SolverPool;
  beforeAll(() => {
    pool = new SolverPool({ jobs: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  for (const id of Z3_SUBJECTS) {
    it(id, async () => {
      const s = SUBJECTS.find((x) => x.id === id);
      if (!s) throw new Error(`no fixture ${id}`);
      const sym = symbolic(s.fn);
      // in-domain samples compare results, final states and obligations (all hold); samples the
      // interpreter stops on compare only obligations (one of that kind fails), since the result
      // is unspecified there (a division by zero, say)
      const samples: { args: unknown[]; out: Outcome }[] = [];
      let inDomain = 0, outside = 0;
      for (const args of fc.sample(argsArb(s.fn), { seed: seedOf(`z3:${id}`), numRuns: 400 })) {
        const out = interpret(s.fn, args);
        if (out.k === 'ok' && inDomain < Z3_SAMPLES) {
          samples.push({ args, out });
          inDomain++;
        } else if (out.k === 'error' && outside < Z3_ERROR_SAMPLES) {
          samples.push({ args, out });
          outside++;
        }
        if (inDomain === Z3_SAMPLES && outside === Z3_ERROR_SAMPLES) break;
      }
      expect(inDomain).toBeGreaterThanOrEqual(10);

      const checked = [...sym.resultLeaves.map((r) => r.term), ...sym.finalLeaves.map((f) => f.term), ...sym.obligations.map((o) => o.holds)];
      // symbolic counts get their exact definitions here: the question is what the terms mean
      const counts = T.countDefinitions(checked);
      const printer = new T.SmtPrinter('d');
      [...checked, ...counts].forEach((t) => printer.count(t));
      const printed = checked.map((t) => printer.print(t));
      const countAsserts = counts.map((t) => `(assert ${printer.print(t)})`);
      const obligationText = (k: number) => printed[sym.resultLeaves.length + sym.finalLeaves.length + k];
      const inputConsts: { name: string; sort: Sort }[] = [];
      s.fn.params.forEach((p) => {
        if (isScalar(p.type)) inputConsts.push({ name: `arg.${p.name}`, sort: sortOfScalar(p.type) });
        else for (const l of leavesOf(p.type)) inputConsts.push({ name: `arg.${p.name}.${l.key}`, sort: l.sort });
      });
      const declared = new Map<string, Sort>(inputConsts.map((c) => [c.name, c.sort]));
      for (const c of T.constantsOf(checked)) declared.set(c.name!, c.sort);
      const sorts = new Set(T.unintSortsOf(checked));
      for (const c of inputConsts) for (const u of T.unintSortsOf([T.mkConst(c.name, c.sort)])) sorts.add(u);
      const prelude = [
        ...[...sorts].map((u) => `(declare-sort ${T.quoteSym(u)} 0)`),
        // the elements of an uninterpreted sort the inputs use, pairwise distinct
        ...[...sorts].flatMap((u) => [...OPAQUES, 'oob'].map((o) => `(declare-const ${T.quoteSym(`${u}!${o}`)} ${T.quoteSym(u)})`)),
        ...[...sorts].map((u) => `(assert (distinct ${[...OPAQUES, 'oob'].map((o) => T.quoteSym(`${u}!${o}`)).join(' ')}))`),
        ...[...declared].map(([n, so]) => `(declare-const ${T.quoteSym(n)} ${T.sortToSmt(so)})`),
        ...T.countDeclarations(checked),
        ...printer.defs,
        ...countAsserts,
      ].join('\n');

      const goals = samples.map(({ args, out }, k) => {
        const env = envOf(s.fn, args);
        const pins = inputConsts.map((c) => `(assert (= ${T.quoteSym(c.name)} ${smtOf(env.get(c.name)!, c.sort)}))`);
        const gid = `${id}#${k}`;
        if (out.k !== 'ok') {
          // every obligation of the kind the interpreter raised holding is impossible
          const kind = out.k === 'error' ? out.kind : undefined;
          const mine = sym.obligations.flatMap((o, j) => (o.kind === kind ? [obligationText(j)] : []));
          return { id: gid, smt: [...pins, `(assert (and true ${mine.join(' ')}))`].join('\n'), args, what: `some ${kind} obligation fails` };
        }
        const eqs: string[] = [];
        const ev = new TermEvaluator(env);
        const addLeaf = (text: string, term: Term, type: Type, segs: Seg[], want: Value) => {
          for (const p of pointsOf(dimsOf(type, segs), ev.eval(term), want)) {
            const sel = selectSmt(text, p, term.sort);
            eqs.push(`(= ${sel.text} ${smtOf(selectPath(want, p), sel.sort)})`);
          }
        };
        sym.resultLeaves.forEach((r, j) => {
          const want = r.segs.length === 0 && isScalar(s.fn.ret) ? scalarValue(out.result, s.fn.ret) : leafValue(out.result, s.fn.ret, r.segs);
          addLeaf(printed[j], r.term, s.fn.ret, r.segs, want);
        });
        sym.finalLeaves.forEach((f, j) => {
          const p = s.fn.params[f.param];
          addLeaf(printed[sym.resultLeaves.length + j], f.term, p.type, f.segs, leafValue(out.finals[f.param], p.type, f.segs));
        });
        sym.obligations.forEach((_o, j) => eqs.push(obligationText(j)));
        return { id: gid, smt: [...pins, `(assert (not (and true ${eqs.join(' ')})))`].join('\n'), args, what: 'the result, final state and every obligation agree with the interpreter' };
      });
      const results = await pool.solve({ prelude, goals: goals.map((g) => ({ id: g.id, smt: g.smt })), timeoutMs: 20_000 });
      if (process.env.DIFF_STATS) console.log(`${id}: ${goals.length} goals, slowest ${Math.max(...results.map((r) => r.ms))} ms`);
      results.forEach((r, k) => {
        const model = r.model ? `\n${r.model.length > 2000 ? `${r.model.slice(0, 2000)}...` : r.model}` : '';
        expect(r.status, `${r.id} on ${show(goals[k].args)}: Z3 does not confirm that ${goals[k].what}${r.reason ? ` (${r.reason})` : ''}${model}`).toBe('unsat');
      });
    }, 60_000);
  }
});

describe('symbolic counts (count over more than 16 elements)', () => {
  const countsOf = (t: Term): Term[] => {
    const out: Term[] = [];
    const seen = new Set<number>();
    const go = (u: Term): void => {
      if (seen.has(u.id)) return;
      seen.add(u.id);
      if (u.op === 'count') out.push(u);
      u.args.forEach(go);
    };
    go(t);
    return out;
  };
  const hasStore = (t: Term): boolean => t.op === 'store' || t.args.some(hasStore);
  for (const id of ['quant.countAfterWrites', 'quant.countGridAfterWrite', 'quant.countGridRows']) {
    it(`${id}: one count of the unwritten array, changed only at the written elements`, () => {
      const s = SUBJECTS.find((x) => x.id === id)!;
      const counts = countsOf(symbolic(s.fn).resultLeaves[0].term);
      expect(counts.length).toBe(1);
      expect(hasStore(T.countFn(counts[0].name!)!.body)).toBe(false);
    });
  }
});

describe('differential: constructs the symbolic evaluator must reject', () => {
  const L = new Lowering(loadProject(path.resolve(FIXTURES, '..', '..', '..')));
  const mod = L.lowerModule(path.join(FIXTURES, 'rejected.ts'));
  L.throwIfRejected();
  for (const [name, fn] of mod.exports) {
    it(`rejected.${name}`, () => {
      const m = new Machine(L.program);
      expect(() => m.call(fn, fn.params.map((p) => m.input(`arg.${p.name}`, p.type)))).toThrow(SubsetError);
    });
  }
});

afterAll(() => {
  const lines = [...STATS].map(([id, s]) => {
    const skipped = [...s.skipped].map(([k, n]) => `${k} ${n}`).join(', ');
    return `${id.padEnd(26)} ${String(s.inDomain).padStart(4)}/${s.runs}${skipped ? `  skipped: ${skipped}` : ''}`;
  });
  if (process.env.DIFF_STATS) console.log(`in-domain samples per function:\n${lines.join('\n')}`);
});
