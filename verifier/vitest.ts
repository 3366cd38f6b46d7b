// Proofs as tests (`import { verifies, refutes } from 'pushbutton/vitest'`, docs/writing-specs.md
// "Proofs as tests"): a test of the user's own suite runs `verify` on a selection and fails with
// what `verify` printed (the counterexample, replayed; the reason a goal is unknown; the located
// diagnostic of a rejected input).
//
// `verify` runs as a child process, exactly the command a user types (bin/verify.mjs, with its own
// solver workers and sandbox), not inside the test runner's process: the test runner transforms
// modules its own way, and the verifier's verdicts must not depend on it. The proof cache applies as
// for the command, so a suite re-run after an edit asks again only what the edit changed.
// Nothing here imports vitest: a promise that rejects fails a test in any runner.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/verify.mjs', import.meta.url));

export interface VerifyOptions {
  /** Only operations whose name contains this (or matches a * glob), as `--filter`; 'init' selects the initial-state theorem. */
  filter?: string | string[];
  /** The project folder (default: the current folder, where the test runner was started). */
  root?: string;
  /** More command-line options, e.g. ['--rlimit', '64M'] or ['--no-cache']. */
  args?: string[];
  /** Stops `verify` after this long (default 10 minutes); the verdict is then a failure. */
  timeoutMs?: number;
}

export interface VerifyResult {
  /** `verify`'s exit code: 0 proved, 1 refuted, 2 rejected or unusable, 3 unknown; null when stopped. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command, for messages. */
  command: string;
}

/** Runs `verify SELECTION... [--filter OP]... [args]` and collects what it prints; never throws for a verdict. */
export function runVerify(selection: string | string[] = [], opts: VerifyOptions = {}): Promise<VerifyResult> {
  const sel = typeof selection === 'string' ? [selection] : selection;
  const filters = opts.filter === undefined ? [] : typeof opts.filter === 'string' ? [opts.filter] : opts.filter;
  const argv = [...sel, ...filters.flatMap((f) => ['--filter', f]), '--quiet', ...(opts.args ?? [])];
  const command = `npx verify ${argv.map((a) => (/^[\w./@:=*-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: opts.root ?? process.cwd(), env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, command });
    });
  });
}

const VERDICT: Record<number, string> = { 0: 'proved', 1: 'refuted (a counterexample, replayed)', 2: 'rejected or unusable input', 3: 'unknown (no verdict within the budget)' };

function failure(r: VerifyResult, expected: string): Error {
  const got = r.code === null ? 'stopped before it finished (timeoutMs)' : (VERDICT[r.code] ?? `exit code ${r.code}`);
  const out = [r.stdout.trimEnd(), r.stderr.trimEnd()].filter(Boolean).join('\n');
  return new Error(`${r.command}: expected ${expected}, but it was ${got}\n${out}`);
}

/**
 * Resolves when every selected goal is proved (exit 0); otherwise rejects with `verify`'s report:
 * the replayed counterexample of a refuted goal, the reason of an unknown one, the diagnostic of a
 * rejected input. `selection`: subsystem names, folders or implementation files, as on the command
 * line (none: every subsystem of the project).
 */
export async function verifies(selection: string | string[] = [], opts: VerifyOptions = {}): Promise<VerifyResult> {
  const r = await runVerify(selection, opts);
  if (r.code !== 0) throw failure(r, 'every goal proved');
  return r;
}

/**
 * Resolves when `verify` finds a counterexample (exit 1), confirmed by replay; with `goal`, only
 * when a refuted goal's id contains it (e.g. 'incr#equiv', 'incr#overflow'). Rejects otherwise, with
 * `verify`'s report: for a seeded bug that must stay caught.
 */
export async function refutes(selection: string | string[], opts: VerifyOptions & { goal?: string } = {}): Promise<VerifyResult> {
  const r = await runVerify(selection, opts);
  if (r.code !== 1 || !r.stdout.includes('counterexample (confirmed by')) throw failure(r, 'a counterexample');
  if (opts.goal !== undefined) {
    // the id on the `goal ID · ...` line that closes each refuted goal's report (error[...], not unknown[...])
    const ids: string[] = [];
    let refuted = false;
    for (const line of r.stdout.split('\n')) {
      if (/^\s+(error|unknown)\[/.test(line)) refuted = line.trimStart().startsWith('error[');
      const m = /^\s+goal (\S+) ·/.exec(line);
      if (m && refuted) ids.push(m[1]);
    }
    if (!ids.some((id) => id.includes(opts.goal as string))) throw new Error(`${r.command}: refuted, but no refuted goal's id contains '${opts.goal}' (refuted: ${ids.join(', ') || 'none shown'})\n${r.stdout.trimEnd()}`);
  }
  return r;
}
