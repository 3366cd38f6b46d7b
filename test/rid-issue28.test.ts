// verify rid on the shapes of issue 28: NULL handles (never counted), ownership that depends on
// the outcome (owned() under the branch of the outcome that takes the reference), and a slot of
// the arguments cleared before its reference is put (the replay reads the slot as it was before
// the store). Fixtures: test/fixtures/rid/issue28/.

import { describe, it, expect, beforeAll } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRid } from '../verifier/rid/command.ts';
import { exitCodeOf, ridJson, ridSarif, ridText, type Reported, type RidResult } from '../verifier/rid/report.ts';
import { elementsOf, groupFindings } from '../verifier/rid/group.ts';
import { runSideTask } from '../verifier/rid/run-side.ts';
import { inc, dec, consume } from '../verifier/prelude.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (f: string) => path.join('test', 'fixtures', 'rid', 'issue28', f);
const run = (f: string) => runRid({ root: REPO, paths: [fixture(f)], timeoutMs: 60_000, jobs: 1 });
const found = (r: RidResult) => r.bugs.map((b) => [b.finding.fn.name, b.finding.rule, b.finding.counter]).sort();
const clean = (r: RidResult, fn: string) => {
  expect(r.bugs.filter((b) => b.finding.fn.name === fn).map((b) => b.finding.message)).toEqual([]);
  expect(r.unconfirmed.filter((b) => b.finding.fn.name === fn).map((b) => b.finding.message)).toEqual([]);
};

describe('a NULL handle is never counted', () => {
  let r: RidResult;
  beforeAll(async () => {
    r = await run('null-handles.ts');
  }, 120_000);

  it('a cleanup helper owning a maybe-NULL handle and a NULL-safe put is clean', () => {
    // (before: rc/escape-leak on of(np) with the witness np = 0)
    clean(r, 'release_node');
    clean(r, 'release_obj');
  });

  it('consume of a maybe-NULL new reference is clean', () => {
    // (before: an IPP on py(obj_new()@…), 0 vs -1, "confirmed" by a replay that counted consume(0))
    clean(r, 'fill');
  });

  it('still finds an owned handle released twice, with a non-NULL witness', () => {
    expect(found(r)).toEqual([['release_twice', 'rc/borrowed-underflow', 'of(np)']]);
    const b = r.bugs[0];
    expect(b.finding.message).toContain('releases more than it holds');
    expect(b.replay.confirmed).toBe(true);
    expect(b.replay.witness.args.find((x) => x.name === 'np')!.value).not.toBe(0);
    expect(exitCodeOf(r)).toBe(1);
    expect(r.analysis.unknowns).toEqual([]);
  });

  it('the replay harness records no change on a NULL handle', () => {
    const ctx = { modules: { mod: { f: () => { inc(0, 'c'); dec(0, 'c'); consume(0, 'c'); inc(7, 'c'); } } }, cache: new Map() };
    const ans = runSideTask(ctx, { fn: 'f', inputs: [], model: '', outcomes: [] });
    expect(ans.changes.map((c) => [c.how, c.x])).toEqual([['inc', 7]]);
  });
});

describe('ownership that depends on the outcome (steal on success)', () => {
  let r: RidResult;
  beforeAll(async () => {
    r = await run('steal.ts');
  }, 120_000);

  it('a wrapper that declares owned() on its success branch, and a caller handling both outcomes, are clean', () => {
    clean(r, 'submit_retry');
    clean(r, 'send');
  });

  it('finds a put after a successful submit, a leak after a failed one, and a wrapper that also puts on failure', () => {
    expect(found(r)).toEqual([
      ['send_bad', 'rc/borrowed-underflow', 'rq(req_alloc()@55:14)'],
      ['send_leak', 'rc/escape-leak', 'rq(req_alloc()@63:14)'],
      ['submit_retry_bad', 'rc/borrowed-underflow', 'rq(rq)'],
    ]);
    for (const b of r.bugs) expect(b.replay.confirmed).toBe(true);
    const bad = r.bugs.find((b) => b.finding.fn.name === 'send_bad')!;
    expect(bad.finding.message).toContain('already handed it over to a consuming call');
    // the put after the successful submit: the outcome the witness replays is the success (0)
    expect(bad.replay.witness.runs[0].outcomes.at(-1)?.value).toBe(0);
    const leak = r.bugs.find((b) => b.finding.fn.name === 'send_leak')!;
    expect(leak.replay.witness.runs[0].result).toBe(-16);
    expect(r.unconfirmed).toEqual([]);
    expect(r.analysis.unknowns).toEqual([]);
  });
});

