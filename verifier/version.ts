// Which pushbutton made a report, and from which sources: written into the `--json` document so
// that `verify merge` can refuse shards of different tools or of different checkouts (docs/ci.md).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { treeHash } from './sources.ts';
import { fileURLToPath } from 'node:url';

const HOME = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** package.json's text (its dependencies' versions too), '' when installed without it. */
function packageJson(): string {
  try {
    return fs.readFileSync(path.join(HOME, 'package.json'), 'utf8');
  } catch {
    return '';
  }
}

/** package.json's version ('0.0.0' when the package was installed without it). */
export function toolVersion(): string {
  try {
    const v = JSON.parse(packageJson()).version;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

let build: string | undefined;
/** The hash of pushbutton's own sources (verifier/, symexec/) and package.json: two tools agree only if it does. */
export function toolBuild(): string {
  build ??= createHash('sha256')
    .update(toolVersion())
    .update(treeHash(path.join(HOME, 'verifier')))
    .update(treeHash(path.join(HOME, 'symexec')))
    .update(packageJson())
    .digest('hex');
  return build;
}
