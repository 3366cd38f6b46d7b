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

/**
 * Text written up to a length: past `max` characters it takes no more, and the printer stops
 * descending. Terms are DAGs whose tree form can be exponentially long (a merged state read
 * through nested if-then-elses); printing one in full only to cut it cost verify commute's
 * parent seconds per pair.
 */
class Text {
  private parts: string[] = [];
  private len = 0;
  constructor(readonly max: number) {}
  get full(): boolean {
    return this.len > this.max;
  }
  put(s: string): void {
    if (this.full) return;
    this.parts.push(s);
    this.len += s.length;
  }
  /** the parts put, in order, joined by `sep` */
  list<X>(xs: readonly X[], sep: string, each: (x: X) => void): void {
    xs.forEach((x, k) => {
      if (this.full) return;
      if (k) this.put(sep);
      each(x);
    });
  }
  toString(): string {
    const s = this.parts.join('');
    return s.length > this.max ? `${s.slice(0, this.max - 1)}…` : s;
  }
}

/** The TypeScript-like text of a term, cut at `max` characters; `operand`: parenthesised unless atomic. */
export function showTerm(t: Term, max = 400, asOperand = false): string {
  const out = new Text(max);
  (asOperand ? operand : show)(t, out);
  return out.toString();
}

/** `t` on its own, as far as `out` takes it (for the parts a leaf's name is built from) */
function shown(t: Term, out: Text): string {
  const part = new Text(out.max);
  show(t, part);
  return part.toString();
}

function show(t: Term, out: Text): void {
  if (out.full) return;
  switch (t.op) {
    case 'const':
      return out.put(t.name!.replace(/^choice!(\d+):(\d+)!(\d+)$/, 'choice@$1:$2#$3'));
    case 'bvar':
      return out.put(t.name!.replace(/!\d+$/, ''));
    case 'int':
    case 'bool':
      return out.put(String(t.value));
    case 'not': {
      const a = t.args[0];
      if (a.op !== '=') {
        out.put('!');
        return operand(a, out);
      }
      operand(a.args[0], out);
      out.put(' != ');
      return operand(a.args[1], out);
    }
    case 'and':
      return out.list(t.args, ' && ', (x) => operand(x, out));
    case 'or':
      return out.list(t.args, ' || ', (x) => operand(x, out));
    case '=>':
      out.put('implies(');
      out.list(t.args, ', ', (x) => show(x, out));
      return out.put(')');
    case 'ite':
      operand(t.args[0], out);
      out.put(' ? ');
      operand(t.args[1], out);
      out.put(' : ');
      return operand(t.args[2], out);
    case 'neg':
      out.put('-');
      return operand(t.args[0], out);
    case 'select': {
      // a read after a write at a symbolic index: which element it is depends on the indices
      if (t.args[0].op === 'store') {
        const [a, i, v] = t.args[0].args;
        out.put('(');
        show(i, out);
        out.put(' == ');
        show(t.args[1], out);
        out.put(' ? ');
        show(v, out);
        out.put(' : ');
        operand({ ...t, args: [a, t.args[1]] } as Term, out);
        return out.put(')');
      }
      const idx: Term[] = [];
      let base: Term = t;
      for (; base.op === 'select'; base = base.args[0]) idx.unshift(base.args[1]);
      if (base.op === 'const') return out.put(leafAt(base.name!, idx.map((i) => shown(i, out))));
      operand(base, out);
      out.put('[');
      out.list(idx, '][', (i) => show(i, out));
      return out.put(']');
    }
    case 'store':
      operand(t.args[0], out);
      out.put(' with [');
      show(t.args[1], out);
      out.put('] = ');
      return show(t.args[2], out);
    case 'constArray':
      out.put('[all ');
      show(t.args[0], out);
      return out.put(']');
    case 'forall':
    case 'exists':
    case 'lambda':
      out.put(`${t.op}(`);
      out.list(t.bound ?? [], ', ', (x) => show(x, out));
      out.put(' => ');
      show(t.args[0], out);
      return out.put(')');
    case 'count':
      return out.put(`count(${t.name ?? ''}…)`);
    default: {
      const op = INFIX[t.op];
      if (op) return out.list(t.args, ` ${op} `, (x) => operand(x, out));
      out.put(`${t.op}(`);
      out.list(t.args, ', ', (x) => show(x, out));
      return out.put(')');
    }
  }
}

