// The function lowering, part 2: a function's parameters and its statements (loops unrolled,
// switch as a chain of ifs, compound assignments evaluating their target once). Expressions are
// part 1 (lower-expr.ts).

import { Node, SyntaxKind, type FunctionDeclaration, type Expression, type Statement } from 'ts-morph';
import { type Expr, type Stmt, type Type, type Loc, type Func, BOOL, NUMBER, VOID, typeToString } from '../ir.ts';
import { SubsetError, reject } from '../diagnostics.ts';
import { hasEffects, evalConstInt, rootOf } from './ir-queries.ts';
import { ExpressionLowering } from './lower-expr.ts';
import { COMPOUND, MAX_UNROLLED, describe, locOf, widen, type Scope } from './syntax.ts';
import type { Lowering } from './lower.ts';

/** Lowers one function body. Locals are renamed apart so the IR has one flat namespace per function. */
export class FunctionLowering extends ExpressionLowering {
  private ret: Type = VOID;
  private loopVars = new Set<string>();
  /** the statements `break` may leave, innermost last: a for loop, or a switch (whose break the switch lowering consumes) */
  private breakable: ('loop' | 'switch')[] = [];
  /** how many times the body of the innermost enclosing loop runs: the product of the loops' trip counts */
  private unrolled = 1;

  constructor(L: Lowering, private readonly fn: FunctionDeclaration | undefined) {
    super(L);
  }

  lower(): Func {
    const fn = this.fn!;
    const loc = locOf(fn);
    if (fn.isAsync() || fn.isGenerator()) reject(loc, 'an async or generator function', 'operations are plain synchronous functions');
    if (fn.getTypeParameters().length) reject(loc, 'a generic function', 'write the types out');
    const params = fn.getParameters().map((p) => {
      // a declared `this` is erased at run time: the function takes one argument fewer than the
      // verifier would pass (red-team round 8, u17)
      if (p.getName() === 'this') reject(locOf(p), `the parameter ${describe(p)}`, 'operations and helpers are plain functions: remove the `this` parameter');
      if (!Node.isIdentifier(p.getNameNode())) reject(locOf(p), `the destructuring parameter ${describe(p)}`, 'take the record as one parameter and read its fields');
      if (p.hasInitializer() || p.hasQuestionToken() || p.isRestParameter()) reject(locOf(p), `the parameter ${describe(p)}`, 'parameters are required and have no default value');
      const tn = p.getTypeNode();
      if (!tn) reject(locOf(p), `the parameter ${describe(p)}`, 'give every parameter a type');
      const type = this.L.lowerType(tn);
      return { name: this.declare(p.getName(), type, true), type };
    });
    const rtn = fn.getReturnTypeNode();
    this.ret = rtn ? this.L.lowerType(rtn) : VOID;
    const bodyNode = fn.getBody();
    if (!bodyNode || !Node.isBlock(bodyNode)) reject(loc, 'a function without a body', 'give it a body');
    const body = this.block(bodyNode.getStatements());
    return { key: this.L.callKey(fn), name: fn.getName() ?? '<anonymous>', file: fn.getSourceFile().getFilePath(), loc, params, ret: this.ret, body, exported: fn.isExported() };
  }

  // ---- statements --------------------------------------------------------------------------

  private block(stmts: Statement[]): Stmt[] {
    return this.inScope(() => {
      const out: Stmt[] = [];
      for (const s of stmts) {
        try {
          out.push(...this.stmt(s));
        } catch (e) {
          if (!(e instanceof SubsetError)) throw e;
          this.L.diagnostics.push(...e.diagnostics);
        }
      }
      return out;
    });
  }

  private body(s: Statement): Stmt[] {
    return Node.isBlock(s) ? this.block(s.getStatements()) : this.block([s]);
  }

