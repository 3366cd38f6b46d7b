// Random programs inside the verifier's subset, as TypeScript source text (docs/writing-specs.md,
// section 2): a State with nested records, arrays, maps, integers of every width, enumerations
// and booleans; helpers that write the state (or a record passed to them) and return a value;
// an exported operation `op(s, ...)` with assignments (plain and compound) through paths, aliases
// (`const p = s.rows[i]`), record stores (literals, spreads), if/else, switch, loops with early
// returns, map updates and assertions.
//
// Every program is printed twice (expr.ts): `source` is what the verifier lowers and what the
// real TypeScript run executes; `instrumented` is the same program with the checks the oracle
// needs (runtime.ts), used to learn which runtime error, if any, the real run commits.

import type { Type } from '../../verifier/ir.ts';
import { intType, BOOL, NUMBER } from '../../verifier/ir.ts';
import { Rand, MODE, randomShape, declarations, typeText, pathsOf, type RecordType, type Shape } from './shape.ts';
import { KNOWN_UNSOUND } from './known.ts';
import { type Ctx, type E, type Helper, type Mutator, type Place, e, name, mutate, guarded, check, expr, intExpr, boolExpr, enumExpr, recordLiteral, realize, placeText, placesTo, callOf, hasEnumSource } from './expr.ts';

export interface Generated {
  seed: number;
  source: string;
  instrumented: string;
  shape: Shape;
  /** the mutation applied (spec/impl pairs), if any */
  mutation?: string;
}

/** Statements in both printings, one line each (indentation added by the enclosing block). */
interface S {
  ts: string[];
  ins: string[];
}
const one = (ts: string, ins = ts): S => ({ ts: [ts], ins: [ins] });
const cat = (...ss: S[]): S => ({ ts: ss.flatMap((s) => s.ts), ins: ss.flatMap((s) => s.ins) });
const indent = (s: S): S => ({ ts: s.ts.map((l) => `  ${l}`), ins: s.ins.map((l) => `  ${l}`) });

export interface Options {
  /** top-level statements of the operation */
  stmts: [number, number];
  /** expression depth */
  depth: number;
  helpers: [number, number];
}
export const DEFAULT_OPTIONS: Options = { stmts: [2, 6], depth: 2, helpers: [1, 3] };

/** Scalar types for parameters, locals and results. */
function scalarType(r: Rand): Type {
  return r.weighted<Type>([
    [5, intType(r.pick(['u8', 'i8', 'u16', 'i16', 'i32', 'number'] as const))],
    [1.5, BOOL],
    [1, MODE],
  ]);
}

function withScope<R>(ctx: Ctx, f: () => R): R {
  const nl = ctx.locals.length, nr = ctx.roots.length;
  try {
    return f();
  } finally {
    ctx.locals.length = nl;
    ctx.roots.length = nr;
  }
}

const isScalarT = (t: Type) => t.k === 'int' || t.k === 'bool' || t.k === 'enum';

/** An assignment to a scalar place: `=`, a compound operator, or ++/--. */
function assignScalar(ctx: Ctx, d: number): S | undefined {
  const r = ctx.r;
  const places = placesTo(ctx, isScalarT);
  const locals = ctx.locals.filter((l) => l.mutable);
  if (!places.length && !locals.length) return undefined;
  const compound = r.chance(0.4);
  let p: Place;
  if (locals.length && (r.chance(0.2) || !places.length)) {
    const l = r.pick(locals);
    p = { obj: e(l.name, l.name, l.type), last: undefined, type: l.type };
  } else {
    const { root, path } = r.pick(places);
    p = compound && path.type.k === 'int' ? guarded(ctx, 'callInCompoundTarget', () => realize(ctx, root, path, d)) : realize(ctx, root, path, d);
  }
  const target = placeText(p);
  if (!compound || p.type.k !== 'int') {
    const v = expr(ctx, p.type, d, true);
    return one(`${target.ts} = ${v.ts};`, `${target.ins} = ${check(p.type, v.ins)};`);
  }
  const op = r.weighted<string>([[4, '+'], [3, '-'], [1, '*'], [0.5, '%'], [0.3, '/'], [2, '++'], [KNOWN_UNSOUND.bitwiseOperators ? 0 : 0.7, 'bit']]);
  if (op === '++') {
    const inc = r.pick(['++', '--']);
    return cat(one(`${target.ts}${inc};`, compoundIns(ctx, p, inc === '++' ? '+' : '-', e('1', '1', NUMBER))));
  }
  if (op === 'bit') {
    const bop = r.pick(['&', '|', '^', '<<', '>>', '>>>']);
    const v = expr(ctx, NUMBER, d, true);
    return one(`${target.ts} ${bop}= ${v.ts};`, compoundIns(ctx, p, bop, v));
  }
  let v: E;
  if (op === '*') {
    const c = r.int(-2, 3);
    v = e(c < 0 ? `(${c})` : `${c}`, c < 0 ? `(${c})` : `${c}`, NUMBER);
  } else v = expr(ctx, NUMBER, d, true);
  return one(`${target.ts} ${op}= ${v.ts};`, compoundIns(ctx, p, op, v));
}

