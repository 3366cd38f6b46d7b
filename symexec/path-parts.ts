// Parts of the forking driver (paths.ts) that need nothing of a run: the depth-first decisions
// over the runs, and the text by which a path names places and values.

import type { Expr } from '../verifier/ir.ts';
import { isScalar } from '../verifier/ir.ts';
import * as T from './term.ts';
import { type Term } from './term.ts';
import type { PSeg } from './evaluate.ts';
import type { ParamInput } from './summary.ts';

/** Depth-first choices over the runs: the decisions of the current run and how many ways each had. */
export class Decisions {
  private taken: number[] = [];
  private ways: number[] = [];
  private at = 0;

  /** The way this run goes at a decision with `n` ways (0 the first time it is reached). */
  pick(n: number): number {
    if (this.at < this.taken.length) return this.taken[this.at++];
    this.taken.push(0);
    this.ways.push(n);
    this.at++;
    return 0;
  }

  /** Moves to the next run: the deepest decision with a way not yet taken. False when all are done. */
  next(): boolean {
    this.at = 0;
    while (this.taken.length) {
      const k = this.taken.length - 1;
      if (this.taken[k] + 1 < this.ways[k]) {
        this.taken[k]++;
        return true;
      }
      this.taken.pop();
      this.ways.pop();
    }
    return false;
  }
}

/**
 * The text of an index term: a literal, a scalar parameter or a field of one (their values at
 * entry, as the caller passed them), sums and differences of those; else `…`.
 */
export function indexText(params: ParamInput[], t: Term): string {
  if (t.op === 'int') return String(t.value);
  if (t.op === 'const') {
    for (const p of params) {
      if (t.name === p.smt && isScalar(p.type)) return p.name;
      if (t.name!.startsWith(p.smt + '.') && !/[[{]/.test(t.name!)) return `${p.name}.${t.name!.slice(p.smt.length + 1)}`;
    }
    return '…';
  }
  if ((t.op === '+' || t.op === '-') && t.args.length === 2) {
    const x = indexText(params, t.args[0]), y = indexText(params, t.args[1]);
    if (x === '…' || y === '…') return '…';
    const yv = T.intValue(t.args[1]);
    return yv !== undefined && yv < 0n ? `${x} ${t.op === '+' ? '-' : '+'} ${-yv}` : `${x} ${t.op} ${y}`;
  }
  return '…';
}

/** A replaced place of a parameter, by the parameter's index and the path (`0.inner`, `1.items[]`). */
export function replacedKey(param: number, path: PSeg[]): string {
  return `${param}${path.map((s) => ('f' in s ? `.${s.f}` : '[]')).join('')}`;
}

export function exprText(e: Expr): string {
  switch (e.k) {
    case 'var': return e.name;
    case 'field': return `${exprText(e.obj)}.${e.field}`;
    case 'index': return `${exprText(e.obj)}[…]`;
    case 'call': return `${e.fn.split('#')[1]}()`;
    default: return 'value';
  }
}
