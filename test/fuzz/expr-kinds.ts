// Random boolean, enumeration and record expressions (the integer ones and the shared machinery
// are in expr.ts), printed twice like everything else: the source and the instrumented text.

import type { Type } from '../../verifier/ir.ts';
import { BOOL } from '../../verifier/ir.ts';
import { MODE, flatRecord, type RecordType } from './shape.ts';
import { KNOWN_UNSOUND } from './known.ts';
import { type Ctx, type E, e, mutate, guarded, check, placesTo, realize, placeText, placeRead, helperCall, firstArgs, localsOf, binder, intExpr, expr, isBool, isEnum } from './expr.ts';

function cmpOp(ctx: Ctx): string {
  let op = ctx.r.pick(['<', '<=', '>', '>=', '===', '!==']);
  const swap: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '===': '!==', '!==': '===' };
  if (mutate(ctx, `${op} -> ${swap[op]}`)) op = swap[op];
  return op;
}

export function boolExpr(ctx: Ctx, d: number): E {
  const r = ctx.r;
  const locals = localsOf(ctx, 'bool');
  const deep = d > 0 ? 1 : 0;
  const maps = placesTo(ctx, (t) => t.k === 'map');
  const arrays = placesTo(ctx, (t) => t.k === 'array');
  const k = r.weighted<string>([
    [0.5, 'lit'],
    [locals.length ? 2 : 0, 'local'],
    [2, 'place'],
    [ctx.noCalls || d < 0 ? 0 : 1, 'call'],
    [5 * deep + 1, 'cmp'],
    [hasEnumSource(ctx) ? 1.5 * deep : 0, 'enum'],
    [2 * deep, 'andor'],
    [0.8 * deep, 'not'],
    [maps.length ? 1 * deep : 0, 'has'],
    [arrays.length ? 0.4 * deep : 0, 'quant'],
    [0.3 * deep, 'cond'],
  ]);
  switch (k) {
    case 'lit': {
      const v = r.pick(['true', 'false']);
      return e(v, v, BOOL);
    }
    case 'local':
      return r.pick(locals);
    case 'place':
      return placeRead(ctx, isBool, d) ?? boolExpr(ctx, 0);
    case 'call':
      return helperCall(ctx, isBool, d) ?? boolExpr(ctx, 0);
    case 'cmp': {
      const a = intExpr(ctx, d - 1), op = cmpOp(ctx), b = intExpr(ctx, d - 1);
      return e(`(${a.ts} ${op} ${b.ts})`, `(${a.ins} ${op} ${b.ins})`, BOOL);
    }
    case 'enum': {
      const a = enumExpr(ctx, d - 1, false), b = enumExpr(ctx, d - 1, true);
      const op = r.pick(['===', '!==']);
      return e(`(${a.ts} ${op} ${b.ts})`, `(${a.ins} ${op} ${b.ins})`, BOOL);
    }
    case 'andor': {
      let op = r.pick(['&&', '||']);
      if (mutate(ctx, `${op} -> ${op === '&&' ? '||' : '&&'}`)) op = op === '&&' ? '||' : '&&';
      const a = boolExpr(ctx, d - 1), b = boolExpr(ctx, d - 1);
      return e(`(${a.ts} ${op} ${b.ts})`, `(${a.ins} ${op} ${b.ins})`, BOOL);
    }
    case 'not': {
      const a = boolExpr(ctx, d - 1);
      return e(`!${a.ts}`, `!${a.ins}`, BOOL);
    }
    case 'has': {
      const { root, path } = r.pick(maps);
      const m = placeText(realize(ctx, root, path, d - 1));
      const key = expr(ctx, (path.type as Type & { k: 'map' }).key, d - 1, true);
      return e(`${m.ts}.has(${key.ts})`, `${m.ins}.has(${key.ins})`, BOOL);
    }
    case 'quant': {
      const { path } = r.pick(arrays);
      const n = (path.type as Type & { k: 'array' }).len;
      const q = r.pick(['forall', 'exists']);
      const b = binder(ctx, n, () => boolExpr(ctx, d - 1));
      return e(`${q}(${n}, (${b.v}) => ${b.body.ts})`, `${q}(${n}, (${b.v}) => ${b.body.ins})`, BOOL);
    }
    default: {
      const c = boolExpr(ctx, d - 1), a = boolExpr(ctx, d - 1), b = boolExpr(ctx, d - 1);
      return e(`(${c.ts} ? ${a.ts} : ${b.ts})`, `(${c.ins} ? ${a.ins} : ${b.ins})`, BOOL);
    }
  }
}

