// `npm run bench:commute [-- --ops open,link,unlink] [-- --max-tests-per-path N] [-- --jobs N]
//  [-- --rlimit N] [-- --timeout MS] [-- --json FILE] [-- --html FILE] [-- --tests FILE] [-- --spend FILE]`:
// verify commute on the POSIX model (spec/posix.ts, both implementations), phase by phase, next to
// COMMUTER's published figures (shared/research/commuter.md §0). Without --ops, all 171 pairs.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCommute, writeTestsFile } from '../verifier/commute/command.ts';
import { htmlReport, jsonReport, pct, summarise } from '../verifier/commute/report.ts';
import type { Json, TestCase } from '../verifier/commute/types.ts';
import { EMFILE, ENFILE, ENOMEM, ENOSPC } from '../spec/posix.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run bench:commute -- [--ops open,link,...] [--max-tests-per-path N] [--jobs N] [--rlimit N] [--timeout MS] [--json FILE] [--html FILE] [--tests FILE] [--spend FILE]';
let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({ options: { ops: { type: 'string' }, 'max-tests-per-path': { type: 'string' }, jobs: { type: 'string' }, rlimit: { type: 'string' }, timeout: { type: 'string' }, spend: { type: 'string' }, json: { type: 'string' }, html: { type: 'string' }, tests: { type: 'string' } } }));
} catch (e) {
  console.error(`bench:commute: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const ops = values.ops?.split(',').map((s) => s.trim());
const filter = ops?.flatMap((a, i) => ops.slice(i).map((b) => `${a}/${b}`));
const jobs = Number(values.jobs ?? 2);

const t0 = performance.now();
const run = await runCommute({
  root,
  target: 'posix',
  // the budget per check is Z3's resource count (default: verify commute's); --timeout is only the net
  ...(values.rlimit ? { rlimit: Number(values.rlimit) } : {}),
  ...(values.timeout ? { timeoutMs: Number(values.timeout) } : {}),
  jobs,
  maxTestsPerPath: values['max-tests-per-path'] ? Number(values['max-tests-per-path']) : undefined,
  filter,
  // one line per pair and phase on stderr, to follow a long run
  progress: (line) => console.error(line),
});
const wall = (performance.now() - t0) / 1000;
/** thousands separated, as COMMUTER's figures in the same table are */
const num = (x: number) => x.toLocaleString('en-US');
// the parent's (the solver workers are child processes): it holds every pair's terms and every test
const peakRssGB = (process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2);

const tests = run.tests.map((t) => t.test);
const s = summarise(run.ops, tests, run.verdicts);
const verdicts = { always: 0, sometimes: 0, never: 0, unknown: 0 };
for (const p of run.pairs) verdicts[p.verdict]++;
const paths = run.pairs.reduce((n, p) => n + p.paths, 0);
const commutative = run.pairs.reduce((n, p) => n + p.commutativePaths, 0);
const perPath = new Map<string, number>();
for (const t of tests) perPath.set(`${t.pair.join('/')}:${t.path}`, (perPath.get(`${t.pair.join('/')}:${t.path}`) ?? 0) + 1);
const counts = [...perPath.values()].sort((a, b) => a - b);
const median = counts.length ? counts[Math.floor(counts.length / 2)] : 0;
const mean = counts.length ? (tests.length / counts.length).toFixed(1) : '0';
const implRow = (label: string, f: (name: string) => string) => run.spec.variants.map((v) => `| ${label} (${v.name}) | ${f(v.name)} |`).join('\n');
const proofs = (name: string) => {
  const ps = run.pairs.map((p) => p.proofs?.[name]).filter((x) => x !== undefined);
  const free = ps.reduce((n, x) => n + x.conflictFree, 0);
  const all = ps.reduce((n, x) => n + x.conflictFree + x.mayConflict + x.unknown, 0);
  return `${num(free)} of ${num(all)} commutative paths`;
};

// Tests in which a call finds a table full: EMFILE/ENOSPC from open, EMFILE/ENFILE from pipe,
// ENOMEM from a non-fixed mmap. COMMUTER's tables are unbounded, so its tests have none of these;
// the spec's three-entry tables make them a large share of ours, and deciding "full" reads every
// entry the other call may take or free (docs/commute.md, "What the conflicts are").
const FULL_TABLE: Record<string, number[]> = { open: [EMFILE, ENOSPC], pipe: [EMFILE, ENFILE], mmap: [ENOMEM] };
const code = (r: Json) => (typeof r === 'object' && r !== null && !Array.isArray(r) ? r.r : r);
const findsTableFull = (t: TestCase) => t.calls.some((c, i) => FULL_TABLE[c.op]?.includes(code(t.expect.ab[i]) as number) ?? false);
const tableFull = new Set(tests.filter(findsTableFull).map((t) => t.id));
const byOutcome = (impl: string, full: boolean) => {
  const group = tests.filter((t) => tableFull.has(t.id) === full).length;
  const conflicted = run.verdicts.filter((v) => v.impl === impl && v.conflicts.length > 0 && tableFull.has(v.id) === full).length;
  return `${num(group - conflicted)} of ${num(group)} (${pct(group - conflicted, group)})`;
};

console.log(`verify commute posix · ${run.pairs.length} pairs${ops ? ` among ${ops.join(', ')}` : ''} · ${jobs} solver workers · ${new Date().toISOString().slice(0, 10)}

| metric | COMMUTER SOSP'13 | COMMUTER thesis'14 | pushbutton |
|---|---|---|---|
| ops / pairs | 18 / 171 | 18 / 171 | ${run.ops.length} / ${run.pairs.length} |
| pairs always / sometimes / never / unknown | - | - | ${verdicts.always} / ${verdicts.sometimes} / ${verdicts.never} / ${verdicts.unknown} |
| paths / commutative paths | - | - / 5,368 with tests | ${num(paths)} / ${num(commutative)} |
| solver unknowns | - | - | ${run.unknowns} |
| tests generated | 13,664 | 26,238 | ${num(tests.length)} |
| tests per path mean / median / max | - | 4.9 / 2 / 500 | ${mean} / ${median} / ${counts[counts.length - 1] ?? 0} |
| naive implementation conflict-free | Linux 9,389 (68.7%) | Linux 17,206 (65.6%) | see below |
| scalable implementation conflict-free | sv6 "99%" | sv6 26,115 (99.5%) | see below |
| wall time | - | 16 min (80 cores, 2 OSes) | ${wall.toFixed(0)} s on ${jobs} workers |

| pushbutton, per implementation | |
|---|---|
${implRow('tests conflict-free', (n) => {
  const t = s.totals.find((x) => x.impl === n)!;
  return `${num(t.conflictFree)} of ${num(tests.length)} (${pct(t.conflictFree, tests.length)})`;
})}
${implRow('pairs with zero conflicted tests', (n) => `${run.pairs.filter((p) => s.conflictedOf(n, p.a, p.b) === 0).length} of ${run.pairs.length}`)}
${implRow('most frequent conflicting cells (tests)', (n) => s.totals.find((x) => x.impl === n)!.cells.slice(0, 4).map((c) => `${c.cell} (${c.tests})`).join(', ') || '-')}
${implRow('paths PROVED conflict-free', proofs)}
${implRow('conflict-free, tests where a call finds a table full', (n) => byOutcome(n, true))}
${implRow('conflict-free, all other tests', (n) => byOutcome(n, false))}

phases: analyze ${(run.phases.analyzeMs / 1000).toFixed(1)} s · prove ${(run.phases.proveMs / 1000).toFixed(1)} s · testgen ${(run.phases.testgenMs / 1000).toFixed(1)} s · conflict check ${(run.phases.checkMs / 1000).toFixed(1)} s · peak RSS of the parent process ${peakRssGB} GB
implementation starting states: ${num(run.startStates.propagated)} by propagation, ${num(run.startStates.solved)} by the solver
toolchain errors: ${run.toolchainErrors.length}; tests dropped (undecodable model, no implementation starting state): ${run.dropped.length}; solver unknowns: ${run.unknowns}; implementation results the spec does not allow: ${run.verdicts.filter((v) => !v.resultsOk).length}
budget per check: rlimit ${run.budget.rlimit}, wall-clock net ${run.budget.timeoutMs} ms; resource counts spent: one check at most ${num(run.spend?.maxCheck ?? 0)} (${run.spend?.byCheck[0]?.what ?? '-'}), one enumeration at most ${num(run.spend?.maxTotal ?? 0)} (${run.spend?.byTotal[0]?.what ?? '-'})
slowest pairs (analysis): ${[...run.pairs].sort((a, b) => b.ms - a.ms).slice(0, 5).map((p) => `${p.a}/${p.b} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
// each set-aside test with why, as verify commute prints them (a count alone cannot be looked into)
for (const e of [...run.toolchainErrors, ...run.dropped]) console.log(`set aside: ${e.id}: ${e.why}`);

// the largest counts spent, per kind of goal (what the default budgets were chosen from)
if (values.spend) fs.writeFileSync(values.spend, JSON.stringify({ ...run.spend?.toJSON(), log: run.spend?.log }));
// the per-pair report (the heat maps' data) and the page with the heat maps, as verify commute writes them
if (values.json) fs.writeFileSync(values.json, jsonReport(run.ops, run.pairs, tests, run.verdicts, run.policy));
// the tests themselves, so that a changed implementation can be checked on exactly these again
if (values.tests) writeTestsFile(values.tests, run);
if (values.html) fs.writeFileSync(values.html, htmlReport(run.ops, run.pairs, tests, run.verdicts, run.policy, `verify commute posix (bench, ${new Date().toISOString().slice(0, 10)})`));
