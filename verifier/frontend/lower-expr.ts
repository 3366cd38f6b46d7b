// The function lowering, part 1: expressions, and the scopes of locals they read. A function
// body's statements are part 2 (lower-function.ts, which extends this class); a module-level
// constant's initialiser is lowered by this class alone (Lowering.constantExpr).

import { Node, SyntaxKind, type Expression } from 'ts-morph';
import { type Expr, type Type, type Loc, type Field, type BinaryOp, BOOL, NUMBER, VOID, isScalar, sameShape, typeToString, sameType } from '../ir.ts';
import { SubsetError, reject } from '../diagnostics.ts';
import { isPlainPath, hasEffects, evalConstInt } from './ir-queries.ts';
import { isModuleLevel, readBeforeDeclaration } from './tdz.ts';
import { PRELUDE_MODULE, ARITH, COMPARE, COMPOUND, describe, isGlobal, isPreludeNamespace, locOf, numericValue, widen, type Resolved, type Scope } from './syntax.ts';
import type { Lowering } from './lower.ts';

/** Lowers expressions. Locals are renamed apart so the IR has one flat namespace per function. */
export class ExpressionLowering {
  protected scope: Scope = { vars: new Map() };
  protected used = new Set<string>();

  constructor(protected readonly L: Lowering) {}

  protected declare(name: string, type: Type, mutable: boolean): string {
    let unique = name;
    for (let i = 1; this.used.has(unique); i++) unique = `${name}_${i}`;
    this.used.add(unique);
    this.scope.vars.set(name, { name: unique, type, mutable });
    return unique;
  }