  private stmt(s: Statement): Stmt[] {
    const loc = locOf(s);
    if (Node.isBlock(s)) return this.block(s.getStatements());
    if (Node.isEmptyStatement(s)) return [];
    if (Node.isVariableStatement(s)) {
      const kind = s.getDeclarationKind();
      if (kind === 'var') reject(loc, 'a var declaration', 'use const or let');
      const out: Stmt[] = [];
      for (const d of s.getDeclarations()) {
        try {
          if (!Node.isIdentifier(d.getNameNode())) reject(locOf(d), `the destructuring ${describe(d)}`, 'bind one name per declaration and read fields with `.`');
          const init = d.getInitializer();
          if (!init) reject(locOf(d), `the declaration ${describe(d)} without a value`, 'give every local an initial value');
          const tn = d.getTypeNode();
          const declared = tn ? this.L.lowerType(tn) : undefined;
          const value = this.lowerExpr(init, declared);
          const type = declared ?? widen(value.type);
          if (declared) this.checkAssignable(declared, value, locOf(init));
          out.push({ k: 'let', loc: locOf(d), name: this.declare(d.getName(), type, kind === 'let'), type, init: value });
        } catch (e) {
          // later uses of the name would repeat the problem, or call the local a module-level variable
          if (e instanceof SubsetError) {
            const nameNode = d.getNameNode();
            const names = Node.isIdentifier(nameNode) ? [nameNode] : nameNode.getDescendantsOfKind(SyntaxKind.BindingElement).map((b) => b.getNameNode()).filter(Node.isIdentifier);
            for (const n of names) this.scope.vars.set(n.getText(), { name: n.getText(), type: VOID, mutable: true, rejected: true });
          }
          throw e;
        }
      }
      return out;
    }
    if (Node.isIfStatement(s)) {
      const c = this.cond(s.getExpression());
      const then = this.body(s.getThenStatement());
      const el = s.getElseStatement();
      return [{ k: 'if', loc, c, then, else: el ? this.body(el) : [] }];
    }
    if (Node.isReturnStatement(s)) {
      const e = s.getExpression();
      if (!e) {
        if (this.ret.k !== 'void') reject(loc, 'a return without a value', `this function returns ${typeToString(this.ret)}`);
        return [{ k: 'return', loc }];
      }
      if (this.ret.k === 'void' && this.fn && !this.fn.getReturnTypeNode()) reject(loc, 'a return value in a function without a return type', `declare the result type: function ${this.fn.getName()}(...): number (or boolean, an enumeration, a record)`);
      const value = this.lowerExpr(e, this.ret);
      this.checkAssignable(this.ret, value, locOf(e));
      return [{ k: 'return', loc, value }];
    }
    if (Node.isExpressionStatement(s)) return this.exprStatement(s.getExpression(), loc);
    if (Node.isForStatement(s)) return [this.forLoop(s, loc)];
    if (Node.isSwitchStatement(s)) return this.switchStmt(s, loc);
    if (Node.isWhileStatement(s) || Node.isDoStatement(s)) reject(loc, 'a while loop', 'loops must have a constant bound: write for (let i = 0; i < N; i++) with N a constant, and exit early with return');
    if (Node.isForOfStatement(s) || Node.isForInStatement(s)) reject(loc, 'a for-of/for-in loop', 'write for (let i = 0; i < N; i++) over the array length N');
    if (Node.isThrowStatement(s)) reject(loc, 'a throw statement', 'operations are total: return an error code instead (or assert(false) for an impossible case)');
    if (Node.isTryStatement(s)) reject(loc, 'a try statement', 'exceptions are outside the subset: return an error code');
    if (Node.isBreakStatement(s) || Node.isContinueStatement(s)) return [this.loopExit(s, loc)];
    if (Node.isFunctionDeclaration(s) || Node.isClassDeclaration(s)) reject(loc, 'a nested declaration', 'declare helper functions at module level');
    if (Node.isLabeledStatement(s)) reject(loc, 'a labeled statement', 'remove the label');
    reject(loc, `the statement ${describe(s)}`, 'see docs/writing-specs.md for the statements of the subset');
  }

  /** `break` and `continue` of the innermost for loop; a labelled one, or a break that would leave a switch, is rejected. */
  private loopExit(s: import('ts-morph').BreakStatement | import('ts-morph').ContinueStatement, loc: Loc): Stmt {
    const k = Node.isBreakStatement(s) ? 'break' : 'continue';
    if (s.getLabel()) reject(loc, `a labelled ${k} statement`, `${k} applies to the innermost loop only: remove the label (move the inner loop into a helper function and return from it)`);
    if (!this.breakable.includes('loop')) reject(loc, `a ${k} statement outside a for loop`, 'exit a function early with return');
    if (k === 'break' && this.breakable[this.breakable.length - 1] === 'switch') reject(loc, 'a break statement inside a switch case', 'it leaves the switch, not the loop: end the case with it, or write the case as if/else');
    return { k, loc };
  }

