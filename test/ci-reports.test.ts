// verify's reports for CI (docs/ci.md): JUnit XML (well-formed, escaped, one test case per goal,
// the counterexample in the failure), the --json document against its documented schema, SARIF
// against the official 2.1.0 schema (vendored: test/fixtures/sarif/), for `verify` and for
// `verify rid`, and every front-end error of a subsystem reported.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { junitDocument, xmlAttr, xmlText } from '../verifier/junit.ts';
import type { SubsystemOutcome } from '../verifier/run.ts';
import { all, parseXml, type XmlElement } from './support/xml.ts';
import { REPO, SPAWN_TIMEOUT, both, verify, verifyShared, type Run } from './support/run-verify.ts';

vi.setConfig({ testTimeout: SPAWN_TIMEOUT, hookTimeout: SPAWN_TIMEOUT });

const sarifSchema = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'));
// the official schema is draft-04, with formats (uri, uri-reference, date-time)
const sarifAjv = new AjvDraft04({ allErrors: true, strict: false });
addFormats(sarifAjv);
const validSarif = sarifAjv.compile(sarifSchema);
const reportSchema = JSON.parse(fs.readFileSync(path.join(REPO, 'docs', 'verify-report.schema.json'), 'utf8'));
const reportAjv = new Ajv({ allErrors: true, strict: true });
const validReport = reportAjv.compile(reportSchema);

const errorsOf = (v: { errors?: unknown }) => JSON.stringify(v.errors, null, 1)?.slice(0, 2000);

const HOSTILE_DIR = `h&<"'>]]>x`;

let tmp: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-ci-')));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every goal of a --json document, by subsystem and id. */
function goalsOf(doc: { subsystems: { name: string; operations: { goals: { id: string; status: string }[] }[] }[] }) {
  return doc.subsystems.flatMap((s) => s.operations.flatMap((o) => o.goals.map((g) => ({ sub: s.name, ...g }))));
}

describe('JUnit XML escaping (synthetic outcome with hostile names and messages)', () => {
  const hostile = `a&b<c>"d'e]]>f\u0001g\u001bh\ttab\r\nline\uD800lone\u{1F600}`;
  const sub: SubsystemOutcome = {
    name: hostile,
    specFile: '/p/spec.ts',
    implFile: '/p/impl.ts',
    status: 'rejected',
    diagnostics: [{ loc: { file: '/p/impl.ts', line: 3, col: 4 }, construct: `the <weird> & "odd" construct`, message: hostile }],
    operations: [
      {
        name: `op<&>`,
        status: 'refuted',
        ms: 1234,
        goals: [
          { id: `${hostile}.op#result`, theorem: 'refinement', kind: 'result', loc: { file: '/p/impl.ts', line: 7, col: 1 }, message: hostile, status: 'refuted', ms: 1234, counterexample: { inputs: [{ role: 'arg', name: 'x', value: `</failure>${hostile}` }], implResult: 1, specResult: 2, replay: hostile, confirmed: true } },
          { id: 'g2', theorem: 'invariants', kind: 'runtime', loc: { file: '/p/spec.ts', line: 9, col: 2 }, message: 'm2', status: 'unknown', reason: `timeout & <more>`, ms: 5 },
          { id: 'g3', theorem: 'invariants', kind: 'runtime', loc: { file: '/p/spec.ts', line: 9, col: 2 }, message: 'm3', status: 'unknown', reason: 'not asked further: another goal of the subsystem was refuted first (--fail-fast)', ms: 0 },
          { id: 'g4', theorem: 'invariants', kind: 'equiv', loc: { file: '/p/spec.ts', line: 1, col: 1 }, message: 'm4', status: 'proved', ms: 1 },
        ],
      },
    ],
    frontMs: 0,
    solverMs: 0,
  };
  const xml = junitDocument([sub], { cwd: '/p', wallMs: 2500 });
  const visible = (s: string) => s.replace(/[\u0001\u001b]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).replace(/\uD800/g, '\\u{d800}');

  it('is well-formed XML 1.0, and names and messages read back as written', () => {
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const suites = all(root, 'testsuite');
    expect(suites).toHaveLength(1);
    expect(suites[0].attrs.name).toBe(visible(hostile));
    const cases = all(root, 'testcase');
    // one per diagnostic and one per goal
    expect(cases).toHaveLength(5);
    expect(root.attrs).toMatchObject({ tests: '5', failures: '1', errors: '2', skipped: '1', time: '2.500' });
    const failure = all(root, 'failure')[0];
    expect(failure.attrs.type).toBe('refinement');
    expect(failure.text).toContain(`x = '</failure>${visible(hostile)}'`);
    expect(all(root, 'skipped')).toHaveLength(1);
    const errors = all(root, 'error');
    expect(errors.map((e) => e.attrs.type).sort()).toEqual(['subset', 'unknown']);
    expect(errors.find((e) => e.attrs.type === 'unknown')!.attrs.message).toBe('m2: unknown (timeout & <more>)');
    expect(cases.find((c) => c.attrs.name.includes('[g4]'))!.children).toEqual([]);
    expect(cases.find((c) => c.attrs.name.includes('[g4]'))!.attrs.time).toBe('0.001');
  });

  it('the escapers: every markup character and every character XML cannot carry', () => {
    expect(xmlText('a<b&c>]]>\r')).toBe('a&lt;b&amp;c&gt;]]&gt;&#13;');
    expect(xmlAttr(`"'\t\n<&>`)).toBe('&quot;&apos;&#9;&#10;&lt;&amp;&gt;');
    expect(xmlText('\u0000\u0008\uFFFE\uDC00')).toBe('\\u{0}\\u{8}\\u{fffe}\\u{dc00}');
    expect(xmlText('\u{1F600}é')).toBe('\u{1F600}é');
    // the checker itself rejects what the escapers avoid
    expect(() => parseXml('<a>x & y</a>')).toThrow(/raw &/);
    expect(() => parseXml('<a b="<"/>')).toThrow(/raw </);
    expect(() => parseXml('<a>\u0001</a>')).toThrow(/not allowed/);
    expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<a b="1" b="2"/>')).toThrow(/twice/);
  });
});

