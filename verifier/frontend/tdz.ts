// The temporal dead zone: where reading a block-scoped variable throws in TypeScript because its
// declaration has not run yet. The lowering's scopes know a local only once it is declared, so
// this asks TypeScript's own binding instead.

import { Node, type VariableDeclaration } from 'ts-morph';

/** A declaration of the module itself, not of a function or block. */
export function isModuleLevel(decl: VariableDeclaration): boolean {
  return Node.isSourceFile(decl.getVariableStatement()?.getParent());
}

/**
 * Whether reading `e` finds the block-scoped variable `d` uninitialised (the temporal dead zone),
 * and where: before its declaration ends (also inside a quantifier's or arr()'s arrow, which runs
 * there and then), or from another case of the switch that declares it (a case is entered
 * without running the others). A module's own functions run after it is loaded: only its
 * initializers can read a module constant too early.
 */
export function readBeforeDeclaration(e: Node, d: VariableDeclaration): string | undefined {
  const list = d.getParent();
  if (!Node.isVariableDeclarationList(list) || list.getDeclarationKind() === 'var' || d.getSourceFile() !== e.getSourceFile()) return undefined;
  if (isModuleLevel(d) && e.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a))) return undefined;
  if (e.getStart() < d.getEnd()) return 'before its declaration';
  const clause = (n: Node) => n.getFirstAncestor((a) => Node.isCaseClause(a) || Node.isDefaultClause(a));
  const home = list.getParent()?.getParent();
  if (home && (Node.isCaseClause(home) || Node.isDefaultClause(home)) && clause(e) !== home) return 'in another case of the switch that declares it';
  return undefined;
}