  private exprStatement(e: Expression, loc: Loc): Stmt[] {
    if (Node.isParenthesizedExpression(e)) return this.exprStatement(e.getExpression(), loc);
    if (Node.isBinaryExpression(e)) {
      const op = e.getOperatorToken().getText();
      if (op === '=') {
        const target = this.lvalue(e.getLeft());
        const value = this.lowerExpr(e.getRight(), target.type);
        this.checkAssignable(target.type, value, locOf(e.getRight()));
        return [{ k: 'assign', loc, target, value }];
      }
      if (op in COMPOUND) {
        const { temps, target } = this.readModifyWrite(this.lvalue(e.getLeft()), loc);
        const value = this.arith(COMPOUND[op], target, this.lowerExpr(e.getRight(), target.type), loc);
        this.checkAssignable(target.type, value, locOf(e.getRight()));
        return [...temps, { k: 'assign', loc, target, value }];
      }
    }
    if (Node.isPostfixUnaryExpression(e) || Node.isPrefixUnaryExpression(e)) {
      const op = e.getOperatorToken();
      if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
        const { temps, target } = this.readModifyWrite(this.lvalue(e.getOperand()), loc);
        const one: Expr = { k: 'int', v: 1n, type: NUMBER, loc };
        return [...temps, { k: 'assign', loc, target, value: this.arith(op === SyntaxKind.PlusPlusToken ? '+' : '-', target, one, loc) }];
      }
    }
    if (Node.isCallExpression(e)) {
      const callee = e.getExpression();
      if (Node.isIdentifier(callee) || Node.isPropertyAccessExpression(callee)) {
        const r = Node.isIdentifier(callee) ? this.L.resolve(callee) : this.preludeMember(callee);
        if (r.k === 'prelude' && (r.name === 'assert' || r.name === 'assume')) {
          const args = e.getArguments();
          if (args.length < 1 || args.length > 2) reject(loc, describe(e), `write ${r.name}(condition)`);
          if (args.length === 2 && !Node.isStringLiteral(args[1])) reject(locOf(args[1]), describe(args[1]), 'the message of an assertion is a string literal');
          return [{ k: r.name, loc, c: this.cond(args[0] as Expression) }];
        }
      }
      if (Node.isPropertyAccessExpression(callee)) {
        const method = callee.getName();
        if (method === 'set' || method === 'delete') {
          const map = this.lowerExpr(callee.getExpression());
          if (map.type.k === 'map') {
            const args = e.getArguments() as Expression[];
            if (method === 'set') {
              if (args.length !== 2) reject(loc, describe(e), 'write m.set(key, value)');
              const value = this.lowerExpr(args[1], map.type.value);
              this.checkAssignable(map.type.value, value, locOf(args[1]));
              return [{ k: 'mapSet', loc, map, key: this.mapKey(map.type, args[0]), value }];
            }
            if (args.length !== 1) reject(loc, describe(e), 'write m.delete(key)');
            return [{ k: 'mapDelete', loc, map, key: this.mapKey(map.type, args[0]) }];
          }
        }
      }
      return [{ k: 'expr', loc, e: this.lowerExpr(e) }];
    }
    if (Node.isBinaryExpression(e) && /^(\*\*|&&|\|\||\?\?)=$/.test(e.getOperatorToken().getText())) {
      reject(loc, `the operator ${e.getOperatorToken().getText()}`, 'write the assignment out (x = x * y, or an if statement); **, &&=, ||= and ??= are outside the subset');
    }
    reject(loc, `the expression statement ${describe(e)}`, 'a statement is an assignment, a call, or x++ / x--');
  }

  /**
   * `t op= v` and `t++` read their target and write it: TypeScript evaluates the target's object
   * and index once, then reads, then evaluates v, then writes. The IR names the target twice (the
   * assignment's place and the read in its value), so a target whose object or index calls a
   * function (`s.a[next(s)] += 1`) is split: the object and the index are bound to constant
   * locals first, and both uses name those.
   */
  private readModifyWrite(target: Expr, loc: Loc): { temps: Stmt[]; target: Expr } {
    if (target.k === 'var' || !hasEffects(target)) return { temps: [], target };
    const temps: Stmt[] = [];
    const bind = (x: Expr, what: string): Expr => {
      if (!hasEffects(x) && x.k === 'var') return x;
      const name = this.declare(`$${what}`, x.type, false);
      temps.push({ k: 'let', loc, name, type: x.type, init: x });
      return { k: 'var', name, type: x.type, loc: x.loc };
    };
    const obj = bind(target.k === 'field' || target.k === 'index' ? target.obj : target, 'target');
    if (target.k === 'field') return { temps, target: { ...target, obj } };
    if (target.k === 'index') return { temps, target: { ...target, obj, index: bind(target.index, 'index') } };
    return { temps, target: obj };
  }

  private lvalue(e: Expression): Expr {
    const x = this.lowerExpr(e);
    const root = rootOf(x);
    if (!root) reject(locOf(e), `the assignment target ${describe(e)}`, 'assign to a local, a parameter, or a field or element reached from one');
    if (x.k === 'var') {
      const v = [...this.allVars()].find((w) => w.name === x.name);
      // the loop variable is immutable too: say why, rather than suggesting let
      if (this.loopVars.has(x.name)) reject(locOf(e), `an assignment to the loop variable ${describe(e)}`, 'the loop variable only advances by the loop itself');
      if (v && !v.mutable) reject(locOf(e), `an assignment to the constant ${describe(e)}`, 'declare it with let');
    }
    return x;
  }

  private *allVars(): Iterable<{ name: string; type: Type; mutable: boolean }> {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) yield* s.vars.values();
  }

  private forLoop(s: import('ts-morph').ForStatement, loc: Loc): Stmt {
    const shape = 'write for (let i = A; i < B; i++) with constant bounds A and B';
    const init = s.getInitializer();
    if (!init || !Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) reject(loc, 'this for loop', shape);
    const d = init.getDeclarations()[0];
    const name = d.getName();
    const from = d.getInitializer() ? evalConstInt(this.lowerExpr(d.getInitializerOrThrow())) : undefined;
    const cond = s.getCondition();
    const incr = s.getIncrementor();
    if (from === undefined || !cond || !incr || !Node.isBinaryExpression(cond) || cond.getLeft().getText() !== name) reject(loc, 'this for loop', shape);
    const op = cond.getOperatorToken().getText();
    const bound = evalConstInt(this.lowerExpr(cond.getRight()));
    if (bound === undefined) reject(locOf(cond), `the loop bound ${describe(cond)}`, `${shape}; the bound must be a literal or a constant`);
    // (red-team round 10: a loop counting down was told its constant bounds were not constants)
    if (op !== '<' && op !== '<=') reject(locOf(cond), `the loop condition ${describe(cond)}`, `loops count up: ${shape} (a loop counting down is written counting up, with i = B - 1 - j inside)`);
    const inc = incr.getText().replace(/\s+/g, '');
    if (![`${name}++`, `++${name}`, `${name}+=1`, `${name}=${name}+1`].includes(inc)) reject(locOf(incr), `the loop step ${describe(incr)}`, 'the loop variable advances by one: i++');
    const to = op === '<=' ? bound + 1 : bound;
    // at 2^53 and beyond `i++` no longer advances (and `bound + 1` rounds): the passes would not be
    // the ones the unrolling counts
    if (![from, bound, to].every(Number.isSafeInteger)) reject(locOf(cond), `the loop bound ${describe(cond)}`, 'loop bounds are safe integers (at most 2^53 - 2 for <=): beyond them i++ stops counting');
    if (to - from > MAX_UNROLLED) reject(loc, `a loop with more than ${MAX_UNROLLED} iterations`, 'loops are unrolled; restructure with a quantifier (forall/exists/count) or a smaller bound');
    const outer = this.unrolled;
    if (outer * Math.max(0, to - from) > MAX_UNROLLED) reject(loc, `loops nested to more than ${MAX_UNROLLED} iterations of this body in all`, 'loops are unrolled, nested ones multiplied; restructure with a quantifier (forall/exists/count) or smaller bounds');
    this.unrolled = outer * Math.max(1, to - from);
    return this.inScope(() => {
      const v = this.declare(name, NUMBER, false);
      this.loopVars.add(v);
      this.breakable.push('loop');
      let body: Stmt[];
      try {
        body = this.body(s.getStatement());
      } finally {
        this.breakable.pop();
        this.unrolled = outer;
      }
      return { k: 'for', loc, v, from, to: Math.max(from, to), body };
    });
  }

  private switchStmt(s: import('ts-morph').SwitchStatement, loc: Loc): Stmt[] {
    const subject = this.lowerExpr(s.getExpression());
    const tmp = this.declare('switch', subject.type, false);
    const subjVar: Expr = { k: 'var', name: tmp, type: subject.type, loc: subject.loc };
    const clauses = s.getClauses();
    type Group = { labels: Expr[]; isDefault: boolean; body: Statement[]; loc: Loc };
    const groups: Group[] = [];
    let cur: Group = { labels: [], isDefault: false, body: [], loc };
    clauses.forEach((c, i) => {
      if (Node.isDefaultClause(c)) cur.isDefault = true;
      else {
        const label = this.lowerExpr(c.getExpression(), subject.type);
        // a case compares with ===: the same checks as the operator
        this.checkEquality(locOf(c.getExpression()), `the case ${describe(c.getExpression())}`, subject, label);
        cur.labels.push(label);
      }
      // `case A: { ...; break; }` is the same as `case A: ...; break;` (the group body gets its own scope)
      const own = c.getStatements();
      const stmts = own.length === 1 && Node.isBlock(own[0]) ? own[0].getStatements() : own;
      if (stmts.length === 0 && i < clauses.length - 1) return; // grouped labels: case A: case B:
      const last = stmts[stmts.length - 1];
      let body = stmts;
      if (last && Node.isBreakStatement(last) && !last.getLabel()) body = stmts.slice(0, -1);
      else if (i < clauses.length - 1 && !(last && (Node.isReturnStatement(last) || Node.isThrowStatement(last) || Node.isContinueStatement(last)))) {
        reject(locOf(c), 'a switch case that falls through', 'end every non-empty case with break or return');
      }
      cur.body = body;
      cur.loc = locOf(c);
      groups.push(cur);
      cur = { labels: [], isDefault: false, body: [], loc };
    });
    const dflt = groups.find((g) => g.isDefault);
    const matches = (g: Group): Expr =>
      g.labels.map((l): Expr => ({ k: 'binary', op: '===', l: subjVar, r: l, type: BOOL, loc: l.loc })).reduce((a, b): Expr => ({ k: 'binary', op: '||', l: a, r: b, type: BOOL, loc: b.loc }));
    // Labels are compared in source order, whichever group holds them, until one matches:
    // TypeScript's order (the clauses before `default`, then those after). A label grouped with
    // `default` (`case L: default:`) is compared in its place too, and taking it runs the
    // default body: then the chain first picks the group's number, so that body is lowered once.
    const labelled = dflt && dflt.labels.length > 0;
    const picked = labelled ? this.declare('case', NUMBER, true) : '';
    const pickedVar: Expr = { k: 'var', name: picked, type: NUMBER, loc };
    const num = (v: number, at: Loc): Expr => ({ k: 'int', v: BigInt(v), type: NUMBER, loc: at });
    this.breakable.push('switch');
    let chain: Stmt[];
    let choose: Stmt[] = [];
    try {
      chain = dflt ? this.block(dflt.body) : [];
      for (const [k, g] of [...groups.entries()].reverse()) {
        if (labelled) {
          if (g.labels.length) choose = [{ k: 'if', loc: g.loc, c: matches(g), then: [{ k: 'assign', loc: g.loc, target: pickedVar, value: num(k, g.loc) }], else: choose }];
          if (!g.isDefault) chain = [{ k: 'if', loc: g.loc, c: { k: 'binary', op: '===', l: pickedVar, r: num(k, g.loc), type: BOOL, loc: g.loc }, then: this.block(g.body), else: chain }];
        } else if (!g.isDefault) chain = [{ k: 'if', loc: g.loc, c: matches(g), then: this.block(g.body), else: chain }];
      }
    } finally {
      this.breakable.pop();
    }
    const picking: Stmt[] = labelled ? [{ k: 'let', loc, name: picked, type: NUMBER, init: num(-1, loc) }, ...choose] : [];
    return [{ k: 'let', loc, name: tmp, type: subject.type, init: subject }, ...picking, ...chain];
  }
}
