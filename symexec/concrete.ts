// The concrete IR interpreter: runs IR on ordinary JavaScript values, with TypeScript's meaning.
//
// Values are the same objects the TypeScript code uses (records are objects, Arr is an array,
// enumeration members are strings, opaque identifiers are strings, SMap is the prelude's class), so
// the interpreter can run on the very state a counterexample builds, and aliasing behaves as in
// TypeScript. Unlike TypeScript it stops at every runtime error the verifier checks for; that is
// how a counterexample for a runtime-error obligation is located when the TypeScript run cannot
// observe it (an overflowing local, say).

import type { Expr, Stmt, Func, Program, Type, Loc } from '../verifier/ir.ts';
import { SAFE_INT, applyBitwise } from '../verifier/ir.ts';
import { SMap, sameMap, choose, cpu } from '../verifier/prelude.ts';
import type { ObligationKind } from './evaluate.ts';

export class RuntimeError extends Error {
  constructor(readonly kind: ObligationKind, readonly loc: Loc, message: string) {
    super(message);
  }
}

class Return {
  constructor(readonly value: unknown, readonly loc: Loc) {}
}

/** `break` / `continue` leaving the loop body, caught by the innermost `for`. */
class LoopExit {
  constructor(readonly kind: 'break' | 'continue') {}
}

type Env = Map<string, unknown>;

export class Interpreter {
  private depth = 0;
  constructor(readonly program: Program) {}

  call(fn: Func, args: unknown[]): unknown {
    if (++this.depth > 200) throw new Error('call depth exceeded');
    try {
      const env: Env = new Map();
      fn.params.forEach((p, i) => env.set(p.name, args[i]));
      try {
        this.block(fn.body, env);
      } catch (e) {
        if (e instanceof Return) {
          // the returned value must fit the declared result type, as the symbolic evaluator checks
          this.fits(e.value, fn.ret, e.loc, `the result of ${fn.name}`);
          return e.value;
        }
        throw e;
      }
      if (fn.ret.k !== 'void') throw new RuntimeError('missing-return', fn.loc, `${fn.name} reached its end without returning a value`);
      return undefined;
    } finally {
      this.depth--;
    }
  }

  private block(stmts: Stmt[], env: Env): void {
    for (const s of stmts) this.stmt(s, env);
  }

  private stmt(s: Stmt, env: Env): void {
    switch (s.k) {
      case 'let': {
        const v = this.expr(s.init, env);
        this.fits(v, s.type, s.loc, `the local ${s.name}`);
        env.set(s.name, v);
        return;
      }
      case 'assign': {
        // TypeScript evaluates the target's object and index before the right-hand side
        const t = s.target;
        if (t.k !== 'var' && t.k !== 'field' && t.k !== 'index') throw new Error('internal: bad assignment target');
        const obj = t.k === 'var' ? undefined : this.expr(t.obj, env);
        const i = t.k === 'index' ? this.index(t, env) : 0;
        const v = this.expr(s.value, env);
        this.fits(v, s.target.type, s.loc, 'the assigned value');
        if (t.k === 'var') env.set(t.name, v);
        else if (t.k === 'field') (obj as Record<string, unknown>)[t.field] = v;
        else (obj as unknown[])[i] = v;
        return;
      }
      case 'if':
        return this.block(this.expr(s.c, env) ? s.then : s.else, env);
      case 'for':
        for (let i = s.from; i < s.to; i++) {
          env.set(s.v, i);
          try {
            this.block(s.body, env);
          } catch (e) {
            if (!(e instanceof LoopExit)) throw e;
            if (e.kind === 'break') return;
          }
        }
        return;
      case 'break':
      case 'continue':
        throw new LoopExit(s.k);
      case 'return': {
        const v = s.value ? this.expr(s.value, env) : undefined;
        throw new Return(v, s.loc);
      }
      case 'expr':
        this.expr(s.e, env);
        return;
      case 'assert':
        if (!this.expr(s.c, env)) throw new RuntimeError('assert', s.loc, 'the assertion failed');
        return;
      case 'assume':
        if (!this.expr(s.c, env)) throw new AssumptionFailed(s.loc);
        return;
      case 'mapSet': {
        const m = this.expr(s.map, env) as SMap<unknown, unknown>;
        const key = this.expr(s.key, env), value = this.expr(s.value, env);
        this.fits(value, (s.map.type as { value: Type }).value, s.loc, 'the map value');
        m.set(key, value);
        return;
      }
      case 'mapDelete': {
        const m = this.expr(s.map, env) as SMap<unknown, unknown>;
        m.delete(this.expr(s.key, env));
        return;
      }
    }
  }

  private index(e: Expr & { k: 'index' }, env: Env): number {
    const i = this.expr(e.index, env) as number;
    const len = (e.obj.type as { len: number }).len;
    if (!(i >= 0 && i < len)) throw new RuntimeError('bounds', e.index.loc, `the index ${i} is outside 0..${len - 1}`);
    return i;
  }

  private fits(v: unknown, t: Type, loc: Loc, what: string): void {
    if (t.k !== 'int') return;
    const n = v as number;
    if (!Number.isInteger(n) || BigInt(n) < t.min || BigInt(n) > t.max) throw new RuntimeError('overflow', loc, `${what} is ${n}, outside ${t.name} (${t.min}..${t.max})`);
  }

