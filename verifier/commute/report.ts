// COMMUTER's reports (commuter.md §4 "Reporting", §5, §7.7) for `verify commute`: the commutativity
// conditions, per-pair tables in the layout of tools/summarize, totals, one JSON document and a
// standalone HTML page with heat maps. Pure functions from the phases' data to strings.
//
// A test is conflict-free on an implementation when its verdict lists no conflict (mtrace: an empty
// `shared` list). Results that the spec does not allow are a correctness failure, counted apart.

import type { PairResult, TestCase, TestVerdict } from './types.ts';

/** Free-form description of the test enumeration policy (pools, cap, isomorphism rule), printed
 *  as given: COMMUTER's own test count doubled after a small policy change. */
export type Policy = Record<string, unknown>;

/** COMMUTER's 18 POSIX calls in tools/posix_model.py order, by group. */
export const POSIX_GROUPS: Record<'name' | 'FD' | 'VM', string[]> = {
  name: ['open', 'link', 'unlink', 'rename', 'stat'],
  FD: ['fstat', 'lseek', 'close', 'pipe', 'read', 'write', 'pread', 'pwrite'],
  VM: ['mmap', 'munmap', 'mprotect', 'memread', 'memwrite'],
};

/** The abbreviations of commuter.md §5, so our tables read like the published ones. */
const POSIX_ABBREV: Record<string, string> = {
  unlink: 'unlnk', rename: 'renam', pwrite: 'pwrit', munmap: 'munmp', mprotect: 'mprot', memread: 'mrd', memwrite: 'mwr',
};

/** Column labels of at most 5 characters, distinct. */
export function abbreviations(ops: string[]): string[] {
  const used = new Set<string>();
  return ops.map((op) => {
    let ab = POSIX_ABBREV[op] ?? (op.length <= 5 ? op : (op[0] + op.slice(1).replace(/[aeiou_]/gi, '')).slice(0, 5));
    for (let n = 2; used.has(ab); n++) ab = op.slice(0, 5 - String(n).length) + n;
    used.add(ab);
    return ab;
  });
}

// ---- counting ---------------------------------------------------------------------------------

export interface ImplTotals {
  impl: string;
  /** tests with a verdict for this implementation */
  checked: number;
  conflictFree: number;
  conflicted: number;
  /** tests whose results the spec does not allow (in either order) */
  resultsDiffer: number;
  /** pairs of `ops` with no conflicted test (pairs without tests included) */
  pairsConflictFree: number;
  /** conflicting cells with indices and map keys erased, by the number of tests they occur in */
  cells: { cell: string; tests: number }[];
}

export interface Summary {
  tests: number;
  /** unordered pairs of `ops`, an op with itself included: n(n+1)/2 */
  pairs: number;
  pairsWithTests: number;
  /** implementations, sorted by name */
  impls: string[];
  totals: ImplTotals[];
  testsOf(a: string, b: string): number;
  conflictedOf(impl: string, a: string, b: string): number;
  checkedOf(impl: string, a: string, b: string): number;
}

/** A cell without its indices and keys: `inodes[3].nlink` → `inodes[].nlink`. Single tests touch
 *  single elements; what recurs across tests is the field. `{#keys}` stays, it is one cell. */
