// Running a generated program for real: TypeScript's own transpiler turns the source into
// JavaScript, whose 'pushbutton' import is bound to verifier/prelude.ts (the module the verifier
// gives its meaning to, as verifier/frontend/emit.ts does for replays), and the result runs in
// this process.
//
// The instrumented printing (expr.ts) additionally imports 'fuzz-rt', the checks TypeScript does
// not make: a value stored where an integer type is declared ($n), an array index ($ix), an
// arithmetic result outside the safe integers ($s), divisions ($div, $mod, $nz). A failed check
// throws RuntimeFault with the verifier's obligation kind; a failed assert() throws the prelude's
// AssertionFailure.

import ts from 'typescript';
import * as prelude from '../../verifier/prelude.ts';
import { AssertionFailure } from '../../verifier/prelude.ts';
import { INT_TYPES, type IntTypeName } from '../../verifier/ir.ts';
import type { ObligationKind } from '../../symexec/evaluate.ts';

export class RuntimeFault extends Error {
  constructor(readonly kind: ObligationKind, message: string) {
    super(message);
  }
}

const SAFE = Number.MAX_SAFE_INTEGER;

export const fuzzRuntime = {
  $n(t: IntTypeName, v: number): number {
    const { min, max } = INT_TYPES[t];
    if (!(v >= Number(min) && v <= Number(max))) throw new RuntimeFault('overflow', `${v} stored as ${t}`);
    return v;
  },
  $ix(i: number, n: number): number {
    if (!(i >= 0 && i < n)) throw new RuntimeFault('bounds', `index ${i} outside 0..${n - 1}`);
    return i;
  },
  $s(v: number): number {
    if (!(Math.abs(v) <= SAFE)) throw new RuntimeFault('safe-integer', `${v} outside the safe integers`);
    return v;
  },
  $div(a: number, b: number): number {
    if (b === 0) throw new RuntimeFault('divzero', `${a} / 0`);
    if (a % b !== 0) throw new RuntimeFault('inexact-division', `${a} / ${b} is not an integer`);
    return a / b;
  },
  $mod(a: number, b: number): number {
    if (b === 0) throw new RuntimeFault('divzero', `${a} % 0`);
    return a % b;
  },
  $nz(b: number): number {
    if (b === 0) throw new RuntimeFault('divzero', 'division by 0');
    return b;
  },
};

export type ModuleExports = Record<string, (...args: unknown[]) => unknown>;

const requireShim = (m: string): unknown => {
  if (m === 'pushbutton') return prelude;
  if (m === 'fuzz-rt') return fuzzRuntime;
  throw new Error(`a generated program imports ${m}`);
};

/**
 * Transpiles many programs with one call of TypeScript's transpileModule and evaluates them.
 * Each program's text (its imports aside) becomes the body of a namespace of its own, so its
 * declarations keep their own scope; the imports, the same in every program, are written once.
 * (One call per program cost 10-30 ms, most of it TypeScript setting up a program; the batch
 * costs about as much as one.)
 */
export function loadModules(sources: string[]): ModuleExports[] {
  const imports = new Set<string>();
  const bodies = sources.map((src, k) => {
    const lines = src.split('\n');
    for (const l of lines) if (l.startsWith('import ')) imports.add(l);
    return `export namespace P${k} {\n${lines.filter((l) => !l.startsWith('import ')).join('\n')}\n}`;
  });
  const text = [...imports, ...bodies].join('\n');
  const js = ts.transpileModule(text, {
    fileName: 'programs.ts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: false },
  }).outputText;
  const exports: Record<string, ModuleExports> = {};
  new Function('exports', 'require', js)(exports, requireShim);
  return sources.map((_, k) => exports[`P${k}`]);
}

export type RealOutcome = { k: 'ok'; result: unknown } | { k: 'error'; kind: ObligationKind; message: string };

/** Runs `f` on `args` (mutated in place): its result, or the runtime error it commits. */
export function runReal(f: (...args: unknown[]) => unknown, args: unknown[]): RealOutcome {
  try {
    return { k: 'ok', result: f(...args) };
  } catch (e) {
    if (e instanceof RuntimeFault) return { k: 'error', kind: e.kind, message: e.message };
    if (e instanceof AssertionFailure) return { k: 'error', kind: 'assert', message: e.message };
    throw e;
  }
}
