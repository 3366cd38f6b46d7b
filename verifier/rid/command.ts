// `verify rid PATH`: inconsistent path pairs and the refcount rules, end to end.
// Exit codes (DESIGN.md): 0 nothing found, 1 a bug found (replayed), 2 input unusable, 3 unknown.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SolverPool } from '../solver/pool.ts';
import { SubsetError, formatDiagnostic } from '../diagnostics.ts';
import { analyse, targetFiles } from './analyse.ts';
import { replayFinding } from './replay.ts';
import { groupFindings } from './group.ts';
import { exitCodeOf, ridJson, ridSarif, ridText, type Reported, type RidResult } from './report.ts';
import { DEFAULT_MAX_PATHS } from '../../symexec/summary.ts';

export interface RidCommandOptions {
  root: string;
  paths: string[];
  timeoutMs: number;
  /** each query's budget, Z3's resource count (default RID_RLIMIT) */
  rlimit?: number;
  jobs: number;
  maxPaths?: number;
  /** IPP candidates asked per function (`--max-pairs`, default DEFAULT_MAX_PAIRS) */
  maxPairs?: number;
  filter?: string[];
  /** the RID-style ablation of bench/rid.ts (see RidOptions) */
  ridCompat?: boolean;
  smt2Dir?: string;
  /** a solver pool to use (and leave open), e.g. one for a whole benchmark */
  pool?: SolverPool;
}

/** Runs the analysis and replays every finding; the caller prints. */
export async function runRid(opts: RidCommandOptions): Promise<RidResult> {
  const t0 = performance.now();
  const files: string[] = [];
  for (const p of opts.paths) files.push(...targetFiles(path.resolve(opts.root, p)));
  const pool = opts.pool ?? new SolverPool({ jobs: opts.jobs });
  try {
    const analysis = await analyse(opts.root, [...new Set(files)], { pool, timeoutMs: opts.timeoutMs, rlimit: opts.rlimit, maxPaths: opts.maxPaths ?? DEFAULT_MAX_PATHS, maxPairs: opts.maxPairs, ridCompat: opts.ridCompat, smt2Dir: opts.smt2Dir });
    if (opts.filter?.length) {
      const keep = (name: string) => opts.filter!.some((f) => (f.includes('*') ? new RegExp(`^${f.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name) : name.includes(f)));
      analysis.findings = analysis.findings.filter((f) => keep(f.fn.name));
      analysis.stats = analysis.stats.filter((s) => keep(s.fn.name));
      analysis.unknowns = analysis.unknowns.filter((u) => keep(u.fn.name));
      analysis.skipped = analysis.skipped.filter((x) => keep(x.fn.name));
      analysis.notes = analysis.notes.filter((x) => keep(x.fn.name));
      analysis.queries = analysis.stats.reduce((n, s) => n + s.queries, 0);
    }
    const confirmed: Reported[] = [];
    const unconfirmed: Reported[] = [];
    for (const f of analysis.findings) {
      const replay = await replayFinding(analysis, f);
      (replay.confirmed ? confirmed : unconfirmed).push({ finding: f, replay });
    }
    // a caller's IPP made of a callee's confirmed IPP is the same bug: listed, not counted again
    // (RID keeps one of the callee's two entries for the same reason)
    const hasConfirmed = (key: string) => confirmed.some((b) => b.finding.fn.key === key && b.finding.rule === 'rc/ipp');
    const own = confirmed.filter((b) => !(b.finding.via && hasConfirmed(b.finding.via.calleeKey)));
    const inherited = confirmed.filter((b) => !own.includes(b));
    // one report per mistake: the elements of one cause listed together (group.ts)
    return { analysis, bugs: groupFindings(own), inherited, unconfirmed, wallMs: performance.now() - t0 };
  } finally {
    if (!opts.pool) await pool.close();
  }
}

export async function ridCommand(values: Record<string, unknown>, positionals: string[], timeoutMs: number, jobs: number, rlimit?: number): Promise<number> {
  const root = path.resolve((values.root as string | undefined) ?? process.cwd());
  const json = Boolean(values.json);
  const error = (msg: string) => {
    if (json) console.log(JSON.stringify({ tool: 'pushbutton', command: 'rid', error: msg, exitCode: 2 }, null, 2));
    else console.error(`verify rid: ${msg}`);
    return 2;
  };
  if (positionals.length === 0) return error('name a file or folder: verify rid PATH');
  for (const p of positionals) if (!fs.existsSync(path.resolve(root, p))) return error(`${p}: no such file or folder`);
  const maxPaths = values['max-paths'] === undefined ? undefined : Number(values['max-paths']);
  if (maxPaths !== undefined && (!Number.isInteger(maxPaths) || maxPaths < 1)) return error(`--max-paths ${values['max-paths']}: a positive integer`);
  const maxPairs = values['max-pairs'] === undefined ? undefined : Number(values['max-pairs']);
  if (maxPairs !== undefined && (!Number.isInteger(maxPairs) || maxPairs < 1)) return error(`--max-pairs ${values['max-pairs']}: a positive integer`);
  let r: RidResult;
  try {
    r = await runRid({ root, paths: positionals, timeoutMs, rlimit, jobs, maxPaths, maxPairs, filter: values.filter as string[] | undefined, smt2Dir: values.smt2 ? path.resolve(values.smt2 as string) : undefined });
  } catch (e) {
    if (e instanceof SubsetError) {
      if (json) console.log(JSON.stringify({ tool: 'pushbutton', command: 'rid', exitCode: 2, diagnostics: e.diagnostics.map((d) => formatDiagnostic(d)) }, null, 2));
      else for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      return 2;
    }
    throw e;
  }
  const a = r.analysis;
  if (a.files.length === 0) return error(`${positionals.join(' ')}: no .ts files`);
  if (!a.stats.some((s) => a.files.includes(s.fn.file)) && !a.skipped.some((x) => a.files.includes(x.fn.file))) return error(values.filter ? `--filter ${(values.filter as string[]).join(' ')} selects no function` : `${positionals.join(' ')}: no functions to check (verify rid checks exported functions and what they call)`);
  const code = exitCodeOf(r);
  if (values.sarif) fs.writeFileSync(path.resolve(values.sarif as string), JSON.stringify(ridSarif(r, await SolverPool.solverVersion(), process.cwd()), null, 2));
  if (json) console.log(JSON.stringify(ridJson(r, process.cwd()), null, 2));
  else console.log(ridText(r, process.cwd()));
  return code;
}