/** `place op= v` with the object and key evaluated once, then the checked store (what TypeScript does, plus checks). */
function compoundIns(ctx: Ctx, p: Place, op: string, v: E): string {
  const val = (cur: string) => (op === '/' ? `$div(${cur}, ${v.ins})` : op === '%' ? `$mod(${cur}, ${v.ins})` : ['+', '-', '*'].includes(op) ? `$s(${cur} ${op} ${v.ins})` : `(${cur} ${op} ${v.ins})`);
  if (!p.last) return `${p.obj.ins} = ${check(p.type, val(p.obj.ins))};`;
  const o = name(ctx, '$o');
  if ('f' in p.last) return `{ const ${o} = ${p.obj.ins}; ${o}.${p.last.f} = ${check(p.type, val(`${o}.${p.last.f}`))}; }`;
  const k = name(ctx, '$k');
  return `{ const ${o} = ${p.obj.ins}; const ${k} = $ix(${p.last.idx.ins}, ${p.last.len}); ${o}[${k}] = ${check(p.type, val(`${o}[${k}]`))}; }`;
}

function letLocal(ctx: Ctx, d: number): S {
  const r = ctx.r;
  const t = scalarType(r);
  const typed = t.k === 'enum' || r.chance(0.6);
  const v = expr(ctx, t, d, typed);
  const n = name(ctx, 't');
  const mutable = r.chance(0.6);
  const kw = mutable ? 'let' : 'const';
  // an untyped local holding an integer is a `number`
  const lt = typed ? t : t.k === 'int' ? NUMBER : t;
  ctx.locals.push({ name: n, type: lt, mutable });
  const ann = typed ? `: ${typeText(t)}` : '';
  return one(`${kw} ${n}${ann} = ${v.ts};`, `${kw} ${n}${ann} = ${check(lt, v.ins)};`);
}

/** `const p = <a record or array inside the state>`: writes through p change the state. */
function alias(ctx: Ctx, d: number): S | undefined {
  const ps = placesTo(ctx, (t) => t.k === 'record' || t.k === 'array' || t.k === 'map');
  if (!ps.length) return undefined;
  const { root, path } = ctx.r.pick(ps);
  const p = placeText(realize(ctx, root, path, d));
  const n = name(ctx, 'p');
  ctx.roots.push({ name: n, type: path.type });
  return one(`const ${n} = ${p.ts};`, `const ${n} = ${p.ins};`);
}

/** A record stored whole: a literal (or a spread), never an existing record (the subset rejects that). */
function recordStore(ctx: Ctx, d: number): S | undefined {
  const ps = placesTo(ctx, (t) => t.k === 'record');
  if (!ps.length) return undefined;
  const { root, path } = ctx.r.pick(ps);
  const target = placeText(realize(ctx, root, path, d));
  const v = recordLiteral(ctx, path.type as RecordType, d);
  return one(`${target.ts} = ${v.ts};`, `${target.ins} = ${v.ins};`);
}