describe('a real run: --junit, --json and --sarif of one project (a refutation, a proof, a hostile folder name)', () => {
  let root: string;
  let run: Run;
  let doc: ReturnType<typeof JSON.parse>;
  let junit: XmlElement;
  beforeAll(async () => {
    root = path.join(tmp, 'project');
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'cli', 'buggy'), root, { recursive: true });
    // examples/<hostile name>/: the counter with its wrong-errno bug as impl.ts, the correct
    // implementation (which the bug file re-exports) as base.ts, so that the failure names it
    const ex = path.join(root, 'examples', HOSTILE_DIR);
    fs.mkdirSync(ex, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'examples', 'counter', 'spec.ts'), path.join(ex, 'spec.ts'));
    fs.copyFileSync(path.join(REPO, 'examples', 'counter', 'impl.ts'), path.join(ex, 'base.ts'));
    const bug = fs.readFileSync(path.join(REPO, 'examples', 'counter', 'bugs', 'wrong-errno.ts'), 'utf8');
    fs.writeFileSync(path.join(ex, 'impl.ts'), bug.replaceAll("'../spec'", "'./spec'").replaceAll("'../impl'", "'./base'"));
    fs.mkdirSync(path.join(root, 'out'));
    // the reports are the subject: the suite run's proof cache (cli.test.ts decides the same fixture)
    run = await verifyShared(root, '--json', '--junit', 'out/report.xml', '--sarif', 'out/report.sarif');
    doc = JSON.parse(run.stdout);
    junit = parseXml(fs.readFileSync(path.join(root, 'out', 'report.xml'), 'utf8'));
  }, SPAWN_TIMEOUT);

  it('exits 1 with a refutation in counter and in the hostile example', () => {
    expect(run.code, both(run)).toBe(1);
    expect(doc.subsystems.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['counter', 'refuted'],
      ['toggle', 'proved'],
      [HOSTILE_DIR, 'refuted'],
    ]);
  });

  it('JUnit: one suite per subsystem, one case per goal of the JSON, failures with the counterexample, times in seconds', () => {
    expect(junit.name).toBe('testsuites');
    const suites = all(junit, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(doc.subsystems.map((s: { name: string }) => s.name));
    for (const [k, s] of doc.subsystems.entries()) {
      const goals = s.operations.flatMap((o: { name: string; goals: { id: string; status: string; ms: number; theorem: string }[] }) => o.goals.map((g) => ({ ...g, op: o.name })));
      const cases = all(suites[k], 'testcase');
      expect(cases).toHaveLength(goals.length);
      for (const [j, g] of goals.entries()) {
        expect(cases[j].attrs.classname).toBe(`${s.name}.${g.op}`);
        expect(cases[j].attrs.name).toContain(`[${g.id}]`);
        expect(cases[j].attrs.name.startsWith(`${g.theorem}: `)).toBe(true);
        expect(cases[j].attrs.time).toMatch(/^\d+\.\d{3}$/);
        expect(Math.abs(Number(cases[j].attrs.time) - g.ms / 1000)).toBeLessThan(0.001);
        const failure = all(cases[j], 'failure');
        expect(failure.length, g.id).toBe(g.status === 'refuted' ? 1 : 0);
      }
      expect(Number(suites[k].attrs.failures)).toBe(goals.filter((g: { status: string }) => g.status === 'refuted').length);
    }
    const counterFailure = all(suites[0], 'failure')[0];
    expect(counterFailure.text).toContain('counterexample (confirmed by replay)');
    expect(counterFailure.text).toContain('implementation returned -28, spec returned -22');
    const hostileFailure = all(suites[2], 'failure')[0];
    expect(hostileFailure.text).toContain(`rerun: npx verify ${HOSTILE_DIR} --filter incr`);
    expect(hostileFailure.text).toContain('implementation returned -1, spec returned -22');
    expect(Number(junit.attrs.time)).toBeCloseTo(doc.wallMs / 1000, 0);
  });

  it('--json: the document has every documented field and no other (docs/verify-report.schema.json)', () => {
    expect(validReport(doc), errorsOf(validReport)).toBe(true);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.summary.refuted).toBe(goalsOf(doc).filter((g) => g.status === 'refuted').length);
    // the schema checks it: a field nobody documented fails
    expect(validReport({ ...doc, extra: 1 })).toBe(false);
    expect(validReport({ ...doc, subsystems: [{ ...doc.subsystems[0], surprise: true }] })).toBe(false);
  });

  it('docs/ci.md describes every field of the schema', () => {
    const md = fs.readFileSync(path.join(REPO, 'docs', 'ci.md'), 'utf8');
    const fields = new Set<string>();
    const walk = (s: unknown): void => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) fields.add(k);
      for (const v of Object.values(o)) walk(v);
    };
    walk(reportSchema);
    expect(fields.size).toBeGreaterThan(40);
    const missing = [...fields].filter((f) => !md.includes(`\`${f}\``));
    expect(missing).toEqual([]);
  });

  it('--sarif is valid against the official SARIF 2.1.0 schema', () => {
    const sarif = JSON.parse(fs.readFileSync(path.join(root, 'out', 'report.sarif'), 'utf8'));
    expect(validSarif(sarif), errorsOf(validSarif)).toBe(true);
    expect(sarif.runs[0].results.length).toBeGreaterThanOrEqual(2);
    // a hostile folder name is percent-encoded in the URI and decodes back to the path
    const uris = sarif.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris.map(decodeURIComponent)).toContain(`examples/${HOSTILE_DIR}/impl.ts`);
    expect(uris).toContain('impl/counter.ts');
    // the validator can fail: a level SARIF does not have, a line 0, a missing message
    expect(validSarif({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ ...sarif.runs[0].results[0], level: 'fatal' }] }] })).toBe(false);
    const loc = sarif.runs[0].results[0].locations[0];
    expect(validSarif({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ ...sarif.runs[0].results[0], locations: [{ physicalLocation: { ...loc.physicalLocation, region: { startLine: 0 } } }] }] }] })).toBe(false);
    const { message: _m, ...noMessage } = sarif.runs[0].results[0];
    expect(validSarif({ ...sarif, runs: [{ ...sarif.runs[0], results: [noMessage] }] })).toBe(false);
  });
});

