// Benchmark of verify rid on the refcount catalogue (examples/refcount): per catalogue entry and
// variant (buggy, fixed) the paths per function, solver queries, unknowns, query times, loop
// unrolling and wall time, next to RID's published limits (Mao et al., ASPLOS'16; research/rid.md
// §1.4–1.5: 100 paths per function, loops unrolled once, 100 ms per query, 10 subcases per path).
//
// Run: npm run bench:rid [-- --jobs N] [-- --max-paths N] [-- --functions] [-- --no-ablation]
//      [-- PATH ...] (default: the catalogue, buggy and fixed ports).
// One solver worker by default (so query times are not summed over workers), shared by every
// entry; each entry's wall time is its own run (lowering, paths, queries, replays).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRid } from '../verifier/rid/command.ts';
import type { RidResult } from '../verifier/rid/report.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { DEFAULT_MAX_PATHS } from '../symexec/summary.ts';
import { RID_RLIMIT } from '../verifier/rid/smt.ts';
import type { Stmt } from '../verifier/ir.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const jobs = Number(opt('--jobs') ?? 1);
const maxPaths = Number(opt('--max-paths') ?? DEFAULT_MAX_PATHS);
const TIMEOUT_MS = 10_000;
/** RID's published limits, as in its source (research/rid.md §1.4–1.5) */
const RID = { paths: 100, unroll: 1, queryMs: 100, subcases: 10 };
const given = args.filter((a, i) => !a.startsWith('--') && !['--jobs', '--max-paths'].includes(args[i - 1]));
const catalogue = path.join(root, 'examples', 'refcount');
const entries: { name: string; variant: string; file: string }[] = given.length
  ? given.map((g) => ({ name: path.relative(root, g), variant: '', file: g }))
  : fs
      .readdirSync(catalogue, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
      .flatMap((d) => ['buggy', 'fixed'].map((v) => ({ name: d, variant: v, file: path.join('examples', 'refcount', d, `${v}.ts`) })));

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** The largest number of iterations any loop of the body is unrolled to. */
function maxUnroll(body: Stmt[]): number {
  let m = 0;
  for (const s of body) {
    if (s.k === 'for') m = Math.max(m, s.to - s.from, maxUnroll(s.body));
    else if (s.k === 'if') m = Math.max(m, maxUnroll(s.then), maxUnroll(s.else));
  }
  return m;
}

const pool = new SolverPool({ jobs });
console.log(`pushbutton verify rid benchmark · ${await SolverPool.solverVersion()} · ${jobs} worker(s) · node ${process.version}`);
console.log(`RID's limits (as published in its source): ${RID.paths} paths/function, loops unrolled ${RID.unroll}×, ${RID.queryMs} ms/query (a timeout counts as SAT), ${RID.subcases} callee subcases/path`);
console.log(`this run: ${maxPaths} paths/function (--max-paths), loops unrolled to their constant bound, ${TIMEOUT_MS} ms/query (unknown counted apart), every callee case`);
console.log('');
const head = `${'entry'.padEnd(31)} ${'variant'.padEnd(7)} ${'fns'.padStart(3)} ${'paths/fn (max; each)'.padEnd(22)} ${'cap'.padStart(3)} ${'pcap'.padStart(4)} ${'unroll'.padStart(6)} ${'queries'.padStart(7)} ${'unknown'.padStart(7)} ${'q>100ms'.padStart(7)} ${'max q ms'.padStart(8)} ${'wall ms'.padStart(7)}  findings`;
console.log(head);
console.log(`${'RID limit'.padEnd(31)} ${''.padEnd(7)} ${''.padStart(3)} ${`≤ ${RID.paths}`.padEnd(22)} ${''.padStart(3)} ${''.padStart(4)} ${String(RID.unroll).padStart(6)} ${''.padStart(7)} ${'as SAT'.padStart(7)} ${'timeout'.padStart(7)} ${String(RID.queryMs).padStart(8)} ${''.padStart(7)}`);
const t0 = performance.now();
const all: { e: (typeof entries)[number]; r: RidResult; wall: number }[] = [];
for (const e of entries) {
  const t = performance.now();
  const r = await runRid({ root, paths: [e.file], timeoutMs: TIMEOUT_MS, jobs, maxPaths, pool });
  const wall = performance.now() - t;
  all.push({ e, r, wall });
  const a = r.analysis;
  const checked = a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration);
  const paths = checked.map((s) => s.paths);
  const qms = checked.flatMap((s) => s.queryMs);
  // (a report that stands for several elements of one mistake says how many more)
  const found = r.bugs.map((b) => `${b.finding.rule.slice(3)} ${b.finding.counter}${b.group?.length ? ` (+${b.group.length} elements)` : ''}`);
  const pathsText = `${Math.max(0, ...paths)}; ${paths.join(' ')}`;
  console.log(
    `${e.name.padEnd(31)} ${e.variant.padEnd(7)} ${String(checked.length).padStart(3)} ${(pathsText.length > 22 ? pathsText.slice(0, 21) + '…' : pathsText).padEnd(22)} ${String(checked.filter((s) => s.capped).length).padStart(3)} ${String(checked.filter((s) => s.pairsCapped).length).padStart(4)} ${String(Math.max(0, ...checked.map((s) => maxUnroll(s.fn.body)))).padStart(6)} ${String(checked.reduce((n, s) => n + s.queries, 0)).padStart(7)} ${String(a.unknowns.length).padStart(7)} ${String(qms.filter((x) => x > RID.queryMs).length).padStart(7)} ${Math.max(0, ...qms).toFixed(0).padStart(8)} ${wall.toFixed(0).padStart(7)}  ${found.join('; ') || (r.unconfirmed.length ? `${r.unconfirmed.length} not confirmed` : '-')}`,
  );
  if (args.includes('--functions')) {
    for (const s of checked) console.log(`    ${s.fn.name.padEnd(27)} paths ${s.paths} (feasible ${s.feasible}${s.capped ? ', cap hit' : ''}), ${s.queries} queries, ${s.unknown} unknown, max query ${Math.max(0, ...s.queryMs).toFixed(0)} ms, ${s.ms.toFixed(0)} ms`);
  }
}
const wall = performance.now() - t0;
const stats = all.flatMap(({ r }) => r.analysis.stats.filter((s) => r.analysis.files.includes(s.fn.file)));
const checked = stats.filter((s) => !s.declaration);
const paths = checked.map((s) => s.paths);
const qms = all.flatMap(({ r }) => r.analysis.stats.flatMap((s) => s.queryMs));
const side = (v: string) => all.filter((x) => x.e.variant === v);
console.log('');
console.log(`functions checked: ${checked.length}; findings: ${all.reduce((n, x) => n + x.r.bugs.length, 0)} confirmed by replay (${side('buggy').reduce((n, x) => n + x.r.bugs.length, 0)} in buggy ports, ${side('fixed').reduce((n, x) => n + x.r.bugs.length, 0)} in fixed ports), ${all.reduce((n, x) => n + x.r.unconfirmed.length, 0)} not confirmed`);
console.log(`buggy ports with a finding: ${side('buggy').filter((x) => x.r.bugs.length).length} of ${side('buggy').length}; fixed ports clean: ${side('fixed').filter((x) => !x.r.bugs.length && !x.r.unconfirmed.length).length} of ${side('fixed').length}`);
console.log(`paths per function: median ${pct(paths, 50)}, p95 ${pct(paths, 95)}, max ${Math.max(0, ...paths)} (RID: ≤ ${RID.paths}); path cap hit: ${checked.filter((s) => s.capped).length}; pair cap (--max-pairs) hit: ${checked.filter((s) => s.pairsCapped).length}; largest loop unrolled ${Math.max(0, ...checked.map((s) => maxUnroll(s.fn.body)))}× (RID: ${RID.unroll}×)`);
console.log(`solver queries: ${all.reduce((n, x) => n + x.r.analysis.queries, 0)} (feasibility, IPP pairs, contracts, witnesses); unknown: ${all.reduce((n, x) => n + x.r.analysis.unknowns.length, 0)}; query time median ${pct(qms, 50).toFixed(0)} ms, p95 ${pct(qms, 95).toFixed(0)} ms, max ${Math.max(0, ...qms).toFixed(0)} ms; over RID's ${RID.queryMs} ms: ${qms.filter((x) => x > RID.queryMs).length}; largest resource count of one query ${Math.max(0, ...all.map((x) => x.r.analysis.rlimitMax)).toLocaleString('en')} (budget ${RID_RLIMIT.toLocaleString('en')})`);
console.log(`wall time: ${(wall / 1000).toFixed(2)} s for ${entries.length} runs (one solver worker started once)`);

