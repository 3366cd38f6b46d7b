// verify rid: the forking evaluator (path counts, the cap), and the refcount catalogue of
// examples/refcount/: every buggy port is found in the right function on the right counter with a
// witness that replays, and every fixed port is clean.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowerFiles, bottomUp } from '../verifier/rid/analyse.ts';
import { runRid } from '../verifier/rid/command.ts';
import type { RidResult } from '../verifier/rid/report.ts';
import { exitCodeOf } from '../verifier/rid/report.ts';
import { PathEvaluator } from '../symexec/paths.ts';
import { mergedEntry, type FunctionPaths } from '../symexec/summary.ts';
import { SubsetError } from '../verifier/diagnostics.ts';
import { RID_RLIMIT } from '../verifier/rid/smt.ts';
import { SolverPool } from '../verifier/solver/pool.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CATALOGUE = path.join(REPO, 'examples', 'refcount');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'rid');
/** N in test/fixtures/rid/scans.ts */
const N_SLOTS = 16;

/**
 * One solver worker for the file's small runs (runRid leaves a pool it is given open): a worker's
 * start is about 2 s of CPU, more than most of these runs' queries. The verdicts do not depend on
 * which worker answers (each query has its own resource budget).
 */
const pool = new SolverPool({ jobs: 1 });
afterAll(() => pool.close());

/** Paths of every function in `file`, evaluated bottom-up as verify rid does (no solver). */
function pathsOf(file: string, maxPaths?: number): Map<string, FunctionPaths> {
  const { program } = lowerFiles(REPO, [file]);
  const keys = [...program.values()].filter((f) => f.file === file).map((f) => f.key);
  const sums = new Map<string, FunctionPaths>();
  const byName = new Map<string, FunctionPaths>();
  bottomUp(program, keys).forEach((fn, i) => {
    const fp = new PathEvaluator(fn, sums, { program, prefix: `t${i}`, maxPaths }).run();
    sums.set(fn.key, fp);
    byName.set(fn.name, fp);
  });
  return byName;
}

