// Loads a user's project with ts-morph: their tsconfig.json when there is one, defaults otherwise.

import { Project, ts } from 'ts-morph';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SubsetError, type Diagnostic } from '../diagnostics.ts';
import { present, unreadable } from './files.ts';

// the rest of the verifier names the front end's project type through here: ts-morph is imported
// only under verifier/frontend/ (biome.jsonc, docs/architecture.md)
export type { Project };

/** Where the prelude lives, so `'pushbutton'` resolves even in a folder without node_modules. */
export const PRELUDE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'prelude.ts');

const preludeText = fs.readFileSync(PRELUDE_FILE, 'utf8');
const preludeChecked = new Map<string, boolean>();

/**
 * Whether `file` is pushbutton's prelude: this very file, or a copy with the same text (a project
 * that installed pushbutton has its own copy). Never by the name alone (red-team round 7, t16: a
 * tsconfig `paths` entry mapping 'pushbutton' to the user's module, or the user's own
 * verifier/prelude.ts, was given the prelude's meaning, while the real run used the user's code).
 */
export function isPreludeFile(file: string): boolean {
  let yes = preludeChecked.get(file);
  if (yes === undefined) {
    try {
      yes = path.resolve(file) === PRELUDE_FILE || fs.realpathSync(file) === fs.realpathSync(PRELUDE_FILE) || fs.readFileSync(file, 'utf8') === preludeText;
    } catch {
      yes = false;
    }
    preludeChecked.set(file, yes);
  }
  return yes;
}

const DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  allowImportingTsExtensions: true,
};

/** The configuration files each project was loaded with (tsconfig.json and what it extends). */
const configFiles = new WeakMap<Project, string[]>();
/**
 * Where reading the configuration looked for a file, and whether one was there: an `extends` of a
 * package walks node_modules folders, and a copy installed nearer later means another
 * configuration (red-team round 9, v06). For the proof cache's record (lookups.ts).
 */
const configLookups = new WeakMap<Project, Map<string, boolean>>();

/** The file lookups reading the project's configuration made, each with its answer. */
export function configFileLookups(project: Project): Map<string, boolean> {
  return configLookups.get(project) ?? new Map();
}

/** The folder each project was loaded from (the user's run starts there, and tsx reads its tsconfig.json). */
const roots = new WeakMap<Project, string>();

export function projectRoot(project: Project): string {
  return roots.get(project) ?? process.cwd();
}

export function loadProject(root: string): Project {
  const tsconfig = path.join(root, 'tsconfig.json');
  const read: string[] = [];
  const looked = new Map<string, boolean>();
  // present, not existsSync: a dangling link or a link loop named tsconfig.json is an error, not "no tsconfig"
  const user = present(tsconfig) ? configOptions(tsconfig, root, read, looked) : DEFAULTS;
  const options: ts.CompilerOptions = {
    ...user,
    noEmit: true,
    // no ambient type packages: the lowering resolves only the user's own declarations, and
    // `process` or `console` in a model is an error (typecheck.ts) rather than a silent no-op
    types: [],
    // The checker (typecheck.ts) needs the standard library (Array, Math...), but not the DOM that
    // a target's default library brings (1.5 MB more to parse per project, and nothing a model uses).
    lib: user.lib ?? [languageLib(user.target)],
    skipLibCheck: true,
  };
  const project = new Project({ compilerOptions: options });
  shareLibraryFiles(project);
  const opts = project.getCompilerOptions();
  // When 'pushbutton' is not resolvable from the project (no node_modules link, no paths entry),
  // map it to this package's prelude: the front end recognises prelude names by that module.
  // (No baseUrl with it: TypeScript 6 deprecates it, an error, and an absolute path needs none.)
  if (!opts.paths?.['pushbutton']) {
    project.compilerOptions.set({ paths: { ...(opts.paths ?? {}), pushbutton: [PRELUDE_FILE] } });
    preludeMapped.set(project, opts);
  }
  configFiles.set(project, read);
  roots.set(project, path.resolve(root));
  configLookups.set(project, looked);
  return project;
}

/** Where ts-morph serves TypeScript's standard library from (@ts-morph/common's libFolderInMemoryPath). */
export const LIB_FOLDER = '/node_modules/typescript/lib/';
/** The standard library's files as parsed, by target and file name (see shareLibraryFiles). */
const libraryFiles = new Map<string, ts.SourceFile>();

interface DocumentRegistry {
  createOrUpdateSourceFile(fileName: string, settings: ts.CompilerOptions, snapshot: ts.IScriptSnapshot, kind?: ts.ScriptKind): ts.SourceFile;
}

/**
 * Each project parsed TypeScript's standard library anew: about 0.4 s of CPU, most of loading a
 * small project, paid again by every project a process loads (`--watch` after each change, a test
 * suite's in-process runs). Its files are the same text every time, so they are parsed once per
 * process and target and shared, as TypeScript's own language service shares them between projects
 * (a program's checker keeps what it learns of a file apart, per program). Through ts-morph's
 * document registry (not public API: where it is not there, every project parses its own).
 */
