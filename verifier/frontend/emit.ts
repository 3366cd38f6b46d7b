// Makes the user's spec and implementation runnable for counterexample replay.
//
// Importing the user's .ts files through Node's own resolution depends on their package.json
// ("type"), their node_modules and their tsconfig paths, and a folder with none of these (or a
// CommonJS one) fails in confusing ways. Instead the front end, which has already resolved every
// import with the user's compiler options, transpiles each reachable project file to an ES module
// in a private folder and rewrites its imports: 'pushbutton' to this package's prelude (so values
// such as SMap are the verifier's own classes), project files to their transpiled copies.

import { ts, type Project, type SourceFile } from 'ts-morph';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PRELUDE_FILE } from './project.ts';

const PRELUDE_MODULE = 'pushbutton';

/**
 * Runs `load` with a file URL to import for each requested source file, and removes the files
 * afterwards: an imported module no longer needs them (every caller used to remove them itself,
 * and one that did not left a folder in the temporary folder per run).
 */
export async function withRunnableModules<R>(project: Project, files: string[], load: (urls: Map<string, string>) => Promise<R>): Promise<R> {
  const urls = runnableModules(project, files);
  try {
    return await load(urls);
  } finally {
    for (const dir of new Set([...urls.values()].map((u) => path.dirname(fileURLToPath(u))))) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Returns a file URL to import for each requested source file, in a private folder of its own. */
function runnableModules(project: Project, files: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-replay-'));
  const names = new Map<string, string>();
  const nameOf = (sf: SourceFile) => {
    let n = names.get(sf.getFilePath());
    if (!n) {
      n = `${path.basename(sf.getFilePath()).replace(/\.[cm]?tsx?$/, '')}-${createHash('sha1').update(sf.getFilePath()).digest('hex').slice(0, 8)}.mjs`;
      names.set(sf.getFilePath(), n);
    }
    return n;
  };
  const done = new Set<string>();
  const emit = (sf: SourceFile): void => {
    if (done.has(sf.getFilePath())) return;
    done.add(sf.getFilePath());
    const rewrites = new Map<string, string>();
    for (const decl of [...sf.getImportDeclarations(), ...sf.getExportDeclarations()]) {
      const spec = decl.getModuleSpecifierValue();
      if (!spec) continue;
      if (spec === PRELUDE_MODULE) {
        rewrites.set(spec, pathToFileURL(PRELUDE_FILE).href);
        continue;
      }
      const target = decl.getModuleSpecifierSourceFile();
      if (!target) continue;
      if (target.getFilePath() === PRELUDE_FILE || target.getFilePath().endsWith('/verifier/prelude.ts')) {
        rewrites.set(spec, pathToFileURL(PRELUDE_FILE).href);
      } else if (!target.isInNodeModules() && !target.isDeclarationFile()) {
        emit(target);
        rewrites.set(spec, `./${nameOf(target)}`);
      } else rewrites.set(spec, pathToFileURL(target.getFilePath()).href);
    }
    const js = ts.transpileModule(sf.getFullText(), {
      fileName: sf.getFilePath(),
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false },
    }).outputText;
    const rewritten = js.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\2/g, (m, pre: string, q: string, s: string) => (rewrites.has(s) ? `${pre}${q}${rewrites.get(s)}${q}` : m));
    fs.writeFileSync(path.join(dir, nameOf(sf)), rewritten);
  };
  for (const f of files) {
    const sf = project.getSourceFileOrThrow(f);
    emit(sf);
    out.set(f, pathToFileURL(path.join(dir, nameOf(sf))).href);
  }
  return out;
}
