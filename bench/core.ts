// Benchmark of the core: proves every example and prints time per operation, the total, and the
// share of time spent outside the solver (front end, symbolic evaluation, SMT printing, replay).
//
// Run: npm run bench [-- --jobs N] [-- NAME ...]. Solving uses one worker by default so that the
// solver time is not summed over parallel workers.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { discover, select } from '../verifier/discover.ts';
import { Runner } from '../verifier/run.ts';
import { SolverPool } from '../verifier/solver/pool.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : 1;
const names = args.filter((a, i) => !a.startsWith('--') && (jobsAt < 0 || i !== jobsAt + 1));
const all = discover(root);
const pairs = names.length ? names.flatMap((n) => select(root, all, n)) : all;

const runner = new Runner(root, { timeoutMs: 10_000, jobs });
console.log(`pushbutton core benchmark · ${await SolverPool.solverVersion()} · ${jobs} worker(s) · node ${process.version}`);
console.log(`${'subsystem.operation'.padEnd(34)} ${'goals'.padStart(5)} ${'solver ms'.padStart(10)} ${'max goal ms'.padStart(12)}  verdict`);
const t0 = performance.now();
let solver = 0;
let goals = 0;
let worstOp = 0;
for (const pair of pairs) {
  const o = await runner.verify(pair);
  solver += o.solverMs;
  for (const op of o.operations) {
    goals += op.goals.length;
    worstOp = Math.max(worstOp, op.ms);
    const maxGoal = Math.max(0, ...op.goals.map((g) => g.ms));
    console.log(`${`${o.name}.${op.name}`.padEnd(34)} ${String(op.goals.length).padStart(5)} ${op.ms.toFixed(0).padStart(10)} ${maxGoal.toFixed(0).padStart(12)}  ${op.status}`);
  }
  if (o.status === 'rejected') console.log(`${o.name}: rejected (${o.diagnostics.length} diagnostics)`);
}
await runner.close();
const wall = performance.now() - t0;
console.log('');
console.log(`total: ${pairs.length} subsystems, ${goals} goals, ${(wall / 1000).toFixed(2)} s wall`);
console.log(`solver: ${(solver / 1000).toFixed(2)} s; outside the solver: ${((wall - solver) / 1000).toFixed(2)} s (${(((wall - solver) / wall) * 100).toFixed(0)}%)`);
console.log(`slowest operation: ${(worstOp / 1000).toFixed(2)} s of solver time (goal: under 2 s per operation)`);