describe('forking evaluator', () => {
  const file = path.join(FIXTURES, 'paths.ts');

  it('gives one record per path, with callee cases instantiated', () => {
    const fps = pathsOf(file);
    expect(fps.get('get')!.paths).toHaveLength(2);
    expect(fps.get('get')!.declaration).toBe(true);
    expect(fps.get('put')!.paths).toHaveLength(1);
    const user = fps.get('user')!;
    expect(user.declaration).toBe(false);
    // 2 cases of get × 3 branches, before the solver prunes the infeasible ones (see below)
    expect(user.paths).toHaveLength(6);
    // the three feasible paths end at 0; the infeasible combinations (a failed get followed by a
    // put, a successful get taking the error exit) are still among them here
    expect(user.paths.map((p) => p.deltas.get('ref(o)') ?? 0).sort()).toEqual([-1, -1, 0, 0, 0, 1]);
    // each path depends on the hidden outcome of get, renamed apart for this use
    for (const p of user.paths) expect(p.hidden).toHaveLength(1);
    const own = new Set(fps.get('get')!.paths.map((p) => p.hidden[0].c.name));
    for (const p of user.paths) expect(own.has(p.hidden[0].c.name!)).toBe(false);
    expect(user.capped).toBe(false);
  });

  it('keeps the feasible paths as the summary, and finds nothing in correct code', async () => {
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'paths.ts')], timeoutMs: 10_000, jobs: 1, pool });
    const user = r.analysis.stats.find((s) => s.fn.name === 'user')!;
    expect(user.paths).toBe(6);
    expect(user.feasible).toBe(3);
    expect(r.analysis.summaries.get(user.fn.key)!.paths.map((p) => p.deltas.get('ref(o)') ?? 0)).toEqual([0, 0, 0]);
    expect(r.bugs).toEqual([]);
    expect(exitCodeOf(r)).toBe(0);
    // owned(o, 'ref') makes the put in release legitimate; release is checked, not a declaration
    expect(r.analysis.stats.find((s) => s.fn.name === 'release')!.declaration).toBe(false);
    expect(r.analysis.stats.find((s) => s.fn.name === 'take_first')!.feasible).toBe(2);
  }, 60_000);

  it('reports a helper\'s inconsistent pair once, not again in its caller', async () => {
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'nested.ts')], timeoutMs: 10_000, jobs: 1, pool });
    expect(r.bugs.map((b) => [b.finding.fn.name, b.finding.counter])).toEqual([['prepare', 'sk(s)']]);
    expect(r.inherited.map((b) => [b.finding.fn.name, b.finding.via?.callee])).toEqual([['connect', 'prepare']]);
  }, 60_000);

  it('follows a reference a helper returns into its parameter', async () => {
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'ref-return.ts')], timeoutMs: 10_000, jobs: 1, pool });
    expect(r.bugs.map((b) => [b.finding.fn.name, b.finding.counter, b.finding.rule])).toEqual([['leaky_first', 'ref(p.a)', 'rc/ipp']]);
    expect(r.bugs[0].replay.confirmed).toBe(true);
  }, 60_000);

  it('runs a call on the right of && only where the left holds', () => {
    const s = pathsOf(file).get('shortc')!;
    expect(s.paths).toHaveLength(3);
    expect(s.paths.filter((p) => p.calls.length === 0)).toHaveLength(1);
  });

  it('records a Counter field written directly in the post-state', () => {
    const b = pathsOf(file).get('bump')!;
    expect(b.paths).toHaveLength(1);
    expect(b.paths[0].post.get('o.rc')!.op).toBe('+');
  });

  it('evaluates choose as at run time (the lowest index where it holds), not as a skipped construct', async () => {
    const fp = pathsOf(path.join(FIXTURES, 'choose.ts')).get('first_free')!;
    expect(fp.paths).toHaveLength(2);
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'choose.ts')], timeoutMs: 10_000, jobs: 1, pool });
    expect(r.analysis.skipped).toEqual([]);
    expect(exitCodeOf(r)).toBe(0);
  }, 60_000);

  it('joins the paths of a helper without counters or hidden values into one case for its callers', async () => {
    const fps = pathsOf(path.join(FIXTURES, 'scans.ts'));
    expect(fps.get('free_slot')!.paths).toHaveLength(N_SLOTS + 1);
    expect(mergedEntry(fps.get('free_slot')!)).toBeDefined();
    // a helper returning a parameter's handle keeps its paths
    expect(mergedEntry(fps.get('item_at')!)).toBeUndefined();
    const two = fps.get('take_two')!;
    expect(two.capped).toBe(false);
    expect(two.paths.length).toBeLessThanOrEqual(4);
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'scans.ts')], timeoutMs: 10_000, jobs: 1, pool });
    expect(r.bugs.map((b) => [b.finding.fn.name, b.finding.counter, b.replay.confirmed])).toEqual([['use', 'o.refs', true]]);
    expect(exitCodeOf(r)).toBe(1);
    expect(r.analysis.stats.some((s) => s.capped)).toBe(false);
  }, 60_000);

  it('stops at the path cap and says so', () => {
    const fps = pathsOf(path.join(FIXTURES, 'many-paths.ts'), 100);
    const b = fps.get('branches')!;
    expect(b.capped).toBe(true);
    expect(b.started).toBe(100);
    expect(b.paths.length).toBeLessThanOrEqual(100);
    const all = pathsOf(path.join(FIXTURES, 'many-paths.ts'), 1000).get('branches')!;
    expect(all.capped).toBe(false);
    expect(all.paths).toHaveLength(256);
  });
});

describe('the budget of a query', () => {
  it('is a resource count: a query that exhausts it is unknown with that reason, never a verdict', async () => {
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'nested.ts')], timeoutMs: 60_000, rlimit: 1, jobs: 1, pool });
    expect(r.analysis.unknowns.length).toBeGreaterThan(0);
    for (const u of r.analysis.unknowns) expect(u.reason).toMatch(/resource limit \(rlimit 1\)|no model for the path/);
    expect(r.bugs).toEqual([]);
    expect(exitCodeOf(r)).toBe(3);
    // with the default budget the same file is decided (one finding), far below the budget
    const d = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'nested.ts')], timeoutMs: 60_000, jobs: 1, pool });
    expect(d.analysis.unknowns).toEqual([]);
    expect(d.analysis.rlimitMax).toBeGreaterThan(0);
    expect(d.analysis.rlimitMax).toBeLessThan(RID_RLIMIT / 100);
  }, 60_000);
});