function mapUpdate(ctx: Ctx, d: number): S | undefined {
  const ps = placesTo(ctx, (t) => t.k === 'map');
  if (!ps.length) return undefined;
  const { root, path } = ctx.r.pick(ps);
  const mt = path.type as Type & { k: 'map' };
  const m = placeText(realize(ctx, root, path, d));
  return guarded(ctx, 'callInMapSetOperands', () => {
    const key = expr(ctx, mt.key, d, true);
    if (ctx.r.chance(0.25)) return one(`${m.ts}.delete(${key.ts});`, `${m.ins}.delete(${key.ins});`);
    const v = expr(ctx, mt.value, d, true);
    return one(`${m.ts}.set(${key.ts}, ${v.ts});`, `${m.ins}.set(${key.ins}, ${check(mt.value, v.ins)});`);
  });
}

function callStmt(ctx: Ctx, d: number): S | undefined {
  if (ctx.noCalls) return undefined;
  const hs = ctx.helpers.filter((h) => ctx.roots.some((r) => r.type === h.first) || placesTo(ctx, (t) => t === h.first).length);
  if (!hs.length) return undefined;
  const c = callOf(ctx, ctx.r.pick(hs), d);
  return one(`${c.ts};`, `${c.ins};`);
}

function ret(ctx: Ctx, d: number): S {
  const v = expr(ctx, ctx.ret, d, true);
  return one(`return ${v.ts};`, `return ${check(ctx.ret, v.ins)};`);
}

function block(ctx: Ctx, n: number, d: number): S {
  return withScope(ctx, () => {
    const out: S[] = [];
    for (let i = 0; i < n; i++) out.push(stmt(ctx, d));
    return cat(...out);
  });
}

function braces(head: string, body: S, tail = '}'): S {
  return cat(one(`${head} {`), indent(body), one(tail));
}

function ifStmt(ctx: Ctx, d: number): S {
  const c = boolExpr(ctx, d);
  const head = { ts: [`if (${c.ts}) {`], ins: [`if (${c.ins}) {`] };
  const then = block(ctx, ctx.r.int(1, 2), d - 1);
  if (ctx.r.chance(0.5)) return cat(head, indent(then), one('}'));
  const els = block(ctx, ctx.r.int(1, 2), d - 1);
  return cat(head, indent(then), one('} else {'), indent(els), one('}'));
}

function earlyReturn(ctx: Ctx, d: number): S {
  const c = boolExpr(ctx, d);
  const r = ret(ctx, d);
  return cat({ ts: [`if (${c.ts}) {`], ins: [`if (${c.ins}) {`] }, indent(r), one('}'));
}

function forLoop(ctx: Ctx, d: number): S {
  const r = ctx.r;
  const lens = pathsOf(ctx.shape.state).filter((p) => p.type.k === 'array').map((p) => (p.type as { len: number }).len);
  const n = r.chance(0.7) && lens.length ? r.pick(lens) : r.int(1, 4);
  const v = name(ctx, 'i');
  ctx.loops.push({ name: v, n });
  try {
    const parts = [block(ctx, r.int(1, 2), d - 1)];
    if (r.chance(0.4)) parts.push(earlyReturn(ctx, d - 1));
    // break and continue (in the subset since cfcc450), at the loop's own level: never inside a switch
    if (r.chance(0.3)) {
      const c = boolExpr(ctx, d - 1);
      const kw = r.pick(['break', 'continue']);
      parts.splice(r.int(0, parts.length), 0, cat({ ts: [`if (${c.ts}) {`], ins: [`if (${c.ins}) {`] }, one(`  ${kw};`), one('}')));
    }
    const body = cat(...parts);
    return braces(`for (let ${v} = 0; ${v} < ${n}; ${v}++)`, body);
  } finally {
    ctx.loops.pop();
  }
}

