// What a verdict was computed from, so that a stored verdict is used again only for the same
// sources: the proof cache's whole-subsystem entries (cache.ts) and `verify merge`'s check that
// its shards verified one checkout (cli.ts, merge.ts).
//
// A folder walk alone is not enough (red-team round 7, t01-t03, t15): a program may import files
// outside the project folder, or be reached through symbolic links, and an edit there changed no
// key, so a cached "proved" survived a bug. So a verdict also records the files its program
// consisted of (the front end's list, after module resolution, links followed), each with its
// contents' hash and its folder's listing (a new file there can change what an import
// resolves to), and what module resolution looked up on the way, the lookups that failed
// included (round 8, u04), and is trusted only while every one of them is unchanged.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { resolutionLookups, type Lookup } from './frontend/lookups.ts';
import { programFiles, type Project } from './frontend/project.ts';

/** Source files that can change what a subsystem means: TypeScript and configuration. */
const SOURCE = /\.(ts|mts|cts|json)$/;
/** Folders never walked: dependencies, version control, the proof cache and other tools' state. */
const SKIP = (name: string) => name === 'node_modules' || name.startsWith('.');

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 over the paths and contents of the source files under `root` (sorted; see SKIP), links
 * followed (each real folder once), so that an edit, a new file or a re-pointed link anywhere
 * changes it.
 */
export function treeHash(root: string): string {
  const h = createHash('sha256');
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    let names: string[];
    try {
      real = fs.realpathSync(dir);
      names = fs.readdirSync(dir).sort();
    } catch {
      return;
    }
    if (seen.has(real)) return; // a link loop, or a folder reached twice
    seen.add(real);
    for (const name of names) {
      if (SKIP(name)) continue;
      const f = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.statSync(f); // follows links: what a link points to is what the program reads
      } catch {
        h.update(`${path.relative(root, f)}\0dangling\0`);
        continue;
      }
      if (st.isDirectory()) walk(f);
      else if (st.isFile() && SOURCE.test(name)) {
        h.update(path.relative(root, f).split(path.sep).join('/')).update('\0');
        h.update(contentHash(f)).update('\0');
      }
    }
  };
  walk(root);
  return h.digest('hex');
}

function contentHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return 'unreadable';
  }
}

/** The names in a folder (without SKIP's: the proof cache's own folder appears during a run). */
function listingHash(dir: string): string {
  try {
    return sha256(fs.readdirSync(dir).filter((n) => !SKIP(n)).sort().join('\0'));
  } catch {
    return 'unreadable';
  }
}

/**
 * The files a program consisted of: path → hash of its contents, and `dir:FOLDER` → hash of the
 * folder's names; and what its module resolution asked (lookups.ts): `file:PATH` / `folder:PATH` →
 * `yes` or `no`, `real:PATH` → where a link leads, a text read (package.json) as a file's contents.
 *
 * Paths are relative to the project folder, those outside it too (`../shared/helper.ts`), so that
 * the check reads the current checkout's files: two checkouts of one repository in different
 * places have the same key (cache.ts), and a record with absolute paths made the second checkout
 * be checked against the first one's files (red-team round 8, u14). A path outside the folder is
 * recorded a second time, absolute: a program may reach it by that absolute path (a tsconfig
 * `paths` entry, an absolute import), which in another checkout still names the same file. The
 * check reads both, so whichever the current program reads is covered.
 */
export type SourceRecord = Record<string, string>;

/** How a recorded path is written: relative to the root; outside it, also absolute. */
const keysOf = (root: string, f: string): string[] => {
  const rel = path.relative(root, f);
  if (path.isAbsolute(rel)) return [f]; // another drive
  const k = rel.split(path.sep).join('/');
  return k === '..' || k.startsWith('../') ? [k, f] : [k];
};
/** `p` (absolute) written as the recorded path `like` is: absolute, or relative to the root. */
const writtenAs = (root: string, like: string, p: string) => (path.isAbsolute(like) ? p : path.relative(root, p).split(path.sep).join('/'));

