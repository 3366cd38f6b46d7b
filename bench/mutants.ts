// How fast a one-line mistake in a kernel handler is refuted (issue 24, item 9: "counterexamples
// as fast as proofs"). A fixed set of mutants of impl/kernel.ts, each one textual edit (a flipped
// comparison, a deleted counter update), each verified as a user at the desk would after the edit:
//
//   verify kernel --filter '*OP' --fail-fast --no-cache      (with PUSHBUTTON_TRACE=1)
//
// in a scratch folder holding spec/kernel.ts and the mutated impl/kernel.ts. Prints, per mutant,
// the wall time of the command, the verdict, the refuted goals, and the solver's resource counts
// from the trace (the firm figure: it does not depend on the machine's load); then the median and
// the maximum. Every mutant must be refuted in its handler, or the run fails (exit 1).
//
// Run: node --import tsx bench/mutants.ts [--only NAME,...] [--control] [--desk] [--verify DIR]
//   --control   also proves each mutated handler on the unmutated kernel (the proof's time)
//   --desk      as at the desk: the handler is first proved on the unmutated kernel with the proof
//               cache on (untimed), then the edit is verified with the cache (what the edit did not
//               change, e.g. the spec's own invariant goals, comes from it), not --no-cache
//   --verify    the pushbutton checkout whose bin/verify.mjs runs (default: this one), for a
//               before/after comparison against a copy of an older commit

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Mutant {
  name: string;
  op: string;
  /** what the edit is */
  what: string;
  /** the line as shipped (must occur exactly once in impl/kernel.ts) and what replaces it */
  from: string;
  to: string;
}

// Each `from` is a whole line of impl/kernel.ts, unique there, so the edit is exactly one line.
export const MUTANTS: Mutant[] = [
  { name: 'clone-children', op: 'clone', what: 'deleted counter update', from: '  s.nr_children[cur] = s.nr_children[cur] + 1;\n  return 0;\n}\n\nexport function set_runnable', to: '  return 0;\n}\n\nexport function set_runnable' },
  { name: 'set-runnable-state', op: 'set_runnable', what: 'flipped comparison', from: "  if (s.proc_state[pid] !== 'embryo') return EINVAL;", to: "  if (s.proc_state[pid] === 'embryo') return EINVAL;" },
  { name: 'kill-running', op: 'kill', what: 'flipped comparison', from: "  if (st !== 'running') s.proc_state[pid] = 'zombie';", to: "  if (st === 'running') s.proc_state[pid] = 'zombie';" },
  { name: 'reap-busy', op: 'reap', what: 'flipped comparison', from: '  if (s.nr_children[pid] !== 0 || s.nr_fds[pid] !== 0 || s.nr_pages[pid] !== 0) return EBUSY;', to: '  if (s.nr_children[pid] !== 0 || s.nr_fds[pid] === 0 || s.nr_pages[pid] !== 0) return EBUSY;' },
  { name: 'reparent-init', op: 'reparent', what: 'deleted counter update', from: '  s.nr_children[INITPID] = s.nr_children[INITPID] + 1;\n', to: '' },
  { name: 'create-nrfds', op: 'create', what: 'deleted counter update', from: '  s.nr_fds[s.current] = s.nr_fds[s.current] + 1;\n', to: '' },
  { name: 'close-nrfds', op: 'close', what: 'deleted counter update', from: '  s.ofile[pid][fd] = 0;\n  s.nr_fds[pid] = s.nr_fds[pid] - 1;\n  putFile(s, fn);', to: '  s.ofile[pid][fd] = 0;\n  putFile(s, fn);' },
  { name: 'lseek-bound', op: 'lseek', what: 'off-by-one comparison', from: '  if (offset < 0 || offset > MAXOFFSET) return EINVAL;', to: '  if (offset < 0 || offset >= MAXOFFSET) return EINVAL;' },
];

/** impl/kernel.ts with one mutant's edit; throws when its line is not there exactly once. */
export function mutate(source: string, m: Mutant): string {
  const at = source.indexOf(m.from);
  if (at < 0 || source.indexOf(m.from, at + 1) >= 0) throw new Error(`mutant ${m.name}: its line must occur exactly once in impl/kernel.ts`);
  return source.slice(0, at) + m.to + source.slice(at + m.from.length);
}

interface Row {
  name: string;
  op: string;
  status: string;
  exit: number | null;
  wallS: number;
  /** user + system seconds of the command and its children */
  cpuS: number;
  refuted: string[];
  /** resource units over every trace line of the run, and the largest single check */
  rlimit: number;
  stages: string[];
}

