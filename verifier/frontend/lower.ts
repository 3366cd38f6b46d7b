// The front end: lowers the TypeScript subset (ts-morph AST) to the typed IR of ../ir.ts.
//
// It does its own typing rather than asking the TypeScript checker, because the checker erases
// the prelude's integer aliases (`u8` is `number` to it) and the IR needs them. The checker is
// still used for one thing it is good at: resolving an identifier to its declaration across
// imports, whatever module resolution the user's tsconfig uses.

import { Node, SyntaxKind, type FunctionDeclaration, type Expression, type Statement, type TypeNode, type Symbol as TsSymbol, type Project } from 'ts-morph';
import { type Expr, type Stmt, type Type, type Loc, type Func, type Module, type Program, type Field, type BinaryOp, BOOL, NUMBER, VOID, intType, isScalar, sameShape, typeToString, INT_TYPES, type IntTypeName, sameType } from '../ir.ts';
import { SubsetError, reject, type Diagnostic } from '../diagnostics.ts';
import { cyclicConstantReads } from './imports.ts';
import { callsOf, isPlainPath, hasEffects, hasCalls, evalConstInt, rootOf } from './ir-queries.ts';
import { isModuleLevel, readBeforeDeclaration } from './tdz.ts';
import { PRELUDE_FILE, isPreludeFile } from './project.ts';

export { evalConstInt, rootOf };

const PRELUDE_MODULE = 'pushbutton';
const INT_NAMES = Object.keys(INT_TYPES) as IntTypeName[];

export function locOf(node: Node): Loc {
  const sf = node.getSourceFile();
  const { line, column } = sf.getLineAndColumnAtPos(node.getStart());
  return { file: sf.getFilePath(), line, col: column };
}

/** Short description of a node for diagnostics ("a while loop", "the expression `x ?? y`"). */
function describe(node: Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return `\`${text.length > 40 ? text.slice(0, 37) + '...' : text}\``;
}

/** A resolved declaration: what an identifier refers to after following imports. */
type Resolved =
  | { k: 'prelude'; name: string }
  | { k: 'decl'; node: Node }
  | { k: 'none' };

