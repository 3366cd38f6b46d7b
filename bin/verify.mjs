#!/usr/bin/env node
// The `verify` bin. The toolchain and the user's specs are TypeScript, run directly through tsx
// (no build step), so a fresh clone or an `npm install`ed copy works as it is.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// pushbutton's own dependencies are resolved from where this file really is (Node follows links):
// an installed copy's node_modules, or, for a linked folder (`npm install PATH`, `npm link`), the
// folder's own node_modules, which npm does not fill for a link: say so instead of a stack trace.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  const home = fileURLToPath(new URL('..', import.meta.url));
  console.error(`verify: pushbutton's dependencies are not installed in ${home} (${e.message.split('\n')[0]})
  a linked folder (npm install PATH, npm link, a workspace) uses its own node_modules: run \`npm install\` there,
  or install a copy instead: npm install --save-dev --install-links PATH (or the tarball of \`npm pack\`)`);
  process.exit(2);
}

// tsx compiles the verifier's own code with the tsconfig.json of the current folder: the user's,
// which may be anything (a FIFO there blocked tsx's read of it forever, before any of our checks).
// The verifier's own tsconfig instead, here and in the worker processes, which inherit the variable.
// (The user's own setting, if any, is kept for the child that resolves imports as the user's run
// would: verifier/frontend/run-resolution.ts.)
const ownConfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
if (process.env.PUSHBUTTON_RUN_TSCONFIG === undefined) process.env.PUSHBUTTON_RUN_TSCONFIG = process.env.TSX_TSCONFIG_PATH ?? '';
if (existsSync(ownConfig)) process.env.TSX_TSCONFIG_PATH = ownConfig;
register(existsSync(ownConfig) ? {} : { tsconfig: false });
// `verify ... | head` closes the pipe early: stop quietly instead of a stack trace
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('../verifier/cli.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(`verify: internal error (a pushbutton bug, please report it): ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.PUSHBUTTON_DEBUG) console.error(e);
  process.exitCode = 2;
}
