// Scratch projects for the tests that install pushbutton as a user would (test/install.test.ts,
// test/init.test.ts): this repository packed with `npm pack` (so exactly what package.json's
// `files` ships), a loopback registry holding the packages of this repository's node_modules
// (registry.ts), and npm run with its own cache, global prefix and configuration in a temporary
// folder, so that nothing outside that folder is read or written and nothing leaves the machine.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packClosure, startRegistry, type Registry } from './registry.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command and collects its output (asynchronously: the registry answers from this process). */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The output of a run, for a failed expectation's message. */
export const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export interface Workshop {
  /** The temporary folder everything lives in. */
  dir: string;
  /** pushbutton as `npm pack` made it. */
  tarball: string;
  registry: Registry;
  /** The environment for npm, npx and what they start. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Packs pushbutton, starts the registry, and sets up npm's environment; `close` removes it all. */
export async function openWorkshop(prefix: string): Promise<Workshop> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  try {
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', dir], REPO, { ...process.env });
    if (packed.code !== 0) throw new Error(`npm pack failed: ${shown(packed)}`);
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop() as string);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const registry = await startRegistry(packClosure(REPO, [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)], path.join(dir, 'registry')));
    fs.writeFileSync(path.join(dir, 'npmrc'), '');
    fs.writeFileSync(path.join(dir, 'npmrc-global'), '');
    // the test runner's own variables stay out of the projects' commands (a nested vitest reads them)
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('npm_')));
    Object.assign(env, {
      npm_config_registry: registry.url,
      npm_config_cache: path.join(dir, 'npm-cache'),
      npm_config_prefix: path.join(dir, 'npm-global'),
      npm_config_userconfig: path.join(dir, 'npmrc'),
      npm_config_globalconfig: path.join(dir, 'npmrc-global'),
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error',
      NO_COLOR: '1',
    });
    return {
      dir,
      tarball,
      registry,
      env,
      close: async () => {
        await registry.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A user's project holding examples/counter as spec/counter.ts + impl/counter.ts, with a tsconfig. */
export function counterProject(dir: string, name = 'scratch'): string {
  fs.mkdirSync(path.join(dir, 'spec'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'impl'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'examples', 'counter', 'spec.ts'), path.join(dir, 'spec', 'counter.ts'));
  const impl = fs.readFileSync(path.join(REPO, 'examples', 'counter', 'impl.ts'), 'utf8').replaceAll("from './spec'", "from '../spec/counter'");
  if (!impl.includes("'../spec/counter'")) throw new Error('examples/counter/impl.ts no longer imports ./spec');
  fs.writeFileSync(path.join(dir, 'impl', 'counter.ts'), impl);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' }, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, types: [] }, include: ['spec', 'impl'] }, null, 2),
  );
  return dir;
}

/** TypeScript's own check of a project (this repository's tsc): 'pushbutton' must resolve through node_modules. */
export function typecheck(dir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return run(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir, env);
}
