// JavaScript's bitwise operators over SMT integers, exactly.
//
// In TypeScript `a & b`, `a | b`, `a ^ b`, `~a`, `a << n` and `a >> n` convert their operands to
// 32-bit two's-complement integers (ToInt32: the value modulo 2^32, read as signed) and give a
// signed 32-bit result; `a >>> n` converts to unsigned (ToUint32) and gives an unsigned result;
// a shift amount counts modulo 32. The subset's integers are SMT integers, so the operators are
// written with div and mod by powers of two, which Z3 decides in linear arithmetic, instead of
// converting to bit-vectors and back:
//
//   - bit i of ToUint32(x) is  (x div 2^i) mod 2  (SMT-LIB's div and mod are Euclidean, so this
//     holds for negative x too);
//   - x & (2^k - 1)  is  x mod 2^k, and a constant operand costs one term per set bit, so masks
//     and flag tests (the common case in systems code) stay small;
//   - only two unknown operands take all 32 bits.
//
// The interval of each result is given too (the evaluator's static ranges).

import * as T from './term.ts';
import type { Term } from './term.ts';
import type { BitwiseOp } from '../verifier/ir.ts';

const TWO32 = 2n ** 32n;
const TWO31 = 2n ** 31n;
const INT32: [bigint, bigint] = [-TWO31, TWO31 - 1n];

const pow2 = (i: number | bigint) => 2n ** BigInt(i);
const int = (v: bigint) => T.mkInt(v);

/** ToUint32(x): x modulo 2^32. `range` is x's static interval, when known. */
export function toUint32(x: Term, range?: [bigint?, bigint?]): Term {
  if (range && range[0] !== undefined && range[1] !== undefined && range[0] >= 0n && range[1] < TWO32) return x;
  return T.mod(x, int(TWO32));
}

/** ToInt32(x): x modulo 2^32 read as a signed 32-bit integer. */
export function toInt32(x: Term, range?: [bigint?, bigint?]): Term {
  if (range && range[0] !== undefined && range[1] !== undefined && range[0] >= INT32[0] && range[1] <= INT32[1]) return x;
  return signed(toUint32(x, range));
}

/** An unsigned 32-bit value (0 <= u < 2^32) read as signed. */
function signed(u: Term): Term {
  return T.ite(T.le(int(TWO31), u), T.sub(u, int(TWO32)), u);
}

/** Bit i (0 or 1) of an unsigned 32-bit value. */
function bit(u: Term, i: number): Term {
  return T.mod(i === 0 ? u : T.div(u, int(pow2(i))), int(2n));
}

function isOne(b: Term): Term {
  return T.eq(b, int(1n));
}

/** The constant value of a term, if it is a literal. */
function lit(t: Term): bigint | undefined {
  return T.intValue(t);
}

/** The bits of a 32-bit constant that are set. */
function setBits(c: bigint): number[] {
  const u = ((c % TWO32) + TWO32) % TWO32;
  const out: number[] = [];
  for (let i = 0; i < 32; i++) if ((u >> BigInt(i)) & 1n) out.push(i);
  return out;
}

function sum(ts: Term[]): Term {
  return ts.reduce((a, t) => T.add(a, t), int(0n));
}

/** `a & b`, `a | b`, `a ^ b` on unsigned operands, as an unsigned result. */
function logical(op: '&' | '|' | '^', ua: Term, ub: Term): Term {
  const ca = lit(ua), cb = lit(ub);
  if (ca !== undefined && cb !== undefined) return int(op === '&' ? ca & cb : op === '|' ? ca | cb : ca ^ cb);
  if (ca !== undefined) return logical(op, ub, ua);
  if (cb !== undefined) {
    const bits = setBits(cb);
    // x & (2^k - 1) = x mod 2^k
    if (op === '&' && bits.length > 0 && bits.length === bits[bits.length - 1] + 1) return T.mod(ua, int(pow2(bits.length)));
    if (op === '&') return sum(bits.map((i) => T.ite(isOne(bit(ua, i)), int(pow2(i)), int(0n))));
    // x | c adds the bits of c that x lacks; x ^ c adds those and takes away those it has
    if (op === '|') return T.add(ua, sum(bits.map((i) => T.ite(isOne(bit(ua, i)), int(0n), int(pow2(i))))));
    return T.add(ua, sum(bits.map((i) => T.ite(isOne(bit(ua, i)), int(-pow2(i)), int(pow2(i))))));
  }
  const parts: Term[] = [];
  for (let i = 0; i < 32; i++) {
    const x = isOne(bit(ua, i)), y = isOne(bit(ub, i));
    const on = op === '&' ? T.and(x, y) : op === '|' ? T.or(x, y) : T.not(T.eq(x, y));
    parts.push(T.ite(on, int(pow2(i)), int(0n)));
  }
  return sum(parts);
}

/** The shift amount: ToUint32(n) & 31. */
function shiftAmount(n: Term, range?: [bigint?, bigint?]): Term {
  if (range && range[0] !== undefined && range[1] !== undefined && range[0] >= 0n && range[1] <= 31n) return n;
  return T.mod(n, int(32n));
}

/** `f(k)` for the shift amount k: one term for a literal, a case split over 0..31 otherwise. */
function byAmount(k: Term, f: (k: number) => Term): Term {
  const c = lit(k);
  if (c !== undefined) return f(Number(c));
  let out = f(31);
  for (let i = 30; i >= 0; i--) out = T.ite(T.eq(k, int(BigInt(i))), f(i), out);
  return out;
}

type Range = [bigint?, bigint?];

/**
 * The term and interval of `l op r` with JavaScript's meaning; `lr` and `rr` are the operands'
 * static intervals. `~a` is `a ^ -1`.
 */
export function bitwise(op: BitwiseOp, l: Term, r: Term, lr: Range = [], rr: Range = []): { t: Term; lo: bigint; hi: bigint } {
  switch (op) {
    case '&':
    case '|':
    case '^': {
      const u = logical(op, toUint32(l, lr), toUint32(r, rr));
      // a non-negative constant mask bounds an & from above
      const mask = op === '&' ? [lit(l), lit(r)].find((c) => c !== undefined && c >= 0n && c < TWO31) : undefined;
      if (mask !== undefined) return { t: u, lo: 0n, hi: mask };
      return { t: signed(u), lo: INT32[0], hi: INT32[1] };
    }
    case '<<': {
      const a = toUint32(l, lr);
      return { t: byAmount(shiftAmount(r, rr), (k) => signed(k === 0 ? a : T.mod(T.mul(a, int(pow2(k))), int(TWO32)))), lo: INT32[0], hi: INT32[1] };
    }
    case '>>': {
      const a = toInt32(l, lr);
      // floor division by a power of two: SMT-LIB's div rounds towards minus infinity for positive divisors
      return { t: byAmount(shiftAmount(r, rr), (k) => (k === 0 ? a : T.div(a, int(pow2(k))))), lo: INT32[0], hi: INT32[1] };
    }
    case '>>>': {
      const a = toUint32(l, lr);
      const k = lit(shiftAmount(r, rr));
      return { t: byAmount(shiftAmount(r, rr), (j) => (j === 0 ? a : T.div(a, int(pow2(j))))), lo: 0n, hi: k === undefined ? TWO32 - 1n : pow2(32 - Number(k)) - 1n };
    }
  }
}