  protected lookup(name: string): { name: string; type: Type; mutable: boolean; rejected?: boolean } | undefined {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  protected inScope<T>(f: () => T): T {
    this.scope = { vars: new Map(), parent: this.scope };
    try {
      return f();
    } finally {
      this.scope = this.scope.parent!;
    }
  }


  /**
   * `use` applied to `e`, evaluated once: when `e` calls a function its value is bound to a
   * constant local first (a `let` expression), so that `use` may name it more than once.
   */
  protected once(es: Expr[], use: (xs: Expr[]) => Expr): Expr {
    if (!es.some(hasEffects)) return use(es);
    const names = es.map((x) => this.declare('$operand', x.type, false));
    const body = use(es.map((x, i): Expr => ({ k: 'var', name: names[i], type: x.type, loc: x.loc })));
    return es.reduceRight<Expr>((acc, x, i) => ({ k: 'let', name: names[i], init: x, body: acc, type: acc.type, loc: x.loc }), body);
  }

  /** A key of an SMap operation (get, has, set, delete): of the map's key type. */
  protected mapKey(map: Type & { k: 'map' }, arg: Expression): Expr {
    const key = this.lowerExpr(arg, map.key);
    if (!sameShape(key.type, map.key)) reject(locOf(arg), describe(arg), `the key type is ${typeToString(map.key)}`);
    return key;
  }

  /** `===` (and a switch case) compares scalars of one type; on records it would compare identity. */
  protected checkEquality(loc: Loc, what: string, l: Expr, r: Expr): void {
    if (!sameShape(l.type, r.type)) reject(loc, what, `it compares ${typeToString(l.type)} with ${typeToString(r.type)}`);
    if (!isScalar(l.type)) reject(loc, `${what} of ${typeToString(l.type)} values`, 'in TypeScript === on records and arrays compares identity, not contents; compare the fields');
  }

  // ---- expressions -------------------------------------------------------------------------

  protected cond(e: Expression): Expr {
    const x = this.lowerExpr(e, BOOL);
    if (x.type.k !== 'bool') reject(locOf(e), `the condition ${describe(e)}`, `a condition is a boolean, not ${typeToString(x.type)}; compare explicitly (x !== 0)`);
    return x;
  }

  protected checkAssignable(target: Type, value: Expr, loc: Loc): void {
    if (!sameShape(target, value.type)) reject(loc, `a value of type ${typeToString(value.type)}`, `expected ${typeToString(target)} here`);
    // a scalar is converted by a range check where it is stored; a record or array is not
    // converted but shared, so its integer types must be exactly the target's
    if (!isScalar(target) && !sameType(target, value.type)) reject(loc, `a value of type ${typeToString(value.type)}`, `expected ${typeToString(target)} here, with the same integer types throughout: records and arrays are shared, not converted`);
  }

  protected arith(op: BinaryOp, l: Expr, r: Expr, loc: Loc): Expr {
    if (l.type.k !== 'int' || r.type.k !== 'int') reject(loc, `the operator ${op} on ${typeToString(l.type)} and ${typeToString(r.type)}`, 'arithmetic is on integers only');
    return { k: 'binary', op, l, r, type: NUMBER, loc };
  }

  protected preludeMember(pa: import('ts-morph').PropertyAccessExpression): Resolved {
    const obj = pa.getExpression();
    if (Node.isIdentifier(obj)) {
      const sym = obj.getSymbol();
      if (sym && sym.getDeclarations().some(isPreludeNamespace)) return { k: 'prelude', name: pa.getName() };
    }
    return { k: 'none' };
  }

  lowerExpr(e: Expression, expected?: Type): Expr {
    const loc = locOf(e);
    if (Node.isParenthesizedExpression(e)) return this.lowerExpr(e.getExpression(), expected);
    if (Node.isNumericLiteral(e)) {
      const v = numericValue(e);
      if (!Number.isSafeInteger(v)) reject(loc, `the number ${describe(e)}`, 'numbers in the subset are integers within the safe range (no floating point)');
      return { k: 'int', v: BigInt(v), type: NUMBER, loc };
    }
    if (Node.isTrueLiteral(e) || Node.isFalseLiteral(e)) return { k: 'bool', v: Node.isTrueLiteral(e), type: BOOL, loc };
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) {
      const v = e.getLiteralValue();
      if (expected?.k === 'enum') {
        if (!expected.members.includes(v)) reject(loc, `the string '${v}'`, `it is not a member of ${expected.name} (${expected.members.map((m) => `'${m}'`).join(' | ')})`);
        return { k: 'enumLit', v, type: expected, loc };
      }
      reject(loc, `the string ${describe(e)}`, 'strings are only members of string-literal union types; give the target an enumeration type');
    }
    if (Node.isIdentifier(e)) return this.identifier(e, loc, expected);
    if (Node.isPropertyAccessExpression(e)) {
      if (e.hasQuestionDotToken()) reject(loc, 'optional chaining (?.)', 'every value is defined in the subset: use .');
      const obj = this.lowerExpr(e.getExpression());
      const name = e.getName();
      if (obj.type.k === 'array' && name === 'length') {
        const len: Expr = { k: 'int', v: BigInt(obj.type.len), type: NUMBER, loc };
        // the length is a constant, but TypeScript still evaluates the array expression (a call
        // in an index runs, an index out of bounds reads undefined and .length throws)
        return isPlainPath(obj) ? len : { k: 'let', name: this.declare('$array', obj.type, false), init: obj, body: len, type: NUMBER, loc };
      }
      if (obj.type.k !== 'record') reject(loc, `the property ${describe(e)}`, `${typeToString(obj.type)} has no fields`);
      const f = obj.type.fields.find((x) => x.name === name);
      if (!f) reject(loc, `the property ${describe(e)}`, `${obj.type.name} has no field ${name}`);
      return { k: 'field', obj, field: name, type: f.type, loc };
    }
    if (Node.isElementAccessExpression(e)) {
      if (e.hasQuestionDotToken()) reject(loc, 'optional chaining (?.)', 'use [i]');
      const obj = this.lowerExpr(e.getExpression());
      if (obj.type.k !== 'array') reject(loc, `the element access ${describe(e)}`, `${typeToString(obj.type)} is not an Arr; read record fields with .name and maps with m.get(k)`);
      const index = this.lowerExpr(e.getArgumentExpressionOrThrow());
      if (index.type.k !== 'int') reject(locOf(e.getArgumentExpressionOrThrow()), `the index ${describe(e.getArgumentExpressionOrThrow())}`, 'array indices are integers');
      return { k: 'index', obj, index, type: obj.type.elem, loc };
    }
    if (Node.isPrefixUnaryExpression(e)) {
      const op = e.getOperatorToken();
      if (op === SyntaxKind.ExclamationToken) {
        const x = this.lowerExpr(e.getOperand(), BOOL);
        if (x.type.k !== 'bool') reject(loc, `! on ${typeToString(x.type)}`, 'negate booleans only; compare integers explicitly (x === 0)');
        return { k: 'not', e: x, type: BOOL, loc };
      }
      if (op === SyntaxKind.TildeToken) {
        const x = this.lowerExpr(e.getOperand());
        return this.arith('^', x, { k: 'int', v: -1n, type: NUMBER, loc }, loc);
      }
      if (op === SyntaxKind.MinusToken) {
        const x = this.lowerExpr(e.getOperand());
        if (x.type.k !== 'int') reject(loc, `unary - on ${typeToString(x.type)}`, 'negate integers only');
        if (x.k === 'int') return { ...x, v: -x.v, loc };
        return { k: 'neg', e: x, type: NUMBER, loc };
      }
      reject(loc, `the operator in ${describe(e)}`, op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken ? 'write ++ and -- as statements of their own' : 'use arithmetic (+ - * / %), comparisons and && || !');
    }
    if (Node.isPostfixUnaryExpression(e)) reject(loc, `the expression ${describe(e)}`, 'write ++ and -- as statements of their own');
    if (Node.isBinaryExpression(e)) return this.binary(e, loc, expected);
    if (Node.isConditionalExpression(e)) {
      const c = this.cond(e.getCondition());
      let t = this.lowerExpr(e.getWhenTrue(), expected);
      const f = this.lowerExpr(e.getWhenFalse(), expected ?? (t.type.k === 'enum' || t.type.k === 'record' ? t.type : undefined));
      if (t.k === 'enumLit' === false && t.type.k !== 'enum' && f.type.k === 'enum' && Node.isStringLiteral(e.getWhenTrue())) t = this.lowerExpr(e.getWhenTrue(), f.type);
      if (!sameShape(t.type, f.type) || (!isScalar(t.type) && !sameType(t.type, f.type))) reject(loc, `the conditional ${describe(e)}`, `both branches must have one type (${typeToString(t.type)} vs ${typeToString(f.type)}${sameShape(t.type, f.type) ? ', with the same integer types throughout' : ''})`);
      return { k: 'cond', c, t, e: f, type: t.type.k === 'int' ? widen(t.type) : t.type, loc };
    }
    if (Node.isCallExpression(e)) return this.call(e, loc, expected);
    if (Node.isObjectLiteralExpression(e)) return this.objectLiteral(e, loc, expected);
    if (Node.isNewExpression(e)) {
      const ctor = e.getExpression();
      const r = Node.isIdentifier(ctor) ? this.L.resolve(ctor) : { k: 'none' as const };
      if (r.k === 'prelude' && r.name === 'SMap') return this.mapNew(e.getArguments() as Expression[], loc, expected);
      reject(loc, `the construction ${describe(e)}`, 'classes are outside the subset: use records (object literals), arr(N, ...) and smap(default)');
    }
    if (Node.isAsExpression(e) || Node.isTypeAssertion(e)) reject(loc, `the type assertion ${describe(e)}`, 'casts hide errors from the verifier: annotate the declaration instead');
    if (Node.isNonNullExpression(e)) reject(loc, 'a non-null assertion (!)', 'every value is defined in the subset: remove the !');
    if (Node.isArrayLiteralExpression(e)) reject(loc, `the array literal ${describe(e)}`, 'build fixed-length arrays with arr(N, i => ...)');
    if (Node.isArrowFunction(e) || Node.isFunctionExpression(e)) reject(loc, 'a function expression', 'closures are allowed only as the last argument of forall/exists/count/arr; declare helpers with function');
    if (Node.isTemplateExpression(e)) reject(loc, 'a template string', 'strings are outside the subset');
    if (e.getKind() === SyntaxKind.NullKeyword || (Node.isIdentifier(e) && e.getText() === 'undefined')) reject(loc, `${e.getText()}`, 'every value is defined in the subset: model absence with a flag or an enum member');
    if (e.getKind() === SyntaxKind.ThisKeyword) reject(loc, 'this', 'use functions over explicit state parameters');
    if (Node.isAwaitExpression(e)) reject(loc, 'await', 'operations are synchronous');
    reject(loc, `the expression ${describe(e)}`, 'see docs/writing-specs.md for the expressions of the subset');
  }

