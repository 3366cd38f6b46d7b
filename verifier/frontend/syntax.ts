// Front-end helpers shared by the module lowering (lower.ts) and the function lowering
// (lower-expr.ts, lower-function.ts): source locations, short descriptions for diagnostics, what
// an identifier resolves to, whether an import is of the prelude, and the operator tables.

import * as path from 'node:path';
import { Node, SyntaxKind, ts } from 'ts-morph';
import { type Type, type Loc, type BinaryOp, NUMBER } from '../ir.ts';
import { reject } from '../diagnostics.ts';
import { LIB_FOLDER, PRELUDE_FILE, isPreludeFile } from './project.ts';

export const PRELUDE_MODULE = 'pushbutton';

export function locOf(node: Node): Loc {
  const sf = node.getSourceFile();
  const { line, column } = sf.getLineAndColumnAtPos(node.getStart());
  return { file: sf.getFilePath(), line, col: column };
}

/** locOf for the compiler's own nodes (the checks made on TypeScript's program: typecheck.ts, load-time.ts). */
export function locOfTs(sf: ts.SourceFile, n: ts.Node): Loc {
  const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
  return { file: path.resolve(sf.fileName), line: line + 1, col: character + 1 };
}

/**
 * Whether a file is a declaration file of JavaScript's standard library (lib.d.ts, lib.es2020.d.ts)
 * as TypeScript serves it, not a project's file of the same name (red-team round 11, w47: a
 * types/lib.nodemin.d.ts declaring `process` passed for the standard library).
 */
export function isStandardLibrary(file: string): boolean {
  return file.startsWith(LIB_FOLDER) && /^lib(\.[\w.]+)?\.d\.ts$/.test(file.slice(LIB_FOLDER.length));
}

/** Short description of a node for diagnostics ("a while loop", "the expression `x ?? y`"). */
export function describe(node: Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return `\`${text.length > 40 ? text.slice(0, 37) + '...' : text}\``;
}

/** A resolved declaration: what an identifier refers to after following imports. */
export type Resolved =
  | { k: 'prelude'; name: string }
  | { k: 'decl'; node: Node }
  | { k: 'none' };

export interface Scope {
  /** `rejected`: a local whose declaration was rejected; its uses stay silent (the problem is reported once) */
  vars: Map<string, { name: string; type: Type; mutable: boolean; rejected?: boolean }>;
  parent?: Scope;
}

/** The name is JavaScript's global (`Math`), not a declaration of the user's that shadows it. */
export function isGlobal(id: Node): boolean {
  const decls = id.getSymbol()?.getDeclarations() ?? [];
  return decls.length > 0 && decls.every((d) => d.getSourceFile().isDeclarationFile() && isStandardLibrary(d.getSourceFile().getFilePath()));
}

/**
 * The value of a numeric literal as JavaScript reads it. (ts-morph's getLiteralValue() reads
 * `1e21` and longer literals as 1, which passed for a small safe integer.)
 */
export function numericValue(lit: import('ts-morph').NumericLiteral): number {
  return Number(lit.getText().replace(/_/g, ''));
}

export function preludeName(d: Node): string | undefined {
  if (Node.isImportSpecifier(d) && fromPrelude(d.getImportDeclaration())) return d.getName();
  return undefined;
}

export function isPreludeNamespace(d: Node): boolean {
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
export const MAX_UNROLLED = 100_000;

export const ARITH: Record<string, BinaryOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|', '^': '^', '<<': '<<', '>>': '>>', '>>>': '>>>' };
export const COMPARE: Record<string, BinaryOp> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '===': '===', '!==': '!==' };
export const COMPOUND: Record<string, BinaryOp> = { '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '&=': '&', '|=': '|', '^=': '^', '<<=': '<<', '>>=': '>>', '>>>=': '>>>' };

/** Literal integers are typed `number` unless a declaration says otherwise. */
export function widen(t: Type): Type {
  return t.k === 'int' ? NUMBER : t;
}