function switchStmt(ctx: Ctx, d: number): S {
  const r = ctx.r;
  const onEnum = r.chance(0.5) && hasEnumSource(ctx);
  const subject = onEnum ? enumExpr(ctx, d, false) : intExpr(ctx, d);
  const lit = (x: string) => ({ ts: x, ins: x });
  const labels = (onEnum ? r.shuffle([...(MODE as { members: string[] }).members]).slice(0, r.int(1, 2)).map((m) => `'${m}'`) : r.shuffle(['0', '1', '2', '3']).slice(0, r.int(1, 3))).map(lit);
  // a duplicate of an earlier label (it never matches); on integers, a computed label, whose calls
  // run only when no label before it matched
  if (r.chance(0.2)) labels.push(labels[0]);
  if (!onEnum && r.chance(0.25)) labels.splice(r.int(0, labels.length), 0, intExpr(ctx, d - 1));
  const heads = labels.map((l) => ({ ts: `case ${l.ts}:`, ins: `case ${l.ins}:` }));
  if (r.chance(0.6)) {
    // default anywhere, alone or in one group with a label before or after it (`case L: default:`,
    // red-team round 7 t11: such a label was never compared)
    const at = r.int(0, heads.length);
    if (heads.length > 0 && r.chance(0.4)) {
      const k = Math.min(at, heads.length - 1);
      const h = heads[k];
      heads[k] = r.chance(0.5) ? { ts: `${h.ts} default:`, ins: `${h.ins} default:` } : { ts: `default: ${h.ts}`, ins: `default: ${h.ins}` };
      // the same label again later: it never matches, the group with default takes it first
      if (r.chance(0.5)) heads.push(h);
    } else heads.splice(at, 0, lit('default:'));
  }
  const cases: S[] = heads.map((h) => {
    const body = block(ctx, r.int(1, 2), d - 1);
    const end = r.chance(0.3) ? ret(ctx, d - 1) : one('break;');
    return cat({ ts: [`${h.ts} {`], ins: [`${h.ins} {`] }, indent(cat(body, end)), one('}'));
  });
  return cat({ ts: [`switch (${subject.ts}) {`], ins: [`switch (${subject.ins}) {`] }, indent(cat(...cases)), one('}'));
}

function assertStmt(ctx: Ctx, d: number): S {
  const c = boolExpr(ctx, d);
  return one(`assert(${c.ts});`, `assert(${c.ins});`);
}

/** One statement; a mutation point may drop it (spec/impl pairs), after drawing it as usual. */
function stmt(ctx: Ctx, d: number): S {
  const r = ctx.r;
  for (;;) {
    const k = r.weighted<string>([
      [6, 'assign'],
      [2.5, 'let'],
      [ctx.roots.length ? 1.2 : 0, 'alias'],
      [1.2, 'record'],
      [1.5, 'map'],
      [1.2, 'call'],
      [d > 0 ? 2 : 0, 'if'],
      [d > 0 ? 1.2 : 0, 'for'],
      [d > 0 ? 0.8 : 0, 'switch'],
      [0.7, 'return'],
      [0.25, 'assert'],
    ]);
    let s: S | undefined;
    switch (k) {
      case 'assign': s = assignScalar(ctx, d); break;
      case 'let': s = letLocal(ctx, d); break;
      case 'alias': s = alias(ctx, d); break;
      case 'record': s = recordStore(ctx, d); break;
      case 'map': s = mapUpdate(ctx, d); break;
      case 'call': s = callStmt(ctx, d); break;
      case 'if': s = ifStmt(ctx, d); break;
      case 'for': s = forLoop(ctx, d); break;
      case 'switch': s = switchStmt(ctx, d); break;
      case 'return': s = earlyReturn(ctx, d); break;
      case 'assert': s = assertStmt(ctx, d); break;
    }
    if (!s) continue;
    // dropping a declaration would leave later uses dangling: only effects are dropped
    if (['assign', 'map', 'call', 'record'].includes(k) && mutate(ctx, `drop \`${s.ts.join(' ')}\``)) return { ts: [], ins: [] };
    return s;
  }
}

