// `verify --shard I/N` and `verify merge` (docs/ci.md): the partition is stable and moves nothing
// when an operation is added; two shards plus the merge give the verdicts and the exit code of one
// run (a proved selection, exit 0, and one with a seeded bug, exit 1); documents that are not the
// parts of one run are refused.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inShard, parseShard, shardOf } from '../verifier/shard.ts';
import { mergeDocuments, MergeError, readDocument, type VerifyDocument } from '../verifier/merge.ts';
import { REPO, SPAWN_TIMEOUT, both, verify, verifyShared, type Run } from './support/run-verify.ts';
import { all, parseXml } from './support/xml.ts';

vi.setConfig({ testTimeout: SPAWN_TIMEOUT, hookTimeout: 4 * SPAWN_TIMEOUT });

describe('the partition', () => {
  it('parses I/N', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard(' 3 / 3 ')).toEqual({ index: 3, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '1', '1/2/3', 'a/b', '-1/2', '']) expect(parseShard(bad), bad).toBeUndefined();
  });

  it('is a function of (subsystem, operation, theorem) only: stable, in range, and adding an operation moves no other theorem', () => {
    const theorems = (ops: string[]) => ops.flatMap((op) => ['refinement', 'invariants'].map((th) => ['kernel', op, th] as const));
    const ops = Array.from({ length: 40 }, (_, i) => `op${i}`);
    const before = theorems(ops).map(([s, o, t]) => shardOf(s, o, t, 3));
    const after = theorems([...ops.slice(0, 17), 'added', ...ops.slice(17)]).filter(([, o]) => o !== 'added').map(([s, o, t]) => shardOf(s, o, t, 3));
    expect(after).toEqual(before);
    expect(before.every((k) => k >= 1 && k <= 3)).toBe(true);
    // each theorem is in exactly one shard
    for (const [s, o, t] of theorems(ops)) expect([1, 2, 3].filter((i) => inShard({ index: i, count: 3 }, s, o, t))).toHaveLength(1);
    // names that concatenate alike are still different theorems
    const a = Array.from({ length: 64 }, (_, i) => shardOf(`s${i}`, 'ab', 'c', 64));
    const b = Array.from({ length: 64 }, (_, i) => shardOf(`s${i}a`, 'b', 'c', 64));
    expect(a).not.toEqual(b);
  });

  it('spreads many theorems evenly (each of 4 shards within 20-30%)', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`sub${i % 7}`, `op${i}`, i % 2 ? 'refinement' : 'invariants', 4) - 1]++;
    for (const c of counts) {
      expect(c / 4000).toBeGreaterThan(0.2);
      expect(c / 4000).toBeLessThan(0.3);
    }
  });
});

/** subsystem/goal id -> status, for comparing runs */
const verdicts = (doc: VerifyDocument) => Object.fromEntries(doc.subsystems.flatMap((s) => s.operations.flatMap((o) => o.goals.map((g) => [`${s.name}/${g.id}`, g.status]))));
const statuses = (doc: VerifyDocument) => doc.subsystems.map((s) => [s.name, s.status, s.operations.map((o) => [o.name, o.status])]);

