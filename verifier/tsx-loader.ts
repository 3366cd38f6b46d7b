// How the verifier's child processes (solver workers, the sandbox) run TypeScript.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * tsx as a `--import` URL, resolved from this package, not from the cwd as a bare `--import tsx`
 * would be: a child must run TypeScript whatever runner started the parent (tsx, vitest, ...)
 * and whatever folder the user runs `verify` in.
 */
export function tsxLoaderUrl(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}
