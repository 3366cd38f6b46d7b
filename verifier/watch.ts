// `verify --watch`: waits for saved changes to the project's TypeScript sources and hands each
// batch of changed files to the command, which verifies again. What is re-proved is decided by the
// proof cache (verifier/cache.ts): a subsystem whose files did not change comes back whole from it,
// and in one that did, only the goals whose query changed are asked again.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isFolder, listFolder } from './frontend/files.ts';

/** Folders whose changes never affect a verdict (and that change often: the cache itself). */
const IGNORED = new Set(['node_modules', '.git', '.pushbutton']);

/** Editors save in bursts (write, rename, chmod): changes closer than this are one batch. */
const SETTLE_MS = 150;

export interface Watcher {
  /** Resolves with the files changed since the last call (relative to the root), once some have. */
  next(): Promise<string[]>;
  close(): void;
}

/** Whether a change to `rel` (relative to the project root) can change a verdict. */
export function affectsVerdicts(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => IGNORED.has(p))) return false;
  return rel.endsWith('.ts') || path.basename(rel) === 'tsconfig.json' || path.basename(rel) === 'package.json';
}

export function watchProject(root: string): Watcher {
  const pending = new Set<string>();
  // a batch is ready once no change came for SETTLE_MS (changes made during a run wait for next())
  let ready = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const changed = (rel: string) => {
    if (!affectsVerdicts(rel)) return;
    pending.add(rel);
    ready = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      ready = true;
      wake?.();
    }, SETTLE_MS);
  };
  // one watcher per folder (Node's recursive mode on Linux loses a file that an editor replaces by
  // renaming a new one over it; a folder's watcher sees the rename); new folders are added
  const watchers = new Map<string, fs.FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, (_event, name) => {
        if (!name) return;
        const full = path.join(dir, name.toString());
        changed(path.relative(root, full));
        if (isFolder(full) && !IGNORED.has(name.toString())) add(full);
      });
    } catch {
      return; // removed meanwhile, or unreadable: nothing of it can be verified either
    }
    w.on('error', () => {
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
    for (const name of listFolder(dir)) if (!IGNORED.has(name) && isFolder(path.join(dir, name))) add(path.join(dir, name));
  };
  add(root);
  return {
    async next() {
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