  private safe(n: number, loc: Loc): number {
    if (!Number.isSafeInteger(n) || BigInt(n) > SAFE_INT) throw new RuntimeError('safe-integer', loc, `the result ${n} leaves the safe integer range`);
    return n;
  }

  expr(e: Expr, env: Env): unknown {
    switch (e.k) {
      case 'int':
        return Number(e.v);
      case 'bool':
      case 'enumLit':
        return e.v;
      case 'var':
        return env.get(e.name);
      case 'field':
        return (this.expr(e.obj, env) as Record<string, unknown>)[e.field];
      case 'index': {
        const a = this.expr(e.obj, env) as unknown[];
        return a[this.index(e, env)];
      }
      case 'not':
        return !this.expr(e.e, env);
      case 'neg':
        return this.safe(0 - (this.expr(e.e, env) as number), e.loc);
      case 'binary': {
        if (e.op === '&&') return (this.expr(e.l, env) as boolean) && (this.expr(e.r, env) as boolean);
        if (e.op === '||') return (this.expr(e.l, env) as boolean) || (this.expr(e.r, env) as boolean);
        if (e.op === 'implies') {
          const a = this.expr(e.l, env) as boolean, b = this.expr(e.r, env) as boolean;
          return !a || b;
        }
        const l = this.expr(e.l, env) as number, r = this.expr(e.r, env) as number;
        switch (e.op) {
          case '===': return l === r;
          case '!==': return l !== r;
          case '<': return l < r;
          case '<=': return l <= r;
          case '>': return l > r;
          case '>=': return l >= r;
          case '+': return this.safe(l + r, e.loc);
          case '-': return this.safe(l - r, e.loc);
          case '*': return this.safe(l * r, e.loc);
          case '/':
            if (r === 0) throw new RuntimeError('divzero', e.r.loc, 'the divisor is zero');
            if (l % r !== 0) throw new RuntimeError('inexact-division', e.loc, `${l} / ${r} is not an integer`);
            return l / r;
          case '%':
            if (r === 0) throw new RuntimeError('divzero', e.r.loc, 'the divisor is zero');
            return l % r === 0 ? 0 : l % r; // no negative zero
          case '&':
          case '|':
          case '^':
          case '<<':
          case '>>':
          case '>>>':
            return applyBitwise(e.op, l, r);
        }
        throw new Error('internal: operator');
      }
      case 'intdiv': {
        const l = this.expr(e.l, env) as number, r = this.expr(e.r, env) as number;
        if (r === 0) throw new RuntimeError('divzero', e.r.loc, 'the divisor is zero');
        const q = e.mode === 'floor' ? Math.floor(l / r) : Math.trunc(l / r);
        return q === 0 ? 0 : q;
      }
      case 'cond':
        return this.expr(e.c, env) ? this.expr(e.t, env) : this.expr(e.e, env);
      case 'call': {
        const fn = this.program.get(e.fn)!;
        const args = e.args.map((a, i) => {
          const v = this.expr(a, env);
          this.fits(v, fn.params[i].type, a.loc, `the argument ${fn.params[i].name}`);
          return v;
        });
        const r = this.call(fn, args);
        this.fits(r, fn.ret, e.loc, `the result of ${fn.name}`);
        return r;
      }
      case 'record': {
        const o: Record<string, unknown> = {};
        const types = new Map((e.type as { fields: { name: string; type: Type }[] }).fields.map((f) => [f.name, f.type]));
        for (const f of e.fields) {
          const v = this.expr(f.value, env);
          this.fits(v, types.get(f.name)!, f.value.loc, `the field ${f.name}`);
          o[f.name] = v;
        }
        return o;
      }
      case 'arrayInit': {
        const out: unknown[] = [];
        for (let i = 0; i < e.len; i++) {
          env.set(e.param, i);
          const v = this.expr(e.body, env);
          this.fits(v, (e.type as { elem: Type }).elem, e.body.loc, 'the array element');
          out.push(v);
        }
        return out;
      }
      case 'quant': {
        if (e.cpu) return cpu(e.n);
        if (e.q === 'choose') return choose(e.n, (i) => (env.set(e.param, i), this.expr(e.body, env) as boolean));
        let n = 0;
        for (let i = 0; i < e.n; i++) {
          env.set(e.param, i);
          const b = this.expr(e.body, env) as boolean;
          if (e.q === 'forall' && !b) return false;
          if (e.q === 'exists' && b) return true;
          if (b) n++;
        }
        return e.q === 'forall' ? true : e.q === 'exists' ? false : n;
      }
      case 'mapNew': {
        const d = this.expr(e.dflt, env);
        this.fits(d, (e.type as { value: Type }).value, e.dflt.loc, 'the map default');
        return new SMap(d);
      }
      case 'mapGet':
        return (this.expr(e.map, env) as SMap<unknown, unknown>).get(this.expr(e.key, env));
      case 'mapEq':
        return sameMap(this.expr(e.l, env) as SMap<unknown, unknown>, this.expr(e.r, env) as SMap<unknown, unknown>);
      case 'mapHas':
        return (this.expr(e.map, env) as SMap<unknown, unknown>).has(this.expr(e.key, env));
      case 'let':
        env.set(e.name, this.expr(e.init, env));
        return this.expr(e.body, env);
    }
  }
}

export class AssumptionFailed extends Error {
  constructor(readonly loc: Loc) {
    super('assumption violated');
  }
}