interface Scope {
  /** `rejected`: a local whose declaration was rejected; its uses stay silent (the problem is reported once) */
  vars: Map<string, { name: string; type: Type; mutable: boolean; rejected?: boolean }>;
  parent?: Scope;
}

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
    // an exported function expression would silently not be verified (only declarations are)
    for (const vs of sf.getVariableStatements()) {
      if (!vs.isExported()) continue;
      for (const d of vs.getDeclarations()) {
        let init: Node | undefined = d.getInitializer();
        while (init && Node.isParenthesizedExpression(init)) init = init.getExpression();
        if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) this.diagnostics.push({ loc: locOf(d), construct: `the function expression ${d.getName()}`, message: `declare operations and helpers as function ${d.getName()}(...) { ... }: only function declarations are verified` });
      }
    }
    // Exports as TypeScript resolves them, re-exports included: a variant can be
    // `export * from './impl'` plus the one function it changes (a local export wins).
    const exported = sf.getExportedDeclarations();
    const exports = new Map<string, Func>();
    for (const [name, decls] of exported) {
      const fn = decls.find((d): d is FunctionDeclaration => Node.isFunctionDeclaration(d));
      if (fn && fn.getName() === name) exports.set(name, { key: this.keyOf(fn) } as Func);
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
    return { file: sf.getFilePath(), exports, state };
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
      const e = new FunctionLowering(this, undefined).lowerExpr(init, expected);
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

/** The name is JavaScript's global (`Math`), not a declaration of the user's that shadows it. */
function isGlobal(id: Node): boolean {
  const decls = id.getSymbol()?.getDeclarations() ?? [];
  return decls.every((d) => d.getSourceFile().isDeclarationFile() && /(^|\/)lib(\.[\w.]+)?\.d\.ts$/.test(d.getSourceFile().getFilePath()));
}

/**
 * The value of a numeric literal as JavaScript reads it. (ts-morph's getLiteralValue() reads
 * `1e21` and longer literals as 1, which passed for a small safe integer.)
 */
function numericValue(lit: import('ts-morph').NumericLiteral): number {
  return Number(lit.getText().replace(/_/g, ''));
}

function preludeName(d: Node): string | undefined {
  if (Node.isImportSpecifier(d) && fromPrelude(d.getImportDeclaration())) return d.getName();
  return undefined;
}

function isPreludeNamespace(d: Node): boolean {
  const decl = Node.isNamespaceImport(d) ? d.getParentOrThrow().getParentOrThrow().asKind(SyntaxKind.ImportDeclaration) : undefined;
  return decl !== undefined && fromPrelude(decl);
}

/**
 * Whether an import is of the prelude: `'pushbutton'` that resolves to it. The name alone is not
 * enough: a tsconfig `paths` entry can map it to the user's own module, which the real run then
 * uses (red-team round 7, t16); such an import is rejected where it is written.
 */
function fromPrelude(decl: import('ts-morph').ImportDeclaration): boolean {
  if (decl.getModuleSpecifierValue() !== PRELUDE_MODULE) return false;
  const target = decl.getModuleSpecifierSourceFile()?.getFilePath();
  if (target && isPreludeFile(target)) return true;
  reject(locOf(decl.getModuleSpecifier()), `the import of '${PRELUDE_MODULE}'`, `it resolves to ${target ?? 'no file'}, not to pushbutton's prelude (${PRELUDE_FILE}), and the real run would use that module: remove the tsconfig "paths" entry or the package that shadows it`);
}

// bitwise operators are arithmetic on integers too (with JavaScript's 32-bit conversions: symexec/bitwise.ts)
/** Loops are unrolled: at most this many runs of a loop body, nested loops multiplied. */
const MAX_UNROLLED = 100_000;

const ARITH: Record<string, BinaryOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|', '^': '^', '<<': '<<', '>>': '>>', '>>>': '>>>' };
const COMPARE: Record<string, BinaryOp> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '===': '===', '!==': '!==' };
const COMPOUND: Record<string, BinaryOp> = { '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '&=': '&', '|=': '|', '^=': '^', '<<=': '<<', '>>=': '>>', '>>>=': '>>>' };

/** Lowers one function body. Locals are renamed apart so the IR has one flat namespace per function. */
class FunctionLowering {
  private scope: Scope = { vars: new Map() };
  private used = new Set<string>();
  private ret: Type = VOID;
  private loopVars = new Set<string>();
  /** the statements `break` may leave, innermost last: a for loop, or a switch (whose break the switch lowering consumes) */
  private breakable: ('loop' | 'switch')[] = [];
  /** how many times the body of the innermost enclosing loop runs: the product of the loops' trip counts */
  private unrolled = 1;

  constructor(private readonly L: Lowering, private readonly fn: FunctionDeclaration | undefined) {}

  lower(): Func {
    const fn = this.fn!;
    const loc = locOf(fn);
    if (fn.isAsync() || fn.isGenerator()) reject(loc, 'an async or generator function', 'operations are plain synchronous functions');
    if (fn.getTypeParameters().length) reject(loc, 'a generic function', 'write the types out');
    const params = fn.getParameters().map((p) => {
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

  private declare(name: string, type: Type, mutable: boolean): string {
    let unique = name;
    for (let i = 1; this.used.has(unique); i++) unique = `${name}_${i}`;
    this.used.add(unique);
    this.scope.vars.set(name, { name: unique, type, mutable });
    return unique;
  }

  private lookup(name: string): { name: string; type: Type; mutable: boolean; rejected?: boolean } | undefined {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  private inScope<T>(f: () => T): T {
    this.scope = { vars: new Map(), parent: this.scope };
    try {
      return f();
    } finally {
      this.scope = this.scope.parent!;
    }
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

  /**
   * `use` applied to `e`, evaluated once: when `e` calls a function its value is bound to a
   * constant local first (a `let` expression), so that `use` may name it more than once.
   */
  private once(es: Expr[], use: (xs: Expr[]) => Expr): Expr {
    if (!es.some(hasEffects)) return use(es);
    const names = es.map((x) => this.declare('$operand', x.type, false));
    const body = use(es.map((x, i): Expr => ({ k: 'var', name: names[i], type: x.type, loc: x.loc })));
    return es.reduceRight<Expr>((acc, x, i) => ({ k: 'let', name: names[i], init: x, body: acc, type: acc.type, loc: x.loc }), body);
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
    if (bound === undefined || (op !== '<' && op !== '<=')) reject(locOf(cond), `the loop bound ${describe(cond)}`, `${shape}; the bound must be a literal or a constant`);
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

  /** A key of an SMap operation (get, has, set, delete): of the map's key type. */
  private mapKey(map: Type & { k: 'map' }, arg: Expression): Expr {
    const key = this.lowerExpr(arg, map.key);
    if (!sameShape(key.type, map.key)) reject(locOf(arg), describe(arg), `the key type is ${typeToString(map.key)}`);
    return key;
  }

  /** `===` (and a switch case) compares scalars of one type; on records it would compare identity. */
  private checkEquality(loc: Loc, what: string, l: Expr, r: Expr): void {
    if (!sameShape(l.type, r.type)) reject(loc, what, `it compares ${typeToString(l.type)} with ${typeToString(r.type)}`);
    if (!isScalar(l.type)) reject(loc, `${what} of ${typeToString(l.type)} values`, 'in TypeScript === on records and arrays compares identity, not contents; compare the fields');
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

  // ---- expressions -------------------------------------------------------------------------

  private cond(e: Expression): Expr {
    const x = this.lowerExpr(e, BOOL);
    if (x.type.k !== 'bool') reject(locOf(e), `the condition ${describe(e)}`, `a condition is a boolean, not ${typeToString(x.type)}; compare explicitly (x !== 0)`);
    return x;
  }

  private checkAssignable(target: Type, value: Expr, loc: Loc): void {
    if (!sameShape(target, value.type)) reject(loc, `a value of type ${typeToString(value.type)}`, `expected ${typeToString(target)} here`);
    // a scalar is converted by a range check where it is stored; a record or array is not
    // converted but shared, so its integer types must be exactly the target's
    if (!isScalar(target) && !sameType(target, value.type)) reject(loc, `a value of type ${typeToString(value.type)}`, `expected ${typeToString(target)} here, with the same integer types throughout: records and arrays are shared, not converted`);
  }

  private arith(op: BinaryOp, l: Expr, r: Expr, loc: Loc): Expr {
    if (l.type.k !== 'int' || r.type.k !== 'int') reject(loc, `the operator ${op} on ${typeToString(l.type)} and ${typeToString(r.type)}`, 'arithmetic is on integers only');
    return { k: 'binary', op, l, r, type: NUMBER, loc };
  }

  private preludeMember(pa: import('ts-morph').PropertyAccessExpression): Resolved {
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

  private checkInitialised(e: Node, d: import('ts-morph').VariableDeclaration, loc: Loc): void {
    const tdz = readBeforeDeclaration(e, d);
    if (tdz) reject(loc, `${d.getName()} read ${tdz}`, 'in TypeScript this throws a ReferenceError (temporal dead zone): declare it first');
  }

  private identifier(e: import('ts-morph').Identifier, loc: Loc, expected?: Type): Expr {
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
    reject(loc, `the name ${name}`, 'it is not a local, a parameter, or a module-level constant');
  }

  private binary(e: import('ts-morph').BinaryExpression, loc: Loc, expected?: Type): Expr {
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

  private quantBody(arg: Node, loc: Loc, what: string, n: number, expected?: Type): { param: string; body: Expr } {
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

  private constantArg(a: Node, what: string): number {
    const n = evalConstInt(this.lowerExpr(a as Expression));
    if (n === undefined || n < 0 || !Number.isSafeInteger(n)) reject(locOf(a), `the bound ${describe(a)} of ${what}`, 'the bound is a non-negative constant (a literal or a const), a safe integer');
    return n;
  }

  private call(e: import('ts-morph').CallExpression, loc: Loc, expected?: Type): Expr {
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

  private preludeCall(name: string, args: Expression[], loc: Loc, e: Node, expected?: Type): Expr {
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

  private mapNew(args: Expression[], loc: Loc, expected?: Type): Expr {
    if (expected?.k !== 'map') reject(loc, 'a map without a declared type', 'create maps where the type is known: a field of State, or const m: SMap<K, V> = smap(default)');
    if (args.length !== 1) reject(loc, 'smap', 'write smap(defaultValue)');
    const dflt = this.lowerExpr(args[0], expected.value);
    this.checkAssignable(expected.value, dflt, loc);
    return { k: 'mapNew', dflt, type: expected, loc };
  }

  private objectLiteral(e: import('ts-morph').ObjectLiteralExpression, loc: Loc, expected?: Type): Expr {
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

/** Literal integers are typed `number` unless a declaration says otherwise. */
function widen(t: Type): Type {
  return t.k === 'int' ? NUMBER : t;
}
