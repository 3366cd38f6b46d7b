// The lookups behind a program's module resolution, for the proof cache (verifier/sources.ts).

import { ts } from 'ts-morph';
import * as path from 'node:path';
import { type Project, configFileLookups } from './project.ts';

/**
 * What module resolution asked of the file system for every import of the program, and what it
 * was told: is this a file, a folder, this file's text (package.json), where does this link lead.
 * The failed lookups matter as much as the found files (red-team round 8, u04: `'./helper'`
 * resolved to helper/index.ts because helper.ts did not exist; once it does, the import means
 * another file). Each import is resolved again here, with the program's options and file system,
 * recording every question; `stale` when that resolution no longer finds what the program found
 * (the files changed during the run). Covers tsconfig `paths` fallbacks, package.json
 * `imports`/`exports` and node_modules walks: they are all this one resolution.
 */
export interface Lookup {
  kind: 'file' | 'folder' | 'text' | 'real' | 'stale';
  path: string;
  answer: boolean | string | undefined;
}

export function resolutionLookups(project: Project): Lookup[] {
  const program = project.getProgram().compilerObject;
  const options = program.getCompilerOptions();
  const host = project.getModuleResolutionHost();
  const seen = new Map<string, Lookup>();
  // the first answer is the one the resolution went on
  const ask = <T extends boolean | string | undefined>(kind: Lookup['kind'], p: string, answer: () => T): T => {
    const k = `${kind}:${path.resolve(p)}`;
    if (!seen.has(k)) seen.set(k, { kind, path: path.resolve(p), answer: answer() });
    return seen.get(k)!.answer as T;
  };
  const recording: ts.ModuleResolutionHost = {
    fileExists: (f) => ask('file', f, () => host.fileExists(f)),
    directoryExists: (d) => ask('folder', d, () => host.directoryExists?.(d) ?? true),
    readFile: (f) => ask('text', f, () => host.readFile(f)),
    realpath: (f) => ask('real', f, () => host.realpath?.(f) ?? f),
    getCurrentDirectory: () => host.getCurrentDirectory?.() ?? process.cwd(),
    getDirectories: (d) => host.getDirectories?.(d) ?? [],
  };
  // what the program resolved each import to (TypeScript keeps it; not in its public types)
  const byProgram = program as unknown as { getResolvedModule?: (f: ts.SourceFile, name: string, mode: ts.ResolutionMode) => { resolvedModule?: { resolvedFileName: string } } | undefined };
  for (const f of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(f)) continue;
    // the import string literals TypeScript collected (import, export from, import(), require,
    // import types; not in its public types either): without them nothing can be checked, and an
    // entry recorded so is never trusted
    const imports = (f as unknown as { imports?: readonly ts.StringLiteralLike[] }).imports;
    if (!Array.isArray(imports)) seen.set(`stale:${f.fileName}`, { kind: 'stale', path: f.fileName, answer: undefined });
    for (const lit of imports ?? []) {
      const mode = program.getModeForUsageLocation(f, lit);
      let found: string | undefined;
      try {
        found = ts.resolveModuleName(lit.text, f.fileName, options, recording, undefined, undefined, mode).resolvedModule?.resolvedFileName;
      } catch {
        seen.set(`stale:${f.fileName}`, { kind: 'stale', path: f.fileName, answer: lit.text });
        continue;
      }
      const before = byProgram.getResolvedModule?.(f, lit.text, mode)?.resolvedModule?.resolvedFileName;
      if (byProgram.getResolvedModule && (found && path.resolve(found)) !== (before && path.resolve(before))) seen.set(`stale:${f.fileName}`, { kind: 'stale', path: f.fileName, answer: lit.text });
    }
  }
  // and what reading the configuration looked for (an `extends` of a package: round 9, v06)
  for (const [p, there] of configFileLookups(project)) if (!seen.has(`file:${p}`)) seen.set(`file:${p}`, { kind: 'file', path: p, answer: there });
  return [...seen.values()];
}