describe('exit codes', () => {
  const base = { analysis: { unknowns: [], stats: [], skipped: [], files: ['f.ts'] }, bugs: [], inherited: [], unconfirmed: [], wallMs: 0 } as unknown as RidResult;
  it('counts unknowns and unconfirmed findings apart: exit 3, never 0 or 1', () => {
    expect(exitCodeOf(base)).toBe(0);
    expect(exitCodeOf({ ...base, analysis: { ...base.analysis, unknowns: [{ what: 'x', reason: 'timeout' }] } } as unknown as RidResult)).toBe(3);
    expect(exitCodeOf({ ...base, unconfirmed: [{}] } as unknown as RidResult)).toBe(3);
    expect(exitCodeOf({ ...base, analysis: { ...base.analysis, stats: [{ capped: true, incomplete: true, declaration: false }] } } as unknown as RidResult)).toBe(3);
    expect(exitCodeOf({ ...base, analysis: { ...base.analysis, skipped: [{ fn: { file: 'f.ts' } }] } } as unknown as RidResult)).toBe(3);
    expect(exitCodeOf({ ...base, bugs: [{}], unconfirmed: [{}] } as unknown as RidResult)).toBe(1);
  });
});

/** Each pattern: the function and the counter (a prefix) a buggy port must be reported on. */
const EXPECTED: Record<string, { fn: string; counter: string }> = {
  'K1-counter-field': { fn: 'obj_use', counter: 'o.refcount' },
  'L1-pm-get-sync': { fn: 'read_sensor', counter: 'dpm(dev)' },
  'L2-autopm-double-put': { fn: 'start_xfer', counter: 'dpm(dev)' },
  'L4-kobject-init-fail': { fn: 'iommu_group_alloc', counter: 'kobj(g.kobj)' },
  'L5-device-register-kfree': { fn: 'switch_media', counter: 'kobj(sock)' },
  'L6-of-node-never-put': { fn: 'mx27_read_cpu_rev', counter: 'of(of_find_compatible_node()' },
  'L7-of-put-only-on-success': { fn: 'probe_reg', counter: 'of(of_get_child_by_name()' },
  'L8-for-each-child-early-exit': { fn: 'check_children', counter: 'of(of_get_next_child()' },
  'L9-find-device-no-put': { fn: 'get_sensor', counter: 'dev(of_find_device_by_node()' },
  'L10-find-consumes-from': { fn: 'find_phy', counter: 'of(parent)' },
  'L11-keyring-leak': { fn: 'join_session_keyring', counter: 'key(find_keyring_by_name()' },
  'L12-bpf-double-fdput': { fn: 'replace_map_fd', counter: 'fd(fd)' },
  'P1-list-append-error': { fn: 'append_addr', counter: 'py(Py_BuildValue()' },
  'P2-setitem-steals': { fn: 'copy_grouping', counter: 'py(PyLong_FromLong()' },
  'P3-addobject-steals-on-success': { fn: 'init_module', counter: 'py(PyErr_NewException()' },
  'P4-new-ref-early-exit': { fn: 'get_x', counter: 'py(PyObject_GetAttrString()' },
  'P5-buildvalue-O-leak': { fn: 'make_tuple', counter: 'py(PyLong_FromLong()' },
  'P6-decref-borrowed': { fn: 'lookup', counter: 'py(PyDict_GetItem()' },
  'P7-return-none-borrowed': { fn: 'set_flag', counter: 'py(ret)' },
  // issue 28's shapes: a slot removed before its put, steal on success, NULL handles
  'L14-remove-then-put': { fn: 'teardown', counter: 'dev(t.devs[' },
  'L15-submit-steals-on-success': { fn: 'send_buffer', counter: 'rq(blk_get_request()' },
  'L16-null-cleanup-helper': { fn: 'release_pair', counter: 'of(b)' },
};

