// The IR: the one seam between the front end and everything that reasons about code.
//
// It is typed (every expression knows its Type) and keeps source locations, so the symbolic
// evaluator, the concrete interpreter and the reporters never need ts-morph.

export interface Loc {
  file: string;
  line: number;
  col: number;
}

export type IntTypeName = 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32' | 'number';

export type Type =
  | { k: 'bool' }
  | { k: 'int'; name: IntTypeName; min: bigint; max: bigint }
  | { k: 'enum'; name: string; members: string[] }
  | { k: 'opaque'; name: string }
  | { k: 'record'; name: string; fields: Field[] }
  | { k: 'array'; elem: Type; len: number }
  | { k: 'map'; key: Type; value: Type }
  | { k: 'void' };

export interface Field {
  name: string;
  type: Type;
}

/** The largest integer TypeScript's numbers represent exactly: `number` values must stay within it. */
export const SAFE_INT = 2n ** 53n - 1n;

export const INT_TYPES: Record<IntTypeName, { min: bigint; max: bigint }> = {
  u8: { min: 0n, max: 255n },
  u16: { min: 0n, max: 65535n },
  u32: { min: 0n, max: 4294967295n },
  i8: { min: -128n, max: 127n },
  i16: { min: -32768n, max: 32767n },
  i32: { min: -2147483648n, max: 2147483647n },
  number: { min: -SAFE_INT, max: SAFE_INT },
};

export function intType(name: IntTypeName): Type {
  return { k: 'int', name, ...INT_TYPES[name] };
}

export const BOOL: Type = { k: 'bool' };
export const NUMBER: Type = intType('number');
export const VOID: Type = { k: 'void' };

/** Scalars live in SMT as one term; aggregates (records, arrays, maps) live in the heap. */
export function isScalar(t: Type): boolean {
  return t.k === 'bool' || t.k === 'int' || t.k === 'enum' || t.k === 'opaque';
}

