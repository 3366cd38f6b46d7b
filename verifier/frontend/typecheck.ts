// The gate before lowering: the user's files are readable source files, nest no deeper than the
// tools can follow, run no code at module level, and TypeScript accepts them.
//
// TypeScript is the oracle (DESIGN.md): a program it rejects (a duplicated function, a name that
// does not exist, an argument of the wrong type) has no meaning to verify, even when the lowering,
// which does its own typing, would make one up. So the user's files (the spec, the implementation
// and the project files they import; not node_modules, not the prelude) go through TypeScript's
// checker, and each of its errors becomes a located diagnostic. The lowering stays as it is: this
// is an additional gate, not a replacement.
//
// The order matters: the parser, the binder and the checker recurse on the syntax tree, so a deeply
// nested expression overflows the stack in each of them (780 nested parentheses overflow the
// parser; an `if` chain of 3,000 the binder; a 50,000-term sum took the checker four minutes). The
// parse is guarded, and the depth is measured on the parsed tree before anything else walks it.

import { ts, type Project } from 'ts-morph';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SubsetError, type Diagnostic } from '../diagnostics.ts';
import type { Loc } from '../ir.ts';
import { realPath, unreadable } from './files.ts';
import { PRELUDE_FILE, isPreludeFile, unmappedOptions } from './project.ts';
import type { ImportEdge } from './run-resolution.ts';
import { moduleLevelCode } from './load-time.ts';
import { locOfTs } from './syntax.ts';

/**
 * The deepest syntax tree accepted. The shipped models reach 25 (impl/kernel.ts). A model about 190
 * deep goes through TypeScript, the lowering, the evaluator and the solver (test/frontend-robust);
 * TypeScript's parser alone runs out of stack near 780 nested parentheses.
 */
export const MAX_DEPTH = 200;

/** Per project: each user file's TypeScript errors once checked, and the project-wide ones (`''`). */
const checked = new WeakMap<Project, Map<string, Diagnostic[]>>();
/** Per project: the imports of the checked files (that load code), by `from` and specifier. */
const imports = new WeakMap<Project, Map<string, ImportEdge>>();

/** The imports the project's checked files make that load code, each with the file TypeScript read (run-resolution.ts asks the run about them). */
export function importEdges(project: Project): ImportEdge[] {
  return [...(imports.get(project)?.values() ?? [])];
}

/** The lowering, as far as the gate needs it (no import of lower.ts: it is edited on its own). */
interface Lowerer {
  readonly diagnostics: Diagnostic[];
  throwIfRejected(): void;
}

/**
 * Lowers `roots` with `lower` behind the gate. A file that is no source file, nests too deeply or
 * runs code at module level is rejected before any lowering. TypeScript's errors reject the
 * program too; the lowering then still runs, for its own messages, which say what to write in the
 * subset: in a file where it reports something, TypeScript's errors are left out (they are often
 * the same problem seen from its use, and the next run shows any that remain). A crash of the
 * lowering on a program TypeScript rejects is no verifier bug to report: its errors are the answer.
 */
export function lowerChecked<T>(project: Project, roots: string[], lowering: Lowerer, lower: () => T): T {
  const typeErrors = checkSources(project, roots);
  if (typeErrors.length === 0) {
    const out = lower();
    lowering.throwIfRejected();
    return out;
  }
  try {
    lower();
  } catch {
    // the input is invalid TypeScript: whatever the lowering made of it, the errors below stand
  }
  const own = lowering.diagnostics;
  const files = new Set(own.map((d) => d.loc.file));
  throw new SubsetError(sorted([...own, ...typeErrors.filter((d) => !files.has(d.loc.file))]));
}

/**
 * Throws SubsetError when a file of `roots` (or a project file they import) is no readable source
 * file, nests too deeply, or runs code at module level; returns TypeScript's errors in them.
 */
export function checkSources(project: Project, roots: string[]): Diagnostic[] {
  const { fatal, typeErrors } = sourceProblems(project, roots);
  if (fatal.length) throw new SubsetError(sorted(fatal));
  return sorted(typeErrors);
}

function sorted(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const uniq = diags.filter((d) => {
    const k = `${d.loc.file}:${d.loc.line}:${d.loc.col}:${d.message}`;
    return !seen.has(k) && seen.add(k) !== undefined;
  });
  return uniq.sort((a, b) => (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : a.loc.line - b.loc.line || a.loc.col - b.loc.col));
}