describe('remove, then put', () => {
  let r: RidResult;
  beforeAll(async () => {
    r = await run('remove.ts');
  }, 120_000);

  it('a loop that clears each slot and puts what it held is clean', () => {
    // (before: rc/borrowed-underflow on each t.items[i], and replays that read the slot after the store)
    clean(r, 'clear_all');
    expect(r.analysis.stats.find((s) => s.fn.name === 'clear_all')!.capped).toBe(false);
  });

  it('finds, and replays on the slot as it was before the store: an IPP, a leak of the taken reference, an over-put', () => {
    expect(found(r)).toEqual([
      ['evict', 'rc/escape-leak', 'obj(t.items[k])'],
      ['evict_quiet', 'rc/ipp', 'obj(t.items[k])'],
      ['remove_twice', 'rc/borrowed-underflow', 'obj(t.items[k])'],
      ['replace_noget', 'rc/borrowed-underflow', 'obj(t.items[k])'],
      ['restore_then_put', 'rc/borrowed-underflow', 'obj(t.items[k])'],
      // (removing what the path itself stored there brings no reference)
      ['stash_unstash_put', 'rc/borrowed-underflow', 'obj(obj_peek()@78:13)'],
    ]);
    for (const b of r.bugs) expect(b.replay.confirmed, b.replay.detail).toBe(true);
    const ipp = r.bugs.find((b) => b.finding.fn.name === 'evict_quiet')!;
    expect(ipp.replay.detail).toMatch(/obj\(t\.items\[\d\]\) changes by (0 vs -1|-1 vs 0)/);
    // the witness slot holds a handle (not NULL) before the run
    const w = ipp.replay.witness.args;
    const k = w.find((x) => x.name === 'k')!.value as number;
    expect((w.find((x) => x.name === 't')!.value as { items: number[] }).items[k]).not.toBe(0);
    expect(r.unconfirmed).toEqual([]);
    expect(r.analysis.unknowns).toEqual([]);
  });

  it('a handle stored back is the place\'s again: putting it is an over-put, unless a reference was taken for it', () => {
    const back = r.bugs.find((b) => b.finding.fn.name === 'replace_noget')!;
    expect(back.finding.message).toContain('stores the same handle back into t.items[k]');
    // the witness is the caller passing the very object the slot holds
    const w = Object.fromEntries(back.replay.witness.args.map((x) => [x.name, x.value])) as { t: { items: number[] }; k: number; n: number };
    expect(w.t.items[w.k]).toBe(w.n);
    expect(w.n).not.toBe(0);
    clean(r, 'replace_get');
  });
});

