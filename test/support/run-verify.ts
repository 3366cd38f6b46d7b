// Runs `node bin/verify.mjs ...` as a user would, for the tests of the CI reports and of sharding.
// verify(): the proof cache is off (PUSHBUTTON_CACHE=off), each run solves what its test checks.
// verifyShared(): with the suite run's proof cache (test/support/shared-cache.ts), for runs whose
// subject is not the solving (a report's format, a rerun command, a merge): what another test of
// the run proved is not solved again, and a refutation from it is replayed anew.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'verify.mjs');
export const SPAWN_TIMEOUT = 180_000;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function verify(cwd: string, ...args: string[]): Promise<Run> {
  return spawnVerify(cwd, args, 'off');
}

/** `verify ARGS --cache DIR` with the suite run's proof cache (a verify command, not merge or init). */
export function verifyShared(cwd: string, ...args: string[]): Promise<Run> {
  return spawnVerify(cwd, [...args, '--cache', sharedCache()], '');
}

/** The suite run's proof cache folder (test/support/shared-cache.ts). */
export function sharedCache(): string {
  const dir = inject('proofCache');
  if (!dir) throw new Error('no proofCache: vitest.config.ts names test/support/shared-cache.ts as globalSetup');
  return dir;
}

function spawnVerify(cwd: string, args: string[], cache: string): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, PUSHBUTTON_DEBUG: '', PUSHBUTTON_CACHE: cache, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export const both = (r: Run) => `${r.stdout}\n${r.stderr}`;