function sourceProblems(project: Project, roots: string[]): { fatal: Diagnostic[]; typeErrors: Diagnostic[] } {
  let memo = checked.get(project);
  if (!memo) checked.set(project, (memo = new Map()));
  const fatal: Diagnostic[] = [];
  const edges: ImportEdge[] = [];
  // 1. read and parse every user file, following imports, without reading anything but regular files
  const files: string[] = [];
  const queue = roots.map((f) => ({ file: path.resolve(f), from: undefined as Loc | undefined }));
  const seen = new Set<string>();
  while (queue.length) {
    const { file, from } = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const problem = addGuarded(project, file, from);
    if (problem) {
      fatal.push(problem);
      continue;
    }
    files.push(file);
    const sf = project.getSourceFileOrThrow(file).compilerNode;
    for (const { spec, loc, typeOnly } of moduleSpecifiers(sf)) {
      const target = resolveImport(project, spec, file);
      if (!typeOnly && !target.problem) edges.push({ from: file, spec, loc, file: target.file });
      if (target.file) queue.push({ file: target.file, from: loc });
      // a module the gate does not read runs when this one is loaded (red-team round 8, u02)
      else if (target.problem && !typeOnly) fatal.push({ loc, construct: `the import of '${spec}'`, message: target.problem });
    }
  }
  if (fatal.length) return { fatal, typeErrors: [] };
  // 1b. kept for the run's own resolver (run-resolution.ts), asked before a verdict
  let kept = imports.get(project);
  if (!kept) imports.set(project, (kept = new Map()));
  for (const e of edges) kept.set(`${e.from}\n${e.spec}`, e);
  // 2. what TypeScript accepts but the tools cannot follow, or that would run when the module is loaded
  for (const file of files) {
    if (memo.has(file)) continue;
    const sf = project.getSourceFileOrThrow(file).compilerNode;
    fatal.push(...tooDeep(sf), ...suppressions(sf));
  }
  if (fatal.length) return { fatal, typeErrors: [] };
  // 3. TypeScript's own checker, on the files not checked yet in this project
  let program: ts.Program;
  try {
    program = project.getProgram().compilerObject;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return { fatal: [{ loc: at(files[0]), construct: 'a file nested too deeply', message: 'TypeScript ran out of stack reading the files this one imports: split their deepest expressions' }], typeErrors: [] };
  }
  // 3a. code that would run when a module is loaded (load-time.ts; it asks the checker which values are functions)
  const checker = program.getTypeChecker();
  for (const file of files) {
    const sf = memo.has(file) ? undefined : program.getSourceFile(file);
    if (sf) fatal.push(...moduleLevelCode(sf, checker));
  }
  if (fatal.length) return { fatal, typeErrors: [] };
  const typeErrors: Diagnostic[] = [];
  // problems of the options (and of the standard library) belong to tsconfig.json when there is one
  const config = project.getCompilerOptions().configFilePath;
  if (!memo.has('')) memo.set('', [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].filter(isError).map((d) => fromTs(d, typeof config === 'string' ? path.resolve(config) : files[0])));
  typeErrors.push(...memo.get('')!);
  for (const file of files) {
    let found = memo.get(file);
    if (!found) {
      const sf = program.getSourceFile(file);
      if (!sf) continue;
      try {
        found = [...program.getSyntacticDiagnostics(sf).filter(isError).map((d) => fromTs(d, file, 'a syntax error')), ...program.getSemanticDiagnostics(sf).filter(isError).map((d) => fromTs(d, file))];
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return { fatal: [{ loc: at(file), construct: 'a file nested too deeply', message: 'TypeScript ran out of stack checking it: split its deepest expressions' }], typeErrors: [] };
      }
      memo.set(file, found);
    }
    typeErrors.push(...found);
  }
  return { fatal: [], typeErrors };
}

const at = (file: string, line = 1, col = 1): Loc => ({ file, line, col });
const isError = (d: ts.Diagnostic) => d.category === ts.DiagnosticCategory.Error;

