// Makes the user's spec and implementation runnable, for the sandbox (verifier/sandbox/) that runs
// them to replay counterexamples and tests.
//
// Importing the user's .ts files through Node's own resolution depends on their package.json
// ("type"), their node_modules and their tsconfig paths, and a folder with none of these (or a
// CommonJS one) fails in confusing ways. Instead the front end, which has already resolved every
// import with the user's compiler options, transpiles each reachable project file to an ES module
// in a private folder and rewrites its imports: 'pushbutton' to this package's prelude (so values
// such as SMap are the verifier's own classes), project files to their transpiled copies.
//
// Each file carries an inline source map naming the original .ts file, so that a stack trace in
// the sandbox (run with --enable-source-maps) points at the user's own line.

import { ts, type Project, type SourceFile } from 'ts-morph';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { PRELUDE_FILE, isPreludeFile } from './project.ts';
import type { Prepared } from '../sandbox/sandbox.ts';

const PRELUDE_MODULE = 'pushbutton';

export interface RunnableModules {
  /** a file URL to import, by requested source file */
  urls: Map<string, string>;
  /** every emitted file's URL → the source file it was transpiled from (to read stack traces) */
  sources: Map<string, string>;
  /** removes the private folder */
  dispose(): void;
}

export interface EmitOptions {
  /**
   * Names of a file's own functions to export as well, under `__rid_NAME` (verify rid runs
   * helpers that the file does not export).
   */
  exportAlso?: Map<string, string[]>;
}

/**
 * Runs `load` with a file URL to import for each requested source file, and removes the files
 * afterwards: an imported module no longer needs them. It imports in this process, so it is for
 * tests of the toolchain only: the verifier runs user code in the sandbox alone.
 */
export async function withRunnableModules<R>(project: Project, files: string[], load: (urls: Map<string, string>) => Promise<R>): Promise<R> {
  const emitted = emitRunnableModules(project, files);
  try {
    return await load(emitted.urls);
  } finally {
    emitted.dispose();
  }
}

/** The modules for a sandbox (verifier/sandbox/): each source file under its key, imported in this order. */
export function sandboxModules(project: Project, modules: [key: string, file: string][], opts: EmitOptions = {}): Prepared {
  const emitted = emitRunnableModules(project, modules.map(([, f]) => f), opts);
  return { modules: modules.map(([key, file]) => ({ key, file, url: emitted.urls.get(file)! })), sources: emitted.sources, dispose: emitted.dispose };
}

/** Transpiles the requested source files (and the project files they import) into a private folder. */
export function emitRunnableModules(project: Project, files: string[], opts: EmitOptions = {}): RunnableModules {
  const urls = new Map<string, string>();
  const sources = new Map<string, string>();
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
      if (isPreludeFile(target.getFilePath())) {
        rewrites.set(spec, pathToFileURL(PRELUDE_FILE).href);
      } else if (!target.isInNodeModules() && !target.isDeclarationFile()) {
        emit(target);
        rewrites.set(spec, `./${nameOf(target)}`);
      } else rewrites.set(spec, pathToFileURL(target.getFilePath()).href);
    }
    const out = ts.transpileModule(sf.getFullText(), {
      fileName: sf.getFilePath(),
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, inlineSources: false, verbatimModuleSyntax: false },
    }).outputText;
    // the source map comment stays last: the extra exports go before it (they add lines, not columns)
    const mapAt = out.lastIndexOf('\n//# sourceMappingURL=');
    const js = mapAt >= 0 ? out.slice(0, mapAt) : out;
    const map = mapAt >= 0 ? `\n//# sourceMappingURL=data:application/json;base64,${sourceMap(out.slice(mapAt), sf.getFilePath())}` : '';
    const rewritten = js.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\2/g, (m, pre: string, q: string, s: string) => (rewrites.has(s) ? `${pre}${q}${rewrites.get(s)}${q}` : m));
    const extra = (opts.exportAlso?.get(sf.getFilePath()) ?? []).map((n) => `\nexport { ${n} as __rid_${n} };`).join('');
    const file = path.join(dir, nameOf(sf));
    fs.writeFileSync(file, `${rewritten}${extra}${map}`);
    sources.set(pathToFileURL(file).href, sf.getFilePath());
  };
  try {
    for (const f of files) {
      const sf = project.getSourceFileOrThrow(f);
      emit(sf);
      urls.set(f, pathToFileURL(path.join(dir, nameOf(sf))).href);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { urls, sources, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The inline source map, naming the original file by its absolute URL (TypeScript writes its bare name, which would resolve next to the copy). */
function sourceMap(comment: string, file: string): string {
  const map = JSON.parse(Buffer.from(comment.slice(comment.indexOf('base64,') + 'base64,'.length).trim(), 'base64').toString('utf8')) as { sources: string[]; sourceRoot?: string };
  map.sources = [pathToFileURL(file).href];
  map.sourceRoot = '';
  return Buffer.from(JSON.stringify(map)).toString('base64');
}
