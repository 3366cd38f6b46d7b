// Benchmark of verify rid on the refcount catalogue (examples/refcount): per checked function the
// paths (enumerated and feasible), solver queries, unknowns, query times and wall time, with
// RID's published limits alongside (Mao et al., ASPLOS'16; research/rid.md §1.4–1.5).
//
// Run: npm run bench:rid [-- --jobs N] [-- --max-paths N] [-- PATH ...] (default: the catalogue,
// buggy and fixed ports). One solver worker by default, so query times are not summed over workers.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRid } from '../verifier/rid/command.ts';
import { SolverPool } from '../verifier/solver/pool.ts';
import { DEFAULT_MAX_PATHS } from '../symexec/paths.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const jobs = Number(opt('--jobs') ?? 1);
const maxPaths = Number(opt('--max-paths') ?? DEFAULT_MAX_PATHS);
const TIMEOUT_MS = 10_000;
const given = args.filter((a, i) => !a.startsWith('--') && !['--jobs', '--max-paths'].includes(args[i - 1]));
const catalogue = path.join(root, 'examples', 'refcount');
const targets = given.length
  ? given
  : fs
      .readdirSync(catalogue, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => ['buggy.ts', 'fixed.ts'].map((v) => path.join('examples', 'refcount', d.name, v)));

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

console.log(`pushbutton verify rid benchmark · ${await SolverPool.solverVersion()} · ${jobs} worker(s) · node ${process.version}`);
const t0 = performance.now();
const r = await runRid({ root, paths: targets, timeoutMs: TIMEOUT_MS, jobs, maxPaths });
const wall = performance.now() - t0;
const a = r.analysis;
const checked = a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration);
console.log(`${'file · function'.padEnd(58)} ${'paths'.padStart(5)} ${'feasible'.padStart(8)} ${'queries'.padStart(7)} ${'unknown'.padStart(7)} ${'max q ms'.padStart(8)} ${'ms'.padStart(6)}  findings`);
for (const s of checked) {
  const found = r.bugs.filter((b) => b.finding.fn.key === s.fn.key).map((b) => b.finding.rule);
  const name = `${path.relative(catalogue, s.fn.file).replace(/\.ts$/, '')} · ${s.fn.name}`;
  console.log(`${name.padEnd(58)} ${String(s.paths).padStart(5)}${s.capped ? '*' : ' '}${String(s.feasible).padStart(7)} ${String(s.queries).padStart(7)} ${String(s.unknown).padStart(7)} ${Math.max(0, ...s.queryMs).toFixed(0).padStart(8)} ${s.ms.toFixed(0).padStart(6)}  ${found.join(', ') || '-'}`);
}
const paths = checked.map((s) => s.paths);
const qms = a.stats.flatMap((s) => s.queryMs);
const declarations = a.stats.filter((s) => s.declaration).length;
console.log('');
console.log(`functions checked: ${checked.length} (plus ${declarations} API declarations summarised); findings: ${r.bugs.length} confirmed by replay, ${r.unconfirmed.length} not confirmed`);
console.log(`paths per function: median ${pct(paths, 50)}, p95 ${pct(paths, 95)}, max ${Math.max(0, ...paths)}; path cap hit: ${checked.filter((s) => s.capped).length}`);
console.log(`solver queries: ${a.queries} (feasibility, IPP pairs, witnesses); unknown: ${a.unknowns.length}; query time median ${pct(qms, 50).toFixed(0)} ms, p95 ${pct(qms, 95).toFixed(0)} ms, max ${Math.max(0, ...qms).toFixed(0)} ms`);
console.log(`wall time: ${(wall / 1000).toFixed(2)} s (worker start-up included)`);
console.log('');
console.log('limits            this run                                RID (ASPLOS\'16, as published in its source)');
console.log(`paths / function  ${String(maxPaths).padEnd(40)}100 (max-path-per-func)`);
console.log(`loops             ${'unrolled to their constant bound'.padEnd(40)}unrolled once`);
console.log(`subcases / path   ${'every case of every callee summary'.padEnd(40)}10 (max-subcase-per-path)`);
console.log(`query timeout     ${`${TIMEOUT_MS} ms; unknown counted apart`.padEnd(40)}100 ms; timeout counted as SAT (a report)`);
console.log(`hidden values     ${'existential, renamed apart per use'.padEnd(40)}dropped (RemoveLocals)`);

// ---- ablation: RID's projection (RemoveLocals, no caller-visible state, no extra rules) ----------
if (!given.length && !args.includes('--no-ablation')) {
  console.log('');
  console.log('ablation on the catalogue (research/rid.md §5.6 item 5)        buggy ports found   fixed ports: reports / confirmed by replay');
  const side = (v: string) => targets.filter((t) => t.endsWith(`${v}.ts`));
  const patternsOf = (res: Awaited<ReturnType<typeof runRid>>) => new Set(res.bugs.map((b) => path.basename(path.dirname(b.finding.fn.file))));
  for (const [label, ridCompat] of [['exact (hidden values renamed apart, visible state, rules)', false], ['RID-style (RemoveLocals, no visible state, no rules)', true]] as const) {
    const b = await runRid({ root, paths: side('buggy'), timeoutMs: TIMEOUT_MS, jobs, maxPaths, ridCompat });
    const f = await runRid({ root, paths: side('fixed'), timeoutMs: TIMEOUT_MS, jobs, maxPaths, ridCompat });
    const reports = f.bugs.length + f.unconfirmed.length;
    const missed = side('buggy').map((t) => path.basename(path.dirname(t))).filter((p) => !patternsOf(b).has(p));
    const falseIn = [...new Set(f.unconfirmed.concat(f.bugs).map((x) => path.basename(path.dirname(x.finding.fn.file))))];
    console.log(`${label.padEnd(62)} ${`${patternsOf(b).size} of ${side('buggy').length}`.padEnd(19)} ${reports} / ${f.bugs.length}`);
    if (missed.length) console.log(`    missed: ${missed.join(', ')}`);
    if (falseIn.length) console.log(`    reports on fixed ports: ${falseIn.join(', ')}`);
  }
}