/** A TypeScript diagnostic as ours; syntax errors are named as the lowering names them. */
function fromTs(d: ts.Diagnostic, fallback: string, construct = `a TypeScript error (TS${d.code})`): Diagnostic {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return { loc: at(fallback), construct, message: text };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { loc: at(path.resolve(d.file.fileName), line + 1, character + 1), construct, message: text };
}

/** Adds `file` to the project unless it is there already; a problem when it is no source file or too deep to parse. */
function addGuarded(project: Project, file: string, from: Loc | undefined): Diagnostic | undefined {
  if (project.getSourceFile(file)) return undefined;
  const why = unreadable(file);
  if (why) {
    const loc = from ?? at(file);
    return { loc, construct: from ? `the import of ${file}` : `the source file ${path.basename(file)}`, message: `${from ? 'that file' : 'it'} is ${why}: a TypeScript source file is expected there` };
  }
  try {
    project.addSourceFileAtPath(file);
    return undefined;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const text = fs.readFileSync(file, 'utf8');
    const k = overflowAt(file, text);
    const pos = lineCol(text, k);
    return { loc: at(file, pos.line, pos.col), construct: `nesting deeper than ${MAX_DEPTH}`, message: 'TypeScript cannot even parse nesting this deep: split the expression into local constants or smaller functions' };
  }
}

/**
 * Where the parser runs out of stack: the shortest prefix of the text that it cannot parse. A prefix
 * nests at most as deep as the whole, so the search is a bisection over the prefix length.
 */
function overflowAt(file: string, text: string): number {
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    try {
      ts.createSourceFile(file, text.slice(0, mid), ts.ScriptTarget.ES2022, false);
      lo = mid;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      hi = mid;
    }
  }
  return lo;
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, col: pos - before.lastIndexOf('\n') };
}

/** The module specifiers a file names (imports and re-exports), with where it names them. */
function moduleSpecifiers(sf: ts.SourceFile): { spec: string; loc: Loc; typeOnly: boolean }[] {
  const out: { spec: string; loc: Loc; typeOnly: boolean }[] = [];
  for (const s of sf.statements) {
    let m: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(s)) {
      m = s.moduleSpecifier;
      typeOnly = s.importClause?.isTypeOnly ?? false;
    } else if (ts.isExportDeclaration(s)) {
      m = s.moduleSpecifier;
      typeOnly = s.isTypeOnly;
    } else if (ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference)) {
      m = s.moduleReference.expression;
      typeOnly = s.isTypeOnly;
    }
    if (m && ts.isStringLiteral(m)) out.push({ spec: m.text, loc: locOfTs(sf, m), typeOnly });
  }
  return out;
}

/**
 * What an import loads: a project file the gate reads (`file`); the prelude (neither); or, as a
 * `problem`, code the gate does not read (a package, JavaScript, a declaration file's module) or a
 * file chosen by a condition the run does not share. An import that does not resolve is neither
 * (TypeScript reports it).
 */
