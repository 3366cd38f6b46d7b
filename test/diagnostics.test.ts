// The subset's diagnostics (DESIGN.md, "The subset"): every construct outside the subset is
// rejected with `file:line:col`, the construct, and what to write instead. One test per construct
// that a user can reach, each checked for the exact location of the construct; then several
// problems in one file, syntax errors, the subsystem-level checks, and the accepted side of the
// constructs whose rejection could easily be too broad.
//
// Each case writes a tiny spec/impl pair into a fresh temporary folder and lowers it in-process
// with loadSubsystem(loadProject(root), ...). In a snippet, `⟪` marks where the diagnostic must
// point; it is removed before the file is written.

import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../verifier/frontend/project.ts';
import { loadSubsystem, type Subsystem } from '../verifier/subsystem.ts';
import { confirmRunLoads } from '../verifier/frontend/run-resolution.ts';
import { SubsetError, formatDiagnostic, type Diagnostic } from '../verifier/diagnostics.ts';
import { Interpreter } from '../symexec/concrete.ts';
import { arr, smap } from '../verifier/prelude.ts';

const MARK = '⟪';
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** The spec every table case extends: a State with one field of each kind. */
const SPEC_HEAD = `import type { u8, u32, i32, Arr, Opaque, SMap } from 'pushbutton';
import { forall, exists, count, arr, smap, assert, assume, implies } from 'pushbutton';
export type Mode = 'on' | 'off';
export interface Pair { a: u32; b: u32 }
export interface State { value: u32; flag: boolean; mode: Mode; cells: Arr<u32, 4>; pair: Pair; map: SMap<u32, u32> }
export function init(): State {
  return { value: 0, flag: false, mode: 'off', cells: arr(4, (i) => 0), pair: { a: 0, b: 0 }, map: smap(0) };
}
export const N = 4;
`;

/** An implementation with nothing but State, init and equiv, against spec/t.ts. */
const IMPL_MIN = `import type { u32 } from 'pushbutton';
import type * as spec from '../spec/t';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function equiv(i: State, s: spec.State): boolean { return i.value === s.value; }
`;

interface Located {
  text: string;
  marks: { line: number; col: number }[];
}

