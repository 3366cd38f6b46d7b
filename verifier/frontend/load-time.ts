// What runs when a module is loaded. Nothing verifies it, yet the real run (the replay of a
// counterexample, a user's program) executes it first; code there can change what every operation
// does (`Math.max = ...`), so a module of the subset runs no code of its own at load.
//
// An allow-list, not a deny-list of calls: JavaScript calls user code implicitly from forms that
// contain no call at all (red-team round 8: a getter read by a destructuring or an enum member, an
// object's toString in a template or a computed key, its valueOf under `*`, a class member's
// computed name). So a module-level initializer (of a constant, an enum member, a class's static
// or computed parts) is built only from literals, constants, operators, array and object literals
// of plain properties; and no value in it is a function or a class, so no implicit conversion it
// performs can reach user code (only JavaScript's own toString and valueOf).

import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.ts';
import { isStandardLibrary, locOfTs } from './syntax.ts';

/**
 * Code at module level: statements other than declarations, imports and exports, and what runs
 * in a declaration outside the forms above. It would run when the module is loaded, unverified.
 */
export function moduleLevelCode(sf: ts.SourceFile, checker: ts.TypeChecker): Diagnostic[] {
  const out: Diagnostic[] = [];
  const show = (n: ts.Node) => {
    const text = n.getText(sf).replace(/\s+/g, ' ');
    return `\`${text.length > 40 ? text.slice(0, 37) + '...' : text}\``;
  };
  for (const s of sf.statements) {
    if (!isDeclaration(s)) {
      out.push({ loc: locOfTs(sf, s), construct: `the statement ${show(s)} at module level`, message: 'a module holds only declarations, imports and exports: code at its top level would run when the module is loaded, unverified; move it into a function' });
      continue;
    }
    for (const [decl, init] of loadTimeExpressions(s)) {
      // `const f = (x) => ...` defines a function and runs nothing (the lowering says what to
      // write instead); a function value anywhere else in an initializer is refused below
      if (isFunctionLiteral(init)) continue;
      const runs = firstRunning(init, checker);
      if (!runs) continue;
      const what = ts.isVariableDeclaration(decl) ? `the module-level constant ${show(decl)}` : `${show(runs)} at module level`;
      const why = runs === init && isFunctionValue(runs, checker)
        ? `${show(runs)} is a function, and a constant naming a function is not verified as one; declare operations and helpers with \`function NAME(...) { ... }\``
        : ts.isIdentifier(runs) && !isFunctionValue(runs, checker) && !isModuleObject(runs, checker) && !namesData(runs, checker)
        ? `${show(runs)} names no constant data (a function or a class whatever its declared type, a \`let\`, a parameter), and JavaScript may call such values implicitly (toString, valueOf) when the module is loaded; use only literals, enum members and constants computed from them`
        : isUntyped(runs, checker)
        ? `${show(runs)} is typed \`any\` or \`unknown\`, which may hide a function that JavaScript calls implicitly (toString, valueOf) when the module is loaded; give it its type`
        : isFunctionValue(runs, checker)
        ? `${show(runs)} is a function or a class, and JavaScript calls such values implicitly (a getter, toString, valueOf) when the module is loaded; declare functions with \`function NAME(...) { ... }\` and use them inside functions`
        : `${show(runs)} would run code when the module is loaded, unverified (a call, an assignment, a getter, a method); compute the value inside a function (init(), an operation)`;
      out.push({ loc: locOfTs(sf, decl), construct: what, message: `a constant is computed from literals and other constants only: ${why}` });
    }
  }
  return out;
}

function isDeclaration(s: ts.Statement): boolean {
  if (ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || ts.isExportDeclaration(s)) return true;
  if (ts.isFunctionDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isVariableStatement(s) || ts.isEnumDeclaration(s) || ts.isClassDeclaration(s)) return true;
  if (ts.isEmptyStatement(s)) return true;
  // `export default NAME` names a declaration; `export default <expression>` computes one at load
  if (ts.isExportAssignment(s)) return ts.isIdentifier(s.expression);
  // a namespace's body runs at load, unless it is only declared
  if (ts.isModuleDeclaration(s)) return (ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Ambient) !== 0;
  return false;
}