  protected checkInitialised(e: Node, d: import('ts-morph').VariableDeclaration, loc: Loc): void {
    const tdz = readBeforeDeclaration(e, d);
    if (tdz) reject(loc, `${d.getName()} read ${tdz}`, 'in TypeScript this throws a ReferenceError (temporal dead zone): declare it first');
  }

  protected identifier(e: import('ts-morph').Identifier, loc: Loc, expected?: Type): Expr {
    const name = e.getText();
    // TypeScript's own binding of the name first: the lowering's scopes know a local only once it
    // is declared, and would find an outer one of the same name instead
    const bound = e.getSymbol()?.getDeclarations()[0];
    if (bound && Node.isVariableDeclaration(bound) && !isModuleLevel(bound)) this.checkInitialised(e, bound, loc);
    const v = this.lookup(name);
    if (v?.rejected) throw new SubsetError([]); // its declaration was rejected and reported
    if (v) return { k: 'var', name: v.name, type: v.type, loc };
    if (name === 'undefined') reject(loc, 'undefined', 'every value is defined in the subset');
    const r = this.L.resolve(e);
    if (r.k === 'decl') {
      // (lowered first: constants defined in terms of each other are reported as such)
      const c = this.L.constantExpr(r.node);
      if (Node.isVariableDeclaration(r.node) && isModuleLevel(r.node)) this.checkInitialised(e, r.node, loc);
      if (c) return { ...c, loc };
      // (a local the scopes do not know here: TypeScript would not have bound it either)
      if (Node.isVariableDeclaration(r.node) && !isModuleLevel(r.node)) reject(loc, `${name} outside the block that declares it`, 'declare it where it is read');
      if (Node.isFunctionDeclaration(r.node)) reject(loc, `the function ${name} used as a value`, 'call it; functions are not values in the subset');
      if (Node.isEnumDeclaration(r.node)) reject(loc, `the TypeScript enum ${name}`, "enumerations are string-literal unions in the subset: type Color = 'red' | 'green', and write 'red'");
      if (Node.isVariableDeclaration(r.node)) reject(loc, `the module-level variable ${name}`, 'only const declarations with a scalar value can be used; state belongs in State');
    }
    if (bound && Node.isNamespaceImport(bound)) reject(loc, `the namespace import ${name}`, `import what you use by name (import { f } from '...') and call it as f(...): only the prelude is used through a namespace`);
    reject(loc, `the name ${name}`, 'it is not a local, a parameter, or a module-level constant');
  }