function shareLibraryFiles(project: Project): void {
  const context = (project as unknown as { _context?: { compilerFactory?: { documentRegistry?: DocumentRegistry } } })._context;
  const registry = context?.compilerFactory?.documentRegistry;
  if (!registry || typeof registry.createOrUpdateSourceFile !== 'function') return;
  const own = registry.createOrUpdateSourceFile.bind(registry);
  registry.createOrUpdateSourceFile = (fileName, settings, snapshot, kind) => {
    if (!fileName.startsWith(LIB_FOLDER)) return own(fileName, settings, snapshot, kind);
    const key = `${settings.target}|${fileName}`;
    const text = snapshot.getText(0, snapshot.getLength());
    let file = libraryFiles.get(key);
    if (!file || file.text !== text) libraryFiles.set(key, (file = own(fileName, settings, snapshot, kind)));
    return file;
  };
}

/**
 * Projects where 'pushbutton' was mapped to this package's prelude above, with the options as the
 * user's configuration gave them: where the user's own resolution finds a 'pushbutton' (a copy in
 * node_modules), the run loads that one, and the gate compares (typecheck.ts, red-team round 8 u24).
 */
const preludeMapped = new WeakMap<Project, ts.CompilerOptions>();

/** The user's own compiler options when 'pushbutton' was mapped to the prelude (see preludeMapped). */
export function unmappedOptions(project: Project): ts.CompilerOptions | undefined {
  return preludeMapped.get(project);
}

/**
 * Every file the project's program consists of once its subsystems are lowered: the sources, what
 * they import (wherever module resolution found it, links followed), and the configuration;
 * TypeScript's own libraries left out; each with the text that was parsed (none for the
 * configuration). What a cached verdict must be checked against (sources.ts).
 */
export function programFiles(project: Project): Map<string, string | undefined> {
  const program = project.getProgram().compilerObject;
  const files = new Map<string, string | undefined>(program.getSourceFiles().filter((f) => !program.isSourceFileDefaultLibrary(f)).map((f) => [path.resolve(f.fileName), f.text]));
  for (const f of configFiles.get(project) ?? []) if (!files.has(f)) files.set(f, undefined);
  return files;
}

/** The target's standard library without the DOM: lib.es2022.d.ts for ES2022 (whose default is lib.es2022.full.d.ts). */
function languageLib(target: ts.ScriptTarget | undefined): string {
  const lib = ts.getDefaultLibFileName({ target: target ?? ts.ScriptTarget.ES2022 });
  return lib === 'lib.d.ts' ? 'lib.es5.d.ts' : lib.replace('.full.d.ts', '.d.ts');
}

/**
 * The compiler options of the project's tsconfig.json (and what it extends), parsed by TypeScript;
 * every problem TypeScript finds in it is a diagnostic located in that file. Each file it reads is
 * checked first (files.ts): a FIFO named tsconfig.json must not hang the verifier.
 */
function configOptions(file: string, root: string, read: string[], looked: Map<string, boolean>): ts.CompilerOptions {
  const at = (f: string, line = 1, col = 1): Diagnostic['loc'] => ({ file: f, line, col });
  const why = unreadable(file);
  if (why) throw new SubsetError([{ loc: at(file), construct: 'the project configuration tsconfig.json', message: `it is ${why}: write a JSON file there, or remove it to use the defaults` }]);
  const found: ts.Diagnostic[] = [];
  const host: ts.ParseConfigFileHost = {
    useCaseSensitiveFileNames: true,
    // the files it lists do not matter (the verifier loads the ones it verifies): no folder walk
    readDirectory: () => [],
    fileExists: (f) => {
      const there = unreadable(f) === undefined;
      if (!looked.has(path.resolve(root, f))) looked.set(path.resolve(root, f), there);
      return there;
    },
    readFile: (f) => {
      read.push(path.resolve(root, f));
      return unreadable(f) === undefined ? fs.readFileSync(f, 'utf8') : undefined;
    },
    getCurrentDirectory: () => root,
    onUnRecoverableConfigFileDiagnostic: (d) => found.push(d),
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(file, undefined, host);
  // 18003: "No inputs were found": the folder walk is skipped on purpose
  // its JSON syntax errors come with the parsed file, the rest (unknown options, bad values) in errors
  const errors = [...found, ...(parsed ? ts.getConfigFileParsingDiagnostics(parsed) : [])].filter((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003);
  if (!parsed && errors.length === 0) throw new SubsetError([{ loc: at(file), construct: 'the project configuration tsconfig.json', message: 'TypeScript could not read it' }]);
  if (errors.length || !parsed) {
    errors.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
    throw new SubsetError(
      errors.map((d) => {
        const f = d.file?.fileName ?? file;
        const lc = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        return { loc: at(path.resolve(f), (lc?.line ?? 0) + 1, (lc?.character ?? 0) + 1), construct: `the project configuration ${path.basename(f)}`, message: `${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (TS${d.code})` };
      }),
    );
  }
  return parsed.options;
}
