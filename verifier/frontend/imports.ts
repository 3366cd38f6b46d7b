// Import cycles whose module-level constants read each other.
//
// The verifier inlines a module-level constant wherever it is used, so to it `N` is always its
// value. At run time a constant is initialised when its module runs, and in a cycle of imports
// one module runs first: a constant it reads from a module that has not run yet is in its
// temporal dead zone, and loading throws (ReferenceError). Such a program would be proved while
// its modules cannot even be loaded; it is rejected at the read.

import { Node, SyntaxKind, type SourceFile } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.ts';
import { isPreludeFile } from './project.ts';

function isProjectFile(sf: SourceFile): boolean {
  return !sf.isInNodeModules() && !sf.isDeclarationFile() && !isPreludeFile(sf.getFilePath());
}

/** The project files `sf` imports at run time (type-only imports and re-exports are erased). */
function runtimeImports(sf: SourceFile): SourceFile[] {
  const out: SourceFile[] = [];
  for (const d of sf.getImportDeclarations()) {
    if (d.isTypeOnly()) continue;
    const named = d.getNamedImports();
    const onlyTypes = !d.getDefaultImport() && !d.getNamespaceImport() && named.length > 0 && named.every((n) => n.isTypeOnly());
    const target = d.getModuleSpecifierSourceFile();
    if (!onlyTypes && target && isProjectFile(target)) out.push(target);
  }
  for (const d of sf.getExportDeclarations()) {
    const target = d.getModuleSpecifierSourceFile();
    if (!d.isTypeOnly() && target && isProjectFile(target)) out.push(target);
  }
  return out;
}

/** The files of `roots`' import graph that lie on a cycle, each with the files of its cycle. */
function cycles(roots: SourceFile[]): Map<SourceFile, Set<SourceFile>> {
  // Tarjan's strongly connected components over the run-time import graph
  const index = new Map<SourceFile, number>();
  const low = new Map<SourceFile, number>();
  const stack: SourceFile[] = [];
  const onStack = new Set<SourceFile>();
  const out = new Map<SourceFile, Set<SourceFile>>();
  let next = 0;
  const visit = (v: SourceFile): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    const succ = runtimeImports(v);
    for (const w of succ) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<SourceFile>();
    let w: SourceFile;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    if (scc.size > 1 || succ.includes(v)) for (const f of scc) out.set(f, scc);
  };
  for (const r of roots) if (!index.has(r)) visit(r);
  return out;
}

/** A diagnostic for every read, in a module-level initializer, of a constant imported from the same import cycle. */
export function cyclicConstantReads(roots: SourceFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [sf, scc] of cycles(roots)) {
    for (const vs of sf.getVariableStatements()) {
      for (const decl of vs.getDeclarations()) {
        for (const id of decl.getInitializer()?.getDescendantsOfKind(SyntaxKind.Identifier) ?? []) {
          const imported = id.getSymbol()?.getDeclarations().find((d) => Node.isImportSpecifier(d) || Node.isNamespaceImport(d) || Node.isImportClause(d));
          const from = imported?.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)?.getModuleSpecifierSourceFile();
          if (!from || !scc.has(from)) continue;
          const { line, column } = sf.getLineAndColumnAtPos(id.getStart());
          out.push({
            loc: { file: sf.getFilePath(), line, col: column },
            construct: `the constant ${id.getText()} read at module level from a module that imports this one back`,
            message: 'in a cycle of imports one module runs first, and reading a constant of one that has not run yet throws; move the constant into a module both import',
          });
        }
      }
    }
  }
  return out;
}
