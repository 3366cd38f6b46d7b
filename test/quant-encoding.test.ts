// Differential tests of the evaluator's quantifier and count encodings (symexec/evaluate.ts quant):
// small forall/exists expanded into conjunctions (EXPAND_LIMIT), larger ones kept quantified with
// the "body i runs" guard (GUARD_EXPAND_LIMIT), counts expanded into a pre-state sum plus guarded
// deltas (countSum, T.unwritten) or made symbolic (T.countOf), nested quantifiers merged
// (T.forall), and the case split of reads at symbolic indices (readCases, a hypothesis).
//
// Random IR functions (test/support/encodings/ir-gen.ts) write a state's arrays at indices that are
// often equal, then return a weighted sum of several quantifiers. Each is evaluated symbolically
// under three expansion limits (0: every forall/exists quantified, and counts inside them
// symbolic; 16, the default; 256, the verifier's expanded rung) and compared:
//   1. with the IR interpreter on random inputs (term-eval): the result, every obligation true,
//      every hypothesis that term-eval can enumerate true (readCases' are all ground); where the
//      interpreter raises a runtime error, an obligation of its kind false;
//   2. for fewer functions, through Z3 over all inputs: the three results are equal, under the
//      hypotheses and the symbolic counts' exact definitions.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import * as T from '../symexec/term.ts';
import type { Term } from '../symexec/term.ts';
import { Machine, type SVal } from '../symexec/evaluate.ts';
import { Interpreter, RuntimeError, AssumptionFailed } from '../symexec/concrete.ts';
import { TermEvaluator, TermEvalError, showValue, type Value } from '../symexec/term-eval.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { envOf, clone } from './support/values.ts';
import { functionArb, argsArb, type Generated } from './support/encodings/ir-gen.ts';
import { job, notUnsat } from './support/encodings/smt.ts';

const RUNS = Number(process.env.ENC_RUNS ?? 250);
const Z3_FUNCTIONS = Number(process.env.ENC_Z3 ?? 25);
const LIMITS = [0, 16, 256];

interface Sym {
  limit: number;
  result: Term;
  hypotheses: Term[];
  obligations: { kind: string; holds: Term }[];
}

/** Input constants named apart per function (`f7.s.a[]`): every function's counts are its own. */
let functions = 0;
const prefixes = new WeakMap<Generated, string>();
const prefixOf = (g: Generated): string => {
  let p = prefixes.get(g);
  if (!p) prefixes.set(g, (p = `f${functions++}`));
  return p;
};
const envFor = (g: Generated, args: unknown[]) => new Map<string, Value>([...envOf(g.fn, args)].map(([k, v]) => [k.replace(/^arg\./, `${prefixOf(g)}.`), v]));

function symbolic(g: Generated, limit: number): Sym {
  const m = new Machine(g.program, { expandLimit: limit });
  const inputs: SVal[] = g.fn.params.map((p) => m.input(`${prefixOf(g)}.${p.name}`, p.type));
  const result = m.scalar(m.call(g.fn, inputs)!);
  return { limit, result, hypotheses: [...m.hypotheses], obligations: m.obligations.map((o) => ({ kind: o.kind, holds: o.holds })) };
}

const stats = { errors: 0, functions: 0, inputs: 0, inDomain: 0, symbolicCounts: 0, quantified: 0, readCases: 0, kinds: new Map<string, number>() };

const hasOp = (t: Term, op: string): boolean => {
  const seen = new Set<number>();
  const go = (u: Term): boolean => !seen.has(u.id) && (seen.add(u.id), u.op === op || u.args.some(go));
  return go(t);
};

