// Questions about lowered IR that the lowering asks while it builds it: which calls a body makes,
// whether an expression has effects, what a constant expression's value is.

import { type Expr, type Stmt, type Loc, forEachChild, applyBitwise, BITWISE_OPS, type BitwiseOp } from '../ir.ts';

export function callsOf(body: Stmt[]): { fn: string; loc: Loc }[] {
  const out: { fn: string; loc: Loc }[] = [];
  visitExprs(body, (e) => {
    if (e.k === 'call') out.push({ fn: e.fn, loc: e.loc });
  });
  return out;
}

/** Each expression of `body`, nested ones included, in source order. */
export function visitExprs(body: Stmt[], f: (e: Expr) => void): void {
  const ex = (e: Expr): void => {
    f(e);
    forEachChild(e, ex);
  };
  const st = (s: Stmt): void => {
    switch (s.k) {
      case 'let': ex(s.init); break;
      case 'assign': ex(s.target); ex(s.value); break;
      case 'if': ex(s.c); s.then.forEach(st); s.else.forEach(st); break;
      case 'for': s.body.forEach(st); break;
      case 'return': if (s.value) ex(s.value); break;
      case 'expr': ex(s.e); break;
      case 'assert': case 'assume': ex(s.c); break;
      case 'mapSet': ex(s.map); ex(s.key); ex(s.value); break;
      case 'mapDelete': ex(s.map); ex(s.key); break;
      case 'break': case 'continue': break;
    }
  };
  body.forEach(st);
}

/** A local or parameter, or a field of one (no index, no call): evaluating it cannot fail or change anything. */
export function isPlainPath(e: Expr): boolean {
  return e.k === 'var' || (e.k === 'field' && isPlainPath(e.obj));
}

/** Whether evaluating `e` may change the state or give another value the next time: a call, or a choice. */
export function hasEffects(e: Expr): boolean {
  if (e.k === 'call' || (e.k === 'quant' && e.q === 'choose')) return true;
  let found = false;
  forEachChild(e, (c) => { if (!found && hasEffects(c)) found = true; });
  return found;
}

export function hasCalls(e: Expr): boolean {
  let found = e.k === 'call' || e.k === 'var';
  forEachChild(e, (c) => { if (hasCalls(c)) found = true; });
  return found;
}

/** Evaluates a constant integer expression (literals, constants and arithmetic). */
export function evalConstInt(e: Expr): number | undefined {
  switch (e.k) {
    case 'int': return Number(e.v);
    case 'neg': { const v = evalConstInt(e.e); return v === undefined ? undefined : -v; }
    case 'binary': {
      const l = evalConstInt(e.l), r = evalConstInt(e.r);
      if (l === undefined || r === undefined) return undefined;
      switch (e.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        default: return (BITWISE_OPS as readonly string[]).includes(e.op) ? applyBitwise(e.op as BitwiseOp, l, r) : undefined;
      }
    }
    case 'intdiv': {
      const l = evalConstInt(e.l), r = evalConstInt(e.r);
      if (l === undefined || !r) return undefined;
      return e.mode === 'floor' ? Math.floor(l / r) : Math.trunc(l / r);
    }
    default: return undefined;
  }
}

/** The root local or parameter an access path starts from, if any. */
export function rootOf(e: Expr): string | undefined {
  if (e.k === 'var') return e.name;
  if (e.k === 'field' || e.k === 'index') return rootOf(e.obj);
  return undefined;
}