function runOne(verifyDir: string, folder: string, name: string, op: string, cache = false): Row {
  const t0 = performance.now();
  // /usr/bin/time: the CPU seconds of the command and every process it waited for (solver
  // workers, the replay's sandbox), which move less with the machine's load than the wall time
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, path.join(verifyDir, 'bin', 'verify.mjs'), 'kernel', '--root', folder, '--filter', `*${op}`, '--fail-fast', cache ? '--cache' : '--no-cache', ...(cache ? [path.join(folder, '.pushbutton', 'cache')] : []), '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, PUSHBUTTON_TRACE: '1' },
    maxBuffer: 64 << 20,
  });
  const wallS = (performance.now() - t0) / 1000;
  const time = /^TIME (\S+) (\S+) (\S+)$/m.exec(r.stderr);
  const cpuS = time ? Number(time[2]) + Number(time[3]) : Number.NaN;
  const trace = r.stderr.split('\n').filter((l) => l.startsWith('[trace]'));
  let rlimit = 0;
  for (const l of trace) for (const m of l.matchAll(/\/r(\d+)/g)) rlimit += Number(m[1]);
  // text output (--json of a kernel refutation is too large: the states are printed whole)
  const status = ({ 0: 'proved', 1: 'refuted', 3: 'unknown', 2: 'rejected' } as Record<number, string>)[r.status ?? -1] ?? `exit ${r.status}`;
  const refuted: string[] = [];
  // (which rung found it: the trace, --stages)
  let inError = false;
  for (const line of r.stdout.split('\n')) {
    if (/^ {6}(error|unknown)\[/.test(line)) inError = line.trimStart().startsWith('error[');
    const g = /^ {8}goal (\S+)/.exec(line);
    if (g && inError) refuted.push(g[1]);
  }
  if (status.startsWith('exit') || status === 'rejected' || (status === 'refuted' && !refuted.length)) console.error(r.stderr.split('\n').filter((l) => !l.startsWith('[trace]')).slice(-5).join('\n'));
  const stages = trace.map((l) => l.replace(/^\[trace\] kernel\./, ''));
  return { name, op, status, exit: r.status, wallS, cpuS, refuted, rlimit, stages };
}

function scratch(implSource: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-mutant-'));
  fs.mkdirSync(path.join(dir, 'spec'));
  fs.mkdirSync(path.join(dir, 'impl'));
  fs.copyFileSync(path.join(root, 'spec', 'kernel.ts'), path.join(dir, 'spec', 'kernel.ts'));
  fs.writeFileSync(path.join(dir, 'impl', 'kernel.ts'), implSource);
  return dir;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const only = opt('--only')?.split(',');
  const verifyDir = path.resolve(opt('--verify') ?? root);
  const control = args.includes('--control');
  const source = fs.readFileSync(path.join(root, 'impl', 'kernel.ts'), 'utf8');
  const chosen = MUTANTS.filter((m) => !only || only.includes(m.name));
  console.log(`kernel mutants · verifier ${verifyDir} · load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const rows: Row[] = [];
  let failed = false;
  const desk = args.includes('--desk');
  for (const m of chosen) {
    const dir = scratch(desk ? source : mutate(source, m));
    try {
      if (desk) {
        // the proof before the edit fills the cache (untimed)
        const before = runOne(verifyDir, dir, m.name, m.op, true);
        if (before.status !== 'proved') throw new Error(`${m.op} as shipped: ${before.status}`);
        fs.writeFileSync(path.join(dir, 'impl', 'kernel.ts'), mutate(source, m));
      }
      const row = runOne(verifyDir, dir, m.name, m.op, desk);
      rows.push(row);
      const ok = row.status === 'refuted' && row.refuted.length > 0 && row.refuted.every((id) => id.includes(`.${m.op}#`) || id.includes(`${m.op}#`));
      if (!ok) failed = true;
      console.log(`${m.name.padEnd(20)} ${m.op.padEnd(13)} ${row.status.padEnd(8)} ${row.wallS.toFixed(1).padStart(6)} s  ${row.cpuS.toFixed(1).padStart(6)} s CPU  ${(row.rlimit / 1e6).toFixed(2).padStart(6)}M  ${row.refuted.join(', ')}${ok ? '' : '  <- NOT REFUTED IN ITS HANDLER'}`);
      if (args.includes('--stages')) for (const s of row.stages) console.log(`    ${s}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (control) {
      const dir = scratch(source);
      try {
        const row = runOne(verifyDir, dir, `(${m.op} as shipped)`, m.op);
        console.log(`${row.name.padEnd(34)} ${row.status.padEnd(8)} ${row.wallS.toFixed(1).padStart(6)} s  ${row.cpuS.toFixed(1).padStart(6)} s CPU  ${(row.rlimit / 1e6).toFixed(2).padStart(6)}M`);
        if (row.status !== 'proved') failed = true;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const walls = rows.map((r) => r.wallS);
  const counts = rows.map((r) => r.rlimit);
  const cpus = rows.map((r) => r.cpuS);
  console.log(`\n${rows.length} mutants: wall median ${median(walls).toFixed(1)} s, max ${Math.max(...walls).toFixed(1)} s; CPU median ${median(cpus).toFixed(1)} s, max ${Math.max(...cpus).toFixed(1)} s; resource units median ${(median(counts) / 1e6).toFixed(2)}M, max ${(Math.max(...counts) / 1e6).toFixed(2)}M · load average now ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