/** The parts of a declaration evaluated when the module is loaded, each with the declaration to point at. */
function loadTimeExpressions(s: ts.Statement): [ts.Node, ts.Node][] {
  if (ts.isVariableStatement(s)) {
    if (s.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return [];
    return s.declarationList.declarations.flatMap((d): [ts.Node, ts.Node][] => [
      // a destructuring reads properties (getters) and iterates (iterators) at load
      ...(ts.isIdentifier(d.name) ? [] : [[d, d.name] as [ts.Node, ts.Node]]),
      ...(d.initializer ? [[d, d.initializer] as [ts.Node, ts.Node]] : []),
    ]);
  }
  if (ts.isEnumDeclaration(s)) return s.members.flatMap((m): [ts.Node, ts.Node][] => (m.initializer ? [[m, m.initializer]] : []));
  if (ts.isClassDeclaration(s)) {
    const out: [ts.Node, ts.Node][] = (ts.getDecorators(s) ?? []).map((d) => [d, d]);
    for (const h of s.heritageClauses ?? []) if (h.token === ts.SyntaxKind.ExtendsKeyword) out.push([h, h]);
    for (const m of s.members) {
      if (ts.isClassStaticBlockDeclaration(m)) out.push([m, m]);
      else if (ts.isPropertyDeclaration(m) && m.initializer && ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static) out.push([m, m.initializer]);
      // a computed member name is evaluated when the class is defined
      if (m.name && ts.isComputedPropertyName(m.name)) out.push([m, m.name.expression]);
      if (ts.canHaveDecorators(m)) for (const d of ts.getDecorators(m) ?? []) out.push([d, d]);
      // a parameter's decorator runs when the class is defined too (red-team round 9, v03)
      if (ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
        for (const p of m.parameters) for (const d of ts.getDecorators(p) ?? []) out.push([d, d]);
      }
    }
    return out;
  }
  return [];
}

/** An arrow or function expression, under parentheses and type-only wrappers (`as`, `satisfies`, `!`). */
export function isFunctionLiteral(n: ts.Node): boolean {
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isTypeAssertionExpression(n) || ts.isNonNullExpression(n)) n = n.expression;
  return ts.isArrowFunction(n) || ts.isFunctionExpression(n);
}

/**
 * Whether an identifier in a load-time value names data: an enum member, a module-level `const`
 * whose initializer is not a function (every such initializer passes this gate in its own module),
 * or a global of JavaScript's own (`NaN`, `undefined`; the function-valued ones are refused by
 * type). Not by the declared type alone: `const f: object = () => ...` hides a function that a
 * `{ toString: f }` converted at load would call (red-team round 10, w20 w25 w28); nor a `let`,
 * a function, a class, a namespace or a parameter.
 */
function namesData(id: ts.Identifier, checker: ts.TypeChecker): boolean {
  const shorthand = ts.isShorthandPropertyAssignment(id.parent) && id.parent.name === id;
  let sym = shorthand ? checker.getShorthandAssignmentValueSymbol(id.parent) : checker.getSymbolAtLocation(id);
  if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  const decls = sym?.getDeclarations() ?? [];
  if (decls.length === 0) return sym !== undefined && id.text === 'undefined';
  return decls.every((d) => ts.isEnumMember(d) || isDataConstant(d) || (d.getSourceFile().isDeclarationFile && isStandardLibrary(d.getSourceFile().fileName)));
}