/** A helper: writes through its first parameter (the state or a record) and returns a scalar. */
function helper(ctx: Ctx, i: number, opts: Options): { h: Helper; text: S } {
  const r = ctx.r;
  const onRecord = r.chance(0.35);
  const first: Type = onRecord ? r.pick(ctx.shape.records) : ctx.shape.state;
  const params = Array.from({ length: r.int(0, 2) }, () => scalarType(r));
  const retT = scalarType(r);
  const h: Helper = { name: `${onRecord ? 'w' : 'h'}${i}`, first, params, ret: retT };
  const fname = onRecord ? 'r' : 's';
  const pnames = params.map((_, j) => `q${j}`);
  const saved = { roots: ctx.roots, locals: ctx.locals, loops: ctx.loops, ret: ctx.ret };
  ctx.roots = [{ name: fname, type: first }];
  ctx.locals = params.map((t, j) => ({ name: pnames[j], type: t, mutable: true }));
  ctx.loops = [];
  ctx.ret = retT;
  // helpers call only helpers declared before them (no recursion), of their own kind of first parameter
  const all = ctx.helpers;
  ctx.helpers = all.filter((x) => x.first === first || (x.first.k === 'record' && !onRecord));
  try {
    const body = cat(block(ctx, r.int(1, 2), Math.min(opts.depth, 1)), ret(ctx, opts.depth));
    const sig = `function ${h.name}(${[`${fname}: ${typeText(first)}`, ...params.map((t, j) => `${pnames[j]}: ${typeText(t)}`)].join(', ')}): ${typeText(retT)}`;
    return { h, text: braces(sig, body) };
  } finally {
    ctx.helpers = all;
    Object.assign(ctx, saved);
  }
}

const IMPORTS = [
  "import type { u8, u16, u32, i8, i16, i32, Arr, SMap } from 'pushbutton';",
  "import { arr, assert, forall, exists, count } from 'pushbutton';",
];
export const RUNTIME_IMPORT = "import { $n, $ix, $s, $div, $mod, $nz } from 'fuzz-rt';";

/** The parts of a program: declarations, helpers, and the operation's signature and body. */
export interface Parts {
  shape: Shape;
  decls: string;
  helpers: S;
  opParams: { name: string; type: Type }[];
  opRet: Type;
  opBody: S;
}

export function generateParts(seed: number, opts: Options = DEFAULT_OPTIONS, mut?: Mutator): Parts {
  const r = new Rand(seed);
  const shape = randomShape(r);
  const ctx: Ctx = { r, shape, roots: [], locals: [], loops: [], helpers: [], noCalls: 0, ret: NUMBER, fresh: { n: 0 }, mut };
  const helpers: S[] = [];
  const nh = r.int(opts.helpers[0], opts.helpers[1]);
  for (let i = 0; i < nh; i++) {
    const { h, text } = helper(ctx, i, opts);
    ctx.helpers.push(h);
    helpers.push(text);
  }
  const opParams = Array.from({ length: r.int(1, 3) }, (_, j) => ({ name: ['a', 'b', 'c'][j], type: scalarType(r) }));
  const opRet = r.weighted<Type>([[6, NUMBER], [1, intType('u8')], [1, BOOL], [1, MODE], [1, shape.records[0]]]);
  ctx.roots = [{ name: 's', type: shape.state }];
  ctx.locals = opParams.map((p) => ({ name: p.name, type: p.type, mutable: true }));
  ctx.ret = opRet;
  const body = cat(block(ctx, r.int(opts.stmts[0], opts.stmts[1]), opts.depth), ret(ctx, opts.depth));
  return { shape, decls: declarations(shape), helpers: cat(...helpers), opParams, opRet, opBody: body };
}

export function opSignature(p: Parts, exported = true): string {
  return `${exported ? 'export ' : ''}function op(${['s: State', ...p.opParams.map((x) => `${x.name}: ${typeText(x.type)}`)].join(', ')}): ${typeText(p.opRet)}`;
}

export function assemble(p: Parts, extra: { before?: string[]; after?: string[] } = {}): { source: string; instrumented: string } {
  const op = braces(opSignature(p), p.opBody);
  const source = [...IMPORTS, ...(extra.before ?? []), p.decls, ...p.helpers.ts, ...op.ts, ...(extra.after ?? [])].join('\n') + '\n';
  const instrumented = [...IMPORTS, RUNTIME_IMPORT, ...(extra.before ?? []), p.decls, ...p.helpers.ins, ...op.ins, ...(extra.after ?? [])].join('\n') + '\n';
  return { source, instrumented };
}

export function generate(seed: number, opts: Options = DEFAULT_OPTIONS, mut?: Mutator): Generated {
  const parts = generateParts(seed, opts, mut);
  return { seed, ...assemble(parts), shape: parts.shape, mutation: mut?.applied };
}