/** Removes the marks from `text` and returns their 1-based line and column. */
function locate(text: string): Located {
  const marks: { line: number; col: number }[] = [];
  let out = '';
  let line = 1;
  let col = 1;
  for (const ch of text) {
    if (ch === MARK) {
      marks.push({ line, col });
      continue;
    }
    out += ch;
    if (ch === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { text: out, marks };
}

interface Written {
  root: string;
  files: Record<string, string>;
  marks: Record<string, { line: number; col: number }[]>;
}

/** Writes a project into a fresh temporary folder; returns absolute paths and the marks per file. */
function writeProject(files: Record<string, string>): Written {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-diag-')));
  roots.push(root);
  const out: Written = { root, files: {}, marks: {} };
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const l = locate(text);
    fs.writeFileSync(abs, l.text);
    out.files[rel] = abs;
    out.marks[rel] = l.marks;
  }
  return out;
}

function load(w: Written, spec = 'spec/t.ts', impl = 'impl/t.ts'): Subsystem {
  return loadSubsystem(loadProject(w.root), 't', w.files[spec], w.files[impl]);
}

/** Lowers the project, asks the run's resolver (as a command does before a verdict), and returns the diagnostics it refuses with. */
function runRejected(w: Written): Diagnostic[] {
  const sub = load(w);
  try {
    confirmRunLoads(sub.project);
  } catch (e) {
    if (e instanceof SubsetError) return e.diagnostics;
    throw e;
  }
  throw new Error('expected the run\'s resolver to refuse an import');
}

/** Lowers the project and returns the diagnostics of the SubsetError it must throw. */
function rejected(w: Written, spec = 'spec/t.ts', impl = 'impl/t.ts'): Diagnostic[] {
  let thrown: unknown;
  try {
    load(w, spec, impl);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('expected a SubsetError, but the subsystem was accepted');
  if (!(thrown instanceof SubsetError)) throw new Error(`expected a SubsetError, got a crash: ${thrown instanceof Error ? thrown.stack : String(thrown)}`);
  return thrown.diagnostics;
}

const show = (ds: Diagnostic[]) => ds.map((d) => formatDiagnostic(d, '/')).join('\n');

interface Case {
  /** the construct, as the test name */
  name: string;
  /** code appended to SPEC_HEAD; ⟪ marks the expected location */
  code: string;
  /** what the diagnostic's construct must say */
  construct: RegExp;
  /** what the diagnostic's message must say (the fix) */
  fix: RegExp;
}

/** Wraps statements in an exported function with a few typed locals to work on. */
const body = (stmts: string) => `export function t(s: State, x: u32, b: boolean): number {
  let y: u32 = 0;
${stmts}
  return y;
}
`;

const CASES: Case[] = [
  // ---- loops ------------------------------------------------------------------------------------
  { name: 'while loop', code: body('  ⟪while (y < 10) { y = y + 1; }'), construct: /while loop/, fix: /for \(let i = 0; i < N; i\+\+\).*constant/ },
  { name: 'do-while loop', code: body('  ⟪do { y = y + 1; } while (y < 10);'), construct: /while loop/, fix: /for \(let i = 0; i < N; i\+\+\)/ },
  { name: 'for-of loop', code: body('  ⟪for (const c of s.cells) { y = c; }'), construct: /for-of\/for-in loop/, fix: /for \(let i = 0; i < N; i\+\+\)/ },
  { name: 'for-in loop', code: body('  ⟪for (const k in s.pair) { y = 1; }'), construct: /for-of\/for-in loop/, fix: /for \(let i = 0; i < N; i\+\+\)/ },
  { name: 'for loop bounded by a variable', code: body('  for (let i = 0; ⟪i < s.value; i++) { y = y + 1; }'), construct: /loop bound `i < s\.value`/, fix: /constant bounds.*literal or a constant/ },
  { name: 'for loop starting at a variable', code: body('  ⟪for (let i = x; i < 4; i++) { y = y + 1; }'), construct: /this for loop/, fix: /for \(let i = A; i < B; i\+\+\) with constant bounds/ },
  { name: 'for loop without condition', code: body('  ⟪for (let i = 0; ; i++) { y = y + 1; }'), construct: /this for loop/, fix: /constant bounds/ },
  { name: 'for(;;)', code: body('  ⟪for (;;) { y = y + 1; }'), construct: /this for loop/, fix: /constant bounds/ },
  { name: 'for loop counting down', code: body('  for (let i = 4; ⟪i > 0; i--) { y = y + 1; }'), construct: /loop condition `i > 0`/, fix: /loops count up: .*i < B.*counting down is written counting up/ },
  { name: 'for loop stepping by two', code: body('  for (let i = 0; i < 4; ⟪i += 2) { y = y + 1; }'), construct: /loop step `i \+= 2`/, fix: /advances by one: i\+\+/ },
  { name: 'nested loops with too many iterations in all', code: body('  for (let i = 0; i < 1000; i++) { ⟪for (let j = 0; j < 1000; j++) { y = 1; } }'), construct: /loops nested to more than 100000 iterations/, fix: /nested ones multiplied/ },
  { name: 'a number beyond the safe range written with an exponent', code: body('  y = ⟪1e21;'), construct: /the number `1e21`/, fix: /safe range/ },
  { name: 'for loop with too many iterations', code: body('  ⟪for (let i = 0; i < 200000; i++) { y = 1; }'), construct: /more than 100000 iterations/, fix: /forall\/exists\/count|smaller bound/ },
  { name: 'assignment to the loop variable', code: body('  for (let i = 0; i < 4; i++) { ⟪i = 3; }'), construct: /assignment to the loop variable `i`/, fix: /advances by the loop/ },
  { name: 'break outside a loop', code: body('  if (x > 1) { ⟪break; }'), construct: /break statement outside a for loop/, fix: /return/ },
  { name: 'continue outside a loop', code: body('  if (b) { ⟪continue; }'), construct: /continue statement outside a for loop/, fix: /return/ },
  { name: 'break inside a switch inside a loop', code: body('  for (let i = 0; i < 4; i++) { switch (x) { case 1: if (b) ⟪break; y = 2; break; default: y = 1; } }'), construct: /break statement inside a switch case/, fix: /leaves the switch, not the loop/ },
  { name: 'for loop bound beyond the safe integers (red-team s12c)', code: body('  for (let i = 9007199254740989; ⟪i <= 9007199254740991 + 1; i++) { y = y + 1; }'), construct: /loop bound `i <= 9007199254740991 \+ 1`/, fix: /safe integers/ },
  { name: 'labeled statement', code: body('  ⟪outer: for (let i = 0; i < 4; i++) { y = 1; }'), construct: /labeled statement/, fix: /remove the label/ },

  // ---- recursion ----------------------------------------------------------------------------------
  {
    name: 'direct recursion',
    code: `export function fact(n: u32): number {
  if (n === 0) return 1;
  return n * ⟪fact(n - 1);
}
`,
    construct: /recursive call/,
    fix: /fact calls itself.*for loop with a constant bound/,
  },
  {
    name: 'mutual recursion',
    code: `export function even(n: u32): boolean {
  if (n === 0) return true;
  return odd(n - 1);
}
function odd(n: u32): boolean {
  if (n === 0) return false;
  return ⟪even(n - 1);
}
`,
    construct: /recursive call/,
    fix: /even calls itself \(directly or through other functions\).*for loop/,
  },

  // ---- closures, functions ------------------------------------------------------------------------
  { name: 'arrow function as a value', code: body('  const inc = ⟪(v: u32) => v + 1;'), construct: /function expression/, fix: /only as the last argument of forall\/exists\/count\/arr.*declare helpers with function/ },
  { name: 'function expression as a value', code: body('  const inc = ⟪function (v: u32) { return v + 1; };'), construct: /function expression/, fix: /declare helpers with function/ },
  {
    name: 'closure passed to a quantifier by name',
    code: `function pred(i: number): boolean { return i > 0; }
export function t(x: u32): boolean { return forall(4, ⟪pred); }
`,
    construct: /argument `pred` of forall/,
    fix: /forall\(N, i => expression\)/,
  },
  { name: 'quantifier with a block body', code: body('  if (forall(4, (i) => ⟪{ return s.cells[i] > 0; })) y = 1;'), construct: /block body in forall/, fix: /forall\(N, i => expression\).*helper function/ },
  { name: 'quantifier with a variable bound', code: body('  if (exists(⟪x, (i) => i > 2)) y = 1;'), construct: /bound `x` of exists/, fix: /non-negative constant/ },
  { name: 'quantifier with a negative bound', code: body('  if (exists(⟪-1, (i) => i > 2)) y = 1;'), construct: /bound `-1` of exists/, fix: /non-negative constant/ },
  { name: 'quantifier with a non-boolean body', code: body('  y = count(4, (i) => ⟪s.cells[i]);'), construct: /\(i\) => s\.cells\[i\]/, fix: /body of count is a condition/ },
  { name: 'quantifier with a missing argument', code: body('  if (⟪forall(4)) y = 1;'), construct: /forall\(4\)/, fix: /forall\(N, i => condition\)/ },
  { name: 'implies with one argument', code: body('  if (⟪implies(b)) y = 1;'), construct: /implies\(b\)/, fix: /implies\(a, b\)/ },
  { name: 'function used as a value', code: `function helper(v: u32): number { return v; }\n${body('  const f = ⟪helper;')}`, construct: /function helper used as a value/, fix: /call it/ },
  { name: 'nested function declaration', code: body('  ⟪function inner(): number { return 1; }'), construct: /nested declaration/, fix: /module level/ },
  { name: 'nested class declaration', code: body('  ⟪class Inner {}'), construct: /nested declaration/, fix: /module level/ },
  { name: 'generic function', code: `⟪export function id<T>(v: T): T { return v; }\n`, construct: /generic function/, fix: /write the types out/ },
  { name: 'async function', code: `⟪export async function t(x: u32): Promise<number> { return x; }\n`, construct: /async or generator function/, fix: /synchronous/ },
  { name: 'generator function', code: `⟪export function* t(x: u32) { yield x; }\n`, construct: /async or generator function/, fix: /synchronous/ },
  { name: 'function without a body', code: `⟪export declare function ext(v: u32): number;\n`, construct: /function without a body/, fix: /give it a body/ },
  { name: 'exported arrow-function constant', code: `export const ⟪op = (s: State, x: u32): number => x;\n`, construct: /function expression op/, fix: /function op\(\.\.\.\) \{ \.\.\. \}: only function declarations are verified/ },
  { name: 'exported function-expression constant', code: `export const ⟪op = (function (s: State): number { return 0; });\n`, construct: /function expression op/, fix: /only function declarations are verified/ },

  // ---- parameters ---------------------------------------------------------------------------------
  { name: 'parameter without a type', code: `export function t(⟪v): number { return 0; }\n`, construct: /parameter `v`/, fix: /give every parameter a type/ },
  { name: 'optional parameter', code: `export function t(x: u32, ⟪v?: u32): number { return x; }\n`, construct: /parameter `v\?: u32`/, fix: /required and have no default/ },
  { name: 'default parameter', code: `export function t(x: u32, ⟪v: u32 = 1): number { return x; }\n`, construct: /parameter `v: u32 = 1`/, fix: /no default value/ },
  { name: 'rest parameter', code: `export function t(x: u32, ⟪...vs: u32[]): number { return x; }\n`, construct: /parameter `\.\.\.vs: u32\[\]`/, fix: /required/ },
  { name: 'destructuring parameter', code: `export function t(⟪{ a, b }: Pair): number { return a; }\n`, construct: /destructuring parameter/, fix: /one parameter and read its fields/ },
  {
    name: 'callee parameter without a type',
    code: `function helper(⟪v) { return 0; }
export function t(x: u32): number { helper(x); return x; }
`,
    construct: /parameter `v`/,
    fix: /give every parameter a type/,
  },
  {
    name: 'call with the wrong number of arguments',
    code: `function helper(v: u32): number { return v; }
export function t(x: u32): number { return ⟪helper(x, x); }
`,
    construct: /helper\(x, x\)/,
    fix: /helper takes 1 arguments/,
  },

  // ---- types --------------------------------------------------------------------------------------
  { name: 'any', code: `export function t(v: ⟪any): number { return 0; }\n`, construct: /type `any`/, fix: /use boolean, an integer type from the prelude/ },
  { name: 'unknown', code: `export function t(v: ⟪unknown): number { return 0; }\n`, construct: /type `unknown`/, fix: /integer type/ },
  { name: 'string type', code: `export function t(v: ⟪string): number { return 0; }\n`, construct: /type `string`/, fix: /string-literal union/ },
  { name: 'number[]', code: `export function t(v: ⟪number[]): number { return 0; }\n`, construct: /array type `number\[\]`/, fix: /Arr<T, N>/ },
  { name: 'tuple type', code: `export function t(v: ⟪[u32, u32]): number { return 0; }\n`, construct: /type `\[u32, u32\]`/, fix: /interface/ },
  { name: 'function type', code: `export function t(f: ⟪(v: u32) => u32): number { return 0; }\n`, construct: /type `\(v: u32\) => u32`/, fix: /interface/ },
  { name: 'union with a non-literal member', code: `export type Maybe = 'none' | ⟪u32;\nexport function t(v: Maybe): number { return 0; }\n`, construct: /union member `u32`/, fix: /unions of string literals/ },
  { name: 'nullable union', code: `export function t(v: 'a' | ⟪null): number { return 0; }\n`, construct: /union member `null`/, fix: /string literals/ },
  { name: 'recursive type', code: `⟪export interface List { head: u32; tail: List }\nexport function t(l: List): number { return 0; }\n`, construct: /recursive type/, fix: /array of records and indices/ },
  { name: 'interface with an optional field', code: `export interface Opt { a: u32; ⟪b?: u32 }\nexport function t(o: Opt): number { return 0; }\n`, construct: /optional field `b\?: u32`/, fix: /boolean flag or an enum/ },
  { name: 'interface with a method', code: `export interface M { a: u32; ⟪get(): u32 }\nexport function t(m: M): number { return 0; }\n`, construct: /member `get\(\): u32`/, fix: /only fields/ },
  { name: 'interface with an index signature', code: `export interface M { ⟪[k: string]: u32 }\nexport function t(m: M): number { return 0; }\n`, construct: /member `\[k: string\]: u32`/, fix: /only fields/ },
  { name: 'interface field without a type', code: `export interface M { a: u32; ⟪b; }\nexport function t(m: M): number { return 0; }\n`, construct: /field `b;`/, fix: /give the field a type/ },
  { name: 'interface extending another', code: `⟪export interface Triple extends Pair { c: u32 }\nexport function t(v: Triple): number { return 0; }\n`, construct: /interface that extends another/, fix: /all fields in one interface/ },
  { name: 'generic interface instantiated', code: `export interface Box<T> { v: T }\nexport function t(v: ⟪Box<u32>): number { return 0; }\n`, construct: /Box<u32>/, fix: /generic types are outside the subset/ },
  { name: 'generic interface without type arguments', code: `⟪export interface Box<T> { v: T }\nexport function t(v: Box): number { return 0; }\n`, construct: /generic interface/, fix: /one interface per instance/ },
  { name: 'generic type alias', code: `⟪export type Id<T> = T;\nexport function t(v: Id): number { return 0; }\n`, construct: /generic type alias/, fix: /one alias per instance/ },
  { name: 'record type literal with an optional member', code: `export function t(r: { a: u32; ⟪b?: u32 }): number { return 0; }\n`, construct: /member `b\?: u32`/, fix: /only required fields/ },
  { name: 'TypeScript enum', code: `⟪export enum Color { Red, Green }\nexport function t(c: Color): number { return 0; }\n`, construct: /type `export enum Color/, fix: /use an interface, a type alias, or a prelude type/ },
  { name: 'class as a type', code: `⟪export class Box { v = 0 }\nexport function t(c: Box): number { return 0; }\n`, construct: /type `export class Box/, fix: /use an interface/ },
  { name: 'unresolved type', code: `export function t(v: ⟪Missing): number { return 0; }\n`, construct: /type `Missing`/, fix: /does not resolve to a declaration \(is it imported\?\)/ },
  { name: 'unknown prelude type', code: `import type { Nope } from 'pushbutton';\nexport function t(v: ⟪Nope): number { return 0; }\n`, construct: /prelude type Nope/, fix: /not a type/ },
  { name: 'Arr without a length', code: `export function t(v: ⟪Arr<u32>): number { return 0; }\n`, construct: /Arr<u32>/, fix: /Arr<ElementType, Length>/ },
  { name: 'Arr with a non-constant length', code: `export function t(v: Arr<u32, ⟪number>): number { return 0; }\n`, construct: /array length `number`/, fix: /numeric literal or typeof NAME/ },
  { name: 'Opaque without a literal name', code: `export function t(v: ⟪Opaque<string>): number { return 0; }\n`, construct: /Opaque<string>/, fix: /Opaque<'Name'>/ },
  { name: 'SMap with one type argument', code: `export function t(v: ⟪SMap<u32>): number { return 0; }\n`, construct: /SMap<u32>/, fix: /SMap<KeyType, ValueType>/ },
  { name: 'SMap of records', code: `export function t(v: ⟪SMap<u32, Pair>): number { return 0; }\n`, construct: /SMap<u32, Pair>/, fix: /keys and values are scalars/ },

  // ---- module-level names -------------------------------------------------------------------------
  { name: 'module-level let state', code: `let calls = 0;\nexport function t(x: u32): number { return ⟪calls; }\n`, construct: /module-level variable calls/, fix: /state belongs in State/ },
  { name: 'write to module-level let state', code: `let calls = 0;\nexport function t(x: u32): number { ⟪calls = calls + 1; return x; }\n`, construct: /module-level variable calls/, fix: /state belongs in State/ },
  { name: 'module-level var', code: `var calls = 0;\nexport function t(x: u32): number { return ⟪calls; }\n`, construct: /module-level variable calls/, fix: /const declarations/ },
  { name: 'record constant', code: `export const ⟪ORIGIN: Pair = { a: 0, b: 0 };\nexport function t(x: u32): number { return ORIGIN.a; }\n`, construct: /module-level constant `ORIGIN/, fix: /constants are scalars.*inside init\(\)/ },
  { name: 'constant computed by a call', code: `function one(): number { return 1; }\nexport const ⟪ONE = one();\nexport function t(x: u32): number { return ONE; }\n`, construct: /module-level constant `ONE = one\(\)`/, fix: /literals and other constants only/ },
  { name: 'constants defined in terms of each other', code: `export const ⟪A: number = B + 1;\nexport const B: number = A + 1;\nexport function t(x: u32): number { return A; }\n`, construct: /constant defined in terms of itself/, fix: /give it a value/ },
  { name: 'TypeScript enum member', code: `export enum Color { Red, Green }\n${body('  y = ⟪Color.Red;')}`, construct: /TypeScript enum Color/, fix: /string-literal unions/ },
  { name: 'unknown name', code: body('  y = ⟪missing;'), construct: /name missing/, fix: /not a local, a parameter, or a module-level constant/ },

  // ---- statements ---------------------------------------------------------------------------------
  { name: 'var', code: body('  ⟪var z = 1;'), construct: /var declaration/, fix: /use const or let/ },
  // the names bound by a rejected declaration are used afterwards: the problem is still reported once
  { name: 'destructuring declaration', code: body('  const ⟪{ a, b: bb } = s.pair;\n  y = a + bb;'), construct: /destructuring `\{ a, b: bb \} = s\.pair`/, fix: /one name per declaration/ },
  { name: 'array destructuring declaration', code: body('  const ⟪[p, q] = s.cells;\n  y = p;\n  y = q;'), construct: /destructuring/, fix: /one name per declaration/ },
  { name: 'declaration without a value', code: body('  let ⟪z: u32;\n  z = 1;\n  y = z + 1;'), construct: /declaration `z: u32` without a value/, fix: /initial value/ },
  { name: 'assignment to a const', code: body('  const z = 1;\n  ⟪z = 2;'), construct: /assignment to the constant `z`/, fix: /declare it with let/ },
  { name: 'assignment to a call result', code: `function self(s: State): State { return s; }\n${body('  ⟪self(s).value = 1;')}`, construct: /assignment target `self\(s\)\.value`/, fix: /local, a parameter, or a field/ },
  { name: 'return value without a declared return type', code: `export function t(x: u32) {\n  ⟪return x;\n}\n`, construct: /return value in a function without a return type/, fix: /function t\(\.\.\.\): number/ },
  { name: 'return without a value', code: body('  if (b) ⟪return;'), construct: /return without a value/, fix: /returns number/ },
  { name: 'throw', code: body("  if (b) ⟪throw new Error('no');"), construct: /throw statement/, fix: /return an error code/ },
  { name: 'try/catch', code: body('  ⟪try { y = 1; } catch (e) { y = 2; }'), construct: /try statement/, fix: /return an error code/ },
  { name: 'try/finally', code: body('  ⟪try { y = 1; } finally { y = 2; }'), construct: /try statement/, fix: /return an error code/ },
  { name: 'local type declaration', code: body('  ⟪type Local = u32;'), construct: /statement `type Local = u32;`/, fix: /statements of the subset/ },
  { name: 'expression statement without effect', code: body('  ⟪y + 1;'), construct: /expression statement `y \+ 1`/, fix: /assignment, a call, or x\+\+/ },
  {
    name: 'switch fall-through',
    code: body(`  switch (x) {
    ⟪case 1:
      y = 1;
    case 2:
      y = 2;
      break;
  }`),
    construct: /switch case that falls through/,
    fix: /end every non-empty case with break or return/,
  },
  { name: 'non-boolean condition', code: body('  if (⟪x) y = 1;'), construct: /condition `x`/, fix: /compare explicitly \(x !== 0\)/ },
  { name: 'value of the wrong type', code: body('  const c: boolean = ⟪x;'), construct: /value of type u32/, fix: /expected boolean/ },
  { name: 'assert with three arguments', code: body("  ⟪assert(b, 'm', 1);"), construct: /assert\(b, 'm', 1\)/, fix: /assert\(condition\)/ },
  { name: 'assert with a computed message', code: body('  assert(b, ⟪`x is ${x}`);'), construct: /`x is \$\{x\}`/, fix: /string literal/ },
  { name: 'assert inside an expression', code: body('  const z = ⟪assert(b);'), construct: /assert inside an expression/, fix: /statement of its own/ },
  { name: 'SMap.set with one argument', code: body('  ⟪s.map.set(1);'), construct: /s\.map\.set\(1\)/, fix: /m\.set\(key, value\)/ },
  { name: 'SMap.delete with two arguments', code: body('  ⟪s.map.delete(1, 2);'), construct: /s\.map\.delete\(1, 2\)/, fix: /m\.delete\(key\)/ },

  // ---- expressions --------------------------------------------------------------------------------
  { name: 'floating-point literal', code: body('  y = ⟪1.5;'), construct: /number `1\.5`/, fix: /integers.*no floating point/ },
  { name: 'integer beyond the safe range', code: body('  y = ⟪1e20;'), construct: /number `1e20`/, fix: /safe range/ },
  { name: 'string outside an enumeration', code: body("  const name = ⟪'abc';"), construct: /string `'abc'`/, fix: /string-literal union types/ },
  { name: 'string not a member of the enumeration', code: body("  s.mode = ⟪'standby';"), construct: /string 'standby'/, fix: /not a member of Mode \('off' \| 'on'\)/ },
  { name: 'template string', code: body('  const m: Mode = ⟪`o${x}`;'), construct: /template string/, fix: /strings are outside the subset/ },
  { name: '==', code: body('  if (⟪x == 1) y = 1;'), construct: /operator ==/, fix: /use === \(strict equality\)/ },
  { name: '!=', code: body('  if (⟪x != 1) y = 1;'), construct: /operator !=/, fix: /use !== \(strict equality\)/ },
  { name: 'bitwise and on a boolean', code: body('  y = ⟪b & 1;'), construct: /operator & on boolean and number/, fix: /on integers only/ },
  { name: 'shift of a boolean', code: body('  y = ⟪1 << b;'), construct: /operator << on number and boolean/, fix: /on integers only/ },
  { name: '**=', code: body('  ⟪y **= 2;'), construct: /operator \*\*=/, fix: /write the assignment out.*\*\*.*are outside the subset/ },
  { name: '&&=', code: body('  ⟪b &&= x > 1;'), construct: /operator &&=/, fix: /are outside the subset/ },
  { name: '??=', code: body('  ⟪y ??= 1;'), construct: /operator \?\?=/, fix: /\?\?= are outside the subset/ },
  { name: 'exponentiation', code: body('  y = ⟪x ** 2;'), construct: /operator \*\*/, fix: /exponentiation is outside the subset/ },
  { name: 'bitwise not of a boolean', code: body('  y = ⟪~b;'), construct: /operator \^ on boolean/, fix: /on integers only/ },
  { name: 'unary plus', code: body('  y = ⟪+x;'), construct: /operator in `\+x`/, fix: /arithmetic/ },
  { name: 'in operator', code: body("  if (⟪'a' in s.pair) y = 1;"), construct: /operator in/, fix: /arithmetic \(\+ - \* \/ %\), comparisons/ },
  { name: 'comma operator', code: body('  y = (⟪x, 1);'), construct: /operator ,/, fix: /arithmetic/ },
  { name: 'typeof', code: body("  if (⟪typeof x === 'number') y = 1;"), construct: /expression `typeof x`/, fix: /expressions of the subset/ },
  { name: '??', code: body('  y = ⟪x ?? 1;'), construct: /operator \?\?/, fix: /every value is defined/ },
  { name: 'optional chaining on a field', code: body('  y = ⟪s.pair?.a;'), construct: /optional chaining/, fix: /use \./ },
  { name: 'optional chaining on an element', code: body('  y = ⟪s.cells?.[0];'), construct: /optional chaining/, fix: /use \[i\]/ },
  { name: 'non-null assertion', code: body('  y = ⟪s.pair!.a;'), construct: /non-null assertion/, fix: /remove the !/ },
  { name: 'as cast', code: body('  const z: u8 = ⟪x as u8;'), construct: /type assertion `x as u8`/, fix: /annotate the declaration instead/ },
  { name: 'angle-bracket cast', code: body('  const z: u8 = ⟪<u8>x;'), construct: /type assertion `<u8>x`/, fix: /annotate/ },
  { name: 'array literal', code: body('  const a: Arr<u32, 2> = ⟪[1, 2];'), construct: /array literal `\[1, 2\]`/, fix: /arr\(N, i => \.\.\.\)/ },
  { name: 'new of a class', code: `class Counter { n = 0 }\n${body('  const c = ⟪new Counter();')}`, construct: /construction `new Counter\(\)`/, fix: /classes are outside the subset.*smap/ },
  { name: 'new Map', code: body('  const m = ⟪new Map();'), construct: /construction `new Map\(\)`/, fix: /smap\(default\)/ },
  { name: 'await in a plain function', code: body('  const z = ⟪await x;'), construct: /^await$/, fix: /synchronous/ },
  { name: 'this', code: body('  y = ⟪this.value;'), construct: /^this$/, fix: /explicit state parameters/ },
  { name: 'null', code: body('  const z = ⟪null;'), construct: /^null$/, fix: /flag or an enum member/ },
  { name: 'undefined', code: body('  const z = ⟪undefined;'), construct: /^undefined$/, fix: /every value is defined/ },
  { name: 'postfix ++ inside an expression', code: body('  const z = ⟪y++;'), construct: /expression `y\+\+`/, fix: /\+\+ and -- as statements of their own/ },
  { name: 'prefix -- inside an expression', code: body('  const z = ⟪--y;'), construct: /operator in `--y`/, fix: /\+\+ and -- as statements of their own/ },
  { name: 'assignment inside an expression', code: body('  const z = (⟪y = 1);'), construct: /assignment `y = 1` inside an expression/, fix: /statements of their own/ },
  { name: 'compound assignment inside a condition', code: body('  if ((⟪y += 1) > 2) y = 0;'), construct: /assignment `y \+= 1` inside an expression/, fix: /statements of their own/ },
  { name: '=== on records', code: body('  if (⟪s.pair === s.pair) y = 1;'), construct: /comparison `s\.pair === s\.pair` of Pair values/, fix: /compares identity.*compare the fields/ },
  { name: '=== on different types', code: body('  if (⟪x === true) y = 1;'), construct: /comparison `x === true`/, fix: /compares u32 with boolean/ },
  { name: 'ordering of booleans', code: body('  if (⟪b < true) y = 1;'), construct: /comparison `b < true`/, fix: /integers only/ },
  { name: 'arithmetic on booleans', code: body('  y = ⟪b + 1;'), construct: /operator \+ on boolean and number/, fix: /integers only/ },
  { name: '! on an integer', code: body('  if (⟪!x) y = 1;'), construct: /! on u32/, fix: /compare integers explicitly/ },
  { name: 'unary minus on a boolean', code: body('  const z = ⟪-b;'), construct: /unary - on boolean/, fix: /negate integers only/ },
  { name: 'conditional mixing types', code: body('  const z = ⟪b ? 1 : true;'), construct: /conditional `b \? 1 : true`/, fix: /one type/ },
  { name: 'field of an integer', code: body('  y = ⟪x.length;'), construct: /property `x\.length`/, fix: /u32 has no fields/ },
  { name: 'missing field', code: body('  y = ⟪s.nope;'), construct: /property `s\.nope`/, fix: /State has no field nope/ },
  { name: 'indexing a record', code: body("  y = ⟪s.pair['a'];"), construct: /element access `s\.pair\['a'\]`/, fix: /not an Arr/ },
  { name: 'boolean index', code: body('  y = s.cells[⟪b];'), construct: /index `b`/, fix: /indices are integers/ },

  // ---- calls --------------------------------------------------------------------------------------
  { name: 'method call on a number', code: body('  const z = ⟪x.toFixed();'), construct: /method call `x\.toFixed\(\)`/, fix: /except SMap get\/has\/set\/delete.*call a function/ },
  { name: 'method call on an array', code: body('  const z = ⟪s.cells.indexOf(1);'), construct: /method call `s\.cells\.indexOf\(1\)`/, fix: /methods are outside the subset/ },
  { name: 'SMap method other than get/has/set/delete', code: body('  const k = ⟪s.map.keys();'), construct: /s\.map\.keys\(\)/, fix: /maps support get\(k\), has\(k\).*set\(k, v\), delete\(k\) as statements/ },
  { name: 'SMap.set inside an expression', code: body('  const r = ⟪s.map.set(1, 2);'), construct: /s\.map\.set\(1, 2\)/, fix: /set\(k, v\), delete\(k\) as statements/ },
  { name: 'SMap.get with a key of the wrong type', code: body('  y = s.map.get(⟪b);'), construct: /^`b`$/, fix: /key type is u32/ },
  { name: 'Math.random', code: body('  y = ⟪Math.random();'), construct: /Math\.random\(\)/, fix: /only floor\(a \/ b\), trunc\(a \/ b\), min, max and abs/ },
  { name: 'Math.sqrt', code: body('  y = ⟪Math.sqrt(x);'), construct: /Math\.sqrt\(x\)/, fix: /only floor\(a \/ b\)/ },
  { name: 'Math.floor without a division', code: body('  y = ⟪Math.floor(x);'), construct: /Math\.floor\(x\)/, fix: /only around a division: Math\.floor\(a \/ b\)/ },
  { name: 'Math.floor of booleans', code: body('  y = ⟪Math.floor(b / b);'), construct: /Math\.floor\(b \/ b\)/, fix: /integer division is on integers/ },
  { name: 'Math.min of booleans', code: body('  y = ⟪Math.min(b, b);'), construct: /Math\.min\(b, b\)/, fix: /Math\.min is on integers/ },
  { name: 'Math.abs of a boolean', code: body('  y = ⟪Math.abs(b);'), construct: /Math\.abs\(b\)/, fix: /Math\.abs is on integers/ },
  { name: 'global function', code: body('  y = ⟪Number(b);'), construct: /call `Number\(b\)`/, fix: /Number is not a function of the subset/ },
  { name: 'call through parentheses', code: `function helper(v: u32): number { return v; }\n${body('  y = ⟪(helper)(x);')}`, construct: /call `\(helper\)\(x\)`/, fix: /call functions by name/ },
  { name: 'explicit type arguments', code: `function helper(v: u32): number { return v; }\n${body('  y = ⟪helper<u32>(x);')}`, construct: /explicit type arguments/, fix: /remove them/ },
  { name: 'prelude class called as a function', code: body('  const m = ⟪SMap(0);'), construct: /prelude name SMap/, fix: /not callable/ },
  { name: 'smap without a declared type', code: body('  const m = ⟪smap(0);'), construct: /map without a declared type/, fix: /const m: SMap<K, V> = smap\(default\)/ },
  { name: 'smap without a default', code: body('  const m: SMap<u32, u32> = ⟪smap();'), construct: /^smap$/, fix: /smap\(defaultValue\)/ },
  { name: 'arr of the wrong length', code: body('  const a: Arr<u32, 4> = ⟪arr(3, (i) => 0);'), construct: /arr\(3, \(i\) => 0\)/, fix: /3 elements but its type says 4/ },
  { name: 'arr with one argument', code: body('  const a: Arr<u32, 4> = ⟪arr(4);'), construct: /arr\(4\)/, fix: /arr\(N, i => element\)/ },

  // ---- object literals ----------------------------------------------------------------------------
  { name: 'object literal without a declared type', code: body('  const r = ⟪{ a: 1, b: 2 };'), construct: /object literal without a declared record type/, fix: /const r: Rec = \{ \.\.\. \}/ },
  { name: 'object literal with an unknown field', code: body('  const p: Pair = { a: 1, b: 2, ⟪c: 3 };'), construct: /field c/, fix: /Pair has no field c/ },
  { name: 'object literal with a quoted field name', code: body("  const p: Pair = { ⟪'a': 1, b: 2 };"), construct: /property name 'a'/, fix: /write the field name plainly/ },
  { name: 'object literal with a computed field name', code: body("  const p: Pair = { ⟪['a']: 1, b: 2 };"), construct: /property name \['a'\]/, fix: /quoted and computed names/ },
  { name: 'object literal with a missing field', code: body('  const p: Pair = ⟪{ a: 1 };'), construct: /object literal with a missing field/, fix: /Pair needs b/ },
  { name: 'object literal with a method', code: body('  const p: Pair = { a: 1, b: 2, ⟪get() { return 1; } };'), construct: /get\(\) \{ return 1; \}/, fix: /name: value/ },
  { name: 'spread of another record type', code: body('  const p: Pair = { ⟪...s };'), construct: /\.\.\.s/, fix: /spread a Pair only/ },
  { name: 'spread of a record with nested records', code: body('  const t: State = { ⟪...s };'), construct: /\.\.\.s/, fix: /copies cells by reference/ },

  // ---- what TypeScript means but the terms would not (red-team round 4) ---------------------------
  { name: 'a switch case comparing records (identity)', code: body('  switch (s.pair) { case ⟪s.pair: y = 1; break; default: y = 2; }'), construct: /the case `s\.pair` of Pair values/, fix: /compares identity/ },
  { name: 'a const read before its declaration (in a quantifier body)', code: body('  const ok = forall(2, (i) => i < ⟪k);\n  const k = 5;\n  if (ok) y = 1;'), construct: /k read before its declaration/, fix: /temporal dead zone/ },
  { name: 'a const read before its declaration, an outer one of the same name in scope', code: body('  const k = 1;\n  if (b) { const ok = forall(2, (i) => i < ⟪k); const k = 5; if (ok) y = k; }\n  y = y + k;'), construct: /k read before its declaration/, fix: /temporal dead zone/ },
  { name: 'a const of one switch case read in another', code: body('  switch (x) { case 1: const k = 2; y = k; break; case 2: y = count(2, (i) => i < ⟪k); break; }'), construct: /k read in another case of the switch/, fix: /temporal dead zone/ },
  { name: 'a comment that silences TypeScript', code: body('  ⟪// @ts-ignore\n  y = 1;'), construct: /the comment @ts-ignore/, fix: /outside the subset/ },
  { name: 'a comment that silences TypeScript, as TypeScript reads it (no word boundary)', code: body('  ⟪// @ts-ignored, said the reviewer\n  y = 1;'), construct: /the comment @ts-ignore/, fix: /outside the subset/ },
  { name: 'an expected-error comment', code: body('  ⟪/* @ts-expect-error */\n  y = \'x\';'), construct: /the comment @ts-expect-error/, fix: /outside the subset/ },

  // ---- what runs when the module is loaded, and functions that would not be verified (red-team round 8) ----
  { name: 'a getter in a module-level object (a read of it runs code at load)', code: `const ⟪hook = { get x(): number { return 1; } };\n`, construct: /module-level constant `hook = /, fix: /would run code when the module is loaded/ },
  { name: 'a method in a module-level object (toString, valueOf run implicitly)', code: `const ⟪obj = { valueOf(): number { return 1; } };\n`, construct: /module-level constant `obj = /, fix: /would run code when the module is loaded/ },
  { name: 'a function value in a module-level object', code: `function helper(): number { return 1; }\nconst ⟪box = { valueOf: helper };\n`, construct: /module-level constant `box = /, fix: /`helper` is a function or a class, and JavaScript calls such values implicitly/ },
  { name: 'a module-level destructuring (reads getters, runs iterators)', code: `const pair = { a: 1, b: 2 };\nexport const ⟪{ a } = pair;\n`, construct: /module-level constant `\{ a \} = pair`/, fix: /`\{ a \}` would run code/ },
  { name: 'a computed class member name that calls (runs when the class is defined)', code: `function name(): string { return 'm'; }\nexport class C { ⟪[name()](): number { return 0; } }\n`, construct: /`name\(\)` at module level/, fix: /would run code when the module is loaded/ },
  { name: 'an exported constant naming a function', code: `function helper(s: State): number { return 0; }\nexport const ⟪op = helper;\n`, construct: /module-level constant `op = helper`/, fix: /`helper` is a function, and a constant naming a function is not verified as one/ },
  { name: 'a function exported as the default', code: `⟪export default function peek(s: State): number { return 0; }\n`, construct: /the function peek exported as default/, fix: /not as the default \(export function peek\(\.\.\.\)/ },
  { name: 'a function exported under another name', code: `⟪function helper(s: State): number { return 0; }\nexport { helper as op };\n`, construct: /the function helper exported as op/, fix: /export it under its own name/ },
  { name: 'a this parameter (erased at run time)', code: `export function t(⟪this: void, s: State): number { return 0; }\n`, construct: /the parameter `this: void`/, fix: /remove the `this` parameter/ },
  { name: 'the State as a later parameter', code: `⟪export function t(x: u32, s: State): number { return x; }\n`, construct: /the function t/, fix: /its parameter s is the State, but not its first/ },
  { name: 'the State first, as another type with its fields', code: `export interface View { flag: boolean; value: u32; mode: Mode; cells: Arr<u32, 4>; pair: Pair; map: SMap<u32, u32> }\n⟪export function t(s: View): number { return s.value; }\n`, construct: /the function t/, fix: /of type View, which the State can be passed as/ },
  { name: 'a view of some of the State\'s fields as the first parameter', code: `export interface Part { value: u32 }\n⟪export function t(s: Part): number { return s.value; }\n`, construct: /the function t/, fix: /of type Part, which the State can be passed as/ },
  { name: 'a record holding the State as a parameter', code: `export interface Ctx { s: State; k: u32 }\n⟪export function t(c: Ctx): number { return c.k; }\n`, construct: /the function t/, fix: /of type Ctx, which can hold the State/ },
  // the forms round 10 found (w24 w27): a view at depth, the State two records down, arrays of States or views
  { name: 'a view whose field is a view of a State record', code: `export interface Deep { pair: { a: u32 } }\n⟪export function t(s: Deep): number { return s.pair.a; }\n`, construct: /the function t/, fix: /of type Deep, which the State can be passed as/ },
  { name: 'the State two records down', code: `export interface Outer { c: { s: State } }\n⟪export function t(o: Outer): number { return o.c.s.value; }\n`, construct: /the function t/, fix: /of type Outer, which can hold the State/ },
  { name: 'an array of States', code: `⟪export function t(a: Arr<State, 1>): number { return a[0].value; }\n`, construct: /the function t/, fix: /which can hold the State/ },
  { name: 'an array of views, at a later parameter', code: `export interface V { flag: boolean }\n⟪export function t(k: u8, a: Arr<V, 2>): boolean { return a[k].flag; }\n`, construct: /the function t/, fix: /of type Arr<V, 2>, which can hold the State/ },
  { name: 'a namespace import of a module other than the prelude', code: `import * as self from './t';\nfunction helper(): number { return 1; }\nexport function inv_h(s: State): boolean { return ⟪self.helper() === 1; }\n`, construct: /the namespace import self/, fix: /import what you use by name/ },
  { name: 'a module namespace object converted at load (its exported toString runs)', code: `import * as self from './t';\nexport const ⟪T = \`\${self}\`;\n`, construct: /module-level constant `T = /, fix: /`self` would run code/ },
  { name: 'a parameter decorator (runs when the class is defined)', code: `function dec(t: object, k: string, i: number): void {}\nexport class C { m(⟪@dec x: number): number { return x; } }\n`, construct: /`@dec` at module level/, fix: /would run code when the module is loaded/ },
  // a function behind a declared type without call signatures, converted at load (red-team round 10, w20 w28)
  { name: 'an arrow typed object, as a toString converted at load', code: "const install: object = () => 0;\nconst ⟪hook = { toString: install };\nexport const T = `${hook}`;\n", construct: /module-level constant `hook = /, fix: /`install` names no constant data/ },
  { name: 'an arrow typed unknown, as Symbol.toPrimitive', code: "const install: unknown = function () { return 0; };\nexport const ⟪hook = { [Symbol.toPrimitive]: install };\n", construct: /module-level constant `hook = /, fix: /`install` names no constant data/ },
  { name: 'a constant naming a hidden arrow (an alias)', code: "const install: {} = () => 0;\nexport const ⟪alias = install;\n", construct: /module-level constant `alias = install`/, fix: /`install` names no constant data/ },
  { name: 'a shorthand property naming a hidden arrow', code: "const valueOf: object = () => 0;\nexport const ⟪hook = { valueOf };\n", construct: /module-level constant `hook = /, fix: /`valueOf` names no constant data/ },
  // a view whose string-literal union is wider than the State's (red-team round 11, w43 w54)
  { name: 'a view with a wider string-literal union', code: "export interface W { mode: 'on' | 'off' | 'idle' }\n⟪export function t(s: W): boolean { return s.mode === 'on'; }\n", construct: /the function t/, fix: /of type W, which the State can be passed as/ },
  { name: 'an array of anonymous views with a wider union', code: "⟪export function t(xs: Arr<{ mode: 'on' | 'off' | 'x' }, 1>): boolean { return xs[0].mode === 'on'; }\n", construct: /the function t/, fix: /of type Arr<\{ mode: 'on' \| 'off' \| 'x' \}, 1>, which can hold the State/ },
  { name: 'a builtin function behind any, as valueOf at load (round 11, w56)', code: "const ⟪hook = { valueOf: (Math as any).max };\nexport const T = (hook as unknown as number) * 1;\n", construct: /module-level constant `hook = /, fix: /typed `any` or `unknown`/ },
  { name: 'the State first, with its fields but another integer type (round 11, w46)', code: `export interface Narrow { value: u8; flag: boolean; mode: Mode; cells: Arr<u32, 4>; pair: Pair; map: SMap<u32, u32> }\n⟪export function t(s: Narrow): number { return s.value; }\n`, construct: /the function t/, fix: /of type Narrow, the State's fields with other integer types/ },
  // exports whose functions would be callable and never verified (red-team round 15)
  { name: 'an exported class with a static method', code: "⟪export class Ops { static peek(s: State): number { return s.value; } }\n", construct: /the exported class Ops/, fix: /classes are outside the subset: their methods would not be verified/ },
  { name: 'a default-exported class', code: "⟪export default class { static peek(s: State): number { return s.value; } }\n", construct: /the exported class default/, fix: /classes are outside the subset/ },
  { name: 'an exported arrow typed Function', code: "export const ⟪peek: Function = (s: State): number => s.value;\n", construct: /the function expression peek/, fix: /only function declarations are verified/ },
  { name: 'an exported arrow typed object', code: "export const ⟪peek: object = (s: State): number => s.value;\n", construct: /the function expression peek/, fix: /only function declarations are verified/ },
  { name: 'cpu() in the spec', code: `import { cpu } from 'pushbutton';\nexport function inv_core(s: State): boolean { return ⟪cpu(2) === 0; }\n`, construct: /cpu\(\) in the spec/, fix: /Call cpu\(\) in the implementation only/ },
];

describe('every construct outside the subset is rejected at its location', () => {
  it('the base spec of the table is itself accepted', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD, 'impl/t.ts': IMPL_MIN });
    const sub = load(w);
    expect(sub.operations).toEqual([]);
    expect(sub.spec.state.k).toBe('record');
  });

  it.each(CASES)('$name', ({ code, construct, fix }) => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD + code, 'impl/t.ts': IMPL_MIN });
    const [mark] = w.marks['spec/t.ts'];
    expect(mark, 'the case marks its expected location').toBeDefined();
    const ds = rejected(w);
    // exactly one problem, at the marked construct, in the spec file
    expect(ds, show(ds)).toHaveLength(1);
    const [d] = ds;
    expect({ file: d.loc.file, line: d.loc.line, col: d.loc.col }, show(ds)).toEqual({ file: w.files['spec/t.ts'], ...mark });
    expect(d.construct).toMatch(construct);
    expect(d.message).toMatch(fix);
    // the formatted line is what the CLI prints: file:line:col: error: construct: fix
    expect(formatDiagnostic(d, w.root)).toBe(`spec/t.ts:${mark.line}:${mark.col}: error: ${d.construct}: ${d.message}`);
  });
});

describe('red-team round 12: where TypeScript and the run part ways', () => {
  it('a view of the State whose map has a wider value or key union accepts the State (x07 x09)', () => {
    for (const map of ["SMap<u8, 'off' | 'on' | 'x'>", "SMap<'off' | 'on' | 'x', u8>"]) {
      const [k, v] = map === "SMap<u8, 'off' | 'on' | 'x'>" ? ['u8', 'Mode'] : ['Mode', 'u8'];
      const spec = `import type { u8, SMap } from 'pushbutton';\nimport { smap } from 'pushbutton';\nexport type Mode = 'off' | 'on';\nexport interface State { m: SMap<${k}, ${v}> }\nexport function init(): State { return { m: smap(${v === 'Mode' ? "'off'" : '0'}) }; }\n⟪export function peek(s: { m: ${map} }): boolean { return true; }\n`;
      const impl = `import type { u32 } from 'pushbutton';\nimport type * as spec from '../spec/t';\nexport interface State { n: u32 }\nexport function init(): State { return { n: 0 }; }\nexport function equiv(i: State, s: spec.State): boolean { return i.n === 0; }\n`;
      const w = writeProject({ 'spec/t.ts': spec, 'impl/t.ts': impl });
      const ds = rejected(w).filter((d) => d.construct === 'the function peek');
      expect(ds.map((d) => d.message), map).toEqual([expect.stringMatching(/which the State can be passed as/)]);
    }
  });

  it('an import of a module reached through a symbolic link resolves from the real folder, as Node does (x01 x06 x20)', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD, 'impl/t.ts': IMPL_MIN, 'impl/k.ts': 'export const K = 0;\n', 'other/k.ts': 'export const K = 1;\n', 'other/real.ts': `import { K } from ⟪'./k.ts';\nexport const J = K;\n` });
    // impl/t.ts imports ./link.ts, a link to ../other/real.ts, whose ./k.ts is other/k.ts to Node
    fs.symlinkSync(path.join(w.root, 'other', 'real.ts'), path.join(w.root, 'impl', 'link.ts'));
    fs.writeFileSync(w.files['impl/t.ts'], `import { J } from './link.ts';\nexport const JJ = J;\n${IMPL_MIN}`);
    const ds = rejected(w);
    expect(ds.map((d) => d.message)).toEqual([expect.stringMatching(/TypeScript reads .*impl\/k\.ts for it, chosen by a symbolic link on the way \(the run resolves it from the module's real path, .*other\/k\.ts\)/)]);
  });

  it('a searched name that also finds JavaScript the run takes first is refused by the run\'s resolver before a verdict (round 13, y02b y03b)', () => {
    // ./lib: TypeScript reads lib/index.ts (it skips lib.js), Node's CommonJS search takes lib.js
    const node10 = JSON.stringify({ compilerOptions: { module: 'CommonJS', moduleResolution: 'node10', ignoreDeprecations: '6.0', strict: true, noEmit: true, allowImportingTsExtensions: true } });
    const d1 = runRejected(writeProject({ 'tsconfig.json': node10, 'spec/t.ts': `import { K } from ⟪'./lib';\n${SPEC_HEAD}`, 'impl/t.ts': IMPL_MIN, 'spec/lib/index.ts': 'export const K = 0;\n', 'spec/lib.js': 'exports.K = 1;\n' }));
    expect(d1.map((d) => d.message)).toEqual([expect.stringMatching(/TypeScript reads .*lib\/index\.ts for it, while the run \(Node with tsx\) loads .*spec\/lib\.js/)]);
    // a paths alias whose first target holds JavaScript, the second TypeScript
    const tsconfig = JSON.stringify({ compilerOptions: { module: 'CommonJS', moduleResolution: 'node10', ignoreDeprecations: '6.0', strict: true, noEmit: true, allowImportingTsExtensions: true, paths: { '@h/*': ['./x/*', './y/*'] } } });
    const d2 = runRejected(writeProject({ 'tsconfig.json': tsconfig, 'spec/t.ts': `import { K } from ⟪'@h/k';\n${SPEC_HEAD}`, 'impl/t.ts': IMPL_MIN, 'x/k.js': 'export const K = 1;\n', 'y/k.ts': 'export const K = 0;\n' }));
    expect(d2.map((d) => d.message)).toEqual([expect.stringMatching(/TypeScript reads .*y\/k\.ts for it, while the run \(Node with tsx\) loads .*x\/k\.js/)]);
  });

  it('a TypeScript file beside JavaScript of the same name, which tsx takes first, is accepted (round 17, p02)', () => {
    const sub = load(writeProject({ 'spec/t.ts': `import { K } from './re';\n${SPEC_HEAD}`, 'impl/t.ts': IMPL_MIN, 'spec/re.ts': 'export const K = 0;\n', 'spec/re.js': 'exports.K = 1;\n' }));
    expect(confirmRunLoads(sub.project).map((e) => e.spec)).toContain('./re');
  });

  it('node10 resolution reads ./k.js as k.js.ts, where the run loads k.js (x38)', () => {
    const tsconfig = JSON.stringify({ compilerOptions: { module: 'CommonJS', moduleResolution: 'node10', strict: true, noEmit: true, allowImportingTsExtensions: true } });
    const w = writeProject({ 'tsconfig.json': tsconfig, 'spec/t.ts': `import { K } from ⟪'./k.js';\n${SPEC_HEAD}`, 'impl/t.ts': IMPL_MIN, 'spec/k.js.ts': 'export const K = 0;\n', 'spec/k.js': 'exports.K = 1;\n' });
    const ds = rejected(w);
    expect(ds.map((d) => d.message)).toEqual([expect.stringMatching(/TypeScript reads .*k\.js\.ts for it, chosen by the tsconfig's "moduleResolution" \(node10/)]);
  });
});

describe('imports the real run loads but the verifier would not check: rejected at the import (red-team round 8)', () => {
  const importing = (line: string, extra: Record<string, string>) => {
    const w = writeProject({ 'spec/t.ts': `${line}\n${SPEC_HEAD}`, 'impl/t.ts': IMPL_MIN, ...extra });
    const ds = rejected(w);
    const [m] = w.marks['spec/t.ts'];
    expect(ds.map((d) => ({ file: d.loc.file, line: d.loc.line, col: d.loc.col })), show(ds)).toEqual([{ file: w.files['spec/t.ts'], ...m }]);
    return ds[0];
  };

  it('a JavaScript file, imported for its side effect', () => {
    const d = importing(`import ⟪'./side.js';`, { 'spec/side.js': 'Math.max = (a, b) => a + b;\n' });
    expect(d.construct).toBe("the import of './side.js'");
    expect(d.message).toMatch(/it loads .*side\.js when this module is loaded, code nothing here checks/);
  });

  it('a TypeScript package in node_modules', () => {
    const d = importing(`import ⟪'evil';`, { 'node_modules/evil/package.json': '{ "name": "evil", "types": "index.ts", "main": "index.ts" }\n', 'node_modules/evil/index.ts': 'Math.max = (a: number, b: number) => a + b;\nexport {};\n' });
    expect(d.message).toMatch(/it loads the package file .*node_modules\/evil\/index\.ts/);
  });

  it('an import TypeScript accepts only through an ambient declare module (round 9, v02)', () => {
    const d = importing(`/// <reference path="./amb.d.ts" />\nimport ⟪'virtual:evil';`, { 'spec/amb.d.ts': "declare module 'virtual:evil';\n" });
    expect(d.message).toMatch(/TypeScript resolves it to no file/);
  });

  // TypeScript and the run would load different files for the same import (red-team round 10, w21 w26)
  it('a relative import TypeScript resolves through "moduleSuffixes" (the run loads the plain name)', () => {
    const tsconfig = JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, allowImportingTsExtensions: true, moduleSuffixes: ['.verified', ''] } });
    const d = importing(`import { K } from ⟪'./k';`, { 'tsconfig.json': tsconfig, 'spec/k.ts': 'export const K = 0;\n', 'spec/k.verified.ts': 'export const K = 1;\n' });
    expect(d.message).toMatch(/TypeScript reads .*k\.verified\.ts for it, chosen by the tsconfig's "moduleSuffixes", while the run .* may load another file/);
  });

  it('a folder whose package.json gives TypeScript "types" (the run takes "main")', () => {
    const pkg = JSON.stringify({ types: './typed.ts', main: './run.ts' });
    const d = importing(`import { K } from ⟪'./h';`, { 'spec/h/package.json': pkg, 'spec/h/typed.ts': 'export const K = 0;\n', 'spec/h/run.ts': 'export const K = 1;\n' });
    expect(d.message).toMatch(/TypeScript reads .*h\/typed\.ts for it, chosen by the "types" of .*h\/package\.json/);
  });

  it('still accepts the run\'s own candidates: an added extension, .js for .ts, a folder\'s index.ts', () => {
    for (const [line, files] of [
      [`import { K } from './k';`, { 'spec/k.ts': 'export const K = 0;\n' }],
      [`import { K } from './k.js';`, { 'spec/k.ts': 'export const K = 0;\n' }],
      [`import { K } from './k.ts';`, { 'spec/k.ts': 'export const K = 0;\n' }],
      [`import { K } from './d';`, { 'spec/d/index.ts': 'export const K = 0;\n' }],
    ] as [string, Record<string, string>][]) {
      const w = writeProject({ 'spec/t.ts': `${line}\n${SPEC_HEAD}export function get(s: State): number { return K; }\n`, 'impl/t.ts': IMPL_MIN.replace('export function', 'export function get(s: State): number { return 0; }\nexport function'), ...files });
      expect(() => load(w), line).not.toThrow();
    }
  });

  it('a tsconfig "paths" alias to a folder whose package.json gives TypeScript "types" (round 11, w40)', () => {
    const tsconfig = JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, allowImportingTsExtensions: true, paths: { '@h': ['./lib/h'] } } });
    const d = importing(`import { K } from ⟪'@h';`, { 'tsconfig.json': tsconfig, 'lib/h/package.json': JSON.stringify({ types: './typed.ts', main: './run.ts' }), 'lib/h/typed.ts': 'export const K = 0;\n', 'lib/h/run.ts': 'export const K = 1;\n', 'lib/h/index.ts': 'export const K = 1;\n' });
    expect(d.message).toMatch(/TypeScript reads .*h\/typed\.ts for it, chosen by the "types" of .*h\/package\.json/);
  });

  it('a function of a global declared in a project file named lib.*.d.ts is not JavaScript\'s own (round 11, w47)', () => {
    const w = writeProject({ 'types/lib.nodemin.d.ts': 'declare var proc: { readonly exit: object };\n', 'spec/t.ts': `/// <reference path="../types/lib.nodemin.d.ts" />\n${SPEC_HEAD}const ⟪hook = { toString: proc.exit };\nexport const TAG = \`\${hook}\`;\n`, 'impl/t.ts': IMPL_MIN });
    const ds = rejected(w);
    expect(ds.map((d) => d.construct)).toEqual([expect.stringMatching(/module-level constant `hook = /)]);
    expect(ds[0].message).toMatch(/`proc` names no constant data/);
  });

  it('a package.json "imports" entry (chosen by condition: TypeScript takes "types", the run "default")', () => {
    const d = importing(`import { helper } from ⟪'#h';`, {
      'package.json': '{ "name": "p", "type": "module", "imports": { "#h": { "types": "./lib/a.ts", "default": "./lib/b.ts" } } }\n',
      'lib/a.ts': 'export function helper(x: number): number { return x; }\n',
      'lib/b.ts': 'export function helper(x: number): number { return x + 1; }\n',
    });
    expect(d.message).toMatch(/"imports" entry chooses a file by condition/);
  });

  it("another 'pushbutton' in the project's node_modules, which the run would load", () => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD.replace("implies } from 'pushbutton'", "implies } from ⟪'pushbutton'"), 'impl/t.ts': IMPL_MIN, 'node_modules/pushbutton/package.json': '{ "name": "pushbutton", "types": "prelude.ts", "main": "prelude.ts" }\n', 'node_modules/pushbutton/prelude.ts': 'export type u8 = number;\n' });
    const ds = rejected(w);
    // every value import of it, in both files (a type-only import loads nothing)
    expect(ds.every((d) => d.construct === "the import of 'pushbutton'"), show(ds)).toBe(true);
    const d = ds.find((x) => x.loc.file === w.files['spec/t.ts'])!;
    expect(d.loc).toEqual({ file: w.files['spec/t.ts'], ...w.marks['spec/t.ts'][0] });
    expect(d.message).toMatch(/the run loads .*node_modules\/pushbutton\/prelude\.ts, another 'pushbutton' than this verifier's prelude/);
  });

  it('type-only imports and module-level data are accepted (the rules are not over-broad)', () => {
    const sub = load(
      writeProject({
        'spec/t.ts': `import type { Extra } from './types.js';\n${SPEC_HEAD}const TABLE = { a: 1, b: [1, 2], c: { d: 'x' } };\nconst TEXT = \`n=\${N}\`;\nconst BIG = Number.MAX_SAFE_INTEGER - 1;\nconst ROUND = Math.PI > 3 ? 1 : 0;\nexport enum Level { Low = 1, High = Low + 1 }\nconst LIST = [...TABLE.b, N];\n`,
        'spec/types.ts': 'export interface Extra { x: number }\n',
        'impl/t.ts': IMPL_MIN,
      }),
    );
    expect(sub.operations).toEqual([]);
  });
});

