// Terms printed the way the spec reads: `s.used[b.slot]`, `a.fd == b.fd`, `!s.dir.has(a.name)`.
// For the condition lists of verify commute, which a person reads; the solver gets SMT-LIB.

import type { Term } from '../../symexec/term.ts';

const INFIX: Partial<Record<Term['op'], string>> = { '+': '+', '-': '-', '*': '*', div: '/', mod: '%', '<': '<', '<=': '<=', '=': '==' };

/**
 * A leaf constant read at indices: `s.procs[].fds[].off` at (p, d) is `s.procs[p].fds[d].off`;
 * a map leaf `s.dir{val}` at k is `s.dir.get(k)`, `{has}` is `s.dir.has(k)`.
 */
function leafAt(name: string, idx: string[]): string {
  let k = 0;
  let out = name.replace(/\[\]/g, () => `[${idx[k++] ?? '?'}]`);
  out = out.replace(/\{(val|has|dflt)\}$/, (_m, which: string) => (which === 'dflt' ? '.dflt' : `.${which === 'val' ? 'get' : 'has'}(${idx[k++] ?? '?'})`));
  return k < idx.length ? `${out}[${idx.slice(k).join('][')}]` : out;
}

/** The TypeScript-like text of a term, cut at `max` characters; `operand`: parenthesised unless atomic. */
export function showTerm(t: Term, max = 400, asOperand = false): string {
  const text = asOperand ? operand(t) : show(t);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function show(t: Term): string {
  switch (t.op) {
    case 'const':
      return t.name!.replace(/^choice!(\d+):(\d+)!(\d+)$/, 'choice@$1:$2#$3');
    case 'bvar':
      return t.name!.replace(/!\d+$/, '');
    case 'int':
      return String(t.value);
    case 'bool':
      return String(t.value);
    case 'not': {
      const a = t.args[0];
      if (a.op === '=') return `${operand(a.args[0])} != ${operand(a.args[1])}`;
      return `!${operand(a)}`;
    }
    case 'and':
      return t.args.map(operand).join(' && ');
    case 'or':
      return t.args.map(operand).join(' || ');
    case '=>':
      return `implies(${show(t.args[0])}, ${show(t.args[1])})`;
    case 'ite':
      return `${operand(t.args[0])} ? ${operand(t.args[1])} : ${operand(t.args[2])}`;
    case 'neg':
      return `-${operand(t.args[0])}`;
    case 'select': {
      // a read after a write at a symbolic index: which element it is depends on the indices
      if (t.args[0].op === 'store') {
        const [a, i, v] = t.args[0].args;
        return `(${show(i)} == ${show(t.args[1])} ? ${show(v)} : ${operand({ ...t, args: [a, t.args[1]] } as Term)})`;
      }
      const idx: string[] = [];
      let base: Term = t;
      while (base.op === 'select') {
        idx.unshift(show(base.args[1]));
        base = base.args[0];
      }
      return base.op === 'const' ? leafAt(base.name!, idx) : `${operand(base)}[${idx.join('][')}]`;
    }
    case 'store':
      return `${operand(t.args[0])} with [${show(t.args[1])}] = ${show(t.args[2])}`;
    case 'constArray':
      return `[all ${show(t.args[0])}]`;
    case 'forall':
    case 'exists':
    case 'lambda':
      return `${t.op}(${(t.bound ?? []).map(show).join(', ')} => ${show(t.args[0])})`;
    case 'count':
      return `count(${t.name ?? ''}…)`;
    default: {
      const op = INFIX[t.op];
      if (op) return t.args.map(operand).join(` ${op} `);
      return `${t.op}(${t.args.map(show).join(', ')})`;
    }
  }
}

function operand(t: Term): string {
  const s = show(t);
  const atomic = ['const', 'bvar', 'int', 'bool', 'select'].includes(t.op) || (t.op === 'not' && t.args[0].op !== '=');
  return atomic ? s : `(${s})`;
}
