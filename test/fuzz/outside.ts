// Programs just outside the subset: a random in-subset program with one rejected construct put in
// at the start of `op` (and, for some, a module-level declaration right before `op`). The verifier
// must reject each with a SubsetError located in those lines (oracle.ts: rejectLines), never
// accept it and never fail with another exception.
//
// Some constructs are caught by the front end, others only by the symbolic evaluator (storing an
// existing record): both must locate the diagnostic.

import { generateParts, opSignature, DEFAULT_OPTIONS } from './generator.ts';
import type { Case } from './oracle.ts';

interface Construct {
  name: string;
  /** module-level lines put right before `op` */
  module?: string[];
  /** lines put at the start of `op`'s body */
  stmt: string[];
}

/** Every State has `n` (an integer), `a` (an array of integers) and `rows` (an array of Row, with x and y). */
const CONSTRUCTS: Construct[] = [
  { name: 'while', stmt: ['while (s.n < 3) { s.n = s.n + 1; }'] },
  { name: 'do-while', stmt: ['do { s.n = 1; } while (s.n < 0);'] },
  { name: 'var', stmt: ['var z0 = 1;'] },
  { name: '??', stmt: ['const z0 = s.n ?? 1;'] },
  { name: 'array literal', stmt: ['const z0 = [1, 2];'] },
  { name: 'as', stmt: ['const z0 = s.n as number;'] },
  { name: '==', stmt: ['if (s.n == 1) { s.n = 2; }'] },
  { name: '**', stmt: ['const z0 = s.n ** 2;'] },
  { name: 'for-of', stmt: ['for (const z0 of s.a) { s.n = z0; }'] },
  { name: 'for-in', stmt: ['for (const z0 in s.a) { s.n = 1; }'] },
  { name: 'try', stmt: ['try { s.n = 1; } catch (e) { s.n = 2; }'] },
  { name: 'throw', stmt: ["if (s.n > 100) { throw new Error('x'); }"] },
  { name: 'break outside a loop', stmt: ['if (s.n > 200) { break; }'] },
  { name: 'labelled break', stmt: ['lbl: for (let z0 = 0; z0 < 3; z0++) { if (z0 === 1) { break lbl; } }'] },
  { name: 'break leaving a switch in a loop', stmt: ['for (let z0 = 0; z0 < 3; z0++) { switch (z0) { case 1: if (s.n > 0) { break; } s.n = 1; break; } }'] },
  { name: 'destructuring', stmt: ['const { n } = s;'] },
  { name: 'template', stmt: ['const z0 = `${s.n}`;'] },
  { name: 'arrow', stmt: ['const z0 = (x: number) => x;'] },
  { name: 'no initializer', stmt: ['let z0: u8;'] },
  { name: 'postfix in expression', stmt: ['const z0 = s.n++;'] },
  { name: 'chained assignment', stmt: ['s.a[0] = s.a[1] = 2;'] },
  { name: 'record identity', stmt: ['const z0 = s.rows[0] === s.rows[1];'] },
  { name: 'non-constant bound', stmt: ['for (let z0 = 0; z0 < s.n; z0++) { s.a[0] = 1; }'] },
  { name: 'loop step', stmt: ['for (let z0 = 0; z0 < 3; z0 += 2) { s.a[0] = 1; }'] },
  { name: 'Math.sqrt', stmt: ['const z0 = Math.sqrt(4);'] },
  { name: 'optional chaining', stmt: ['const z0 = s.rows[0]?.x;'] },
  { name: 'non-null', stmt: ['const z0 = s.n!;'] },
  { name: 'fraction', stmt: ['const z0 = 1.5;'] },
  { name: 'string', stmt: ["const z0 = 'hello';"] },
  { name: 'null', stmt: ['const z0 = null;'] },
  { name: 'undefined', stmt: ['const z0 = undefined;'] },
  { name: 'label', stmt: ['lbl: for (let z0 = 0; z0 < 2; z0++) { s.a[0] = 1; }'] },
  { name: 'nested function', stmt: ['function z0(): number { return 1; }'] },
  { name: 'new', stmt: ['const z0 = new Map();'] },
  { name: 'method call', stmt: ['const z0 = s.a.indexOf(1);'] },
  { name: 'T[] type', stmt: ['const z0: number[] = arr(2, (k) => k);'] },
  { name: 'fall-through', stmt: ['switch (s.n) { case 0: s.a[0] = 1; case 1: s.a[0] = 2; break; }'] },
  { name: 'assignment to loop variable', stmt: ['for (let z0 = 0; z0 < 2; z0++) { z0 = 5; }'] },
  { name: 'assignment to const', stmt: ['const z0 = 1;', 'z0 = 2;'] },
  { name: 'boolean to integer', stmt: ['let z0 = 1;', 'z0 = true;'] },
  { name: 'unknown field', stmt: ['s.rows[0].nosuch = 1;'] },
  { name: 'assignment in expression', stmt: ['const z0 = (s.n = 1);'] },
  { name: 'recursion', module: ['function rec(k: number): number { return k > 0 ? rec(k - 1) : 0; }'], stmt: ['const z0 = rec(2);'] },
  { name: 'module variable', module: ['let counter = 0;'], stmt: ['s.n = counter;'] },
  { name: 'class', module: ['class Z { v = 1; }'], stmt: ['const z0 = new Z();'] },
  { name: 'exported function expression', module: ['export const f0 = (x: number): number => x;'], stmt: ['s.n = 1;'] },
  { name: 'optional field', module: ['interface Opt { x?: number }'], stmt: ['const z0: Opt = { x: 1 };'] },
  { name: 'any', stmt: ['const z0: any = 1;'] },
  { name: 'TypeScript enum', module: ['enum Color { Red, Green }'], stmt: ['const z0 = Color.Red;'] },
  { name: 'generic helper', module: ['function id<T>(x: T): T { return x; }'], stmt: ['const z0 = id(1);'] },
  // caught by the symbolic evaluator: TypeScript's object identity would show
  { name: 'storing an existing record', stmt: ['s.rows[0] = s.rows[1];'] },
];

export const OUTSIDE_CONSTRUCTS = CONSTRUCTS.length;

/** The `k`-th out-of-subset program: construct k modulo their number, on a random program. */
export function outsideCase(seed: number, k: number): Case & { construct: string } {
  const c = CONSTRUCTS[k % CONSTRUCTS.length];
  const parts = generateParts(seed, DEFAULT_OPTIONS);
  const head = [
    "import type { u8, u16, u32, i8, i16, i32, Arr, SMap } from 'pushbutton';",
    "import { arr, assert, forall, exists, count } from 'pushbutton';",
    parts.decls,
    ...parts.helpers.ts,
  ].join('\n').split('\n');
  const module = c.module ?? [];
  const lo = head.length + 1;
  const lines = [...head, ...module, `${opSignature(parts)} {`, ...c.stmt.map((l) => `  ${l}`), ...parts.opBody.ts.map((l) => `  ${l}`), '}'];
  const hi = head.length + module.length + 1 + c.stmt.length;
  const source = lines.join('\n') + '\n';
  return { id: `outside ${seed} (${c.name})`, source, instrumented: source, rejectLines: [lo, hi], construct: c.name };
}