export function typeToString(t: Type): string {
  switch (t.k) {
    case 'bool':
      return 'boolean';
    case 'int':
      return t.name;
    case 'enum':
      return t.name;
    case 'opaque':
      return `Opaque<'${t.name}'>`;
    case 'record':
      return t.name;
    case 'array':
      return `Arr<${typeToString(t.elem)}, ${t.len}>`;
    case 'map':
      return `SMap<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    case 'void':
      return 'void';
  }
}

/** Types are compatible when values of one can be used as the other (integers of any width mix). */
export function sameShape(a: Type, b: Type): boolean {
  if (a.k === 'int' && b.k === 'int') return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'enum':
      return a.members.join('|') === (b as typeof a).members.join('|');
    case 'opaque':
      return a.name === (b as typeof a).name;
    case 'record': {
      const bf = (b as typeof a).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.name === bf[i].name && sameShape(f.type, bf[i].type));
    }
    case 'array':
      return a.len === (b as typeof a).len && sameShape(a.elem, (b as typeof a).elem);
    case 'map':
      return sameShape(a.key, (b as typeof a).key) && sameShape(a.value, (b as typeof a).value);
    default:
      return true;
  }
}

/**
 * Types are the same: as sameShape, and integers of the same declared type. Aggregates are
 * shared, not copied, when TypeScript stores or passes them, so an aggregate of one type used as
 * another must have exactly that type: a u32 field seen as a u8 would break the u8's range.
 */
export function sameType(a: Type, b: Type): boolean {
  if (a.k === 'int' && b.k === 'int') return a.min === b.min && a.max === b.max;
  if (a.k !== b.k || !sameShape(a, b)) return false;
  switch (a.k) {
    case 'record':
      return a.fields.every((f, i) => sameType(f.type, (b as typeof a).fields[i].type));
    case 'array':
      return sameType(a.elem, (b as typeof a).elem);
    case 'map':
      return sameType(a.key, (b as typeof a).key) && sameType(a.value, (b as typeof a).value);
    default:
      return true;
  }
}

export type BitwiseOp = '&' | '|' | '^' | '<<' | '>>' | '>>>';
export const BITWISE_OPS: readonly BitwiseOp[] = ['&', '|', '^', '<<', '>>', '>>>'];

/** A bitwise operator on JavaScript numbers: what the code does when it runs (the interpreter, constants). */
export function applyBitwise(op: BitwiseOp, l: number, r: number): number {
  switch (op) {
    case '&': return l & r;
    case '|': return l | r;
    case '^': return l ^ r;
    case '<<': return l << r;
    case '>>': return l >> r;
    case '>>>': return l >>> r;
  }
}

/** `~a` is lowered to `a ^ -1` (JavaScript's meaning: both are ToInt32(a) with every bit flipped). */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>' | '>>>' | '<' | '<=' | '>' | '>=' | '===' | '!==' | '&&' | '||' | 'implies';

interface Node {
  loc: Loc;
  type: Type;
}

export type Expr =
  | (Node & { k: 'int'; v: bigint })
  | (Node & { k: 'bool'; v: boolean })
  | (Node & { k: 'enumLit'; v: string })
  /** A parameter or local; names are unique within a function (the front end renames shadowed ones). */
  | (Node & { k: 'var'; name: string })
  | (Node & { k: 'field'; obj: Expr; field: string })
  | (Node & { k: 'index'; obj: Expr; index: Expr })
  | (Node & { k: 'not'; e: Expr })
  | (Node & { k: 'neg'; e: Expr })
  | (Node & { k: 'binary'; op: BinaryOp; l: Expr; r: Expr })
  /** `Math.floor(l / r)` and `Math.trunc(l / r)`: integer division. */
  | (Node & { k: 'intdiv'; mode: 'floor' | 'trunc'; l: Expr; r: Expr })
  | (Node & { k: 'cond'; c: Expr; t: Expr; e: Expr })
  | (Node & { k: 'call'; fn: string; args: Expr[] })
  | (Node & { k: 'record'; fields: { name: string; value: Expr }[] })
  /** `arr(len, param => body)` */
  | (Node & { k: 'arrayInit'; len: number; param: string; body: Expr })
  /** `forall / exists / count / choose (n, param => body)`; `cpu(n)` is a choose marked `cpu` */
  | (Node & { k: 'quant'; q: 'forall' | 'exists' | 'count' | 'choose'; n: number; param: string; body: Expr; cpu?: boolean })
  | (Node & { k: 'mapNew'; dflt: Expr })
  | (Node & { k: 'mapGet'; map: Expr; key: Expr })
  | (Node & { k: 'mapHas'; map: Expr; key: Expr })
  /** `sameMap(l, r)`: the same default and the same entries */
  | (Node & { k: 'mapEq'; l: Expr; r: Expr })
  /**
   * `init` evaluated once, bound to the constant local `name` (unique in the function), then `body`.
   * The front end introduces it where one TypeScript operand is used twice by the lowering (the
   * arguments of Math.min, a spread's source, ...): each operand runs exactly once, in source order.
   */
  | (Node & { k: 'let'; name: string; init: Expr; body: Expr });

/** Calls `f` on each direct subexpression of `e`. */
export function forEachChild(e: Expr, f: (c: Expr) => void): void {
  switch (e.k) {
    case 'field': f(e.obj); break;
    case 'index': f(e.obj); f(e.index); break;
    case 'not': case 'neg': f(e.e); break;
    case 'binary': case 'intdiv': f(e.l); f(e.r); break;
    case 'cond': f(e.c); f(e.t); f(e.e); break;
    case 'call': e.args.forEach(f); break;
    case 'record': e.fields.forEach((x) => f(x.value)); break;
    case 'arrayInit': case 'quant': f(e.body); break;
    case 'mapNew': f(e.dflt); break;
    case 'mapGet': case 'mapHas': f(e.map); f(e.key); break;
    case 'mapEq': f(e.l); f(e.r); break;
    case 'let': f(e.init); f(e.body); break;
  }
}

export type Stmt =
  | { k: 'let'; loc: Loc; name: string; type: Type; init: Expr }
  | { k: 'assign'; loc: Loc; target: Expr; value: Expr }
  | { k: 'if'; loc: Loc; c: Expr; then: Stmt[]; else: Stmt[] }
  /** `for (let v = from; v < to; v++)`, with constant bounds: unrolled. */
  | { k: 'for'; loc: Loc; v: string; from: number; to: number; body: Stmt[] }
  | { k: 'return'; loc: Loc; value?: Expr }
  /** `break` and `continue` of the innermost `for` loop (never of a switch: the front end sees to that) */
  | { k: 'break'; loc: Loc }
  | { k: 'continue'; loc: Loc }
  | { k: 'expr'; loc: Loc; e: Expr }
  | { k: 'assert'; loc: Loc; c: Expr }
  | { k: 'assume'; loc: Loc; c: Expr }
  | { k: 'mapSet'; loc: Loc; map: Expr; key: Expr; value: Expr }
  | { k: 'mapDelete'; loc: Loc; map: Expr; key: Expr };

export interface Param {
  name: string;
  type: Type;
}

export interface Func {
  /** Unique key: `file#name`. Calls refer to callees by key. */
  key: string;
  name: string;
  file: string;
  loc: Loc;
  params: Param[];
  ret: Type;
  body: Stmt[];
  exported: boolean;
}

/** One lowered source file with everything reachable from it. */
export interface Module {
  file: string;
  /** Exported functions of this file by name. */
  exports: Map<string, Func>;
  /** The exported `State` type, if any. */
  state?: Type;
  /** Exported functions' parameters TypeScript lets the State be passed to, at any depth (frontend/state-takers.ts). */
  stateTakers?: Map<string, number[]>;
}

/** Every function reachable from the modules of a subsystem, by key. */
export type Program = Map<string, Func>;