describe('the refcount catalogue (examples/refcount)', () => {
  const patterns = fs.readdirSync(CATALOGUE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  let buggy: RidResult, fixed: RidResult;

  beforeAll(async () => {
    // one run per side (one lowering), both on one pool of two workers
    const files = (v: string) => patterns.map((p) => path.join('examples', 'refcount', p, `${v}.ts`));
    const two = new SolverPool({ jobs: 2 });
    try {
      buggy = await runRid({ root: REPO, paths: files('buggy'), timeoutMs: 10_000, jobs: 2, pool: two });
      fixed = await runRid({ root: REPO, paths: files('fixed'), timeoutMs: 10_000, jobs: 2, pool: two });
    } finally {
      await two.close();
    }
  }, 300_000);

  it('has at least 15 patterns, each with an expectation', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(15);
    expect(patterns.filter((p) => !EXPECTED[p])).toEqual([]);
  });

  it.each(Object.keys(EXPECTED))('%s: the buggy port is found, the fixed one is clean', (p) => {
    const exp = EXPECTED[p];
    const inFile = (r: RidResult, v: string) => r.bugs.filter((b) => b.finding.fn.file === path.join(CATALOGUE, p, `${v}.ts`));
    const found = inFile(buggy, 'buggy');
    expect(found.length, `no finding in ${p}/buggy.ts`).toBeGreaterThan(0);
    const hit = found.find((b) => b.finding.fn.name === exp.fn && b.finding.counter.startsWith(exp.counter));
    expect(hit, `found ${found.map((b) => `${b.finding.fn.name} ${b.finding.counter}`).join(', ')}`).toBeDefined();
    expect(hit!.replay.confirmed).toBe(true);
    expect(inFile(fixed, 'fixed').map((b) => b.finding.message)).toEqual([]);
    expect(fixed.unconfirmed.filter((b) => b.finding.fn.file.includes(`/${p}/`)).map((b) => b.replay.detail)).toEqual([]);
  });

  it('counts nothing unknown, and exits 1 for the buggy ports, 0 for the fixed ones', () => {
    expect(buggy.analysis.unknowns).toEqual([]);
    expect(fixed.analysis.unknowns).toEqual([]);
    expect(buggy.unconfirmed.map((u) => u.replay.detail)).toEqual([]);
    expect(exitCodeOf(buggy)).toBe(1);
    expect(exitCodeOf(fixed)).toBe(0);
  });
});

