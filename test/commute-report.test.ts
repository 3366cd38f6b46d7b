// COMMUTER's reports (verifier/commute/report.ts) on synthetic inputs: counts and percentages,
// the §5 table layout, the grouped table only for COMMUTER's POSIX calls, JSON and HTML.

import { describe, it, expect } from 'vitest';
import type { PairResult, TestCase, TestVerdict, Conflict } from '../verifier/commute/types.ts';
import {
  abbreviations, cellClass, conditionsText, htmlReport, jsonReport, pct, summarise, tableText, totalsText, POSIX_GROUPS,
} from '../verifier/commute/report.ts';

const POSIX = [...POSIX_GROUPS.name, ...POSIX_GROUPS.FD, ...POSIX_GROUPS.VM];

let seq = 0;
function test(a: string, b: string): TestCase {
  return {
    id: `${a}_${b}_p0_${seq++}`,
    pair: [a, b],
    path: 'p0',
    setup: {},
    calls: [{ op: a, args: [] }, { op: b, args: [] }],
    expect: { ab: [0, 0], ba: [0, 0] },
  };
}
const conflict = (cell: string): Conflict => ({ cell, a: 'write', b: 'read' });
function verdict(t: TestCase, impl: string, cells: string[] = [], resultsOk = true): TestVerdict {
  return { id: t.id, impl, resultsOk, conflicts: cells.map(conflict) };
}
function pair(a: string, b: string, over: Partial<PairResult> = {}): PairResult {
  return { a, b, verdict: 'sometimes', paths: 4, commutativePaths: 2, cases: [], divergences: [], unknowns: 0, ms: 1, ...over };
}

// Three ops; 7 tests: open/open 3, open/link 2 (one written link/open), stat/stat 2.
const OPS = ['open', 'link', 'stat'];
const T = [test('open', 'open'), test('open', 'open'), test('open', 'open'), test('open', 'link'), test('link', 'open'), test('stat', 'stat'), test('stat', 'stat')];
const V = [
  verdict(T[0], 'naive', ['dir{#keys}', 'inodes[1].nlink']),
  verdict(T[1], 'naive', ['inodes[2].nlink']),
  verdict(T[2], 'naive'),
  verdict(T[3], 'naive'),
  verdict(T[4], 'naive', ['dir{f0}']),
  verdict(T[5], 'naive'),
  verdict(T[6], 'naive'),
  ...T.map((t, i) => verdict(t, 'scalable', [], i !== 2)),
];
const PAIRS = [
  pair('open', 'open', { cases: ['a.pn ≠ b.pn'], divergences: [{ path: 'p1', first: 'result of a' }, { path: 'p2', first: 'result of a' }, { path: 'p3', first: 'state.dir' }] }),
  pair('open', 'link', { verdict: 'never', commutativePaths: 0, unknowns: 1 }),
];

describe('counting', () => {
  it('counts tests and conflicted tests per unordered pair and implementation', () => {
    const s = summarise(OPS, T, V);
    expect(s.impls).toEqual(['naive', 'scalable']);
    expect([s.testsOf('open', 'open'), s.testsOf('open', 'link'), s.testsOf('link', 'open'), s.testsOf('stat', 'stat'), s.testsOf('link', 'stat')]).toEqual([3, 2, 2, 2, 0]);
    expect([s.conflictedOf('naive', 'open', 'open'), s.conflictedOf('naive', 'link', 'open'), s.conflictedOf('scalable', 'open', 'open')]).toEqual([2, 1, 0]);
    expect(s.pairs).toBe(6);
    expect(s.pairsWithTests).toBe(3);
    const naive = s.totals[0];
    expect(naive).toMatchObject({ impl: 'naive', checked: 7, conflictFree: 4, conflicted: 3, resultsDiffer: 0, pairsConflictFree: 4 });
    expect(naive.cells).toEqual([
      { cell: 'inodes[].nlink', tests: 2 },
      { cell: 'dir{#keys}', tests: 1 },
      { cell: 'dir{}', tests: 1 },
    ]);
    expect(s.totals[1]).toMatchObject({ conflictFree: 7, conflicted: 0, resultsDiffer: 1, pairsConflictFree: 6 });
  });

  it('erases indices and keys from cells but keeps #keys', () => {
    expect(cellClass('procs[0].fds[12].off')).toBe('procs[].fds[].off');
    expect(cellClass('dir{f0}')).toBe('dir{}');
    expect(cellClass('dir{#keys}')).toBe('dir{#keys}');
    expect(cellClass('files{a}.pages[3]')).toBe('files{}.pages[]');
  });

  it('never rounds a percentage to 0% or 100% unless it is exact', () => {
    expect(pct(17206, 26238)).toBe('65.6%');
    expect(pct(26115, 26238)).toBe('99.5%');
    expect(pct(1999, 2000)).toBe('99.9%');
    expect(pct(1, 2000)).toBe('0.1%');
    expect(pct(5, 5)).toBe('100.0%');
    expect(pct(0, 5)).toBe('0.0%');
    expect(pct(0, 0)).toBe('–');
  });
});

