// Which pushbutton made a report, and from which sources: written into the `--json` document so
// that `verify merge` can refuse shards of different tools or of different checkouts (docs/ci.md).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HOME = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** package.json's version ('0.0.0' when the package was installed without it). */
export function toolVersion(): string {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(HOME, 'package.json'), 'utf8')).version;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Folders never hashed: dependencies, version control, the proof cache and other tools' state. */
const SKIP = (name: string) => name === 'node_modules' || name.startsWith('.');

/**
 * sha256 over the paths and contents of the TypeScript files under `root` (sorted; see SKIP), so
 * that two runs on the same sources agree and an edit anywhere changes it.
 */
export function sourcesHash(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (SKIP(e.name)) continue;
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile() && /\.(ts|mts|cts)$/.test(e.name)) {
        try {
          const text = fs.readFileSync(f);
          h.update(path.relative(root, f).split(path.sep).join('/')).update('\0').update(text).update('\0');
        } catch {
          // unreadable: it cannot have been verified either
        }
      }
    }
  };
  walk(root);
  return h.digest('hex');
}

let build: string | undefined;
/** The hash of pushbutton's own sources (verifier/, symexec/) and version: two tools agree only if it does. */
export function toolBuild(): string {
  build ??= createHash('sha256')
    .update(toolVersion())
    .update(sourcesHash(path.join(HOME, 'verifier')))
    .update(sourcesHash(path.join(HOME, 'symexec')))
    .digest('hex');
  return build;
}