export function cellClass(cell: string): string {
  return cell.replace(/\[[^\]]*\]/g, '[]').replace(/\{(?!#keys\})[^}]*\}/g, '{}');
}

function pairKey(order: Map<string, number>, a: string, b: string): string {
  const ia = order.get(a) ?? Infinity, ib = order.get(b) ?? Infinity;
  return ia < ib || (ia === ib && a <= b) ? `${a}/${b}` : `${b}/${a}`;
}

export function summarise(ops: string[], tests: TestCase[], verdicts: TestVerdict[]): Summary {
  const order = new Map(ops.map((op, i) => [op, i]));
  const key = (a: string, b: string) => pairKey(order, a, b);
  const pairOf = new Map(tests.map((t) => [t.id, key(t.pair[0], t.pair[1])]));
  const testsPer = new Map<string, number>();
  for (const k of pairOf.values()) testsPer.set(k, (testsPer.get(k) ?? 0) + 1);

  // One verdict per (implementation, test); a later one replaces an earlier one.
  const byImpl = new Map<string, Map<string, TestVerdict>>();
  for (const v of verdicts) {
    if (!pairOf.has(v.id)) continue; // not a test of this run
    if (!byImpl.has(v.impl)) byImpl.set(v.impl, new Map());
    byImpl.get(v.impl)!.set(v.id, v);
  }
  const impls = [...byImpl.keys()].sort();
  const allPairs: string[] = [];
  ops.forEach((a, i) => ops.slice(i).forEach((b) => allPairs.push(key(a, b))));

  const checked = new Map<string, number>(), conflicted = new Map<string, number>();
  const totals = impls.map((impl): ImplTotals => {
    const t: ImplTotals = { impl, checked: 0, conflictFree: 0, conflicted: 0, resultsDiffer: 0, pairsConflictFree: 0, cells: [] };
    const cells = new Map<string, number>();
    for (const v of byImpl.get(impl)!.values()) {
      const k = `${impl}\u0000${pairOf.get(v.id)}`;
      t.checked++;
      checked.set(k, (checked.get(k) ?? 0) + 1);
      if (!v.resultsOk) t.resultsDiffer++;
      if (v.conflicts.length === 0) { t.conflictFree++; continue; }
      t.conflicted++;
      conflicted.set(k, (conflicted.get(k) ?? 0) + 1);
      for (const c of new Set(v.conflicts.map((c) => cellClass(c.cell)))) cells.set(c, (cells.get(c) ?? 0) + 1);
    }
    t.pairsConflictFree = allPairs.filter((p) => !conflicted.get(`${impl}\u0000${p}`)).length;
    t.cells = [...cells].map(([cell, n]) => ({ cell, tests: n })).sort((x, y) => y.tests - x.tests || (x.cell < y.cell ? -1 : 1));
    return t;
  });

  return {
    tests: tests.length,
    pairs: allPairs.length,
    pairsWithTests: allPairs.filter((p) => testsPer.has(p)).length,
    impls,
    totals,
    testsOf: (a, b) => testsPer.get(key(a, b)) ?? 0,
    conflictedOf: (impl, a, b) => conflicted.get(`${impl}\u0000${key(a, b)}`) ?? 0,
    checkedOf: (impl, a, b) => checked.get(`${impl}\u0000${key(a, b)}`) ?? 0,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A percentage with one decimal that never rounds to 0% or 100% unless it is exactly that. */
/** `1 path`, `4 paths`. */
export function pathsText(n: number): string {
  return `${n} path${n === 1 ? '' : 's'}`;
}

export function pct(n: number, d: number): string {
  if (d === 0) return '–';
  let s = ((100 * n) / d).toFixed(1);
  if (n < d && s === '100.0') s = '99.9';
  if (n > 0 && s === '0.0') s = '0.1';
  return `${s}%`;
}

// ---- text -------------------------------------------------------------------------------------

/** Per pair: verdict, path counts, the commutative cases, then what tells non-commuting paths apart. */
export function conditionsText(pairs: PairResult[]): string {
  const out: string[] = [];
  for (const p of pairs) {
    const unknown = p.unknowns > 0 ? `, ${p.unknowns} unknown` : '';
    out.push(`${p.a}/${p.b}: ${p.verdict} (${pathsText(p.paths)}, ${p.commutativePaths} commutative${unknown})`);
    for (const c of p.cases) out.push(`  ${c}`);
    // Many paths diverge for the same reason: one line per reason, with its paths.
    const why = new Map<string, string[]>();
    for (const d of p.divergences) why.set(d.first, [...(why.get(d.first) ?? []), d.path]);
    for (const [first, paths] of why) {
      const shown = paths.slice(0, 4).join(', ') + (paths.length > 4 ? `, +${paths.length - 4} more` : '');
      out.push(`  differs: ${first} (${shown})`);
    }
  }
  return out.join('\n');
}

/** An upper-triangular table over `ops` (commuter.md §5): row op a, column op b, a before b. */
export function tableText(ops: string[], cell: (a: string, b: string) => string, title: string): string {
  const ab = abbreviations(ops);
  const text = ops.map((a, i) => ops.map((b, j) => {
    if (j < i) return '';
    const t = cell(a, b);
    return t === '0' ? '.' : t;
  }));
  const w = Math.max(6, ...text.flat().map((s) => s.length + 2));
  const lines = [title, ' '.repeat(6) + ab.map((s) => s.padStart(w)).join('')];
  ops.forEach((_, i) => lines.push(ab[i].padEnd(6) + text[i].map((s) => s.padStart(w)).join('')));
  return lines.join('\n');
}

/** The six groups of commuter.md §5, when `ops` has all of COMMUTER's POSIX calls. */
function posixGroups(ops: string[]): [string, string[], string[]][] | undefined {
  const { name, FD, VM } = POSIX_GROUPS;
  if (![...name, ...FD, ...VM].every((op) => ops.includes(op))) return undefined;
  return [
    ['name × name', name, name], ['FD × FD', FD, FD], ['VM × VM', VM, VM],
    ['name × FD', name, FD], ['name × VM', name, VM], ['FD × VM', FD, VM],
  ];
}

interface GroupRow { group: string; tests: number; conflictFree: Record<string, string> }

function groupRows(ops: string[], s: Summary): GroupRow[] | undefined {
  const groups = posixGroups(ops);
  if (!groups) return undefined;
  const order = new Map(ops.map((o, i) => [o, i]));
  return groups.map(([group, g1, g2]) => {
    // Each unordered pair once, also within one group.
    const pairs = new Map<string, [string, string]>();
    for (const a of g1) for (const b of g2) pairs.set(pairKey(order, a, b), [a, b]);
    const list = [...pairs.values()];
    const tests = list.reduce((n, [a, b]) => n + s.testsOf(a, b), 0);
    const conflictFree: Record<string, string> = {};
    for (const impl of s.impls) {
      const checked = list.reduce((n, [a, b]) => n + s.checkedOf(impl, a, b), 0);
      const bad = list.reduce((n, [a, b]) => n + s.conflictedOf(impl, a, b), 0);
      conflictFree[impl] = pct(checked - bad, checked);
    }
    return { group, tests, conflictFree };
  });
}

/** Totals in the manner of COMMUTER's tools/summarize, per implementation. */
export function totalsText(ops: string[], tests: TestCase[], verdicts: TestVerdict[], policy: Policy): string {
  const s = summarise(ops, tests, verdicts);
  const policyLines = Object.entries(policy);
  const out = [`${plural(s.tests, 'test')} generated`, `enumeration policy:${policyLines.length ? '' : ' not stated'}`];
  for (const [k, v] of policyLines) out.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  for (const t of s.totals) {
    out.push(`${t.impl}: ${t.conflictFree} conflict-free (${pct(t.conflictFree, s.tests)}), ${t.conflicted} conflicted (${pct(t.conflicted, s.tests)})`);
    const untested = s.pairs - s.pairsWithTests;
    out.push(`  ${t.pairsConflictFree}/${s.pairs} call pairs with zero conflicted tests` + (untested ? ` (${plural(untested, 'pair')} without tests)` : ''));
    if (t.resultsDiffer) out.push(`  ${plural(t.resultsDiffer, 'test')} returned results the spec does not allow`);
    if (t.checked < s.tests) out.push(`  ${plural(s.tests - t.checked, 'test')} not checked`);
  }
  const rows = groupRows(ops, s);
  if (rows && s.impls.length > 0) {
    out.push('', 'conflict-free tests by group:');
    const w = s.impls.map((i) => Math.max(8, i.length) + 2);
    out.push('group'.padEnd(12) + 'tests'.padStart(8) + s.impls.map((i, k) => i.padStart(w[k])).join(''));
    for (const r of rows) out.push(r.group.padEnd(12) + String(r.tests).padStart(8) + s.impls.map((i, k) => r.conflictFree[i].padStart(w[k])).join(''));
  }
  if (s.totals.some((t) => t.cells.length > 0)) {
    out.push('', 'most frequent conflicting cells (tests; indices and map keys erased):');
    for (const t of s.totals) {
      if (t.cells.length === 0) continue;
      out.push(`${t.impl}:`);
      for (const c of t.cells.slice(0, 10)) out.push(`${String(c.tests).padStart(8)}  ${c.cell}`);
    }
  }
  return out.join('\n');
}

// ---- JSON -------------------------------------------------------------------------------------

/** Every pair of `ops` in table order, then analysed pairs whose ops are not in `ops`. */
function pairList(ops: string[], pairs: PairResult[]): { a: string; b: string; analysis?: PairResult }[] {
  const order = new Map(ops.map((op, i) => [op, i]));
  const analysed = new Map(pairs.map((p) => [pairKey(order, p.a, p.b), p]));
  const out: { a: string; b: string; analysis?: PairResult }[] = [];
  ops.forEach((a, i) => ops.slice(i).forEach((b) => {
    const k = pairKey(order, a, b);
    out.push({ a, b, analysis: analysed.get(k) });
    analysed.delete(k);
  }));
  for (const p of analysed.values()) out.push({ a: p.a, b: p.b, analysis: p });
  return out;
}

/** One document for tools; keys are written in a fixed order so that two runs diff cleanly. */
export function jsonReport(ops: string[], pairs: PairResult[], tests: TestCase[], verdicts: TestVerdict[], policy: Policy): string {
  const s = summarise(ops, tests, verdicts);
  const perImpl = <T>(f: (impl: string) => T) => Object.fromEntries(s.impls.map((i) => [i, f(i)]));
  const doc = {
    ops,
    policy,
    impls: s.impls,
    totals: {
      tests: s.tests,
      pairs: s.pairs,
      pairsWithTests: s.pairsWithTests,
      impls: perImpl((impl) => {
        const t = s.totals.find((x) => x.impl === impl)!;
        return { checked: t.checked, conflictFree: t.conflictFree, conflicted: t.conflicted, resultsDiffer: t.resultsDiffer, pairsConflictFree: t.pairsConflictFree };
      }),
    },
    groups: groupRows(ops, s) ?? null,
    pairs: pairList(ops, pairs).map(({ a, b, analysis: p }) => ({
      a,
      b,
      analysis: p
        ? { verdict: p.verdict, paths: p.paths, commutativePaths: p.commutativePaths, unknowns: p.unknowns, ms: p.ms, cases: p.cases, divergences: p.divergences.map((d) => ({ path: d.path, first: d.first })), proofs: p.proofs ?? null }
        : null,
      tests: s.testsOf(a, b),
      conflicted: perImpl((impl) => s.conflictedOf(impl, a, b)),
    })),
    cells: perImpl((impl) => s.totals.find((x) => x.impl === impl)!.cells),
  };
  return JSON.stringify(doc, null, 2);
}

// ---- HTML -------------------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface MapCell { fill: string; text: string; dark?: boolean; tip: string }

/** An upper-triangular heat map in the layout of COMMUTER's tools/make-heatmaps. */
function heatMap(ops: string[], cell: (a: string, b: string) => MapCell, label: string): string {
  const C = 30, L = 44, T = 24;
  const ab = abbreviations(ops);
  const size = (n: number) => n * C;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L + size(ops.length) + 2}" height="${T + size(ops.length) + 2}" role="img" aria-label="${escapeHtml(label)}">`,
  ];
  ab.forEach((s, j) => parts.push(`<text x="${L + j * C + C / 2}" y="${T - 8}" text-anchor="middle" class="lab">${escapeHtml(s)}</text>`));
  ops.forEach((a, i) => {
    parts.push(`<text x="${L - 4}" y="${T + i * C + C / 2 + 4}" text-anchor="end" class="lab">${escapeHtml(ab[i])}</text>`);
    ops.forEach((b, j) => {
      if (j < i) return;
      const c = cell(a, b);
      const x = L + j * C, y = T + i * C;
      parts.push(
        `<g><title>${escapeHtml(c.tip)}</title><rect x="${x}" y="${y}" width="${C}" height="${C}" fill="${c.fill}" stroke="#fff"/>` +
          (c.text ? `<text x="${x + C / 2}" y="${y + C / 2 + 3}" text-anchor="middle" class="num"${c.dark ? ' fill="#fff"' : ''}>${escapeHtml(c.text)}</text>` : '') +
          '</g>',
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const EMPTY = '#eeeeee';

/** A page that needs nothing but itself: the heat maps (tests, then conflicts per implementation),
 *  the totals and the conditions. */
export function htmlReport(
  ops: string[], pairs: PairResult[], tests: TestCase[], verdicts: TestVerdict[], policy: Policy, title = 'verify commute',
): string {
  const s = summarise(ops, tests, verdicts);
  const max = Math.max(1, ...ops.flatMap((a) => ops.map((b) => s.testsOf(a, b))));
  const figure = (svg: string, caption: string) => `<figure>\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;

  const testsMap = heatMap(ops, (a, b) => {
    const n = s.testsOf(a, b);
    const light = Math.round(95 - 60 * (Math.log1p(n) / Math.log1p(max))); // log scale: counts span 1..4,000
    return { fill: n ? `hsl(210, 70%, ${light}%)` : EMPTY, text: n ? String(n) : '', dark: light < 60, tip: `${a}/${b}: ${n} tests` };
  }, 'tests per call pair');

  const implMaps = s.impls.map((impl) => figure(heatMap(ops, (a, b) => {
    const checked = s.checkedOf(impl, a, b), bad = s.conflictedOf(impl, a, b);
    const tip = `${impl} ${a}/${b}: ${bad} of ${checked} checked tests conflicted (${pct(checked - bad, checked)} conflict-free)`;
    if (checked === 0) return { fill: EMPTY, text: '', tip };
    return { fill: `hsl(${Math.round((120 * (checked - bad)) / checked)}, 70%, 55%)`, text: bad ? String(bad) : '', tip };
  }, `conflicted tests, ${impl}`), `${impl}: colour is the conflict-free fraction (green: all, red: none), the number the conflicted tests`));

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>',
    'body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }',
    'figure { display: inline-block; margin: 0 2em 2em 0; vertical-align: top; }',
    'svg .lab { font: 10px monospace; fill: #444; } svg .num { font: 9px monospace; }',
    'pre { background: #f7f7f7; padding: 1em; overflow-x: auto; }',
    '</style>',
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    '<h2>Totals</h2>',
    `<pre>${escapeHtml(totalsText(ops, tests, verdicts, policy))}</pre>`,
    '<h2>Heat maps</h2>',
    figure(testsMap, 'tests per call pair'),
    ...implMaps,
    '<h2>Commutativity conditions</h2>',
    `<pre>${escapeHtml(conditionsText(pairs))}</pre>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