function resolveImport(project: Project, spec: string, from: string): { file?: string; problem?: string } {
  const unchecked = (what: string) => ({ problem: `it loads ${what} when this module is loaded, code nothing here checks (it could change what the operations do): import only the project's TypeScript files and 'pushbutton', and types with \`import type\`` });
  const byCondition = (how: string) => ({ problem: `${how} chooses a file by condition, and TypeScript (which the verifier follows) takes the "types" one where the run takes "import" or "default": import the file by its relative path` });
  const options = project.getCompilerOptions();
  // a package's `imports` (#name) or its own `exports` choose a file by condition, and TypeScript
  // asks for "types" where the run asks for "import"/"default" (red-team round 8, u25)
  if (spec.startsWith('#')) return byCondition('a package.json "imports" entry');
  const r = ts.resolveModuleName(spec, from, options, ts.sys).resolvedModule;
  // TypeScript accepts an import it does not resolve only under an ambient `declare module`; the
  // run loads whatever Node finds there (red-team round 9, v02: a data: URL, a query, a package)
  if (!r) return { problem: "TypeScript resolves it to no file (it is accepted through an ambient `declare module`, or not at all), while the run loads whatever Node finds there: import the project's TypeScript files by their paths" };
  const file = path.resolve(r.resolvedFileName);
  if (spec === 'pushbutton' && isPreludeFile(file)) {
    // mapped to this verifier's prelude: the run loads what the user's own resolution finds, if anything
    const own = unmappedOptions(project);
    const theirs = own && ts.resolveModuleName(spec, from, own, ts.sys).resolvedModule;
    if (theirs && !isPreludeFile(path.resolve(theirs.resolvedFileName))) return { problem: `the run loads ${path.resolve(theirs.resolvedFileName)}, another 'pushbutton' than this verifier's prelude (${PRELUDE_FILE}), which it would check against: run the verifier installed in the project (npx verify), or remove that copy` };
    return {};
  }
  if (isPreludeFile(file)) return {};
  const bare = !spec.startsWith('.') && !path.isAbsolute(spec);
  // the file the run loads must be the one TypeScript read (red-team round 10, w21 w26), also
  // where a tsconfig "paths" alias names the path (round 11, w40)
  // (Node resolves a relative import from the module's real path, through symbolic links: round 12)
  const targets = bare ? pathsTargets(spec, options) : [path.resolve(path.dirname(realPath(from) ?? from), spec)];
  const viaPaths = bare && targets.length > 0;
  // (a JavaScript or declaration file TypeScript found is refused below as unchecked code)
  const checkable = /\.[mc]?tsx?$/.test(file) && !/\.d\.[mc]?ts$/.test(file);
  const other = checkable && (!bare || viaPaths) ? notTheRunsFile(targets, file, bare ? targets : [path.resolve(path.dirname(from), spec)]) : undefined;
  if (other) return { problem: `TypeScript reads ${file} for it, chosen by ${other}, while the run (Node, tsx) may load another file: import the file by its own path (\`./name.ts\`), and leave "moduleSuffixes" out of the tsconfig` };
  // through the tsconfig's "baseUrl", which tsx follows too (red-team round 15 said so of the old
  // refusal here): which file the run loads is the run's resolver's answer (run-resolution.ts)
  if (bare && !viaPaths && checkable && options.baseUrl && !path.relative(options.baseUrl, file).startsWith('..') && !file.split(path.sep).includes('node_modules')) return { file };
  if (bare && !viaPaths && !r.isExternalLibraryImport && !file.split(path.sep).includes('node_modules')) return byCondition(`the package's own package.json "exports" (it resolves to ${file})`);
  if (r.isExternalLibraryImport || file.split(path.sep).includes('node_modules')) return unchecked(`the package file ${file}`);
  if (file.endsWith('.d.ts') || /\.d\.[mc]ts$/.test(file)) return unchecked(`the JavaScript behind the declaration file ${file}`);
  if (!/\.[mc]?tsx?$/.test(file)) return unchecked(file);
  return { file };
}

/** Extensions TypeScript adds to (or puts for `.js` in) a relative import, as the run does (tsx). */
const RUN_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];

/** The paths a tsconfig "paths" alias maps a bare import to, in order (none: not an alias). */
function pathsTargets(spec: string, options: ts.CompilerOptions): string[] {
  const base = options.baseUrl ?? (options as { pathsBasePath?: string }).pathsBasePath;
  if (!options.paths || typeof base !== 'string') return [];
  const out: string[] = [];
  for (const [pattern, targets] of Object.entries(options.paths)) {
    const star = pattern.indexOf('*');
    const [head, tail] = star < 0 ? [pattern, ''] : [pattern.slice(0, star), pattern.slice(star + 1)];
    const matches = star < 0 ? spec === pattern : spec.length >= head.length + tail.length && spec.startsWith(head) && spec.endsWith(tail);
    if (!matches) continue;
    const wild = star < 0 ? '' : spec.slice(head.length, spec.length - tail.length);
    for (const t of targets) out.push(path.resolve(base, t.replace('*', wild)));
  }
  return out;
}

/**
 * Why an import's file, as TypeScript resolved it, may not be what the run loads for the path it
 * names (`targets`: the relative path from the importing module's real folder, or a "paths"
 * alias's targets; `lexical`: the same from the folder as TypeScript names it). The run takes the
 * path itself; for `.js`, the same name with a TypeScript extension; for a name without extension,
 * one added, or a folder's index.ts when the folder has no package.json. Files are compared by
 * their real paths. TypeScript also follows symbolic links' names (red-team round 12, x01 x06 x20
 * x22), "moduleSuffixes" (`./adjust` read as adjust.verified.ts), a folder's package.json "types"
 * (where the run takes "main") and, under node10 resolution, `.ts` added after `.js` (x38).
 * Undefined when the file is one of the run's own candidates.
 */