  protected binary(e: import('ts-morph').BinaryExpression, loc: Loc, expected?: Type): Expr {
    const opText = e.getOperatorToken().getText();
    if (opText === '==' || opText === '!=') reject(loc, `the operator ${opText}`, `use ${opText}= (strict equality)`);
    if (opText === '&&' || opText === '||') {
      const l = this.cond(e.getLeft());
      const r = this.cond(e.getRight());
      return { k: 'binary', op: opText, l, r, type: BOOL, loc };
    }
    if (opText in ARITH) {
      const l = this.lowerExpr(e.getLeft());
      const r = this.lowerExpr(e.getRight());
      return this.arith(ARITH[opText], l, r, loc);
    }
    if (opText in COMPARE) {
      // lower the side that is not a string literal first, so the literal gets its enumeration type
      const leftIsLit = Node.isStringLiteral(e.getLeft());
      let l: Expr, r: Expr;
      if (leftIsLit) {
        r = this.lowerExpr(e.getRight());
        l = this.lowerExpr(e.getLeft(), r.type);
      } else {
        l = this.lowerExpr(e.getLeft());
        r = this.lowerExpr(e.getRight(), l.type);
      }
      const op = COMPARE[opText];
      if (op === '===' || op === '!==') this.checkEquality(loc, `the comparison ${describe(e)}`, l, r);
      else if (l.type.k !== 'int' || r.type.k !== 'int') reject(loc, `the comparison ${describe(e)}`, 'ordering comparisons are on integers only');
      return { k: 'binary', op, l, r, type: BOOL, loc };
    }
    if (opText === '=' || opText in COMPOUND) reject(loc, `the assignment ${describe(e)} inside an expression`, 'write assignments as statements of their own');
    if (opText === '??') reject(loc, 'the operator ??', 'every value is defined in the subset');
    if (opText === '**') reject(loc, 'the operator **', 'exponentiation is outside the subset (its results are floating point): multiply, or shift (1 << n)');
    reject(loc, `the operator ${opText}`, 'use arithmetic (+ - * / %), comparisons (=== !== < <= > >=) and && || !');
  }