describe('limits are options, and hitting one is reported', () => {
  it('--max-pairs: the IPP candidates beyond it are not asked, listed as an unknown of the function, never clean', async () => {
    const r = await runRid({ root: REPO, paths: [fixture('pairs.ts')], timeoutMs: 60_000, jobs: 1, maxPairs: 2 });
    const st = r.analysis.stats.find((s) => s.fn.name === 'poll')!;
    expect(st.pairsCapped).toBe(2);
    expect(r.analysis.unknowns.map((u) => [u.fn.name, u.what, u.reason])).toEqual([['poll', '4 IPP candidates (path pair, counter) beyond the first 2', 'not asked: the pair cap was hit (--max-pairs 2; raise it)']]);
    // the pair asked within the cap is still found
    expect(found(r)).toEqual([['poll', 'rc/ipp', 'dpm(dev)']]);
    // with the default, every candidate is asked
    const d = await runRid({ root: REPO, paths: [fixture('pairs.ts')], timeoutMs: 60_000, jobs: 1 });
    expect(d.analysis.stats.find((s) => s.fn.name === 'poll')!.pairsCapped).toBeUndefined();
    expect(d.analysis.unknowns).toEqual([]);
    expect(found(d)).toEqual([['poll', 'rc/ipp', 'dpm(dev)']]);
  }, 120_000);
});

describe('one mistake, one report (grouped findings)', () => {
  let r: RidResult;
  beforeAll(async () => {
    r = await runRid({ root: REPO, paths: [path.join('examples', 'refcount', 'L14-remove-then-put', 'buggy.ts')], timeoutMs: 60_000, jobs: 1 });
  }, 120_000);

  it('lists the elements of one missing put in a loop over 4 slots in one report, each replayed', () => {
    expect(r.bugs).toHaveLength(1);
    const b = r.bugs[0];
    expect(elementsOf(b)).toEqual(['dev(t.devs[0])', 'dev(t.devs[1])', 'dev(t.devs[2])', 'dev(t.devs[3])']);
    for (const x of [b, ...b.group!]) expect(x.replay.confirmed, x.replay.detail).toBe(true);
    expect(exitCodeOf(r)).toBe(1);
  });

  it('in the text, the JSON and SARIF', () => {
    const text = ridText(r, REPO);
    expect(text).toContain('teardown                     1 finding');
    expect(text).toContain('the same mistake on 3 more elements (each replayed): dev(t.devs[1]), dev(t.devs[2]), dev(t.devs[3])');
    expect(text).toContain('1 bug found');
    const doc = ridJson(r, REPO) as { summary: { bugs: number }; findings: { elements: string[]; group: { counter: string; replay: { confirmed: boolean } }[] }[] };
    expect(doc.summary.bugs).toBe(1);
    expect(doc.findings).toHaveLength(1);
    expect(doc.findings[0].elements).toHaveLength(4);
    expect(doc.findings[0].group.map((g) => [g.counter, g.replay.confirmed])).toEqual([1, 2, 3].map((i) => [`dev(t.devs[${i}])`, true]));
    const sarif = ridSarif(r, 'z3', REPO) as { runs: { results: { message: { text: string }; properties: { elements: string[] } }[] }[] };
    expect(sarif.runs[0].results).toHaveLength(1);
    expect(sarif.runs[0].results[0].properties.elements).toEqual(elementsOf(r.bugs[0]));
    expect(sarif.runs[0].results[0].message.text).toContain('the same mistake on dev(t.devs[0]), dev(t.devs[1])');
  });

  it('keeps findings of different shapes apart', () => {
    const f = (counter: string, delta: string, line: number) => ({ finding: { fn: { key: 'k' }, rule: 'rc/ipp', counter, paths: [{ delta, path: { steps: [{ loc: { line } }] } }] }, replay: {} }) as unknown as Reported;
    expect(groupFindings([f('a(t.x[0])', '+1', 3), f('a(t.x[1])', '+1', 3)])).toHaveLength(1);
    expect(groupFindings([f('a(t.x[0])', '+1', 3), f('a(t.x[1])', '+1', 4)])).toHaveLength(2);
    expect(groupFindings([f('a(t.x[0])', '+1', 3), f('b(t.x[1])', '+1', 3)])).toHaveLength(2);
    expect(groupFindings([f('a(f()@3:9)', '-1', 3), f('a(f()@3:9#2)', '-1', 3)])).toHaveLength(1);
  });
});