describe('text', () => {
  it('prints conditions with cases and grouped divergences', () => {
    expect(conditionsText(PAIRS)).toBe([
      'open/open: sometimes (4 paths, 2 commutative)',
      '  a.pn ≠ b.pn',
      '  differs: result of a (p1, p2)',
      '  differs: state.dir (p3)',
      'open/link: never (4 paths, 0 commutative, 1 unknown)',
    ].join('\n'));
  });

  it('uses COMMUTER\'s abbreviations for the POSIX calls, short distinct ones otherwise', () => {
    expect(abbreviations(POSIX).join(' ')).toBe('open link unlnk renam stat fstat lseek close pipe read write pread pwrit mmap munmp mprot mrd mwr');
    const ab = abbreviations(['set_runnable', 'set_runnables', 'kill']);
    expect(ab.every((s) => s.length <= 5)).toBe(true);
    expect(new Set(ab).size).toBe(3);
    expect(ab[2]).toBe('kill');
  });

  it('lays out a table exactly as commuter.md §5, with . for zero', () => {
    const published = `        open  link unlnk renam  stat fstat lseek close  pipe  read write pread pwrit  mmap munmp mprot   mrd   mwr
open     110    83    15    40    14     4    32    32     2    21    21    22    28   149     8    42     .     .
link            28     9    25     7     .     .     .     .     9    14    10    20    42     4    20     1     .
unlnk                  5     9     3     .     .     .     .     5     7     6    12    22     2    10     .     .
renam                       27     8     2     .     .     .    10    14    12    24    42     4    20     .     .
stat                               3     .     .     .     .     6     8     8    10    20     2    10     .     .
fstat                                    5    11     2     .    17    12    16    10    21     .     .     .     .
lseek                                         81     2     .    21    30    28    63    33     .     .     .     .
close                                               19     4     5     4     2     2     8     .     .     .     .
pipe                                                       .     .     .     .     .     1     .     .     .     .
read                                                            23    27    29    39    76     2    13     .     .
write                                                                 26    30    48    70     3    19     3     4
pread                                                                       28    46    70     2    12     .     .
pwrit                                                                             67    92     4    27     .     .
mmap                                                                                  1518    74   238     .     .
munmp                                                                                          1    21     .     .
mprot                                                                                               82     .     .
mrd                                                                                                       20    19
mwr                                                                                                             22`;
    const rows = published.split('\n').slice(1).map((l) => l.trim().split(/\s+/).slice(1));
    const cell = (a: string, b: string) => {
      const i = POSIX.indexOf(a), j = POSIX.indexOf(b);
      const v = rows[i][j - i];
      return v === '.' ? '0' : v;
    };
    expect(tableText(POSIX, cell, 'Linux tests not conflict-free')).toBe(`Linux tests not conflict-free\n${published}`);
  });

  it('counts in the per-pair tables match the inputs', () => {
    const s = summarise(OPS, T, V);
    expect(tableText(OPS, (a, b) => String(s.testsOf(a, b)), 'tests')).toBe([
      'tests',
      '        open  link  stat',
      'open       3     2     .',
      'link             .     .',
      'stat                   2',
    ].join('\n'));
    expect(tableText(OPS, (a, b) => `${s.conflictedOf('naive', a, b)}/${s.testsOf(a, b)}`, 'naive')).toBe([
      'naive',
      '        open  link  stat',
      'open     2/3   1/2   0/0',
      'link           0/0   0/0',
      'stat                 0/2',
    ].join('\n'));
  });

  it('prints totals per implementation, without the grouped table for other ops', () => {
    const text = totalsText(OPS, T, V, { pools: 'f0..f5', cap: 500 });
    expect(text).toContain('7 tests generated');
    expect(text).toContain('  pools: f0..f5\n  cap: 500');
    expect(text).toContain('naive: 4 conflict-free (57.1%), 3 conflicted (42.9%)');
    expect(text).toContain('  4/6 call pairs with zero conflicted tests (3 pairs without tests)');
    expect(text).toContain('scalable: 7 conflict-free (100.0%), 0 conflicted (0.0%)');
    expect(text).toContain('  1 test returned results the spec does not allow');
    expect(text).toContain('       2  inodes[].nlink');
    expect(text).not.toContain('by group');
    expect(totalsText(OPS, T, V, {})).toContain('enumeration policy: not stated');
  });

  it('prints the grouped table when the ops are COMMUTER\'s POSIX calls', () => {
    const tests = [test('open', 'link'), test('open', 'link'), test('link', 'open'), test('open', 'open'), test('read', 'write'), test('mmap', 'read')];
    const verdicts = [
      verdict(tests[0], 'linux', ['dir{#keys}']),
      ...tests.slice(1).map((t) => verdict(t, 'linux')),
      ...tests.map((t) => verdict(t, 'sv6')),
    ];
    const text = totalsText(POSIX, tests, verdicts, {});
    const lines = text.split('\n');
    const at = lines.indexOf('conflict-free tests by group:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 8)).toEqual([
      'group          tests     linux       sv6',
      'name × name        4     75.0%    100.0%',
      'FD × FD            1    100.0%    100.0%',
      'VM × VM            0         –         –',
      'name × FD          0         –         –',
      'name × VM          0         –         –',
      'FD × VM            1    100.0%    100.0%',
    ]);
    expect(text).toContain('  170/171 call pairs with zero conflicted tests (167 pairs without tests)');
  });

  it('lists at most ten conflicting cells per implementation, most frequent first', () => {
    const tests = Array.from({ length: 12 }, () => test('open', 'open'));
    const verdicts = tests.map((t, i) => verdict(t, 'naive', Array.from({ length: i + 1 }, (_, k) => `c${k}`)));
    const lines = totalsText(OPS, tests, verdicts, {}).split('\n');
    const at = lines.indexOf('naive:');
    expect(lines.slice(at + 1)).toEqual(Array.from({ length: 10 }, (_, k) => `${String(12 - k).padStart(8)}  c${k}`));
  });
});