  protected quantBody(arg: Node, loc: Loc, what: string, n: number, expected?: Type): { param: string; body: Expr } {
    // arr(N, () => v) as with Array.from: the element does not depend on its index
    const params = Node.isArrowFunction(arg) ? arg.getParameters().length : -1;
    if (!Node.isArrowFunction(arg) || !(params === 1 || (params === 0 && what === 'arr'))) reject(locOf(arg), `the argument ${describe(arg)} of ${what}`, `write ${what}(N, i => expression)`);
    const body = arg.getBody();
    if (!Node.isExpression(body)) reject(locOf(body), `a block body in ${what}`, `write ${what}(N, i => expression); move longer code into a helper function and call it`);
    return this.inScope(() => {
      const param = this.declare(params ? arg.getParameters()[0].getName() : '$index', { k: 'int', name: 'number', min: 0n, max: BigInt(Math.max(0, n - 1)) }, false);
      return { param, body: this.lowerExpr(body, expected) };
    });
  }

  protected constantArg(a: Node, what: string): number {
    const n = evalConstInt(this.lowerExpr(a as Expression));
    if (n === undefined || n < 0 || !Number.isSafeInteger(n)) reject(locOf(a), `the bound ${describe(a)} of ${what}`, 'the bound is a non-negative constant (a literal or a const), a safe integer');
    return n;
  }