// ---- ablation: RID's projection (RemoveLocals, no caller-visible state, no extra rules) ----------
if (!given.length && !args.includes('--no-ablation')) {
  console.log('');
  console.log('ablation on the catalogue (research/rid.md §5.6 item 5)        buggy ports found   fixed ports: reports / confirmed by replay');
  const files = (v: string) => entries.filter((t) => t.variant === v).map((t) => t.file);
  const patternsOf = (res: RidResult) => new Set(res.bugs.map((b) => path.basename(path.dirname(b.finding.fn.file))));
  for (const [label, ridCompat] of [['exact (hidden values renamed apart, visible state, rules)', false], ['RID-style (RemoveLocals, no visible state, no rules)', true]] as const) {
    const b = await runRid({ root, paths: files('buggy'), timeoutMs: TIMEOUT_MS, jobs, maxPaths, ridCompat, pool });
    const f = await runRid({ root, paths: files('fixed'), timeoutMs: TIMEOUT_MS, jobs, maxPaths, ridCompat, pool });
    const reports = f.bugs.length + f.unconfirmed.length;
    const missed = files('buggy').map((t) => path.basename(path.dirname(t))).filter((p) => !patternsOf(b).has(p));
    const falseIn = [...new Set(f.unconfirmed.concat(f.bugs).map((x) => path.basename(path.dirname(x.finding.fn.file))))];
    console.log(`${label.padEnd(62)} ${`${patternsOf(b).size} of ${files('buggy').length}`.padEnd(19)} ${reports} / ${f.bugs.length}`);
    if (missed.length) console.log(`    missed: ${missed.join(', ')}`);
    if (falseIn.length) console.log(`    reports on fixed ports: ${falseIn.join(', ')}`);
  }
}
await pool.close();