export function enumExpr(ctx: Ctx, d: number, typed: boolean): E {
  const r = ctx.r;
  const locals = localsOf(ctx, 'enum');
  const members = (MODE as { members: string[] }).members;
  const k = r.weighted<string>([
    [typed ? 3 : 0, 'lit'],
    [locals.length ? 2 : 0, 'local'],
    [3, 'place'],
    [ctx.noCalls || d < 0 ? 0 : 1, 'call'],
    [d > 0 && (typed || hasEnumSource(ctx)) ? 1 : 0, 'cond'],
  ]);
  const fallback = (): E => {
    if (typed) return e(`'${members[0]}'`, `'${members[0]}'`, MODE);
    if (locals.length) return r.pick(locals);
    const p = placeRead(ctx, isEnum, d) ?? helperCall(ctx, isEnum, d);
    if (!p) throw new Error('internal: an enumeration expression without a source (hasEnumSource)');
    return p;
  };
  switch (k) {
    case 'lit': {
      const v = `'${r.pick(members)}'`;
      return e(v, v, MODE);
    }
    case 'local':
      return r.pick(locals);
    case 'place':
      return placeRead(ctx, isEnum, d) ?? fallback();
    case 'call':
      return helperCall(ctx, isEnum, d) ?? fallback();
    default: {
      const c = boolExpr(ctx, d - 1), a = enumExpr(ctx, d - 1, typed), b = enumExpr(ctx, d - 1, typed);
      return e(`(${c.ts} ? ${a.ts} : ${b.ts})`, `(${c.ins} ? ${a.ins} : ${b.ins})`, MODE);
    }
  }
}

/** Whether an enumeration expression can be written where no type is expected (no bare string literal). */
export function hasEnumSource(ctx: Ctx): boolean {
  if (ctx.locals.some((l) => l.type.k === 'enum') || placesTo(ctx, isEnum).length) return true;
  return !ctx.noCalls && ctx.helpers.some((h) => isEnum(h.ret) && firstArgs(ctx, h.first).length > 0);
}

/** An object literal of a record type: fields in random order, nested literals, arr() for arrays, spreads of flat records. */
export function recordLiteral(ctx: Ctx, t: RecordType, d: number): E {
  const r = ctx.r;
  const sources = flatRecord(t) ? placesTo(ctx, (u) => u === t) : [];
  if (sources.length && r.chance(0.3)) {
    const { root, path } = r.pick(sources);
    const leaves = KNOWN_UNSOUND.spreadLiteralLeavesOnly;
    const src = guarded(ctx, 'spreadLiteralLeavesOnly', () => placeText(realize(ctx, root, path, leaves ? 0 : d)));
    const f = r.pick(t.fields);
    const v = guarded(ctx, 'spreadLiteralLeavesOnly', () => expr(ctx, f.type, leaves ? 0 : d - 1, true));
    const field = { ts: `${f.name}: ${v.ts}`, ins: `${f.name}: ${check(f.type, v.ins)}` };
    // not `{ x: e, ...src }`: TypeScript rejects a property the spread overwrites (TS2783)
    return e(`{ ...${src.ts}, ${field.ts} }`, `{ ...${src.ins}, ${field.ins} }`, t);
  }
  const parts = r.shuffle(t.fields).map((f) => {
    let v: E;
    if (f.type.k === 'array') {
      const elem = f.type.elem;
      const n = f.type.len;
      const b = binder(ctx, n, () => expr(ctx, elem, Math.min(d - 1, 1), true));
      v = e(`arr(${n}, (${b.v}) => ${b.body.ts})`, `arr(${n}, (${b.v}) => ${check(elem, b.body.ins)})`, f.type);
      return { ts: `${f.name}: ${v.ts}`, ins: `${f.name}: ${v.ins}` };
    }
    v = expr(ctx, f.type, d - 1, true);
    return { ts: `${f.name}: ${v.ts}`, ins: `${f.name}: ${check(f.type, v.ins)}` };
  });
  return e(`{ ${parts.map((p) => p.ts).join(', ')} }`, `{ ${parts.map((p) => p.ins).join(', ')} }`, t);
}