describe('JSON', () => {
  it('round-trips, with counts per pair and implementation', () => {
    const text = jsonReport(OPS, PAIRS, T, V, { cap: 500, pools: 'f0..f5' });
    const doc = JSON.parse(text);
    expect(JSON.stringify(doc, null, 2)).toBe(text);
    expect(Object.keys(doc)).toEqual(['ops', 'policy', 'impls', 'totals', 'groups', 'pairs', 'cells']);
    expect(doc.policy).toEqual({ cap: 500, pools: 'f0..f5' });
    expect(doc.groups).toBeNull();
    expect(doc.totals).toEqual({
      tests: 7, pairs: 6, pairsWithTests: 3,
      impls: {
        naive: { checked: 7, conflictFree: 4, conflicted: 3, resultsDiffer: 0, pairsConflictFree: 4 },
        scalable: { checked: 7, conflictFree: 7, conflicted: 0, resultsDiffer: 1, pairsConflictFree: 6 },
      },
    });
    expect(doc.pairs.map((p: { a: string; b: string }) => `${p.a}/${p.b}`)).toEqual(['open/open', 'open/link', 'open/stat', 'link/link', 'link/stat', 'stat/stat']);
    expect(doc.pairs[1]).toMatchObject({ tests: 2, conflicted: { naive: 1, scalable: 0 }, analysis: { verdict: 'never', unknowns: 1 } });
    expect(doc.pairs[2].analysis).toBeNull();
    expect(doc.cells.naive[0]).toEqual({ cell: 'inodes[].nlink', tests: 2 });
  });

  it('is the same document whatever the order of the verdicts', () => {
    expect(jsonReport(OPS, PAIRS, T, [...V].reverse(), {})).toBe(jsonReport(OPS, PAIRS, T, V, {}));
  });
});

describe('HTML', () => {
  const evil = '<script>alert("x")</script>';
  const html = htmlReport(OPS, [pair('open', 'link', { cases: [`a.pn = '${evil}' & b`] })], T, [...V, verdict(T[0], `i<1>`, [evil])], { note: evil }, `report ${evil}`);

  it('is a standalone page with one SVG per map', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(4); // tests, i<1>, naive, scalable
    expect(html).not.toMatch(/(src|href)=/);
    expect(html).toContain('<figcaption>tests per call pair</figcaption>');
  });

  it('escapes all text', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('i<1>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('i&lt;1&gt;');
    expect(html).toContain('&#39; &amp; b');
  });

  it('colours a map by conflict-free fraction and writes the conflicted count', () => {
    const naive = html.split('<figure>').find((f) => f.includes('conflicted tests, naive'))!;
    // open/open: 1 of 3 conflict-free → hue 40; open/link: 1 of 2 → hue 60; stat/stat all → green, no number
    expect(naive).toContain('<title>naive open/open: 2 of 3 checked tests conflicted (33.3% conflict-free)</title>');
    expect(naive).toMatch(/fill="hsl\(40, 70%, 55%\)"[^]*?>2<\/text>/);
    expect(naive).toMatch(/fill="hsl\(60, 70%, 55%\)"[^]*?>1<\/text>/);
    expect(naive).toMatch(/<title>naive stat\/stat[^<]*<\/title><rect[^>]*fill="hsl\(120, 70%, 55%\)" stroke="#fff"\/><\/g>/);
  });
});
