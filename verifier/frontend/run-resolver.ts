// The child process of run-resolution.ts: asks the run's own module resolution (Node, with tsx's
// hooks registered by `--import`) where each import goes, without loading any of the user's code.
//
// stdin: a JSON array of { from, spec }; stdout: a JSON array, in the same order, of { file } (the
// path the run loads), { url } (a URL that is no file) or { error } (the run finds nothing).

import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Ask {
  from: string;
  spec: string;
}

/**
 * Whether Node loads `file` as an ES module (its `import`s resolved by the ESM resolver, with
 * tsx's resolve hook) or as CommonJS (tsx compiles it, and its imports become `require` calls,
 * resolved by tsx's patched require): by extension, else by the nearest package.json's "type".
 */
function isEsModule(file: string): boolean {
  if (/\.m[jt]s$/.test(file)) return true;
  if (/\.c[jt]s$/.test(file)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    // Node's package scope ends at a node_modules folder: above it is another package
    if (path.basename(dir) === 'node_modules') return false;
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
    if (path.dirname(dir) === dir) return false;
  }
}

/** import.meta.resolve with a parent: `--experimental-import-meta-resolve` in Node 20 */
const resolveFrom = import.meta.resolve as unknown as (spec: string, parent: string) => string;

function where({ from, spec }: Ask): { file?: string; url?: string; error?: string } {
  try {
    // Node runs a module from its real path (symbolic links resolved), and resolves from there
    const real = fs.realpathSync(from);
    let file: string;
    if (isEsModule(real)) {
      const url = resolveFrom(spec, pathToFileURL(real).href);
      if (!url.startsWith('file:')) return { url };
      file = fileURLToPath(url.replace(/[?#].*$/, ''));
    } else {
      file = createRequire(real).resolve(spec);
      if (!path.isAbsolute(file)) return { url: file };
    }
    // import.meta.resolve names a file without looking for it: loading it would fail
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? { file } : { error: `no file ${file}` };
  } catch (e) {
    return { error: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
  }
}

const asks = JSON.parse(fs.readFileSync(0, 'utf8')) as Ask[];
process.stdout.write(JSON.stringify(asks.map(where)));
