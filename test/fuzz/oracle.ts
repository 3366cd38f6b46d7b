// The oracle: the verifier's meaning of a generated program against TypeScript's.
//
// A batch of programs is written to a temporary folder and lowered by one Lowering (one ts-morph
// Project, so the type checker is built once per batch). The exported `op` of each is evaluated
// symbolically (symexec/evaluate.ts) on symbolic inputs; for each random input, the terms are
// evaluated at that input (symexec/term-eval.ts) and compared with the real run:
//
//  - the instrumented real run commits a runtime error of kind K (a store outside its declared
//    integer type, an index out of bounds, a division by zero, a failed assert, ...): some
//    obligation of kind K must be violated at that input;
//  - it completes: the plain run (the very source the verifier lowered) must complete the same way,
//    every obligation must hold, and the symbolic result and final state must equal the real ones.
//
// A rejection must be a SubsetError located in the program's file; any other exception from the
// front end or the evaluator is reported as an internal error.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadProject } from '../../verifier/frontend/project.ts';
import { Lowering } from '../../verifier/frontend/lower.ts';
import type { Func, Module } from '../../verifier/ir.ts';
import { isScalar } from '../../verifier/ir.ts';
import { SubsetError, type Diagnostic } from '../../verifier/diagnostics.ts';
import { Machine, type SVal, type Obligation } from '../../symexec/evaluate.ts';
import { leavesOf, type Seg } from '../../symexec/layout.ts';
import type { Term } from '../../symexec/term.ts';
import { TermEvaluator, TermEvalError, UNDEF, showValue, type Value } from '../../symexec/term-eval.ts';
import { arbOf, clone, sameValue, show, scalarValue, leafValue, dimsOf, leafMismatch, envOf } from '../support/values.ts';
import { loadModules, runReal, type ModuleExports } from './runtime.ts';
import { forkedPaths, checkForked } from './fork-oracle.ts';
import type { FunctionPaths } from '../../symexec/summary.ts';

export interface Case {
  id: string;
  source: string;
  instrumented: string;
  /** lines of an out-of-subset construct put in on purpose: a diagnostic must point into them */
  rejectLines?: [number, number];
}

export type Problem = { id: string; what: string; detail: string; source: string };

export interface Stats {
  programs: number;
  accepted: number;
  rejectedLowering: number;
  rejectedEvaluation: number;
  expectedRejections: number;
  inputs: number;
  inDomain: number;
  /** inputs also checked in forking mode, and programs only forking mode rejected */
  forkedInputs: number;
  forkRejected: number;
  errors: Map<string, number>;
  rejectReasons: Map<string, number>;
  /** milliseconds per phase: lowering, symbolic evaluation, loading (transpiling), checking inputs */
  ms: Record<'lower' | 'symbolic' | 'load' | 'inputs', number>;
}

