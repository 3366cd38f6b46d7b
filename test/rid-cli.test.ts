// `verify rid` as a user runs it: exit codes, the text report, --json, SARIF code flows, and
// located errors for input outside the subset.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin', 'verify.mjs');
const TIMEOUT = 120_000;
vi.setConfig({ testTimeout: TIMEOUT });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function verify(...args: string[]): Promise<Run> {
  return verifyWith({}, ...args);
}

function verifyWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, PUSHBUTTON_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const STACK = '    at ';

/**
 * Runs that serve several tests, each started once (a `verify rid` process costs 2-3 s of CPU,
 * most of it starting Node, tsx and the front end): L1's and P7's fixed functions in one run (a
 * run exits 0 only when both files are clean), the three shipped examples in one run.
 */
const once = <T>(f: () => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
};
const fixedOnes = once(() => verify('rid', 'examples/refcount/L1-pm-get-sync/fixed.ts', 'examples/refcount/P7-return-none-borrowed/fixed.ts'));
const EXAMPLES = ['examples/counter', 'examples/allocator', 'examples/fdtable'];
const examples = once(() => verify('rid', ...EXAMPLES, '--json'));
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-rid-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('verify rid', () => {
  // one run of L1's buggy function for the two tests below (a TMPDIR of its own changes nothing else)
  let l1: Promise<{ r: Run; own: string }> | undefined;
  const buggyL1 = () => {
    l1 ??= (async () => {
      const own = fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
      return { r: await verifyWith({ TMPDIR: own }, 'rid', 'examples/refcount/L1-pm-get-sync/buggy.ts'), own };
    })();
    return l1;
  };

  it('leaves nothing in the temporary folder (the replay\'s transpiled modules are removed once loaded)', async () => {
    const { r, own } = await buggyL1();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('confirmed by replay');
    // (tsx keeps its compile cache there too: not ours)
    expect(fs.readdirSync(own).filter((f) => f.startsWith('pushbutton-'))).toEqual([]);
  });

  it('exits 1 on a buggy function and shows both paths, the counter and a replayed witness', async () => {
    const { r } = await buggyL1();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[rc/ipp] examples/refcount/L1-pm-get-sync/buggy.ts:7:1: read_sensor: dpm(dev) changes by +1 on one path and 0 on another');
    expect(r.stdout).toMatch(/path A: dpm\(dev\) \+1; returns -?\d+ at examples\/refcount\/L1-pm-get-sync\/buggy\.ts:9:16/);
    expect(r.stdout).toMatch(/path B: dpm\(dev\) 0; returns/);
    expect(r.stdout).toContain('witness (confirmed by replay)');
    expect(r.stdout).toMatch(/outcomes: pm_runtime_get_sync\(\)@8 → -\d+/);
  });

  it('exits 0 on the fixed function', async () => {
    const r = await fixedOnes();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ read_sensor\s+clean/);
  });

  it('prints one JSON document with --json and writes SARIF with one code flow per path', async () => {
    const sarif = path.join(tmp, 'rid.sarif');
    const r = await verify('rid', 'examples/refcount/P1-list-append-error/buggy.ts', '--json', '--sarif', sarif);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ tool: 'pushbutton', command: 'rid', exitCode: 1, summary: { functions: 1, bugs: 1, unknown: 0 } });
    const f = doc.findings[0];
    expect(f).toMatchObject({ rule: 'rc/ipp', function: 'append_addr', replay: { confirmed: true } });
    expect(f.counter).toMatch(/^py\(Py_BuildValue\(\)@7:18\)$/);
    expect(f.paths).toHaveLength(2);
    expect(f.paths.map((p: { change: string }) => p.change).sort()).toEqual(['+1', '0']);
    expect(f.paths[0].result).toEqual(f.paths[1].result);
    expect(Object.keys(f.witness.args)).toEqual(['all', 'addr']);
    expect(f.paths[0].lines.length).toBeGreaterThan(1);
    const s = JSON.parse(fs.readFileSync(sarif, 'utf8'));
    expect(s.version).toBe('2.1.0');
    const res = s.runs[0].results[0];
    expect(res.ruleId).toBe('rc/ipp');
    expect(res.codeFlows).toHaveLength(2);
    for (const cf of res.codeFlows) {
      const locs = cf.threadFlows[0].locations;
      expect(locs.length).toBeGreaterThan(1);
      expect(locs[0].location.physicalLocation.artifactLocation.uri).toBe('examples/refcount/P1-list-append-error/buggy.ts');
    }
  });

  it('reports the extra rules under their own names', async () => {
    // one run of both files: each finding in its own file, under its own rule
    const r = await verify('rid', 'examples/refcount/L7-of-put-only-on-success/buggy.ts', 'examples/refcount/L10-find-consumes-from/buggy.ts');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[rc/escape-leak] examples/refcount/L7-of-put-only-on-success/buggy.ts:');
    expect(r.stdout).toContain('error[rc/borrowed-underflow] examples/refcount/L10-find-consumes-from/buggy.ts:');
  });

  it('rejects input outside the subset with file:line:col and exit 2, without a stack trace', async () => {
    const r = await verify('rid', 'test/fixtures/rid/bad-subset.ts');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/rid/bad-subset.ts:6:3: error: a while loop');
    expect(r.stderr + r.stdout).not.toContain(STACK);
  });

  it('skips a function it cannot evaluate (and its callers) with the reason, checks the rest, and exits 3', async () => {
    const r = await verify('rid', 'test/fixtures/rid/skipped.ts');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/✓ fine\s+clean/);
    expect(r.stdout).toContain('not checked: test/fixtures/rid/skipped.ts:5:1: error: the parameter m of type map');
    expect(r.stdout).toMatch(/\? via\s+not checked/);
  });

  it('exits 2 on a missing path or no path', async () => {
    expect((await verify('rid', 'no/such/file.ts')).code).toBe(2);
    expect((await verify('rid')).code).toBe(2);
  });

  it('reports a function cut at the path cap and exits 3 when nothing else is found', async () => {
    const r = await verify('rid', 'test/fixtures/rid/many-paths.ts');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('cap 100 hit');
    const all = await verify('rid', 'test/fixtures/rid/many-paths.ts', '--max-paths', '1000', '--json');
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).functions.find((f: { name: string }) => f.name === 'branches')).toMatchObject({ paths: 256, capHit: false });
  });
});

