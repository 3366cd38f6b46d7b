// The front end: lowers the TypeScript subset (ts-morph AST) to the typed IR of ../ir.ts.
//
// It does its own typing rather than asking the TypeScript checker, because the checker erases
// the prelude's integer aliases (`u8` is `number` to it) and the IR needs them. The checker is
// still used for one thing it is good at: resolving an identifier to its declaration across
// imports, whatever module resolution the user's tsconfig uses.
//
// This file lowers modules: functions found and named, types, module-level constants, name
// resolution. A function's body is lowered by FunctionLowering (lower-function.ts: statements)
// on top of ExpressionLowering (lower-expr.ts: expressions); shared helpers are in syntax.ts.

import { Node, SyntaxKind, type FunctionDeclaration, type TypeNode, type Symbol as TsSymbol, type Project } from 'ts-morph';
import { type Expr, type Type, type Loc, type Func, type Module, type Program, type Field, BOOL, NUMBER, VOID, intType, isScalar, INT_TYPES, type IntTypeName } from '../ir.ts';
import { SubsetError, reject, type Diagnostic } from '../diagnostics.ts';
import { cyclicConstantReads } from './imports.ts';
import { callsOf, hasCalls, evalConstInt, rootOf } from './ir-queries.ts';
import { isModuleLevel } from './tdz.ts';
import { isPreludeFile } from './project.ts';
import { FunctionLowering } from './lower-function.ts';
import { stateTakers } from './state-takers.ts';
import { isFunctionLiteral } from './load-time.ts';
import { ExpressionLowering } from './lower-expr.ts';
import { describe, locOf, numericValue, preludeName, type Resolved } from './syntax.ts';

export { evalConstInt, rootOf, locOf };

const INT_NAMES = Object.keys(INT_TYPES) as IntTypeName[];

/** Lowers source files into one Program, function by function, following calls across files. */
export class Lowering {
  readonly program: Program = new Map();
  readonly diagnostics: Diagnostic[] = [];
  private readonly typeCache = new Map<Node, Type>();
  private readonly typeInProgress = new Set<Node>();
  private readonly pending: FunctionDeclaration[] = [];
  private readonly keys = new Map<FunctionDeclaration, string>();
  private readonly constInProgress = new Set<Node>();

  /**
   * `sizes` replaces the values of module-level constants by name: the small scope in which
   * counterexamples are searched (see smallScope), e.g. NPROC 4 where the model says 64.
   */
  constructor(readonly project: Project, readonly sizes: ReadonlyMap<string, number> = new Map()) {}

  /**
   * The small scope a module declares: every exported `const SMALL_X = <integer>` next to a
   * `const X`. Counterexamples are searched with X = that value (verifier/run.ts), then replayed
   * at the real sizes, so the declaration can make a search succeed but never a proof.
   */
  smallScope(file: string): Map<string, number> {
    const out = new Map<string, number>();
    const sf = this.project.getSourceFileOrThrow(file);
    for (const stmt of sf.getVariableStatements()) {
      if (!stmt.isExported() || stmt.getDeclarationKind() !== 'const') continue;
      for (const d of stmt.getDeclarations()) {
        const init = d.getInitializer();
        const m = /^SMALL_(.+)$/.exec(d.getName());
        if (m && init && Node.isNumericLiteral(init) && sf.getVariableDeclaration(m[1])) out.set(m[1], numericValue(init));
      }
    }
    return out;
  }

