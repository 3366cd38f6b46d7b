// The run's own module resolution, asked rather than imitated.
//
// The verifier proves the files TypeScript read; the user's run (Node with tsx) loads the files
// Node's and tsx's resolvers choose. Where the two choose differently for one import, the proof is
// about code that never runs. typecheck.ts refuses the differences it knows (moduleSuffixes, a
// folder's "types", symbolic links, node10's `.js.ts`, JavaScript found first, ...), each found by
// a red-team round after the last was closed: an imitation of a resolver misses the next rule. So
// after those checks every import the gate followed is also resolved by the run's resolver itself,
// in a child process started as the run starts (`--import tsx`, in the project's folder so that
// tsx reads its tsconfig.json), and any import whose two answers are not the same file (by real
// path) is a located error. Nothing of the user's code runs: the child only resolves names.
//
// It is asked before a verdict (verify, verify commute, verify rid: confirmRunLoads), not by the
// gate itself: a child costs about 0.3 s, and loading a project to report its diagnostics needs
// none (test/diagnostics.test.ts loads 248 projects).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Project } from 'ts-morph';
import { SubsetError, type Diagnostic } from '../diagnostics.ts';
import type { Loc } from '../ir.ts';
import { tsxLoaderUrl } from '../tsx-loader.ts';
import { realPath } from './files.ts';
import { isPreludeFile, projectRoot } from './project.ts';
import { importEdges } from './typecheck.ts';

/** One import the gate follows: from which file, the specifier, where, and the file TypeScript read (undefined: the prelude). */
export interface ImportEdge {
  from: string;
  spec: string;
  loc: Loc;
  file: string | undefined;
}

type Answer = { file?: string; url?: string; error?: string };

const CHILD = fileURLToPath(new URL('./run-resolver.ts', import.meta.url));
/** A safety net against a hung child; the child answers in about 0.3 s. */
const TIMEOUT_MS = 60_000;

/** Per project: the imports the run's resolver has confirmed, by `from` and specifier. */
const confirmed = new WeakMap<Project, Set<string>>();

/**
 * Asks the run's resolver about every import of the project's checked files not asked yet, and
 * throws SubsetError when it loads another file for any; returns every import it confirmed (the
 * proof cache keeps them, to ask again on a hit: runResolutionProblems).
 */
export function confirmRunLoads(project: Project): ImportEdge[] {
  let seen = confirmed.get(project);
  if (!seen) confirmed.set(project, (seen = new Set()));
  const all = importEdges(project);
  const key = (e: ImportEdge) => `${e.from}\n${e.spec}`;
  const fresh = all.filter((e) => !seen.has(key(e)));
  const problems = runResolutionProblems(fresh, projectRoot(project));
  if (problems.length) throw new SubsetError(problems);
  for (const e of fresh) seen.add(key(e));
  return all;
}

/** The edges whose file the run does not load, each as a located error; every edge is asked. */
export function runResolutionProblems(edges: ImportEdge[], cwd: string): Diagnostic[] {
  if (edges.length === 0) return [];
  const r = spawnSync(process.execPath, ['--import', tsxLoaderUrl(), '--experimental-import-meta-resolve', '--no-warnings', CHILD], {
    input: JSON.stringify(edges.map(({ from, spec }) => ({ from, spec }))),
    cwd,
    env: runEnv(),
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  let answers: Answer[] | undefined;
  try {
    answers = r.status === 0 ? (JSON.parse(r.stdout) as Answer[]) : undefined;
  } catch {
    answers = undefined;
  }
  if (!answers || answers.length !== edges.length) {
    const why = r.error ? r.error.message : `${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ') || `exit ${r.status ?? r.signal}`;
    return [{ loc: edges[0].loc, construct: `the import of '${edges[0].spec}'`, message: `the verifier could not ask the run's module resolution (Node with tsx) which files these imports load, so it cannot tell that it verifies the files the run loads: ${why}` }];
  }
  const out: Diagnostic[] = [];
  edges.forEach((e, i) => {
    const message = mismatch(e, answers[i]);
    if (message) out.push({ loc: e.loc, construct: `the import of '${e.spec}'`, message });
  });
  return out;
}

/**
 * The environment of the user's run: bin/verify.mjs points tsx at the verifier's own tsconfig.json
 * (TSX_TSCONFIG_PATH) for the verifier's code, and keeps the user's own setting, if any, in
 * PUSHBUTTON_RUN_TSCONFIG; without either, tsx reads the tsconfig.json of the project's folder.
 */
function runEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const theirs = env.PUSHBUTTON_RUN_TSCONFIG;
  if (theirs !== undefined) {
    if (theirs) env.TSX_TSCONFIG_PATH = theirs;
    else delete env.TSX_TSCONFIG_PATH;
  }
  return env;
}

function mismatch(e: ImportEdge, a: Answer): string | undefined {
  if (e.file === undefined) {
    // 'pushbutton' mapped to the prelude where the project cannot resolve it: the run fails to
    // load, it runs nothing else; where it resolves, it must be the prelude's text
    if (a.file === undefined || isPreludeFile(a.file)) return undefined;
    return `the run (Node with tsx) loads ${a.file} for it, not this verifier's prelude: run the verifier installed in the project (npx verify), or remove that copy`;
  }
  if (a.file !== undefined && realPath(a.file) === realPath(e.file)) return undefined;
  const runs = a.file !== undefined ? `loads ${a.file}` : a.url !== undefined ? `loads ${a.url}` : `finds no file for it (${a.error})`;
  return `TypeScript reads ${e.file} for it, while the run (Node with tsx) ${runs}: the proof would be about a file the run does not load; import the project's TypeScript file by its own relative path (\`./name.ts\`)`;
}