/** A module-level `const NAME = <not a function>` (not declared-only, not destructured). */
function isDataConstant(d: ts.Declaration): boolean {
  if (!ts.isVariableDeclaration(d) || !ts.isIdentifier(d.name) || !d.initializer || isFunctionLiteral(d.initializer)) return false;
  const list = d.parent;
  if (!ts.isVariableDeclarationList(list) || (list.flags & ts.NodeFlags.Const) === 0) return false;
  const stmt = list.parent;
  return ts.isVariableStatement(stmt) && ts.isSourceFile(stmt.parent) && !stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

/** A value typed `any` or `unknown`: it may be a function the type no longer shows (`(Math as any).max`, red-team round 11, w56). */
function isUntyped(n: ts.Node, checker: ts.TypeChecker): boolean {
  return ts.isExpression(n) && (checker.getTypeAtLocation(n).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
}

/** A value that is a function or a class (JavaScript may call it implicitly). */
function isFunctionValue(n: ts.Node, checker: ts.TypeChecker): boolean {
  if (!ts.isExpression(n)) return false;
  const t = checker.getTypeAtLocation(n);
  return t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0;
}

/**
 * The first node of `n` outside the allowed forms (see the top of this file): a call, an
 * assignment, a function, a method or accessor, a class, a destructuring, or a value of function
 * type. Type-only parts (`as T`) are not entered.
 */
function firstRunning(n: ts.Node, checker: ts.TypeChecker): ts.Node | undefined {
  if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isTypeAssertionExpression(n) || ts.isNonNullExpression(n)) return firstRunning(n.expression, checker);
  if (isFunctionValue(n, checker) || isUntyped(n, checker)) return n;
  if (ts.isNumericLiteral(n) || ts.isBigIntLiteral(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return undefined;
  if (n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword || n.kind === ts.SyntaxKind.NullKeyword) return undefined;
  // a module's namespace object converted to a string or a number calls the toString or valueOf
  // the module exports (red-team round 9, v01 v08); only its properties are data (below)
  if (isModuleObject(n, checker)) return n;
  if (ts.isIdentifier(n)) return namesData(n, checker) ? undefined : n;
  if (ts.isTemplateExpression(n)) return firstOf(n.templateSpans.map((s) => s.expression), checker);
  // a property of JavaScript's own objects (Number.MAX_SAFE_INTEGER, Math.PI) is data; the
  // function-valued ones (Math.max) were refused above
  if (ts.isPropertyAccessExpression(n)) return isBuiltin(n.expression, checker) || isModuleObject(n.expression, checker) ? undefined : firstRunning(n.expression, checker);
  if (ts.isElementAccessExpression(n)) return firstOf([isBuiltin(n.expression, checker) ? undefined : n.expression, n.argumentExpression].filter((x) => x !== undefined), checker);
  if (ts.isPrefixUnaryExpression(n)) return n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken ? n : firstRunning(n.operand, checker);
  if (ts.isTypeOfExpression(n) || ts.isVoidExpression(n)) return firstRunning(n.expression, checker);
  if (ts.isBinaryExpression(n)) {
    const op = n.operatorToken.kind;
    if ((op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) || op === ts.SyntaxKind.InstanceOfKeyword) return n;
    return firstOf([n.left, n.right], checker);
  }
  if (ts.isConditionalExpression(n)) return firstOf([n.condition, n.whenTrue, n.whenFalse], checker);
  if (ts.isArrayLiteralExpression(n)) return firstOf(n.elements.map((e) => (ts.isSpreadElement(e) ? e.expression : e)), checker);
  if (ts.isObjectLiteralExpression(n)) {
    for (const p of n.properties) {
      if (ts.isPropertyAssignment(p)) {
        const found = (ts.isComputedPropertyName(p.name) ? firstRunning(p.name.expression, checker) : undefined) ?? firstRunning(p.initializer, checker);
        if (found) return found;
      } else if (ts.isShorthandPropertyAssignment(p)) {
        const found = firstRunning(p.name, checker);
        if (found) return found;
      } else if (ts.isSpreadAssignment(p)) {
        const found = firstRunning(p.expression, checker);
        if (found) return found;
      } else return p; // a method, a getter or a setter
    }
    return undefined;
  }
  // a call, `new`, a tagged template, a function or class expression, a destructuring pattern,
  // a decorator, a static block, `extends`, `delete`, `await`, `yield`, a regular expression, ...
  return n;
}

/** A module's namespace object (`import * as m`, and whatever names it again). */
function isModuleObject(n: ts.Node, checker: ts.TypeChecker): boolean {
  if (!ts.isExpression(n)) return false;
  const sym = checker.getTypeAtLocation(n).getSymbol();
  return sym !== undefined && (sym.flags & ts.SymbolFlags.ValueModule) !== 0;
}

/** A global of JavaScript's standard library (`Math`, `Number`), not a declaration of the user's. */
function isBuiltin(n: ts.Node, checker: ts.TypeChecker): boolean {
  if (!ts.isIdentifier(n)) return false;
  const decls = checker.getSymbolAtLocation(n)?.getDeclarations() ?? [];
  return decls.length > 0 && decls.every((d) => d.getSourceFile().isDeclarationFile && isStandardLibrary(d.getSourceFile().fileName));
}

function firstOf(ns: readonly ts.Node[], checker: ts.TypeChecker): ts.Node | undefined {
  for (const x of ns) {
    const found = firstRunning(x, checker);
    if (found) return found;
  }
  return undefined;
}
