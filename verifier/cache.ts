// The proof cache: verdicts the solver decided, kept in a folder that CI can save and restore
// (default .pushbutton/cache under the project; README, "Repeat runs").
//
// Two levels, each keyed by everything its verdict depends on:
//  - a goal: the exact query text of its theorem (prelude and goal, as the ladder's rung 2 asks
//    it), the solver's version and the budget. Proved, or refuted with the solver's model (a
//    cached refutation is replayed on the current code before it is shown, like a fresh one).
//    A change to one operation changes only its own theorems' text, so only they are asked again.
//  - a subsystem run: the contents of every source file under the project (paths and hashes),
//    pushbutton's own sources, the solver's version and the options; and, checked when it is
//    read, every file its program consisted of and every lookup its module resolution made, the
//    failed ones too (sources.ts: imports outside the project, links, a new file that would now
//    win an import), read in the current checkout.
//    Kept only when every goal was proved; a hit skips the front end too, most of a warm run.
// Only proved and refuted verdicts are kept, never unknown. An entry that does not parse, or was
// written for another key or format, is ignored with a notice, never trusted.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { treeHash, unchanged, type SourceRecord } from './sources.ts';
import { toolBuild } from './version.ts';

const FORMAT = 1;

export type CachedGoal = { status: 'proved' } | { status: 'refuted'; model: string };

export interface CacheContext {
  /** the solver's version string (SolverPool.solverVersion) */
  solver: string;
  /** the per-goal budget and anything else that changes what a query answers */
  options: Record<string, unknown>;
}

export class ProofCache {
  /** entries ignored because they were unreadable or not what their name promised */
  readonly notices: string[] = [];
  /** goals and subsystems answered from the cache in this run */
  hits = { goals: 0, subsystems: 0 };

  constructor(readonly dir: string, private readonly context: CacheContext) {}

  goal(prelude: string, smt: string): CachedGoal | undefined {
    return this.read('goal', this.goalKey(prelude, smt)) as CachedGoal | undefined;
  }

  putGoal(prelude: string, smt: string, v: CachedGoal): void {
    this.write('goal', this.goalKey(prelude, smt), v);
  }

  /**
   * The subsystem run stored under `key`, while every file its program read is as it was
   * (sources.ts: imports outside `root`, links): an entry is otherwise a miss.
   */
  subsystem<T, I>(key: string, root: string, stillLoads: (imports: I[]) => boolean): { outcome: T; sources: SourceRecord } | undefined {
    const v = this.read('subsystem', key) as { outcome?: T; sources?: SourceRecord; imports?: I[] } | undefined;
    if (!v?.outcome || typeof v.sources !== 'object' || !Array.isArray(v.imports) || !unchanged(root, v.sources) || !stillLoads(v.imports)) return undefined;
    this.hits.subsystems++;
    return { outcome: v.outcome, sources: v.sources };
  }

  /**
   * `imports`: what the run's resolver was asked when the run was made. Which file an import
   * loads depends on more than the files a record can list (a package.json's "type" anywhere
   * above, the environment: red-team round 16, b40 b41), so on a hit it is asked again.
   */
  putSubsystem<I>(key: string, outcome: unknown, sources: SourceRecord, imports: I[]): void {
    this.write('subsystem', key, { outcome, sources, imports });
  }

  /**
   * The key of a subsystem's run: `what` names it (files, selection), and every source file under
   * `root` and pushbutton's own sources are hashed in, so any edit there is a miss. The files its
   * program read (outside `root` too) are checked when the entry is read (Runner.verify).
   */
  subsystemKey(root: string, what: Record<string, unknown>): string {
    return sha256(JSON.stringify({ format: FORMAT, ...this.context, what, tool: toolBuild(), project: treeHash(root) }));
  }

  private goalKey(prelude: string, smt: string): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ format: FORMAT, ...this.context }));
    h.update('\0').update(prelude).update('\0').update(smt);
    return h.digest('hex');
  }

  private file(kind: string, key: string): string {
    return path.join(this.dir, kind, key.slice(0, 2), `${key}.json`);
  }

  private read(kind: string, key: string): unknown {
    const f = this.file(kind, key);
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(text) as { format?: unknown; kind?: unknown; key?: unknown; value?: unknown };
      if (e.format === FORMAT && e.kind === kind && e.key === key && e.value !== undefined && valid(kind, e.value)) {
        if (kind === 'goal') this.hits.goals++;
        return e.value;
      }
    } catch {
      // not JSON: reported below
    }
    this.notices.push(`ignored a cache entry that is corrupt or not what its name says: ${f}`);
    return undefined;
  }

  private write(kind: string, key: string, value: unknown): void {
    const f = this.file(kind, key);
    try {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      // written whole, then renamed: a run stopped halfway leaves no half entry
      const tmp = `${f}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, kind, key, value }, (_k, v) => (typeof v === 'bigint' ? { bigint: String(v) } : v)));
      fs.renameSync(tmp, f);
    } catch (e) {
      this.notices.push(`could not write the cache entry ${f}: ${(e as Error).message}`);
    }
  }
}

function valid(kind: string, v: unknown): boolean {
  if (kind !== 'goal') return typeof v === 'object' && v !== null;
  const g = v as { status?: unknown; model?: unknown };
  return g.status === 'proved' || (g.status === 'refuted' && typeof g.model === 'string');
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