function operand(t: Term, out: Text): void {
  const atomic = ['const', 'bvar', 'int', 'bool', 'select'].includes(t.op) || (t.op === 'not' && t.args[0].op !== '=');
  if (atomic) return show(t, out);
  out.put('(');
  show(t, out);
  out.put(')');
}

/**
 * A condition as TypeScript would write it, whole (never cut): `===` and `!==`, comparisons with
 * the variable on the left (`a.x >= 0`), and parentheses only where the operators' precedence
 * needs them (and around `&&` inside `||`, for the reader). For the case lists of verify commute,
 * printed after simplify.ts has made them small; a subterm is printed once per occurrence, so a
 * term that is still a large DAG prints long, not cut.
 */
export function showCondition(t: Term): string {
  const memo = new Map<string, string>();
  const go = (u: Term, min: number): string => {
    const key = `${u.id}:${min}`;
    let s = memo.get(key);
    if (s === undefined) {
      const [text, prec] = condition(u, go);
      s = prec < min ? `(${text})` : text;
      memo.set(key, s);
    }
    return s;
  };
  return go(t, 0);
}

const ATOM = 17;

/** One level of showCondition: the text of `t` (its operands printed by `go` at the precedence they need) and its precedence. */
function condition(t: Term, go: (u: Term, min: number) => string): [string, number] {
  const a = t.args;
  switch (t.op) {
    case 'int':
      return [String(t.value), (t.value as bigint) < 0n ? 14 : ATOM];
    case 'select': {
      const idx: Term[] = [];
      let base: Term = t;
      for (; base.op === 'select'; base = base.args[0]) idx.unshift(base.args[1]);
      if (base.op === 'const') return [leafAt(base.name!, idx.map((i) => go(i, 0))), ATOM];
      return [showTerm(t, Number.MAX_SAFE_INTEGER), ATOM];
    }
    case 'const':
    case 'bvar':
    case 'bool':
    case 'store':
    case 'constArray':
    case 'count':
      return [showTerm(t, Number.MAX_SAFE_INTEGER), t.op === 'store' ? 2 : ATOM];
    case 'not':
      if (a[0].op === '=') {
        const [l, r] = a[0].args[0].op === 'int' && a[0].args[1].op !== 'int' ? [a[0].args[1], a[0].args[0]] : a[0].args;
        return [`${go(l, 9)} !== ${go(r, 9)}`, 8];
      }
      return [`!${go(a[0], 14)}`, 14];
    case 'and':
      return [a.map((x) => go(x, 5)).join(' && '), 4];
    case 'or':
      return [a.map((x) => go(x, 5)).join(' || '), 3];
    case '=': {
      // the literal on the right: `s.v === 0`
      const [l, r] = a[0].op === 'int' && a[1].op !== 'int' ? [a[1], a[0]] : [a[0], a[1]];
      return [`${go(l, 9)} === ${go(r, 9)}`, 8];
    }
    case '<':
    case '<=': {
      // the literal on the right: `a.x >= 0`, not `0 <= a.x`
      const flip = a[0].op === 'int' && a[1].op !== 'int';
      const op = flip ? (t.op === '<' ? '>' : '>=') : t.op;
      const [l, r] = flip ? [a[1], a[0]] : [a[0], a[1]];
      return [`${go(l, 10)} ${op} ${go(r, 10)}`, 9];
    }
    case '+':
      return [`${go(a[0], 11)} + ${go(a[1], 12)}`, 11];
    case '-':
      return [`${go(a[0], 11)} - ${go(a[1], 12)}`, 11];
    case '*':
    case 'div':
    case 'mod':
      return [`${go(a[0], 12)} ${t.op === '*' ? '*' : t.op === 'div' ? '/' : '%'} ${go(a[1], 13)}`, 12];
    case 'neg':
      return [`-${go(a[0], 15)}`, 14];
    case 'ite':
      return [`${go(a[0], 3)} ? ${go(a[1], 3)} : ${go(a[2], 2)}`, 2];
    case '=>':
      return [`implies(${go(a[0], 0)}, ${go(a[1], 0)})`, ATOM];
    default:
      return [`${t.op}(${t.bound?.length ? `${t.bound.map((x) => go(x, 0)).join(', ')} => ` : ''}${a.map((x) => go(x, 0)).join(', ')})`, ATOM];
  }
}