describe('verify rid --sarif', () => {
  it('is valid against the official SARIF 2.1.0 schema, also for a folder whose name needs percent-encoding', async () => {
    // the refcount catalogue in a folder named with a space, # and <
    const root = path.join(tmp, 'rid');
    fs.cpSync(path.join(REPO, 'examples', 'refcount'), path.join(root, 'ref count#1<'), { recursive: true });
    const out = path.join(tmp, 'rid.sarif');
    const r = await verify(root, 'rid', 'ref count#1</L1-pm-get-sync/buggy.ts', '--sarif', out);
    expect(r.code, both(r)).toBe(1);
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(sarif.runs[0].results[0].codeFlows.length).toBeGreaterThan(0);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('ref%20count%231%3C/L1-pm-get-sync/buggy.ts');
    expect(validSarif(sarif), errorsOf(validSarif)).toBe(true);
  });
});

describe('every front-end error of a subsystem is reported', () => {
  it('two unrelated subset errors in two functions of the spec, and one in the implementation', async () => {
    const root = path.join(tmp, 'rejected');
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'cli', 'ok'), root, { recursive: true });
    const spec = path.join(root, 'spec', 'counter.ts');
    fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace('  s.value = s.value + by;\n', '  let k = 0;\n  while (k < by) k = k + 1;\n  s.value = s.value + by;\n').replace('return s.value <= MAX;', 'return s.value <= MAX && s.value != 5000;'));
    const impl = path.join(root, 'impl', 'counter.ts');
    fs.writeFileSync(impl, fs.readFileSync(impl, 'utf8').replace('return s.rest < 100;', 'return s.rest < s.nope;'));
    const r = await verify(root, 'counter', '--json', '--junit', 'report.xml');
    expect(r.code, both(r)).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(validReport(doc), errorsOf(validReport)).toBe(true);
    const found = doc.subsystems[0].diagnostics.map((d: { loc: { file: string; line: number }; construct: string }) => `${path.relative(root, d.loc.file)}:${d.loc.line} ${d.construct}`).sort();
    expect(found).toEqual(['impl/counter.ts:26 the property `s.nope`', 'spec/counter.ts:17 a while loop', 'spec/counter.ts:23 the operator !=']);
    const xml = parseXml(fs.readFileSync(path.join(root, 'report.xml'), 'utf8'));
    expect(all(xml, 'error').filter((e) => e.attrs.type === 'subset')).toHaveLength(3);
  });
});