describe('quantifier and count encodings against the IR interpreter', () => {
  it('agree on the result, the obligations and the hypotheses, under every expansion limit', () => {
    fc.assert(
      fc.property(functionArb, fc.array(argsArb, { minLength: 4, maxLength: 4 }), (make, argss) => {
        const g = make();
        stats.functions++;
        g.kinds.forEach((k) => stats.kinds.set(k, (stats.kinds.get(k) ?? 0) + 1));
        const syms = LIMITS.map((l) => symbolic(g, l));
        for (const sy of syms) {
          if (hasOp(sy.result, 'count')) stats.symbolicCounts++;
          if (hasOp(sy.result, 'forall') || hasOp(sy.result, 'exists')) stats.quantified++;
        }
        for (const args of argss) {
          stats.inputs++;
          let want: unknown;
          try {
            want = new Interpreter(g.program).call(g.fn, args.map((x, k) => clone(x, g.fn.params[k].type)));
          } catch (e) {
            if (e instanceof AssumptionFailed) continue;
            if (!(e instanceof RuntimeError)) throw e;
            // a runtime error: some obligation of its kind must fail on these inputs, at every limit
            stats.errors++;
            for (const sy of syms) {
              const ev = new TermEvaluator(envFor(g, args));
              if (!sy.obligations.some((o) => o.kind === e.kind && ev.eval(o.holds) === false)) throw new Error(`limit ${sy.limit}: the interpreter raised ${e.kind} (${e.message}), but no ${e.kind} obligation fails`);
            }
            continue;
          }
          stats.inDomain++;
          const env = envFor(g, args);
          for (const sy of syms) {
            const ev = new TermEvaluator(env);
            const got = ev.eval(sy.result);
            if (got !== BigInt(want as number)) throw new Error(`limit ${sy.limit}: result ${showValue(got)}, interpreter ${String(want)}`);
            for (const o of sy.obligations) {
              const v = ev.eval(o.holds);
              if (v !== true) throw new Error(`limit ${sy.limit}: the ${o.kind} obligation is ${showValue(v)} on an input the interpreter accepts`);
            }
            for (const h of sy.hypotheses) {
              let v;
              try {
                v = ev.eval(h);
              } catch (e) {
                if (e instanceof TermEvalError) continue; // a type-range fact over every element
                throw e;
              }
              if (v !== true) throw new Error(`limit ${sy.limit}: a hypothesis is ${showValue(v)} on these inputs`);
              if (h.op === '=>') stats.readCases++;
            }
          }
        }
      }),
      { seed: 2201, numRuns: RUNS },
    );
    // not vacuous: enough inputs in the domain, and every encoding was exercised
    expect(stats.inDomain).toBeGreaterThan(RUNS);
    expect(stats.errors).toBeGreaterThan(RUNS / 4);
    expect(stats.symbolicCounts).toBeGreaterThan(RUNS / 4);
    expect(stats.quantified).toBeGreaterThan(RUNS / 4);
    expect(stats.readCases).toBeGreaterThan(RUNS / 4);
  });
});

describe('quantifier and count encodings through Z3', () => {
  let pool: SolverPool;
  beforeAll(() => {
    pool = new SolverPool({ jobs: 2 });
  });
  afterAll(() => pool.close());

  it('the three expansion limits give equal results for every input', async () => {
    const fns = fc.sample(functionArb, { seed: 2202, numRuns: Z3_FUNCTIONS });
    const answers = await Promise.all(
      fns.map(async (make, k) => {
        const g = make();
        const [q, d, e] = LIMITS.map((l) => symbolic(g, l));
        const shared = [...q.hypotheses, ...d.hypotheses, ...e.hypotheses];
        shared.push(...T.countDefinitions([q.result, d.result, e.result, ...shared]));
        const goals = [
          { id: `${k} quantified`, term: T.not(T.eq(q.result, e.result)) },
          { id: `${k} default`, term: T.not(T.eq(d.result, e.result)) },
        ].filter((x) => !T.isFalse(x.term));
        if (!goals.length) return [];
        const bad = await notUnsat(pool, job(shared, goals, 30_000));
        return bad.map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}\n${r.model ?? ''}`);
      }),
    );
    expect(answers.flat()).toEqual([]);
  }, 120_000);
});

afterAll(() => {
  if (process.env.ENC_STATS) console.log(`quant-encoding: ${JSON.stringify({ ...stats, kinds: Object.fromEntries(stats.kinds) })}`);
});
