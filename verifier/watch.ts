// `verify --watch`: waits for saved changes to the project's TypeScript sources and hands each
// batch of changed files to the command, which verifies again. What is re-proved is decided by the
// proof cache (verifier/cache.ts): a subsystem whose files did not change comes back whole from it,
// and in one that did, only the goals whose query changed are asked again.
//
// Besides the project folder, the files the last runs' programs read are watched (the record the
// proof cache checks, sources.ts): an imported helper outside the folder, or a folder where a new
// file would win an import. Red-team round 8, u05: only the root was watched, and an edit to a
// helper outside it left "proved" on the screen while the real run disagreed. Which file an import
// loads is the run's resolver's answer (frontend/run-resolution.ts), which reads more than the
// program's files: any file it could load counts as a change, and the folders above the project
// and above what it read are watched for a package.json (its "type" makes the modules below ES
// modules), a tsconfig.json and a node_modules folder (red-team round 17, w01 w02 w03).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isFolder, listFolder } from './frontend/files.ts';
import { changedEntries, recordedPaths, type SourceRecord } from './sources.ts';

/** Folders whose changes never affect a verdict (and that change often: the cache itself). */
const IGNORED = new Set(['node_modules', '.git', '.pushbutton']);

/** Editors save in bursts (write, rename, chmod): changes closer than this are one batch. */
const SETTLE_MS = 150;

export interface Watcher {
  /** Resolves with the files changed since the last call (relative to the root), once some have. */
  next(): Promise<string[]>;
  close(): void;
}

/** Whether `p`, inside `root`, lies under a folder the deep watch skips (IGNORED). */
function ignoredUnder(root: string, p: string): boolean {
  return path.relative(root, p).split(path.sep).some((part) => IGNORED.has(part));
}

/**
 * A file the run may load for an import, or that decides which one it loads: TypeScript,
 * JavaScript (a new `h.js` beside `h/index.ts` wins `./h` at run time), JSON (package.json's
 * "type", "exports", "main"; tsconfig.json's "paths", which tsx reads). Red-team round 17, w02
 * w03: only `.ts` names counted, and a new `h.js` or `h.tsx` left "proved" on the screen.
 */
const LOADABLE = /\.(?:[cm]?[jt]sx?|json)$/;
/** What decides how a module's imports resolve, in a folder above it: its package scope ("type"), tsx's tsconfig, packages. */
const ABOVE = new Set(['package.json', 'tsconfig.json', 'node_modules']);

/** Whether a change to `rel` (relative to the project root) can change a verdict. */
export function affectsVerdicts(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => IGNORED.has(p))) return false;
  return LOADABLE.test(rel);
}

/**
 * Watches `root` (every folder under it) and, when `sources` is given, what the runs' programs
 * read (the runner's record, read again before each wait): the folder of each recorded file and
 * lookup outside `root`, each alone. Changes are named relative to `root` (`../shared/helper.ts`).
 */