  /** Lowers one file's exported functions and State type. Collects diagnostics instead of stopping. */
  lowerModule(file: string): Module {
    const sf = this.project.getSourceFile(file) ?? this.project.addSourceFileAtPath(file);
    // Syntax errors only: a full type check costs seconds, and the lowering does its own typing.
    const syntax = (sf.compilerNode as unknown as { parseDiagnostics?: import('ts-morph').ts.Diagnostic[] }).parseDiagnostics ?? [];
    for (const d of syntax) {
      const { line, column } = sf.getLineAndColumnAtPos(d.start ?? 0);
      this.diagnostics.push({ loc: { file: sf.getFilePath(), line, col: column }, construct: 'a syntax error', message: typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText });
    }
    // a half-parsed file only yields follow-up complaints about nodes the parser invented
    if (syntax.length) return { file: sf.getFilePath(), exports: new Map(), state: undefined };
    this.diagnostics.push(...cyclicConstantReads([sf]));
    // Exports as TypeScript resolves them, re-exports included: a variant can be
    // `export * from './impl'` plus the one function it changes (a local export wins).
    // Operations and predicates are found by name, so an exported function must be a function
    // declaration exported under its own name: any other exported function would silently not
    // be verified (red-team round 8: `export { f as get }`, `export const get = f`, u18 u19).
    const exported = sf.getExportedDeclarations();
    const exports = new Map<string, Func>();
    const declarations = new Map<string, FunctionDeclaration>();
    for (const [name, decls] of exported) {
      const fn = decls.find((d): d is FunctionDeclaration => Node.isFunctionDeclaration(d));
      if (fn && fn.getName() === name) {
        exports.set(name, { key: this.keyOf(fn) } as Func);
        declarations.set(name, fn);
      }
      else if (fn) this.diagnostics.push({ loc: locOf(fn), construct: `the function ${fn.getName() ?? '(anonymous)'} exported as ${name}`, message: `${name === 'default' ? `export it under its own name, not as the default (export function ${fn.getName() ?? 'NAME'}(...) { ... })` : `export it under its own name (export function ${name}(...) { ... })`}: operations and predicates are found by the name they are declared with` });
      else {
        for (const d of decls) {
          // an exported class's methods would be callable and never verified (red-team round 15, a16 a20 a25)
          const callable = (m: Node) => !Node.isPropertyDeclaration(m) || [m.getInitializer()].some((x) => x && isFunctionLiteral(x.compilerNode));
          if (Node.isClassDeclaration(d) && d.getMembers().some(callable)) {
            this.diagnostics.push({ loc: locOf(d), construct: `the exported class ${name}`, message: 'classes are outside the subset: their methods would not be verified; declare operations and helpers as function NAME(...) { ... }' });
            continue;
          }
          if (!Node.isVariableDeclaration(d)) continue;
          const init = d.getInitializer();
          const literal = init !== undefined && isFunctionLiteral(init.compilerNode);
          // (a function whatever its declared type: `: Function`, `: object`, a union with 0; a24 a19 a21)
          if (!literal && d.getType().getCallSignatures().length === 0) continue;
          const what = literal ? `the function expression ${name}` : `the exported constant ${name}, a function`;
          this.diagnostics.push({ loc: locOf(d), construct: what, message: `declare operations and helpers as function ${name}(...) { ... }: only function declarations are verified` });
        }
      }
    }
    this.drain();
    for (const [name, stub] of exports) {
      const f = this.program.get(stub.key);
      if (f) exports.set(name, f);
      else exports.delete(name);
    }
    let state: Type | undefined;
    const stateDecl = exported.get('State')?.find((d) => Node.isInterfaceDeclaration(d) || Node.isTypeAliasDeclaration(d));
    if (stateDecl) state = this.collect(() => this.typeOfDecl(stateDecl));
    this.checkRecursion();
    const takers = stateDecl && stateTakers(this.project.getTypeChecker().compilerObject, stateDecl.getType().compilerType, declarations);
    return { file: sf.getFilePath(), exports, state, ...(takers ? { stateTakers: takers } : {}) };
  }