export function newStats(): Stats {
  return { forkedInputs: 0, forkRejected: 0, programs: 0, accepted: 0, rejectedLowering: 0, rejectedEvaluation: 0, expectedRejections: 0, inputs: 0, inDomain: 0, errors: new Map(), rejectReasons: new Map(), ms: { lower: 0, symbolic: 0, load: 0, inputs: 0 } };
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

interface Symbolic {
  m: Machine;
  /** the same function's paths in forking mode (verify rid's), when that mode accepts it */
  forked?: FunctionPaths;
  resultLeaves: { segs: Seg[]; term: Term }[];
  finalLeaves: { param: number; segs: Seg[]; term: Term }[];
  obligations: Obligation[];
}

function symbolic(program: Lowering['program'], fn: Func): Symbolic {
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
  return { m, resultLeaves, finalLeaves, obligations: [...m.obligations] };
}

function located(ds: Diagnostic[], file: string): Diagnostic[] {
  return ds.filter((d) => d.loc.file === file && d.loc.line >= 1 && d.loc.col >= 1);
}

/** Checks one program on `inputs` random inputs; returns the first disagreement per program. */
function checkInputs(c: Case, fn: Func, sym: Symbolic, plain: ModuleExports, ins: ModuleExports, seed: number, inputs: number, stats: Stats): Problem | undefined {
  const samples = fc.sample(fc.tuple(...fn.params.map((p) => arbOf(p.type))), { seed, numRuns: inputs });
  for (const args of samples) {
    stats.inputs++;
    const fail = (what: string, detail: string): Problem => ({ id: c.id, what, detail: `${detail}\ninput: ${show(args)}`, source: c.source });
    if (sym.forked) {
      stats.forkedInputs++;
      const bad = checkForked(fn, sym.forked, plain.op, args);
      if (bad) return fail('forked', bad);
    }
    const insArgs = args.map((a, i) => clone(a, fn.params[i].type));
    let real = runReal(ins.op, insArgs);
    // a function with a result type that ends without returning returns undefined at run time
    if (real.k === 'ok' && real.result === undefined && fn.ret.k !== 'void') real = { k: 'error', kind: 'missing-return', message: 'op returned undefined' };
    let ev: TermEvaluator;
    const value = (t: Term): Value => {
      try {
        return ev.eval(t);
      } catch (e) {
        if (e instanceof TermEvalError) throw new Error(`term evaluation failed: ${e.message}`);
        throw e;
      }
    };
    try {
      ev = new TermEvaluator(envOf(fn, args));
      for (const h of sym.m.hypotheses) {
        let v: Value | undefined;
        try {
          v = ev.eval(h);
        } catch (e) {
          if (!(e instanceof TermEvalError)) throw e;
        }
        if (v === false) return fail('hypothesis', 'a hypothesis is false on a generated input (the input is outside its declared types)');
      }
      if (real.k === 'error') {
        // after a division by zero a term may be unspecified (term-eval refuses a store at such an
        // index): such obligations are left out; one of the run's kind must still be violated
        const obs: { o: Obligation; v: Value }[] = sym.obligations.map((o) => {
          try {
            return { o, v: ev.eval(o.holds) as Value };
          } catch (e) {
            if (e instanceof TermEvalError) return { o, v: UNDEF as Value };
            throw e;
          }
        });
        bump(stats.errors, real.kind);
        if (!obs.some(({ o, v }) => o.kind === real.kind && v === false)) {
          return fail('missed-error', `the real run fails with ${real.kind} (${real.message}), but no ${real.kind} obligation is violated; obligations: ${obs.map(({ o, v }) => `${o.kind}@${o.loc.line}:${o.loc.col}=${showValue(v)}`).join(', ') || 'none'}`);
        }
        continue;
      }
      const obs: { o: Obligation; v: Value }[] = sym.obligations.map((o) => ({ o, v: value(o.holds) }));
      stats.inDomain++;
      const plainArgs = args.map((a, i) => clone(a, fn.params[i].type));
      const p = runReal(plain.op, plainArgs);
      if (p.k !== 'ok' || !sameValue(p.result, real.result, fn.ret) || !fn.params.every((q, i) => sameValue(plainArgs[i], insArgs[i], q.type))) {
        return fail('instrumentation', `the instrumented run completes (${show(real.result)}) but the plain one differs: ${p.k === 'ok' ? show(p.result) : p.message}`);
      }
      for (const { o, v } of obs) {
        if (v !== true) return fail('spurious-obligation', `the real run completes, but the ${o.kind} obligation at ${o.loc.line}:${o.loc.col} (${o.message}) is ${showValue(v)}`);
      }
      for (const r of sym.resultLeaves) {
        const want = r.segs.length === 0 && isScalar(fn.ret) ? scalarValue(real.result, fn.ret) : leafValue(real.result, fn.ret, r.segs);
        const bad = leafMismatch(dimsOf(fn.ret, r.segs), value(r.term), want);
        if (bad) return fail('result', `result ${r.segs.map((x) => JSON.stringify(x)).join('')}: ${bad} (real result ${show(real.result)})`);
      }
      for (const f of sym.finalLeaves) {
        const q = fn.params[f.param];
        const bad = leafMismatch(dimsOf(q.type, f.segs), value(f.term), leafValue(insArgs[f.param], q.type, f.segs));
        if (bad) return fail('final-state', `final ${q.name} leaf ${f.segs.map((x) => ('f' in x ? `.${x.f}` : 'idx' in x ? '[]' : `{${x.map}}`)).join('')}: ${bad}\nreal final ${q.name}: ${show(insArgs[f.param])}`);
      }
    } catch (e) {
      return fail('internal', `while checking an input: ${(e as Error).stack ?? e}`);
    }
  }
  return undefined;
}

export interface BatchOptions {
  /** random inputs per program */
  inputs: number;
  /** seeds the inputs of case k */
  seedOf: (c: Case) => number;
}

/** Lowers and checks a batch of programs in one temporary folder (removed afterwards). */
export function checkBatch(cases: Case[], opts: BatchOptions, stats: Stats): Problem[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-fuzz-'));
  const problems: Problem[] = [];
  try {
    const files = cases.map((c, k) => {
      const f = path.join(dir, `p${k}.ts`);
      fs.writeFileSync(f, c.source);
      return f;
    });
    let t = performance.now();
    const lap = (k: keyof Stats['ms']) => {
      const now = performance.now();
      stats.ms[k] += now - t;
      t = now;
    };
    const project = loadProject(dir);
    for (const f of files) project.addSourceFileAtPath(f);
    const L = new Lowering(project);
    const accepted: { c: Case; fn: Func; sym: Symbolic }[] = [];
    cases.forEach((c, k) => {
      stats.programs++;
      const file = project.getSourceFileOrThrow(files[k]).getFilePath();
      const problem = (what: string, detail: string) => problems.push({ id: c.id, what, detail, source: c.source });
      const before = L.diagnostics.length;
      let mod: Module;
      try {
        mod = L.lowerModule(files[k]);
      } catch (e) {
        return problem('internal', `the front end threw: ${(e as Error).stack ?? e}`);
      }
      lap('lower');
      const diags = L.diagnostics.slice(before).filter((d) => d.loc.file === file);
      let rejected: Diagnostic[] | undefined = diags.length ? diags : undefined;
      let phase = 'lowering';
      let sym: Symbolic | undefined;
      const fn = mod.exports.get('op');
      if (!rejected) {
        if (!fn) return problem('internal', 'no exported op after lowering without diagnostics');
        try {
          sym = symbolic(L.program, fn);
        } catch (e) {
          if (!(e instanceof SubsetError)) return problem('internal', `the symbolic evaluator threw: ${(e as Error).stack ?? e}`);
          rejected = e.diagnostics;
          phase = 'evaluation';
        }
        if (sym) {
          // forking mode may reject more (a record passed twice to a summarised callee), never crash
          try {
            sym.forked = forkedPaths(L.program, fn);
          } catch (e) {
            if (!(e instanceof SubsetError)) return problem('internal', `forking mode threw: ${(e as Error).stack ?? e}`);
            if (!located(e.diagnostics, file).length) return problem('unlocated-rejection', `forking mode rejected without a located diagnostic: ${e.diagnostics.map((d) => d.construct).join('; ')}`);
            stats.forkRejected++;
          }
        }
      }
      lap('symbolic');
      if (rejected) {
        const here = located(rejected, file);
        if (!here.length) return problem('unlocated-rejection', `rejected without a diagnostic located in the program: ${rejected.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.construct}`).join('; ')}`);
        if (c.rejectLines) {
          const [lo, hi] = c.rejectLines;
          stats.expectedRejections++;
          if (!here.some((d) => d.loc.line >= lo && d.loc.line <= hi)) return problem('misplaced-rejection', `the construct at lines ${lo}-${hi} is outside the subset, but the diagnostics point elsewhere: ${here.map((d) => `${d.loc.line}:${d.loc.col} ${d.construct}: ${d.message}`).join('; ')}`);
          return;
        }
        if (phase === 'lowering') stats.rejectedLowering++;
        else stats.rejectedEvaluation++;
        bump(stats.rejectReasons, `${phase}: ${here[0].construct.replace(/`[^`]*`/g, '`…`').replace(/\b[pt]\d+\b/g, 'x')}`);
        return;
      }
      if (c.rejectLines) return problem('accepted-outside', `the construct at lines ${c.rejectLines[0]}-${c.rejectLines[1]} is outside the subset, but the program was accepted`);
      stats.accepted++;
      accepted.push({ c, fn: fn!, sym: sym! });
    });
    let mods: ModuleExports[];
    try {
      mods = loadModules(accepted.flatMap(({ c }) => [c.source, c.instrumented]));
    } catch (e) {
      problems.push({ id: 'batch', what: 'internal', detail: `the batch does not load: ${(e as Error).stack}`, source: '' });
      return problems;
    }
    lap('load');
    accepted.forEach(({ c, fn, sym }, j) => {
      const p = checkInputs(c, fn, sym, mods[2 * j], mods[2 * j + 1], opts.seedOf(c), opts.inputs, stats);
      if (p) problems.push(p);
    });
    lap('inputs');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