const statOf = (p: string): fs.Stats | undefined => {
  try {
    return fs.statSync(p); // follows links, as module resolution does
  } catch {
    return undefined;
  }
};
const yes = (b: boolean) => (b ? 'yes' : 'no');

/** The current answer for a recorded entry `kind:k` (`k` alone: the contents). */
function current(root: string, kind: string, k: string): string {
  const at = path.resolve(root, k);
  switch (kind) {
    case '':
      return contentHash(at);
    case 'dir':
      return listingHash(at);
    case 'file':
      return yes(statOf(at)?.isFile() ?? false);
    case 'folder':
      return yes(statOf(at)?.isDirectory() ?? false);
    case 'real':
      try {
        return writtenAs(root, k, fs.realpathSync(at));
      } catch {
        return 'unreadable';
      }
    default:
      return 'never'; // `stale`, or a kind this version does not know: never trusted
  }
}

const KINDS = /^(dir|file|folder|real|stale):(.*)$/s;
const split = (key: string): [string, string] => {
  const m = KINDS.exec(key);
  return m ? [m[1], m[2]] : ['', key];
};

/**
 * Records `files` (absolute paths, as the front end resolved them), each with the text the front
 * end lowered when it is given (an edit saved during the run must not be recorded as verified),
 * else as the file is now; and `lookups`, each with the answer module resolution was given.
 */
export function recordSources(root: string, files: Map<string, string | undefined>, lookups: readonly Lookup[] = []): SourceRecord {
  const out: SourceRecord = {};
  for (const [f, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const h = text === undefined ? contentHash(f) : sha256(Buffer.from(text, 'utf8'));
    for (const k of keysOf(root, f)) out[k] = h;
    for (const k of keysOf(root, path.dirname(f))) out[`dir:${k}`] ??= listingHash(path.dirname(f));
  }
  for (const l of lookups) {
    for (const k of keysOf(root, l.path)) {
      if (l.kind === 'text') out[k] ??= typeof l.answer === 'string' ? sha256(Buffer.from(l.answer, 'utf8')) : 'unreadable';
      else if (l.kind === 'file' || l.kind === 'folder') out[`${l.kind}:${k}`] = yes(l.answer === true);
      else if (l.kind === 'real') out[`real:${k}`] = typeof l.answer === 'string' ? writtenAs(root, k, path.resolve(l.answer)) : 'unreadable';
      else out[`stale:${k}`] = 'stale';
    }
  }
  return out;
}

/** The record of a lowered program (run.ts): its files (project.ts) and its lookups (lookups.ts). */
export function recordProgram(root: string, project: Project): SourceRecord {
  return recordSources(root, programFiles(project), resolutionLookups(project));
}

/** The recorded entries whose file or folder is no longer as recorded (their keys). */
export function changedEntries(root: string, rec: SourceRecord): string[] {
  return Object.keys(rec).filter((key) => current(root, ...split(key)) !== rec[key]);
}

/** Whether every file, folder and lookup of the record is as it was recorded. */
export function unchanged(root: string, rec: SourceRecord): boolean {
  return Object.entries(rec).every(([key, h]) => current(root, ...split(key)) === h);
}

/** The absolute path of each recorded entry (each once): what `--watch` watches besides the root. */
export function recordedPaths(root: string, rec: SourceRecord): string[] {
  return [...new Set(Object.keys(rec).map((key) => path.resolve(root, split(key)[1])))];
}

/** One hash for the tree under `root` and the recorded files (`verify merge`'s "same sources"). */
export function sourcesHash(root: string, rec: SourceRecord): string {
  // (the absolute copies of relative entries left out: two checkouts in different places agree)
  const files = Object.entries(rec).filter(([key]) => !path.isAbsolute(split(key)[1]) || keysOf(root, split(key)[1]).length === 1);
  return sha256(JSON.stringify({ tree: treeHash(root), files: files.sort(([a], [b]) => (a < b ? -1 : 1)) }));
}