  /** Throws the collected diagnostics, sorted by file and line, if there are any. */
  throwIfRejected(): void {
    if (this.diagnostics.length === 0) return;
    const seen = new Set<string>();
    const uniq = this.diagnostics.filter((d) => {
      const k = `${d.loc.file}:${d.loc.line}:${d.loc.col}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    uniq.sort((a, b) => (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : a.loc.line - b.loc.line || a.loc.col - b.loc.col));
    throw new SubsetError(uniq);
  }

  private collect<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof SubsetError) {
        this.diagnostics.push(...e.diagnostics);
        return undefined;
      }
      throw e;
    }
  }

  private keyOf(fn: FunctionDeclaration): string {
    let key = this.keys.get(fn);
    if (!key) {
      key = `${fn.getSourceFile().getFilePath()}#${fn.getName() ?? '<anonymous>'}`;
      this.keys.set(fn, key);
      this.pending.push(fn);
    }
    return key;
  }

  private drain(): void {
    while (this.pending.length) {
      const fn = this.pending.shift()!;
      const f = this.collect(() => new FunctionLowering(this, fn).lower());
      if (f) this.program.set(f.key, f);
    }
  }

  /** Rejects recursion (direct or mutual): the evaluator inlines calls. */
  private checkRecursion(): void {
    const state = new Map<string, 'active' | 'done'>();
    const visit = (key: string, via?: Loc): void => {
      if (state.get(key) === 'done') return;
      if (state.get(key) === 'active') {
        this.diagnostics.push({ loc: via!, construct: 'a recursive call', message: `${key.split('#')[1]} calls itself (directly or through other functions). Write a for loop with a constant bound instead` });
        return;
      }
      state.set(key, 'active');
      const f = this.program.get(key);
      if (f) for (const c of callsOf(f.body)) visit(c.fn, c.loc);
      state.set(key, 'done');
    };
    for (const key of this.program.keys()) visit(key);
  }

  // ---- name resolution ---------------------------------------------------------------------

  resolve(id: Node): Resolved {
    let sym: TsSymbol | undefined = id.getSymbol();
    if (!sym) return { k: 'none' };
    for (const d of sym.getDeclarations()) {
      const prelude = preludeName(d);
      if (prelude) return { k: 'prelude', name: prelude };
    }
    if (sym.isAlias()) sym = sym.getAliasedSymbol() ?? sym;
    const decls = sym.getDeclarations();
    if (decls.length === 0) return { k: 'none' };
    for (const d of decls) {
      if (isPreludeFile(d.getSourceFile().getFilePath())) return { k: 'prelude', name: sym.getName() };
    }
    return { k: 'decl', node: decls[0] };
  }

  // ---- types -------------------------------------------------------------------------------

  typeOfDecl(decl: Node): Type {
    const hit = this.typeCache.get(decl);
    if (hit) return hit;
    if (this.typeInProgress.has(decl)) reject(locOf(decl), 'a recursive type', 'records may not contain themselves; use an array of records and indices');
    this.typeInProgress.add(decl);
    try {
      let t: Type;
      if (Node.isInterfaceDeclaration(decl)) {
        if (decl.getExtends().length) reject(locOf(decl), 'an interface that extends another', 'list all fields in one interface');
        if (decl.getTypeParameters().length) reject(locOf(decl), 'a generic interface', 'write one interface per instance');
        const fields: Field[] = [];
        for (const m of decl.getMembers()) {
          if (!Node.isPropertySignature(m)) reject(locOf(m), `the member ${describe(m)}`, 'a state interface has only fields (name: type)');
          if (m.hasQuestionToken()) reject(locOf(m), `the optional field ${describe(m)}`, 'fields are always present; model absence with a boolean flag or an enum');
          if (m.getName() === '__proto__') reject(locOf(m), 'a field named __proto__', 'in an object literal it sets the prototype instead of a field: rename it');
          const tn = m.getTypeNode();
          if (!tn) reject(locOf(m), `the field ${describe(m)}`, 'give the field a type');
          fields.push({ name: m.getName(), type: this.lowerType(tn) });
        }
        t = { k: 'record', name: decl.getName(), fields };
      } else if (Node.isTypeAliasDeclaration(decl)) {
        if (decl.getTypeParameters().length) reject(locOf(decl), 'a generic type alias', 'write one alias per instance');
        t = this.lowerType(decl.getTypeNodeOrThrow(), decl.getName());
      } else {
        reject(locOf(decl), `the type ${describe(decl)}`, 'use an interface, a type alias, or a prelude type');
      }
      this.typeCache.set(decl, t);
      return t;
    } finally {
      this.typeInProgress.delete(decl);
    }
  }

  lowerType(tn: TypeNode, aliasName?: string): Type {
    const loc = locOf(tn);
    if (tn.getKind() === SyntaxKind.BooleanKeyword) return BOOL;
    if (tn.getKind() === SyntaxKind.NumberKeyword) return NUMBER;
    if (tn.getKind() === SyntaxKind.VoidKeyword) return VOID;
    if (Node.isParenthesizedTypeNode(tn)) return this.lowerType(tn.getTypeNode(), aliasName);
    if (Node.isUnionTypeNode(tn)) {
      const members: string[] = [];
      for (const m of tn.getTypeNodes()) {
        if (Node.isLiteralTypeNode(m) && Node.isStringLiteral(m.getLiteral())) members.push((m.getLiteral() as import('ts-morph').StringLiteral).getLiteralValue());
        else reject(locOf(m), `the union member ${describe(m)}`, "only unions of string literals ('A' | 'B') are enumerations in the subset");
      }
      // a union has no order in TypeScript ('a' | 'b' is 'b' | 'a'): one canonical order, so that
      // two spellings of one type agree on each member's number
      return { k: 'enum', name: aliasName ?? members.map((m) => `'${m}'`).join(' | '), members: [...new Set(members)].sort() };
    }
    if (Node.isLiteralTypeNode(tn) && Node.isStringLiteral(tn.getLiteral())) {
      const v = (tn.getLiteral() as import('ts-morph').StringLiteral).getLiteralValue();
      return { k: 'enum', name: aliasName ?? `'${v}'`, members: [v] };
    }
    if (Node.isTypeLiteral(tn)) {
      const fields: Field[] = [];
      for (const m of tn.getMembers()) {
        if (!Node.isPropertySignature(m) || m.hasQuestionToken() || !m.getTypeNode()) reject(locOf(m), `the member ${describe(m)}`, 'a record type has only required fields (name: type)');
        if (m.getName() === '__proto__') reject(locOf(m), 'a field named __proto__', 'in an object literal it sets the prototype instead of a field: rename it');
        fields.push({ name: m.getName(), type: this.lowerType(m.getTypeNodeOrThrow()) });
      }
      return { k: 'record', name: aliasName ?? 'record', fields };
    }
    if (Node.isTypeReference(tn)) {
      const nameNode = tn.getTypeName();
      const idNode = Node.isQualifiedName(nameNode) ? nameNode.getRight() : nameNode;
      const r = this.resolve(idNode);
      const targs = tn.getTypeArguments();
      if (r.k === 'prelude') {
        if ((INT_NAMES as string[]).includes(r.name)) return intType(r.name as IntTypeName);
        // verify rid: a reference count in a field; an integer that is never negative (docs/rid.md)
        if (r.name === 'Counter') return { k: 'int', name: 'number', min: 0n, max: INT_TYPES.number.max };
        if (r.name === 'Arr') {
          if (targs.length !== 2) reject(loc, describe(tn), 'write Arr<ElementType, Length>');
          return { k: 'array', elem: this.lowerType(targs[0]), len: this.typeLevelNumber(targs[1]) };
        }
        if (r.name === 'Opaque') {
          const a = targs[0];
          if (targs.length !== 1 || !Node.isLiteralTypeNode(a) || !Node.isStringLiteral(a.getLiteral())) reject(loc, describe(tn), "write Opaque<'Name'>");
          return { k: 'opaque', name: (a.getLiteral() as import('ts-morph').StringLiteral).getLiteralValue() };
        }
        if (r.name === 'SMap') {
          if (targs.length !== 2) reject(loc, describe(tn), 'write SMap<KeyType, ValueType>');
          const key = this.lowerType(targs[0]);
          const value = this.lowerType(targs[1]);
          if (!isScalar(key) || !isScalar(value)) reject(loc, describe(tn), 'map keys and values are scalars (integers, booleans, enumerations, opaque identifiers)');
          return { k: 'map', key, value };
        }
        reject(loc, `the prelude type ${r.name}`, 'it is not a type');
      }
      if (r.k === 'decl') {
        if (targs.length) reject(loc, describe(tn), 'generic types are outside the subset');
        return this.typeOfDecl(r.node);
      }
      reject(loc, `the type ${describe(tn)}`, 'it does not resolve to a declaration (is it imported?)');
    }
    if (Node.isArrayTypeNode(tn)) reject(loc, `the array type ${describe(tn)}`, 'arrays have a fixed length in the subset: write Arr<T, N>');
    reject(loc, `the type ${describe(tn)}`, 'use boolean, an integer type from the prelude (u8 ... i32), number, a string-literal union, an interface, Arr<T, N>, Opaque<Name> or SMap<K, V>');
  }

  /** The N of Arr<T, N>: a numeric literal type or `typeof CONST`. */
  private typeLevelNumber(tn: TypeNode): number {
    if (Node.isLiteralTypeNode(tn) && Node.isNumericLiteral(tn.getLiteral())) {
      const n = numericValue(tn.getLiteral() as import('ts-morph').NumericLiteral);
      if (!Number.isSafeInteger(n) || n < 0) reject(locOf(tn), `the array length ${describe(tn)}`, 'an array length is a non-negative integer');
      return n;
    }
    if (Node.isTypeQuery(tn)) {
      const en = tn.getExprName();
      const id = Node.isQualifiedName(en) ? en.getRight() : en;
      const v = this.constantValue(id);
      if (v !== undefined) return v;
    }
    reject(locOf(tn), `the array length ${describe(tn)}`, 'write a numeric literal or typeof NAME where NAME is a constant');
  }

  /** Value of a module-level numeric constant (for array lengths and loop bounds). */
  constantValue(id: Node): number | undefined {
    const r = this.resolve(id);
    if (r.k !== 'decl' || !Node.isVariableDeclaration(r.node)) return undefined;
    const init = r.node.getInitializer();
    if (!init) return undefined;
    const e = this.constantExpr(r.node);
    return e ? evalConstInt(e) : undefined;
  }

  /** Lowers a module-level `const` to an IR expression, inlined at each use. */
  constantExpr(decl: Node): Expr | undefined {
    if (!Node.isVariableDeclaration(decl) || !isModuleLevel(decl)) return undefined;
    const stmt = decl.getVariableStatement();
    if (!stmt || stmt.getDeclarationKind() !== 'const') return undefined;
    const init = decl.getInitializer();
    if (!init) return undefined;
    if (this.constInProgress.has(decl)) reject(locOf(decl), 'a constant defined in terms of itself', 'give it a value');
    this.constInProgress.add(decl);
    try {
      const tn = decl.getTypeNode();
      const expected = tn ? this.lowerType(tn) : undefined;
      const e = new ExpressionLowering(this).lowerExpr(init, expected);
      if (!isScalar(e.type)) reject(locOf(decl), `the module-level constant ${describe(decl)}`, 'constants are scalars (numbers, booleans, enum members); build records and arrays inside init()');
      if (hasCalls(e)) reject(locOf(decl), `the module-level constant ${describe(decl)}`, 'a constant is computed from literals and other constants only');
      const small = this.sizes.get(decl.getName());
      if (small !== undefined && e.type.k === 'int') return { k: 'int', v: BigInt(small), type: expected ?? e.type, loc: e.loc };
      return expected && expected.k === 'int' ? { ...e, type: expected } : e;
    } finally {
      this.constInProgress.delete(decl);
    }
  }

  callKey(fn: FunctionDeclaration): string {
    return this.keyOf(fn);
  }

  /** Signature of a function without lowering its body (callers need only its types). */
  signature(fn: FunctionDeclaration): { params: Type[]; ret: Type } {
    const params = fn.getParameters().map((p) => {
      const tn = p.getTypeNode();
      if (!tn) reject(locOf(p), `the parameter ${describe(p)}`, 'give every parameter a type');
      return this.lowerType(tn);
    });
    const rtn = fn.getReturnTypeNode();
    return { params, ret: rtn ? this.lowerType(rtn) : VOID };
  }
}