  protected call(e: import('ts-morph').CallExpression, loc: Loc, expected?: Type): Expr {
    const callee = e.getExpression();
    const args = e.getArguments() as Expression[];
    if (e.getTypeArguments().length && !(Node.isIdentifier(callee) && ['smap', 'arr'].includes(callee.getText()))) reject(loc, 'explicit type arguments', 'remove them');
    // Math.floor(a / b), Math.trunc(a / b), Math.min, Math.max, Math.abs
    if (Node.isPropertyAccessExpression(callee) && Node.isIdentifier(callee.getExpression()) && callee.getExpression().getText() === 'Math' && isGlobal(callee.getExpression())) {
      const m = callee.getName();
      if ((m === 'floor' || m === 'trunc') && args.length === 1) {
        let inner: Node = args[0];
        while (Node.isParenthesizedExpression(inner)) inner = inner.getExpression();
        if (Node.isBinaryExpression(inner) && inner.getOperatorToken().getText() === '/') {
          const l = this.lowerExpr(inner.getLeft()), r = this.lowerExpr(inner.getRight());
          if (l.type.k !== 'int' || r.type.k !== 'int') reject(loc, describe(e), 'integer division is on integers');
          return { k: 'intdiv', mode: m, l, r, type: NUMBER, loc };
        }
        reject(loc, describe(e), `Math.${m} is allowed only around a division: Math.${m}(a / b)`);
      }
      // each argument is evaluated once, although the lowering names it twice
      if ((m === 'min' || m === 'max') && args.length === 2) {
        const a = this.lowerExpr(args[0]), b = this.lowerExpr(args[1]);
        if (a.type.k !== 'int' || b.type.k !== 'int') reject(loc, describe(e), `Math.${m} is on integers`);
        return this.once([a, b], ([x, y]) => ({ k: 'cond', c: { k: 'binary', op: m === 'min' ? '<=' : '>=', l: x, r: y, type: BOOL, loc }, t: x, e: y, type: NUMBER, loc }));
      }
      if (m === 'abs' && args.length === 1) {
        const a = this.lowerExpr(args[0]);
        if (a.type.k !== 'int') reject(loc, describe(e), 'Math.abs is on integers');
        return this.once([a], ([x]) => ({ k: 'cond', c: { k: 'binary', op: '>=', l: x, r: { k: 'int', v: 0n, type: NUMBER, loc }, type: BOOL, loc }, t: x, e: { k: 'neg', e: x, type: NUMBER, loc }, type: NUMBER, loc }));
      }
      reject(loc, describe(e), 'from Math only floor(a / b), trunc(a / b), min, max and abs are in the subset');
    }
    if (Node.isPropertyAccessExpression(callee)) {
      const pr = this.preludeMember(callee);
      if (pr.k !== 'prelude') {
        const obj = this.lowerExpr(callee.getExpression());
        const m = callee.getName();
        if (obj.type.k === 'map') {
          if ((m === 'get' || m === 'has') && args.length === 1) {
            const key = this.mapKey(obj.type, args[0]);
            return m === 'get' ? { k: 'mapGet', map: obj, key, type: obj.type.value, loc } : { k: 'mapHas', map: obj, key, type: BOOL, loc };
          }
          reject(loc, describe(e), 'maps support get(k), has(k) in expressions and set(k, v), delete(k) as statements');
        }
        reject(loc, `the method call ${describe(e)}`, 'methods are outside the subset (except SMap get/has/set/delete): call a function with the value as an argument');
      }
      return this.preludeCall(pr.name, args, loc, e, expected);
    }
    if (!Node.isIdentifier(callee)) reject(loc, `the call ${describe(e)}`, 'call functions by name');
    const r = this.L.resolve(callee);
    if (r.k === 'prelude') return this.preludeCall(r.name, args, loc, e, expected);
    if (r.k === 'decl' && Node.isFunctionDeclaration(r.node)) {
      const fn = r.node;
      const sig = this.L.signature(fn);
      if (sig.params.length !== args.length) reject(loc, describe(e), `${fn.getName()} takes ${sig.params.length} arguments`);
      const lowered = args.map((a, i) => {
        const x = this.lowerExpr(a, sig.params[i]);
        this.checkAssignable(sig.params[i], x, locOf(a));
        return x;
      });
      return { k: 'call', fn: this.L.callKey(fn), args: lowered, type: sig.ret, loc };
    }
    reject(loc, `the call ${describe(e)}`, `${callee.getText()} is not a function of the subset (declare it with function, in a file of the project)`);
  }

