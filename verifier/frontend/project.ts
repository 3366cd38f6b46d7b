// Loads a user's project with ts-morph: their tsconfig.json when there is one, defaults otherwise.

import { Project, ts } from 'ts-morph';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the prelude lives, so `'pushbutton'` resolves even in a folder without node_modules. */
export const PRELUDE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'prelude.ts');

export function loadProject(root: string): Project {
  const tsconfig = path.join(root, 'tsconfig.json');
  const base: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    // no ambient type packages: the lowering resolves only the user's own declarations
    types: [],
  };
  const project = fs.existsSync(tsconfig)
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, skipLoadingLibFiles: true, compilerOptions: { noEmit: true, types: [] } })
    : new Project({ compilerOptions: base, skipLoadingLibFiles: true });
  const opts = project.getCompilerOptions();
  // When 'pushbutton' is not resolvable from the project (no node_modules link, no paths entry),
  // map it to this package's prelude: the front end recognises prelude names by that module.
  if (!opts.paths?.['pushbutton']) {
    project.compilerOptions.set({ paths: { ...(opts.paths ?? {}), pushbutton: [PRELUDE_FILE] }, baseUrl: opts.baseUrl ?? root });
  }
  return project;
}
