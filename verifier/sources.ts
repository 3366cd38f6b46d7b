// What a verdict was computed from, so that a stored verdict is used again only for the same
// sources: the proof cache's whole-subsystem entries (cache.ts) and `verify merge`'s check that
// its shards verified one checkout (cli.ts, merge.ts).
//
// A folder walk alone is not enough (red-team round 7, t01-t03, t15): a program may import files
// outside the project folder, or be reached through symbolic links, and an edit there changed no
// key, so a cached "proved" survived a bug. So a verdict also records the files its program
// consisted of (the front end's list, after module resolution, links followed), each with its
// contents' hash and its folder's listing (a new file there can change what an import
// resolves to), and is trusted only while every one of them is unchanged.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

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
 * folder's names. Paths under the project folder are relative to it (two checkouts of one
 * repository in different places record the same), others absolute.
 */
export type SourceRecord = Record<string, string>;

const keyOf = (root: string, f: string) => {
  const rel = path.relative(root, f);
  return rel.startsWith('..') || path.isAbsolute(rel) ? f : rel.split(path.sep).join('/');
};

/**
 * Records `files` (absolute paths, as the front end resolved them), each with the text the front
 * end lowered when it is given (an edit saved during the run must not be recorded as verified),
 * else as the file is now.
 */
export function recordSources(root: string, files: Map<string, string | undefined>): SourceRecord {
  const out: SourceRecord = {};
  for (const [f, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[keyOf(root, f)] = text === undefined ? contentHash(f) : sha256(Buffer.from(text, 'utf8'));
    out[`dir:${keyOf(root, path.dirname(f))}`] ??= listingHash(path.dirname(f));
  }
  return out;
}

/** Whether every file and folder of the record is as it was recorded. */
export function unchanged(root: string, rec: SourceRecord): boolean {
  const at = (k: string) => path.resolve(root, k);
  return Object.entries(rec).every(([k, h]) => (k.startsWith('dir:') ? listingHash(at(k.slice(4))) : contentHash(at(k))) === h);
}

/** One hash for the tree under `root` and the recorded files (`verify merge`'s "same sources"). */
export function sourcesHash(root: string, rec: SourceRecord): string {
  return sha256(JSON.stringify({ tree: treeHash(root), files: Object.entries(rec).sort(([a], [b]) => (a < b ? -1 : 1)) }));
}
