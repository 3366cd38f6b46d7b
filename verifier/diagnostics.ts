// Diagnostics: a located message about the user's code, the construct, and what to write instead.
// They are a product feature (DESIGN.md): every rejection a user sees goes through here.

import type { Loc } from './ir.ts';
import * as path from 'node:path';

export interface Diagnostic {
  loc: Loc;
  /** What was found, e.g. "a while loop". */
  construct: string;
  /** Why it is rejected and what to write instead. */
  message: string;
}

/** Thrown by the front end and the evaluator when the input cannot be verified as written. */
export class SubsetError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  }
}

export function reject(loc: Loc, construct: string, message: string): never {
  throw new SubsetError([{ loc, construct, message }]);
}

export function formatLoc(loc: Loc, cwd = process.cwd()): string {
  const rel = path.relative(cwd, loc.file);
  return `${rel.startsWith('..') ? loc.file : rel}:${loc.line}:${loc.col}`;
}

export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  return `${formatLoc(d.loc, cwd)}: error: ${d.construct}: ${d.message}`;
}