describe('a file TypeScript is told not to check', () => {
  it('@ts-nocheck at the top of the file, in any case (TypeScript lower-cases pragmas), is rejected at the comment', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD, 'impl/t.ts': `// @TS-NOCHECK\n${IMPL_MIN}` });
    const ds = rejected(w);
    expect(ds.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.col} ${d.construct}`), show(ds)).toEqual(['t.ts:1:1 the comment @ts-nocheck']);
  });
});

describe('several problems and broken files', () => {
  it('reports every problem in a file, sorted by position, not just the first', () => {
    const code = `export function a(x: u32): number {
  let y: u32 = 0;
  ⟪while (y < x) { y = y + 1; }
  if (⟪x == 2) y = 2;
  return y;
}
export function b(v: ⟪any): number { return 0; }
export interface Opt { ⟪o?: u32 }
export function c(o: Opt): number { return 0; }
export function d(x: u32): number {
  const f = ⟪1.5;
  const g = f + 1;
  return ⟪x ?? g;
}
`;
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD + code, 'impl/t.ts': IMPL_MIN });
    const ds = rejected(w);
    const marks = w.marks['spec/t.ts'];
    expect(marks).toHaveLength(6);
    expect(ds.map((d) => ({ file: d.loc.file, line: d.loc.line, col: d.loc.col })), show(ds)).toEqual(marks.map((m) => ({ file: w.files['spec/t.ts'], ...m })));
    // the uses of f and g, whose declarations were rejected, are not reported again
    expect(ds.map((d) => d.construct)).toEqual([
      'a while loop',
      'the operator ==',
      'the type `any`',
      'the optional field `o?: u32`',
      'the number `1.5`',
      'the operator ??',
    ]);
  });

  it('reports problems in the spec and in the implementation together, with each file', () => {
    const w = writeProject({
      'spec/t.ts': SPEC_HEAD + `export function t(x: u32): number { return ⟪x ** 2; }\n`,
      'impl/t.ts': IMPL_MIN + `export function u(x: u32): number { ⟪throw new Error('x'); }\n`,
    });
    const ds = rejected(w);
    expect(ds.map((d) => [d.loc.file, d.loc.line, d.loc.col]), show(ds)).toEqual([
      [w.files['impl/t.ts'], w.marks['impl/t.ts'][0].line, w.marks['impl/t.ts'][0].col],
      [w.files['spec/t.ts'], w.marks['spec/t.ts'][0].line, w.marks['spec/t.ts'][0].col],
    ]);
    expect(ds.map((d) => d.construct)).toEqual(['a throw statement', 'the operator **']);
  });

  it('reports a problem in a helper module the spec imports, at the helper', () => {
    const w = writeProject({
      'spec/t.ts': SPEC_HEAD + `import { twice } from './lib';\nexport function t(x: u32): number { return twice(x); }\n`,
      'spec/lib.ts': `import type { u32 } from 'pushbutton';\nexport function twice(x: u32): number {\n  ⟪for (const k of [1, 2]) { x = x + k; }\n  return x;\n}\n`,
      'impl/t.ts': IMPL_MIN,
    });
    const ds = rejected(w);
    expect(ds, show(ds)).toHaveLength(1);
    expect([ds[0].loc.file, ds[0].loc.line, ds[0].loc.col]).toEqual([w.files['spec/lib.ts'], w.marks['spec/lib.ts'][0].line, w.marks['spec/lib.ts'][0].col]);
    expect(ds[0].construct).toBe('a for-of/for-in loop');
  });

  it('reports a syntax error with its location instead of crashing', () => {
    const code = `export function t(x: u32): number {
  return x + ⟪;
}
`;
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD + code, 'impl/t.ts': IMPL_MIN });
    const ds = rejected(w);
    const [m] = w.marks['spec/t.ts'];
    // only the syntax error: no follow-up complaint about the half-parsed code
    expect(ds, show(ds)).toHaveLength(1);
    expect(ds[0]).toMatchObject({ loc: { file: w.files['spec/t.ts'], line: m.line, col: m.col }, construct: 'a syntax error' });
    expect(ds[0].message).toMatch(/Expression expected/);
  });

  it('reports every syntax error of a file, and those of the implementation too', () => {
    const w = writeProject({
      'spec/t.ts': SPEC_HEAD + `export function t(x: u32): number {\n  if (x > 1 ⟪{\n    return 1;\n  }\n  return 0;\n}\nexport function u(x: u32): number {\n  const z = ⟪;\n  return x;\n}\n`,
      'impl/t.ts': IMPL_MIN + `export function v(x: u32): number {\n  return x;\n⟪`,
    });
    const ds = rejected(w);
    const want = [
      ...w.marks['impl/t.ts'].map((m) => [w.files['impl/t.ts'], m.line, m.col]),
      ...w.marks['spec/t.ts'].map((m) => [w.files['spec/t.ts'], m.line, m.col]),
    ];
    expect(ds.map((d) => [d.loc.file, d.loc.line, d.loc.col]), show(ds)).toEqual(want);
    expect(ds.every((d) => d.construct === 'a syntax error')).toBe(true);
    expect(ds.map((d) => d.message)).toEqual(["'}' expected.", "')' expected.", 'Expression expected.']);
  });

  it('reports an unterminated file (unbalanced braces and an open string) without crashing', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_HEAD + `export function t(x: u32): number {\n  const m: Mode = 'on;\n  if (x > 1) {\n`, 'impl/t.ts': IMPL_MIN });
    const ds = rejected(w);
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((d) => d.construct === 'a syntax error' && d.loc.file === w.files['spec/t.ts'] && d.loc.line > 9)).toBe(true);
  });
});