function notTheRunsFile(targets: string[], file: string, lexical: string[]): string | undefined {
  const real = realPath(file) ?? file;
  const candidate = (target: string) => {
    const stem = target.replace(/\.[mc]?jsx?$/, '');
    const names = [target, ...(stem !== target ? RUN_EXTENSIONS.map((e) => stem + e) : [])];
    if (!/\.[mc]?[jt]sx?$/.test(target)) {
      names.push(...RUN_EXTENSIONS.map((e) => target + e));
      if (!fs.existsSync(path.join(target, 'package.json'))) names.push(...RUN_EXTENSIONS.map((e) => path.join(target, `index${e}`)));
    }
    return names.some((n) => realPath(n) === real);
  };
  // a name the run searches (no extension, or a "paths" alias with several targets) may find
  // JavaScript that Node and tsx take before the TypeScript file, where TypeScript skips it
  // (red-team round 13, y02b y02c y02d y03b: lib.js beside lib/index.ts); the run's own resolver,
  // asked before a verdict (run-resolution.ts), tells, where a list of candidates here refused
  // what tsx resolves to the TypeScript file (round 17, p02: re.ts beside re.js)
  if (targets.some(candidate)) return undefined;
  if (lexical.some(candidate)) return `a symbolic link on the way (the run resolves it from the module's real path, ${targets[0]})`;
  const target = targets[0];
  const stem = target.replace(/\.[mc]?jsx?$/, '');
  if (stem !== target && RUN_EXTENSIONS.some((e) => file === target + e)) return 'the tsconfig\'s "moduleResolution" (node10 adds .ts after .js, the run loads the .js)';
  if (path.dirname(file) === path.dirname(target) && path.basename(file).startsWith(path.basename(stem) + '.')) return 'the tsconfig\'s "moduleSuffixes"';
  return fs.existsSync(path.join(target, 'package.json')) ? `the "types" of ${path.join(target, 'package.json')}` : 'a rule of TypeScript\'s module resolution';
}

/** The first node of `sf` deeper than MAX_DEPTH, walked without recursion. */
function tooDeep(sf: ts.SourceFile): Diagnostic[] {
  const stack: [ts.Node, number][] = [[sf, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > MAX_DEPTH) {
      // at the whole expression it is part of (a long sum's deepest node is one of its terms)
      let top = n;
      while (top.parent && isExpressionPart(top.parent)) top = top.parent;
      return [{ loc: locOfTs(sf, top), construct: `nesting deeper than ${MAX_DEPTH}`, message: 'the verifier follows the syntax tree recursively: split the expression into local constants, or the code into smaller functions' }];
    }
    ts.forEachChild(n, (c) => {
      stack.push([c, d + 1]);
    });
  }
  return [];
}

function isExpressionPart(n: ts.Node): boolean {
  return ts.isExpression(n) || ts.isTemplateSpan(n) || ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n) || ts.isSpreadAssignment(n);
}

/**
 * Comments that switch TypeScript's checker off (`@ts-nocheck`, `@ts-ignore`, `@ts-expect-error`):
 * what they hide is an error TypeScript would report, and a program it rejects (a duplicated
 * export that does not load, say) is outside the subset whatever the comment says.
 */
function suppressions(sf: ts.SourceFile): Diagnostic[] {
  // what TypeScript's own parser recorded as directives it will obey (its comment directives are
  // not in the public typings; the `@ts-nocheck` pragma is checkJsDirective)
  const parsed = sf as ts.SourceFile & { commentDirectives?: { range: ts.TextRange; type: number }[]; checkJsDirective?: { enabled: boolean; pos: number } };
  const found = (parsed.commentDirectives ?? []).map((d) => ({ pos: d.range.pos, what: d.type === 0 ? '@ts-expect-error' : '@ts-ignore' }));
  if (parsed.checkJsDirective && !parsed.checkJsDirective.enabled) found.push({ pos: parsed.checkJsDirective.pos, what: '@ts-nocheck' });
  return found.map(({ pos, what }) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    return { loc: at(path.resolve(sf.fileName), line + 1, character + 1), construct: `the comment ${what}`, message: "it silences TypeScript's checker, and a program TypeScript rejects is outside the subset: fix the error it hides instead" };
  });
}