  protected preludeCall(name: string, args: Expression[], loc: Loc, e: Node, expected?: Type): Expr {
    switch (name) {
      case 'forall':
      case 'exists':
      case 'count':
      case 'choose': {
        if (args.length !== 2) reject(loc, describe(e), `write ${name}(N, i => condition)`);
        const n = this.constantArg(args[0], name);
        const { param, body } = this.quantBody(args[1], loc, name, n, BOOL);
        if (body.type.k !== 'bool') reject(body.loc, describe(args[1]), `the body of ${name} is a condition (boolean)`);
        return { k: 'quant', q: name, n, param, body, type: name === 'count' || name === 'choose' ? NUMBER : BOOL, loc };
      }
      case 'cpu': {
        // the core an operation runs on: a choice every value of which must be correct, as an
        // implementation's choose is (`cpu` marks it, for verify commute to place the calls)
        if (args.length !== 1) reject(loc, describe(e), 'write cpu(N): the core, one of 0..N-1');
        const n = this.constantArg(args[0], name);
        if (n < 1) reject(loc, describe(e), 'cpu(N) needs N >= 1');
        return { k: 'quant', q: 'choose', n, param: '$cpu', body: { k: 'bool', v: true, type: BOOL, loc }, type: NUMBER, loc, cpu: true };
      }
      case 'implies': {
        if (args.length !== 2) reject(loc, describe(e), 'write implies(a, b)');
        // a call: TypeScript evaluates both arguments, so no short circuit (unlike !a || b)
        return { k: 'binary', op: 'implies', l: this.cond(args[0]), r: this.cond(args[1]), type: BOOL, loc };
      }
      case 'arr': {
        if (args.length !== 2) reject(loc, describe(e), 'write arr(N, i => element)');
        const n = this.constantArg(args[0], 'arr');
        const elemExpected = expected?.k === 'array' ? expected.elem : undefined;
        if (expected?.k === 'array' && expected.len !== n) reject(loc, describe(e), `the array has ${n} elements but its type says ${expected.len}`);
        const { param, body } = this.quantBody(args[1], loc, 'arr', n, elemExpected);
        if (elemExpected) this.checkAssignable(elemExpected, body, body.loc);
        return { k: 'arrayInit', len: n, param, body, type: { k: 'array', elem: elemExpected ?? widen(body.type), len: n }, loc };
      }
      case 'smap':
        return this.mapNew(args, loc, expected);
      // verify rid's refcount API declarations (docs/rid.md); calls to `pushbutton#NAME`, which only
      // the path evaluator of verify rid gives a meaning
      case 'inc':
      case 'dec':
      case 'consume':
      case 'owned': {
        const counter = args[1];
        if (args.length !== 2 || !(Node.isStringLiteral(counter) || Node.isNoSubstitutionTemplateLiteral(counter))) reject(loc, describe(e), `write ${name}(value, 'counter-name')`);
        const x = this.lowerExpr(args[0]);
        const kind = counter.getLiteralValue();
        return { k: 'call', fn: `${PRELUDE_MODULE}#${name}`, args: [x, { k: 'enumLit', v: kind, type: { k: 'enum', name: 'counter', members: [kind] }, loc: locOf(counter) }], type: VOID, loc };
      }
      case 'result': {
        if (args.length !== 0) reject(loc, describe(e), 'result() takes no arguments');
        if (!expected || !isScalar(expected)) reject(loc, 'result() without a declared scalar type', 'give it one: const r: i32 = result(), or return result() from a function with a scalar result type');
        return { k: 'call', fn: `${PRELUDE_MODULE}#result`, args: [], type: expected, loc };
      }
      case 'sameMap': {
        if (args.length !== 2) reject(loc, describe(e), 'write sameMap(a, b)');
        const l = this.lowerExpr(args[0]), r = this.lowerExpr(args[1]);
        if (l.type.k !== 'map' || !sameShape(l.type, r.type)) reject(loc, describe(e), 'sameMap compares two maps of one type');
        return { k: 'mapEq', l, r, type: BOOL, loc };
      }
      case 'assert':
      case 'assume':
        reject(loc, `${name} inside an expression`, `write ${name}(condition) as a statement of its own`);
      // eslint-disable-next-line no-fallthrough
      default:
        reject(loc, `the prelude name ${name}`, 'it is not callable here');
    }
  }