describe('subsystem-level problems', () => {
  const SPEC_OP = SPEC_HEAD + `export function incr(s: State, by: u32): number { s.value = s.value + by; return 0; }\nexport function inv_small(s: State): boolean { return s.value < 100; }\n`;
  const at = (w: Written, rel: string, line = 1, col = 1) => ({ file: w.files[rel], line, col });

  it('an implementation without init, State or equiv names each missing export', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_OP, 'impl/t.ts': `import type { u32 } from 'pushbutton';\nexport function incr(s: { v: u32 }, by: u32): number { return 0; }\n` });
    const ds = rejected(w);
    expect(ds.map((d) => d.construct).sort()).toEqual(['a missing State', 'a missing equiv', 'a missing init']);
    for (const d of ds) expect(d.loc).toEqual(at(w, 'impl/t.ts'));
    expect(ds.find((d) => d.construct === 'a missing equiv')!.message).toMatch(/export function equiv\(i: State, s: spec\.State\): boolean/);
  });

  it('a spec operation the implementation lacks is reported at the spec operation', () => {
    const w = writeProject({ 'spec/t.ts': SPEC_OP.replace('export function incr', '⟪export function incr'), 'impl/t.ts': IMPL_MIN });
    const ds = rejected(w);
    const [m] = w.marks['spec/t.ts'];
    expect(ds, show(ds)).toHaveLength(1);
    expect(ds[0].loc).toEqual(at(w, 'spec/t.ts', m.line, m.col));
    expect(ds[0].construct).toBe('the operation incr');
    expect(ds[0].message).toMatch(/does not export it/);
  });

  it('an operation whose parameters or result differ from the spec is reported at the implementation', () => {
    const w = writeProject({
      'spec/t.ts': SPEC_OP + `export function reset(s: State): number { s.value = 0; return 0; }\n`,
      'impl/t.ts': IMPL_MIN + `⟪export function incr(s: State, by: boolean): number { return 0; }\n⟪export function reset(s: State): boolean { return true; }\n`,
    });
    const ds = rejected(w);
    const [m1, m2] = w.marks['impl/t.ts'];
    expect(ds.map((d) => d.loc), show(ds)).toEqual([at(w, 'impl/t.ts', m1.line, m1.col), at(w, 'impl/t.ts', m2.line, m2.col)]);
    expect(ds[0].message).toMatch(/parameters \(State, boolean\) do not match the spec's \(State, u32\)/);
    expect(ds[1].message).toMatch(/returns boolean but the spec returns number/);
  });

  it('records of one name whose fields are in another order are told apart in the message (red-team t30)', () => {
    const rec = (fields: string) => `export interface P { ${fields} }\n`;
    const w = writeProject({
      'spec/t.ts': SPEC_HEAD + rec('x: u32; y: u32') + `export function ret(s: State): P { return { x: 0, y: 1 }; }\n`,
      'impl/t.ts': IMPL_MIN + rec('y: u32; x: u32') + `⟪export function ret(s: State): P { return { x: 0, y: 1 }; }\n`,
    });
    const ds = rejected(w);
    expect(ds.map((d) => d.message)).toEqual([expect.stringMatching(/returns P \{ y: u32; x: u32 \} but the spec returns P \{ x: u32; y: u32 \}/)]);
  });

  it('an invariant that is not (s: State) => boolean is reported at the invariant', () => {
    const w = writeProject({
      'spec/t.ts': SPEC_HEAD + `⟪export function inv_wrong(s: State): number { return s.value; }\n`,
      'impl/t.ts': IMPL_MIN,
    });
    const ds = rejected(w);
    const [m] = w.marks['spec/t.ts'];
    expect(ds, show(ds)).toHaveLength(1);
    expect(ds[0]).toMatchObject({ loc: at(w, 'spec/t.ts', m.line, m.col), construct: 'the predicate inv_wrong' });
    expect(ds[0].message).toMatch(/\(s: State\) => boolean/);
  });
});