export function watchProject(root: string, sources?: () => SourceRecord, outputs: string[] = []): Watcher {
  // the reports the command writes after each run (--sarif, --junit): their writes are no change
  const written = new Set(outputs.map((f) => path.resolve(f)));
  const pending = new Set<string>();
  // a batch is ready once no change came for SETTLE_MS (changes made during a run wait for next())
  let ready = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const changed = (rel: string) => {
    pending.add(rel);
    ready = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      ready = true;
      wake?.();
    }, SETTLE_MS);
  };
  /** recorded paths the deep watch does not cover (and the missing folders above them): a change to one counts whatever its name */
  const recorded = new Set<string>();
  const inRoot = (p: string) => {
    const rel = path.relative(root, p);
    return !path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`);
  };
  // one watcher per folder (Node's recursive mode on Linux loses a file that an editor replaces by
  // renaming a new one over it; a folder's watcher sees the rename); new folders are added under
  // the root; a folder outside it is watched alone (it may be a large shared one)
  const watchers = new Map<string, fs.FSWatcher>();
  // folders outside the root holding what the programs read (any loadable name counts there), and
  // the folders above those and above the root (only ABOVE's names count: a package.json that
  // makes the modules below ES modules, red-team round 17, w01)
  const holders = new Set<string>();
  const above = new Set<string>();
  // node_modules folders in the project, watched one level deep: a package installed, removed or
  // re-linked there changes what a bare import loads, 'pushbutton' included (red-team round 18b, w03)
  const packages = new Set<string>();
  const counts = (dir: string, deep: boolean, name: string, full: string, rel: string) => {
    if (written.has(full)) return false;
    if (recorded.has(full) || packages.has(dir)) return true;
    // a folder made, moved or renamed (`mv lib2 lib` raises no event for the files inside it) and
    // a node_modules folder (w01, w04)
    if (deep || holders.has(dir)) return affectsVerdicts(rel) || name === 'node_modules' || (!IGNORED.has(name) && isFolder(full));
    return above.has(dir) && ABOVE.has(name);
  };
  const addPackages = (dir: string) => {
    packages.add(dir);
    add(dir, false);
  };
  const add = (dir: string, deep: boolean) => {
    if (watchers.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, (_event, name) => {
        if (!name) return;
        const full = path.join(dir, name.toString());
        const rel = path.relative(root, full);
        if (counts(dir, deep, name.toString(), full, rel)) changed(rel);
        if (deep && isFolder(full) && !IGNORED.has(name.toString())) add(full, true);
        if (deep && name.toString() === 'node_modules' && isFolder(full)) addPackages(full);
      });
    } catch {
      return; // removed meanwhile, or unreadable: nothing of it can be verified either
    }
    w.on('error', () => {
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
    if (deep) {
      for (const name of listFolder(dir)) if (!IGNORED.has(name) && isFolder(path.join(dir, name))) add(path.join(dir, name), true);
      if (isFolder(path.join(dir, 'node_modules'))) addPackages(path.join(dir, 'node_modules'));
    }
  };
  add(root, true);
  /** Watches every folder above `p` (up to the file system's root) for ABOVE's names. */
  const addAbove = (p: string) => {
    for (let dir = path.dirname(p); !above.has(dir); dir = path.dirname(dir)) {
      above.add(dir);
      if (!inRoot(dir) && isFolder(dir)) add(dir, false);
      if (path.dirname(dir) === dir) break;
    }
  };
  addAbove(root);
  // the tsconfig.json the user's tsx reads when they name one (TSX_TSCONFIG_PATH, kept by
  // bin/verify.mjs): its "paths" decide imports wherever it is
  const runConfig = process.env.PUSHBUTTON_RUN_TSCONFIG ? path.resolve(root, process.env.PUSHBUTTON_RUN_TSCONFIG) : undefined;
  if (runConfig && !inRoot(runConfig)) {
    recorded.add(runConfig);
    if (isFolder(path.dirname(runConfig))) add(path.dirname(runConfig), false);
  }
  // entries already reported as changed, with the value they were recorded with: an entry of an
  // earlier run that no later run recorded again is reported once, not before every wait
  const reported = new Map<string, string>();
  const refresh = () => {
    const rec = sources?.();
    if (!rec) return;
    for (const p of recordedPaths(root, rec)) {
      // (inside the root the deep watch sees it, except under the folders it skips: a tsconfig
      // `extends` looked up in the project's node_modules, red-team round 9, v11)
      if (inRoot(p) && !ignoredUnder(root, p)) continue;
      recorded.add(p);
      addAbove(p);
      if (isFolder(p)) add(p, false);
      // a lookup that found nothing may be under folders not made yet (an install): watch the
      // nearest one that exists, and count the making of each folder on the way
      let dir = path.dirname(p);
      for (; !isFolder(dir) && path.dirname(dir) !== dir; dir = path.dirname(dir)) recorded.add(dir);
      holders.add(dir);
      add(dir, false);
    }
    // a change made while the run read the files (before these folders were watched)
    for (const key of changedEntries(root, rec)) {
      if (reported.get(key) === rec[key]) continue;
      reported.set(key, rec[key]);
      changed(path.relative(root, recordedPaths(root, { [key]: '' })[0]));
    }
  };
  return {
    async next() {
      refresh();
      while (!ready) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      ready = false;
      const files = [...pending].sort();
      pending.clear();
      return files;
    },
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