  protected mapNew(args: Expression[], loc: Loc, expected?: Type): Expr {
    if (expected?.k !== 'map') reject(loc, 'a map without a declared type', 'create maps where the type is known: a field of State, or const m: SMap<K, V> = smap(default)');
    if (args.length !== 1) reject(loc, 'smap', 'write smap(defaultValue)');
    const dflt = this.lowerExpr(args[0], expected.value);
    this.checkAssignable(expected.value, dflt, loc);
    return { k: 'mapNew', dflt, type: expected, loc };
  }

  protected objectLiteral(e: import('ts-morph').ObjectLiteralExpression, loc: Loc, expected?: Type): Expr {
    if (!expected || expected.k !== 'record') reject(loc, 'an object literal without a declared record type', 'give the target a type: const r: Rec = { ... }, a typed parameter, or a return type');
    // TypeScript evaluates the properties left to right, a spread reading its source's fields
    // where it stands, and a later property overrides an earlier one of the same name.
    // `field` is the field a step gives a value (none for a spread's source itself).
    const steps: { field?: string; value: Expr }[] = [];
    let spreads = false;
    for (const p of e.getProperties()) {
      if (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) {
        if (!Node.isIdentifier(p.getNameNode())) reject(locOf(p.getNameNode()), `the property name ${p.getNameNode().getText()}`, 'write the field name plainly ({ w: ... }): quoted and computed names are outside the subset');
        const name = p.getName();
        const f = expected.fields.find((x) => x.name === name);
        if (!f) reject(locOf(p), `the field ${name}`, `${expected.name} has no field ${name}`);
        const init = Node.isPropertyAssignment(p) ? p.getInitializerOrThrow() : p.getNameNode();
        const value = this.lowerExpr(init, f.type);
        this.checkAssignable(f.type, value, locOf(p));
        steps.push({ field: name, value });
      } else if (Node.isSpreadAssignment(p)) {
        const src = this.lowerExpr(p.getExpression());
        if (src.type.k !== 'record' || !sameShape(src.type, expected)) reject(locOf(p), describe(p), `spread a ${expected.name} only`);
        for (const f of src.type.fields) {
          if (!isScalar(f.type)) reject(locOf(p), describe(p), `spreading copies ${f.name} by reference in TypeScript; write the nested fields out`);
        }
        steps.push({ value: src });
        spreads = true;
      } else reject(locOf(p), describe(p), 'object literals list fields as name: value');
    }
    const given = new Set(steps.flatMap((st) => (st.field !== undefined ? [st.field] : (st.value.type as { fields: Field[] }).fields.map((f) => f.name))));
    for (const f of expected.fields) if (!given.has(f.name)) reject(loc, 'an object literal with a missing field', `${expected.name} needs ${f.name}`);
    if (!spreads && given.size === steps.length) return { k: 'record', fields: steps.map((st) => ({ name: st.field!, value: st.value })), type: expected, loc };
    // With a spread or a repeated name, every step is bound to a constant local in order (a
    // spread's source, then each of its fields read through it), and the record takes the last
    // local given to each field.
    const bound: { name: string; init: Expr }[] = [];
    const lastOf = new Map<string, Expr>();
    const bind = (init: Expr, what: string): Expr => {
      const name = this.declare(what, init.type, false);
      bound.push({ name, init });
      return { k: 'var', name, type: init.type, loc: init.loc };
    };
    for (const st of steps) {
      if (st.field !== undefined) {
        lastOf.set(st.field, bind(st.value, '$field'));
        continue;
      }
      const src = bind(st.value, '$spread');
      for (const f of (st.value.type as { fields: Field[] }).fields) lastOf.set(f.name, bind({ k: 'field', obj: src, field: f.name, type: f.type, loc: st.value.loc }, '$field'));
    }
    const record: Expr = { k: 'record', fields: expected.fields.map((f) => ({ name: f.name, value: lastOf.get(f.name)! })), type: expected, loc };
    return bound.reduceRight<Expr>((body, b) => ({ k: 'let', name: b.name, init: b.init, body, type: expected, loc: b.init.loc }), record);
  }

}