let tmp: string;
let root: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-shard-')));
  // a project of its own, so that no one else's edit in this repository changes its sources' hash
  root = path.join(tmp, 'project');
  fs.cpSync(path.join(REPO, 'examples', 'counter'), path.join(root, 'examples', 'counter'), { recursive: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * One whole run and its two shards (JSON documents written to files), and the merge of the shards.
 * With the suite run's proof cache (sharding and merging are the subject here, not the solving):
 * the shards take what the whole run decided, and replay its refutations anew.
 */
async function wholeAndShards(tag: string, selection: string[]) {
  const file = (name: string) => path.join(tmp, `${tag}-${name}.json`);
  const whole = await verifyShared(root, ...selection, '--json');
  const shards: Run[] = [];
  for (const i of [1, 2]) {
    const r = await verifyShared(root, ...selection, '--json', '--shard', `${i}/2`);
    fs.writeFileSync(file(`shard${i}`), r.stdout);
    shards.push(r);
  }
  const junit = path.join(tmp, `${tag}-merged.xml`);
  const merged = await verify(root, 'merge', file('shard1'), file('shard2'), '--json', '--junit', junit);
  const text = await verify(root, 'merge', file('shard1'), file('shard2'));
  return { whole, shards, merged, text, junit, files: [file('shard1'), file('shard2')] };
}

describe('two shards plus merge give the verdicts and exit code of one run', () => {
  let bug: Awaited<ReturnType<typeof wholeAndShards>>;
  let ok: Awaited<ReturnType<typeof wholeAndShards>>;
  beforeAll(async () => {
    bug = await wholeAndShards('bug', ['counter', 'examples/counter/bugs/carry-off-by-one.ts']);
    ok = await wholeAndShards('ok', ['counter']);
  }, 4 * SPAWN_TIMEOUT);

  it('a seeded bug: exit 1 from the whole run and from the merge, the same goals with the same verdicts', () => {
    expect(bug.whole.code, both(bug.whole)).toBe(1);
    const whole = JSON.parse(bug.whole.stdout) as VerifyDocument;
    const merged = JSON.parse(bug.merged.stdout) as VerifyDocument;
    expect(bug.merged.code, both(bug.merged)).toBe(1);
    expect(merged.exitCode).toBe(1);
    expect(bug.text.code, both(bug.text)).toBe(1);
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(Object.values(verdicts(whole))).toContain('refuted');
    expect(statuses(merged)).toEqual(statuses(whole));
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.merged).toEqual({ documents: 2, shards: 2 });
    // the work was split: each shard decided some goals, and no goal twice
    const parts = bug.shards.map((r) => Object.keys(verdicts(JSON.parse(r.stdout))));
    expect(parts[0].length).toBeGreaterThan(0);
    expect(parts[1].length).toBeGreaterThan(0);
    expect(parts[0].filter((g) => parts[1].includes(g))).toEqual([]);
    // the counterexample is in the merged text report
    expect(bug.text.stdout).toMatch(/✗ incr +refuted/);
    expect(bug.text.stdout).toContain('counterexample (confirmed by replay)');
    expect(bug.text.stdout).toMatch(/summary: 2 subsystems, 4 operations: 3 proved, 1 refuted, 0 unknown/);
    // the merged JUnit has one case per goal and the failure
    const xml = parseXml(fs.readFileSync(bug.junit, 'utf8'));
    expect(all(xml, 'testcase')).toHaveLength(Object.keys(verdicts(whole)).length);
    expect(all(xml, 'failure').length).toBe(Object.values(verdicts(whole)).filter((v) => v === 'refuted').length);
  });

  it('everything proved: exit 0 from the whole run and from the merge (one shard has no goals of it)', () => {
    expect(ok.whole.code, both(ok.whole)).toBe(0);
    expect(ok.shards.map((r) => r.code)).toEqual([0, 0]);
    expect(ok.merged.code, both(ok.merged)).toBe(0);
    const whole = JSON.parse(ok.whole.stdout) as VerifyDocument;
    expect(verdicts(JSON.parse(ok.merged.stdout))).toEqual(verdicts(whole));
    expect(Object.values(verdicts(whole)).every((v) => v === 'proved')).toBe(true);
    expect(ok.text.stdout).toMatch(/summary: 1 subsystem, 2 operations: 2 proved, 0 refuted, 0 unknown/);
  });

  describe('merge refuses documents that are not the parts of one run (exit 2)', () => {
    const load = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as VerifyDocument;
    const refuse = (docs: VerifyDocument[], pattern: RegExp) => {
      const files = docs.map((_, k) => `doc${k + 1}.json`);
      expect(() => mergeDocuments(docs.map((doc, k) => ({ file: files[k], doc })), root)).toThrow(pattern);
      expect(() => mergeDocuments(docs.map((doc, k) => ({ file: files[k], doc })), root)).toThrow(MergeError);
    };
    it('the same shard twice, or a shard missing', async () => {
      const [a, b] = bug.files.map(load);
      refuse([a, a], /both shard 1\/2: the shards overlap/);
      refuse([b], /shard 1\/2 missing/);
      const r = await verify(root, 'merge', bug.files[0]);
      expect(r.code, both(r)).toBe(2);
      expect(r.stderr).toMatch(/verify merge: shard 2\/2 missing/);
    });
    it('another tool build, solver, budget, filter or checkout', () => {
      const [a, b] = bug.files.map(load);
      refuse([a, { ...b, toolBuild: '0'.repeat(64) }], /differ in the tool build/);
      refuse([a, { ...b, solver: 'Z3 4.8' }], /differ in the solver/);
      refuse([a, { ...b, options: { ...b.options, rlimit: 1000 } }], /differ in --rlimit/);
      refuse([a, { ...b, options: { ...b.options, filter: ['incr'] } }], /differ in --filter/);
      refuse([a, { ...b, sources: 'f'.repeat(64) }], /differ in the sources/);
      refuse([a, { ...b, shard: { index: 2, count: 3 } }], /differ in the number of shards/);
    });
    it('the same goal in two documents, other subsystems, a run that stopped with an error', () => {
      const [a, b] = bug.files.map(load);
      const stolen = a.subsystems.flatMap((s) => s.operations).find((o) => o.goals.length)!;
      const b2 = { ...b, subsystems: b.subsystems.map((s) => (s.name === 'counter' ? { ...s, operations: [...s.operations, stolen] } : s)) };
      expect(a.subsystems.find((s) => s.name === 'counter')!.operations).toContainEqual(stolen);
      refuse([a, b2], /both hold the goal .*: the shards overlap/);
      refuse([a, { ...b, subsystems: b.subsystems.slice(1) }], /verified different subsystems/);
      refuse([a, { schemaVersion: 1, tool: 'pushbutton', command: 'verify', error: '--filter x selects no operation', exitCode: 2 } as unknown as VerifyDocument], /stopped with an error: --filter x/);
    });
    it('files that are not verify documents of this version', () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'docs-'));
      const write = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));
      expect(() => readDocument(write('a.json', 'not json'))).toThrow(/not JSON/);
      expect(() => readDocument(write('b.json', JSON.stringify({ tool: 'pushbutton', command: 'rid', exitCode: 1 })))).toThrow(/'verify rid'/);
      expect(() => readDocument(write('c.json', JSON.stringify({ ...load(bug.files[0]), schemaVersion: 2 })))).toThrow(/document version 2/);
      expect(() => readDocument(path.join(dir, 'missing.json'))).toThrow(/cannot read it/);
    });
  });
});

describe('--shard on the command line', () => {
  it('a malformed --shard is a usage error', async () => {
    const r = await verify(root, 'counter', '--shard', '3/2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard 3\/2: write I\/N/);
  });

  it('--filter selecting only theorems of other shards is no error; selecting none at all is', async () => {
    // counter's incr has both theorems in one shard of 2 (the hash says so): the other has none
    const empty = [1, 2].find((i) => !['refinement', 'invariants'].some((th) => shardOf('counter', 'incr', th, 2) === i));
    expect(empty).toBeDefined();
    const r = await verify(root, 'counter', '--filter', 'incr', '--shard', `${empty}/2`, '--json');
    expect(r.code, both(r)).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.subsystems[0].operations).toEqual([]);
    expect(doc.subsystems[0].shard).toEqual({ operations: ['incr'], elsewhere: 2 });
    const none = await verify(root, 'counter', '--filter', 'nosuchop', '--shard', '1/2');
    expect(none.code, both(none)).toBe(2);
    expect(none.stderr).toMatch(/--filter nosuchop selects no operation/);
  });
});
