// Spec/implementation pairs for the whole pipeline: the spec is a generated program with `init`;
// the implementation is the same program regenerated from the same seed with one mutation (a
// literal changed, an operator swapped, an effect dropped: expr.ts `mutate`) or none, plus an
// `equiv` that relates equal states. Random testing of the two real runs decides whether they
// differ; a pair that differs on some input must never be reported proved (program-fuzz.test.ts).

import fc from 'fast-check';
import type { Type } from '../../verifier/ir.ts';
import { generateParts, opSignature, type Options, type Parts } from './generator.ts';
import type { Mutator } from './expr.ts';
import { Rand, type RecordType } from './shape.ts';
import { arbOf, clone, sameValue } from '../support/values.ts';
import { loadModules, runReal, type ModuleExports } from './runtime.ts';

export const PAIR_OPTIONS: Options = { stmts: [1, 3], depth: 1, helpers: [0, 1] };

const IMPORTS = [
  "import type { u8, u16, u32, i8, i16, i32, Arr, SMap } from 'pushbutton';",
  "import { arr, smap, assert, forall, exists, count, sameMap } from 'pushbutton';",
];

/** A literal of type `t` holding zeros, for init(). */
function zero(t: Type): string {
  switch (t.k) {
    case 'int':
      return '0';
    case 'bool':
      return 'false';
    case 'enum':
      return `'${t.members[0]}'`;
    case 'record':
      return `{ ${t.fields.map((f) => `${f.name}: ${zero(f.type)}`).join(', ')} }`;
    case 'array':
      return `arr(${t.len}, (k) => ${t.elem.k === 'record' ? `(${zero(t.elem)})` : zero(t.elem)})`;
    case 'map':
      return `smap(${zero(t.value)})`;
    default:
      throw new Error(`no zero of ${t.k}`);
  }
}

/** `a` and `b` hold the same value of type `t`. */
function same(t: Type, a: string, b: string, depth = 0): string {
  switch (t.k) {
    case 'record':
      return t.fields.map((f) => same(f.type, `${a}.${f.name}`, `${b}.${f.name}`, depth)).join(' && ');
    case 'array': {
      const k = `j${depth}`;
      return `forall(${t.len}, (${k}) => ${same(t.elem, `${a}[${k}]`, `${b}[${k}]`, depth + 1)})`;
    }
    case 'map':
      return `sameMap(${a}, ${b})`;
    default:
      return `${a} === ${b}`;
  }
}

function moduleText(p: Parts, body: string[], extra: string[]): string {
  const op = [`${opSignature(p)} {`, ...p.opBody.ts.map((l) => `  ${l}`), '}'];
  return [...IMPORTS, ...extra, p.decls, ...p.helpers.ts, ...op, ...body].join('\n') + '\n';
}

export interface PairCase {
  seed: number;
  spec: string;
  impl: string;
  /** what the implementation changes, or undefined for an identical copy */
  mutation?: string;
  state: RecordType;
  params: Type[];
  ret: Type;
}

/** The pair of `seed`: mutated unless `identical`. */
export function pairCase(seed: number, identical: boolean): PairCase {
  const specParts = generateParts(seed, PAIR_OPTIONS);
  // count the mutation points, then regenerate with one of them changed
  const probe = { target: -1, count: 0 };
  generateParts(seed, PAIR_OPTIONS, probe);
  const mut: Mutator | undefined = identical || probe.count === 0 ? undefined : { target: new Rand(seed ^ 0x5bd1e995).int(0, probe.count - 1), count: 0 };
  const implParts = generateParts(seed, PAIR_OPTIONS, mut);
  const state = specParts.shape.state;
  const init = [`export function init(): State {`, `  return ${zero(state)};`, '}'];
  const spec = moduleText(specParts, init, []);
  const equiv = [`export function equiv(i: State, s: spec.State): boolean {`, `  return ${same(state, 'i', 's')};`, '}'];
  const impl = moduleText(implParts, [...init, ...equiv], ["import type * as spec from './spec';"]);
  return { seed, spec, impl, mutation: mut?.applied, state, params: specParts.opParams.map((x) => x.type), ret: specParts.opRet };
}

/** Runs both on random inputs: the first input on which they differ (a runtime error in either counts), if any. */
export function findDifference(c: PairCase, runs: number): string | undefined {
  const [spec, impl]: ModuleExports[] = loadModules([c.spec, c.impl]);
  const types = [c.state as Type, ...c.params];
  for (const args of fc.sample(fc.tuple(...types.map(arbOf)), { seed: c.seed, numRuns: runs })) {
    const a = args.map((x, i) => clone(x, types[i])), b = args.map((x, i) => clone(x, types[i]));
    const run = (m: ModuleExports, xs: unknown[]) => {
      try {
        return runReal(m.op, xs);
      } catch (e) {
        // a plain run does not check stores, indices or divisions; anything it throws (reading a
        // field of an element past the end) is a runtime error too
        return { k: 'error' as const, kind: 'bounds' as const, message: String(e) };
      }
    };
    const ra = run(spec, a), rb = run(impl, b);
    const why =
      ra.k === 'error' ? `the spec fails: ${ra.message}` :
      rb.k === 'error' ? `the implementation fails: ${rb.message}` :
      !sameValue(ra.result, rb.result, c.ret) ? 'the results differ' :
      !sameValue(a[0], b[0], c.state) ? 'the final states differ' : undefined;
    if (why) return `${why} on ${JSON.stringify(args)}`;
  }
  return undefined;
}