describe('array elements, declarations, ownership and the return contract', () => {
  const run = (f: string) => runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', f)], timeoutMs: 10_000, jobs: 1, pool });
  const byFn = (r: RidResult) => Object.fromEntries(r.bugs.map((b) => [b.finding.fn.name, b]));

  it('names counters of array elements by the element, and replays on that element', async () => {
    const r = await run('elements.ts');
    const b = byFn(r);
    expect(Object.keys(b).sort()).toEqual(['open_dev', 'scan', 'use_obj']);
    // a Counter field of records in an array: the element the code indexed (i), and its witness value
    expect(b.use_obj.finding.counter).toBe('t.objs[i].refs');
    expect(b.use_obj.finding.element).toMatchObject({ key: 't.objs[].refs', note: `i = ${b.use_obj.replay.witness.args.find((x) => x.name === 'i')!.value}` });
    expect(b.use_obj.finding.paths.map((p) => p.delta).sort()).toEqual(['+1', '0']);
    expect(b.use_obj.replay.confirmed).toBe(true);
    expect(b.use_obj.replay.detail).toMatch(/t\.objs\[\d\]\.refs changes by (0 vs \+1|\+1 vs 0)/);
    // declared counters on records held in an array: by literal index after unrolling, and by a
    // parameter index renamed from a helper's own parameter to the caller's argument
    expect(b.scan.finding.counter).toBe('kobj(t.devs[2])');
    expect(b.scan.replay.confirmed).toBe(true);
    expect(b.open_dev.finding.counter).toBe('kobj(t.devs[k])');
    expect(b.open_dev.replay.detail).toMatch(/kobj\(t\.devs\[\d\]\) changes by/);
    expect(r.unconfirmed).toEqual([]);
  }, 60_000);

  it('rejects a declaration whose inc and dec conditions overlap, or that has no outcome, with located errors', async () => {
    const err = await run('bad-decl').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SubsetError);
    const ds = (err as SubsetError).diagnostics.map((d) => [d.loc.line, d.construct, d.message]);
    expect(ds).toHaveLength(2);
    const overlap = ds.find(([, c]) => String(c).includes('pm_get_weird'))!;
    expect(overlap[0]).toBe(12); // the dec
    expect(overlap[2]).toMatch(/both increments \(line 11\) and decrements \(line 12\) pm\(d\)/);
    expect(overlap[2]).toContain('result()@10 = 0');
    const never = ds.find(([, c]) => String(c).includes('never'))!;
    expect(never[2]).toMatch(/no outcome satisfies its conditions/);
  }, 60_000);

  it('notes a caller branch that only outcomes the declarations exclude would take', async () => {
    const r = await run('narrow-decl.ts');
    expect(r.bugs).toEqual([]);
    expect(r.analysis.notes.map((n) => [n.fn.name, n.loc.line])).toEqual([['run', 25]]);
    expect(exitCodeOf(r)).toBe(0);
  }, 60_000);

  it('checks owned parameters, objects stored for the caller, local over-releases and @returnsNew', async () => {
    const r = await run('ownership.ts');
    const b = byFn(r);
    expect(Object.keys(b).sort()).toEqual(['add_twice', 'lend', 'send_keep']);
    // the reference an owned parameter brings must be released, stored, consumed or returned
    expect(b.send_keep.finding).toMatchObject({ rule: 'rc/escape-leak', counter: 'sk(s)', ownedLeak: true });
    expect(b.send_keep.replay.confirmed).toBe(true);
    // released after a consuming call took it: not "the parameter is borrowed"
    expect(b.add_twice.finding.rule).toBe('rc/borrowed-underflow');
    expect(b.add_twice.finding.message).toContain('releases a reference it does not hold (it already handed it over to a consuming call)');
    // a borrowed result handed out as a new reference (research/rid.md P7)
    expect(b.lend.finding).toMatchObject({ rule: 'rc/return-contract', counter: 'blob(ret)' });
    expect(b.lend.finding.message).toContain('blob_borrow()');
    expect(b.lend.replay.confirmed).toBe(true);
    // stash stores the new blob into the caller's slot on one path and drops it on the other:
    // not a bug, even though a slot already holding that very handle value would look the same
    expect(r.analysis.stats.find((s) => s.fn.name === 'stash')!.feasible).toBe(3);
    expect(r.unconfirmed).toEqual([]);
  }, 60_000);

  it('follows a new reference returned in a field of a record into the callers', async () => {
    const r = await run('records.ts');
    expect(r.bugs.map((b) => [b.finding.fn.name, b.finding.rule, b.finding.counter, b.replay.confirmed])).toEqual([['use_box', 'rc/escape-leak', 'py(box()@29:13.obj)', true]]);
    expect(r.unconfirmed).toEqual([]);
  }, 60_000);

  it('rejects a @returnsNew tag without a counter or on a void function', async () => {
    const err = await run('bad-contract').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SubsetError);
    expect((err as SubsetError).diagnostics.map((d) => [d.loc.line, d.construct])).toEqual([
      [4, '@returnsNew without a counter'],
      [9, '@returnsNew on b'],
    ]);
  }, 60_000);

  it('counts only the selected functions\' queries under --filter', async () => {
    const r = await runRid({ root: REPO, paths: [path.join('test', 'fixtures', 'rid', 'ownership.ts')], timeoutMs: 10_000, jobs: 1, pool, filter: ['lend'] });
    expect(r.analysis.stats.map((s) => s.fn.name)).toEqual(['lend']);
    expect(r.analysis.queries).toBe(r.analysis.stats[0].queries);
  }, 60_000);
});