describe('verify rid: declarations, elements, notes and contracts from the command line', () => {
  it('stops on a contradictory declaration with located errors and exit 2 (also with --json)', async () => {
    const r = await verify('rid', 'test/fixtures/rid/bad-decl');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/rid/bad-decl/decl.ts:12:15: error: the refcount declaration pm_get_weird: on one outcome');
    expect(r.stderr).toContain('test/fixtures/rid/bad-decl/decl.ts:17:1: error: the refcount declaration never: no outcome satisfies its conditions');
    expect(r.stderr + r.stdout).not.toContain(STACK);
    const j = await verify('rid', 'test/fixtures/rid/bad-decl', '--json');
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ command: 'rid', exitCode: 2 });
    expect(JSON.parse(j.stdout).diagnostics).toHaveLength(2);
  });

  it('names the element of an array whose counter differs, in the text and in the JSON', async () => {
    const r = await verify('rid', 'test/fixtures/rid/elements.ts', '--filter', 'use_obj*');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error\[rc\/ipp\] test\/fixtures\/rid\/elements\.ts:31:1: use_obj: t\.objs\[i\]\.refs \(i = \d in the witness\) changes by/);
    expect(r.stdout).toMatch(/replay: both runs return -5; t\.objs\[\d\]\.refs changes by/);
    expect(r.stdout).toMatch(/✓ use_obj_ok\s+clean/);
    const j = JSON.parse((await verify('rid', 'test/fixtures/rid/elements.ts', '--json', '--filter', 'scan')).stdout);
    expect(j.findings.map((f: { counter: string }) => f.counter)).toEqual(['kobj(t.devs[2])']);
  });

  it('lists a branch the declarations make dead as a note, without changing the exit code', async () => {
    const r = await verify('rid', 'test/fixtures/rid/narrow-decl.ts', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).notes).toEqual([expect.objectContaining({ function: 'run', location: 'test/fixtures/rid/narrow-decl.ts:25:3' })]);
  });

  it('reports a borrowed reference returned as new (P7) under rc/return-contract, in SARIF too', async () => {
    const sarif = path.join(tmp, 'p7.sarif');
    const r = await verify('rid', 'examples/refcount/P7-return-none-borrowed/buggy.ts', '--sarif', sarif);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[rc/return-contract] examples/refcount/P7-return-none-borrowed/buggy.ts:10:1: set_flag: documented to return a new reference (@returnsNew py), but it returns the handle 4096');
    expect(r.stdout).toMatch(/replay: the run returns 4096 and changes py of it by 0, not \+1/);
    const s = JSON.parse(fs.readFileSync(sarif, 'utf8'));
    expect(s.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['rc/return-contract', 'rc/return-contract']);
    expect(s.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toContain('rc/return-contract');
    const fixed = await fixedOnes();
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/✓ set_flag\s+clean/);
  });
});

describe('verify rid: every limit is an option', () => {
  it('lists --max-paths and --max-pairs with their defaults in --help, and rejects a bad --max-pairs', async () => {
    const h = await verify('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('[--max-paths N] (paths per function, default 100');
    expect(h.stdout).toContain('[--max-pairs N] (IPP candidates asked per function, default 2000)');
    const bad = await verify('rid', 'test/fixtures/rid/issue28/pairs.ts', '--max-pairs', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-pairs 0: a positive integer');
    const capped = await verify('rid', 'test/fixtures/rid/issue28/pairs.ts', '--max-pairs', '2', '--json');
    const doc = JSON.parse(capped.stdout);
    expect(doc.summary.pairCapHit).toBe(1);
    expect(doc.functions.find((f: { name: string }) => f.name === 'poll')).toMatchObject({ pairCapHit: true });
    expect(doc.unknowns.map((u: { reason: string }) => u.reason)).toEqual(['not asked: the pair cap was hit (--max-pairs 2; raise it)']);
  });
});

describe('verify rid on the shipped examples', () => {
  it.each(EXAMPLES)('%s is clean', async (dir) => {
    // one run of the three folders: its summary counts them all, so nothing of any is found,
    // unknown or cut; each folder's functions were checked in it
    const r = await examples();
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.summary).toMatchObject({ bugs: 0, unknown: 0, unconfirmed: 0, capHit: 0 });
    const mine = doc.functions.filter((f: { location: string }) => f.location.startsWith(`${dir}/`));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((f: { unknown: number; capHit: boolean }) => f.unknown > 0 || f.capHit)).toEqual([]);
    expect(r.code).toBe(0);
  });
});