describe('accepted constructs (the rejections are not over-broad)', () => {
  const ok = (spec: string, impl: string) => load(writeProject({ 'spec/t.ts': spec, 'impl/t.ts': impl }));

  it('switch with grouped cases, return in a case, and a default', () => {
    const spec = `import type { u32 } from 'pushbutton';
export type Kind = 'file' | 'dir' | 'link' | 'dev';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function classify(s: State, k: Kind): number {
  switch (k) {
    case 'file':
    case 'link':
      return 1;
    case 'dir': {
      s.value = 7;
      break;
    }
    default:
      return 3;
  }
  return 2;
}
`;
    const impl = IMPL_MIN + `export type Kind = 'file' | 'dir' | 'link' | 'dev';\nexport function classify(s: State, k: Kind): number { return k === 'dir' ? 2 : k === 'dev' ? 3 : 1; }\n`;
    const sub = ok(spec, impl);
    const op = sub.operations.find((o) => o.name === 'classify')!;
    expect(op).toBeDefined();
    const run = new Interpreter(sub.program);
    const results = (['file', 'dir', 'link', 'dev'] as const).map((k) => {
      const s = { value: 0 };
      return [run.call(op.spec, [s, k]), s.value];
    });
    expect(results).toEqual([[1, 0], [2, 7], [1, 0], [3, 0]]);
  });

  it('Math.floor(a / b), Math.trunc, Math.min/max/abs, and the integer operators (also compound, /= included)', () => {
    const spec = `import type { u32, i32 } from 'pushbutton';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function mid(s: State, a: i32, b: i32): number {
  if (b === 0) return 0;
  let h: i32 = 12;
  h /= 4;
  h *= 2;
  h -= 1;
  h %= 3;
  return h + Math.floor(a / b) + Math.trunc((a) / b) * 1000 + Math.min(a, b) - Math.max(a, b) + Math.abs(a) + (a % b);
}
`;
    const impl = IMPL_MIN + `import type { i32 } from 'pushbutton';\nexport function mid(s: State, a: i32, b: i32): number { return 0; }\n`;
    const sub = ok(spec, impl);
    const op = sub.operations.find((o) => o.name === 'mid')!;
    const run = new Interpreter(sub.program);
    // h: 12 / 4 = 3, * 2 = 6, - 1 = 5, % 3 = 2
    const ts = (a: number, b: number) => (b === 0 ? 0 : 2 + Math.floor(a / b) + Math.trunc(a / b) * 1000 + Math.min(a, b) - Math.max(a, b) + Math.abs(a) + (a % b));
    for (const [a, b] of [[7, 2], [-7, 2], [7, -2], [-7, -2], [0, 5], [5, 0]]) expect(run.call(op.spec, [{ value: 0 }, a, b]), `${a}, ${b}`).toBe(ts(a, b));
  });

  it('a local bound to a record in the state is an alias: writing through it updates the state', () => {
    const spec = `import type { u8, u32, Arr } from 'pushbutton';
import { arr } from 'pushbutton';
export const NPROC = 4;
export type PState = 'free' | 'running';
export interface Proc { state: PState; x: u32 }
export interface State { procs: Arr<Proc, typeof NPROC> }
export function init(): State { return { procs: arr(NPROC, (i) => ({ state: 'free', x: 0 })) }; }
export function start(s: State, i: u8): number {
  if (i >= NPROC) return -22;
  const p = s.procs[i];
  p.x = 1;
  p.state = 'running';
  return 0;
}
`;
    const impl = `import type { u8, u32 } from 'pushbutton';
import type * as spec from '../spec/t';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function start(s: State, i: u8): number { return 0; }
export function equiv(i: State, s: spec.State): boolean { return true; }
`;
    const sub = ok(spec, impl);
    const op = sub.operations.find((o) => o.name === 'start')!;
    const s = { procs: arr(4, () => ({ state: 'free', x: 0 })) };
    expect(new Interpreter(sub.program).call(op.spec, [s, 2])).toBe(0);
    expect(s.procs.map((p) => [p.state, p.x])).toEqual([['free', 0], ['free', 0], ['running', 1], ['free', 0]]);
  });

  it('a helper that writes through a record parameter updates the caller’s state', () => {
    const spec = `import type { u8, u32, Arr, SMap } from 'pushbutton';
import { arr, smap, forall } from 'pushbutton';
export interface Proc { ref: u32; owner: u8 }
export interface State { procs: Arr<Proc, 4>; total: u32; owners: SMap<u8, u32> }
export function init(): State { return { procs: arr(4, (i) => ({ ref: 0, owner: 0 })), total: 0, owners: smap(0) }; }
function grab(p: Proc, who: u8): void {
  p.ref = p.ref + 1;
  p.owner = who;
}
function bump(s: State): void {
  s.total += 1;
}
export function take(s: State, i: u8, who: u8): number {
  if (i >= 4 || s.procs[i].ref >= 100 || s.total >= 1000) return -22;
  grab(s.procs[i], who);
  bump(s);
  s.owners.set(who, s.owners.get(who) + 1);
  for (let k = 0; k < 4; k++) {
    if (k === i) assert(s.procs[k].owner === who);
  }
  return 0;
}
export function inv_refs(s: State): boolean { return forall(4, (k) => s.procs[k].ref <= 100); }
`.replace("import { arr, smap, forall } from 'pushbutton';", "import { arr, smap, forall, assert } from 'pushbutton';");
    const impl = `import type { u8, u32 } from 'pushbutton';
import type * as spec from '../spec/t';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function take(s: State, i: u8, who: u8): number { return 0; }
export function equiv(i: State, s: spec.State): boolean { return true; }
`;
    const sub = ok(spec, impl);
    const op = sub.operations.find((o) => o.name === 'take')!;
    const s = { procs: arr(4, () => ({ ref: 0, owner: 0 })), total: 0, owners: smap<number, number>(0) };
    expect(new Interpreter(sub.program).call(op.spec, [s, 1, 9])).toBe(0);
    expect(s.procs[1]).toEqual({ ref: 1, owner: 9 });
    expect(s.total).toBe(1);
    expect(s.owners.get(9)).toBe(1);
    expect(sub.spec.invariants.map((f) => f.name)).toEqual(['inv_refs']);
  });

  it('string literals of an enumeration, conditionals, ++/--/+= as statements, forall/exists/count and implies', () => {
    const spec = `import type { u8, u32, Arr } from 'pushbutton';
import { arr, forall, exists, count, implies } from 'pushbutton';
export type Mode = 'on' | 'off';
export const N = 4;
export interface State { mode: Mode; cells: Arr<u32, typeof N>; n: u32 }
export function init(): State { return { mode: 'off', cells: arr(N, (i) => 0), n: 0 }; }
export function flip(s: State, i: u8): number {
  if (i >= N) return -22;
  s.mode = s.mode === 'on' ? 'off' : 'on';
  let k = 0;
  k++;
  k--;
  k += 2;
  for (let j = 0; j <= 2; j++) k = k + 1;
  if (s.n < 1000) s.n++;
  return count(N, (j) => s.cells[j] === 0) + (exists(N, (j) => j === i) ? k : 0);
}
export function inv_cells(s: State): boolean { return forall(N, (j) => implies(s.mode === 'off', s.cells[j] <= 1000)); }
`;
    const impl = `import type { u8, u32 } from 'pushbutton';
import type * as spec from '../spec/t';
export interface State { value: u32 }
export function init(): State { return { value: 0 }; }
export function flip(s: State, i: u8): number { return 0; }
export function equiv(i: State, s: spec.State): boolean { return true; }
`;
    const sub = ok(spec, impl);
    const op = sub.operations.find((o) => o.name === 'flip')!;
    const s = { mode: 'off', cells: arr(4, () => 0), n: 0 };
    expect(new Interpreter(sub.program).call(op.spec, [s, 1])).toBe(4 + 5);
    expect(s).toMatchObject({ mode: 'on', n: 1 });
  });
});
