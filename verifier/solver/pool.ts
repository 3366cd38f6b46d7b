// The solver pool: the project's only way to run Z3. Callers hand over
// SMT-LIB2 text; every Z3 call happens in child processes (worker.ts) so that
// a wasm abort, a runaway check or a memory blow-up costs one goal, never the
// verifier run. Child processes rather than worker_threads because an
// emscripten abort or a stack overflow can take the whole OS process down.

import { STARTUP_MS, Worker, solverVersion, takeSpare } from './child.ts';
import type { WireResult, Enumeration, Solution } from './protocol.ts';
export type { Enumeration, Projection, Solution } from './protocol.ts';

export interface Goal {
  id: string;
  /** Declarations and assertions for this goal only, e.g. "(assert (not ...))"; no check-sat. */
  smt: string;
  /** Ask for many models instead of one (protocol.ts); the job's rlimit and timeout are then per check. */
  enumerate?: Enumeration;
}
export interface Job {
  /** Declarations + shared assertions, SMT-LIB2 text (no check-sat). */
  prelude: string;
  /** Each checked as: push; goal.smt; check; (model if sat); pop. */
  goals: Goal[];
  /**
   * Per goal: the wall-clock safety net. When it fires the goal is `unknown` ("timeout"), so a
   * job whose verdicts must not depend on how busy the machine is sets `rlimit` and makes this
   * several times what that rlimit takes.
   */
  timeoutMs: number;
  /**
   * Per goal (per check of an enumeration): the deterministic budget, Z3's resource limit
   * (solver parameter `rlimit`; in this Z3 it counts from where the context's count stands when
   * the check starts, measured: three checks of one solver with rlimit 20000 each spent exactly
   * 20000). A goal that exhausts it is `unknown` with reason "resource limit (rlimit N)". Unset
   * or 0: no limit but the timeout.
   */
  rlimit?: number;
  /** Solver param 'random_seed'; default 0 so that runs are reproducible. */
  randomSeed?: number;
  /**
   * true (default): one solver per job, push/pop around each goal. false: a fresh solver per goal,
   * so Z3 runs its preprocessing (incremental mode skips it, which makes heavy goals slower).
   */
  incremental?: boolean;
  /**
   * Default true. False when a `sat` answer is only a signal (a model of a large state can take
   * Z3 seconds to print: measured 2.6 MB and 4-7 s for one kernel goal).
   */
  models?: boolean;
  /**
   * A logic that every assertion of the job is in (SMT-LIB's name, `QF_AUFLIA`): Z3 then sets its
   * solver up with that logic's theories only. Unset: Z3's default solver, which, used with
   * push/pop as the workers use it, sets up for any logic. A job outside the logic it names may
   * get wrong answers, so only a caller that checked its terms sets it (verify commute's
   * queryJob, logicOf).
   */
  logic?: string;
}
export type Status = 'sat' | 'unsat' | 'unknown';
export interface GoalResult {
  id: string;
  status: Status;
  reason?: string;
  model?: string;
  ms: number;
  /** Z3's resource count the check spent (enumerations: all their checks) */
  rlimit?: number;
  /** enumeration goals: the largest resource count of one of their checks */
  rlimitMax?: number;
  /** enumeration goals only (see Enumeration) */
  solutions?: Solution[];
  stopped?: string;
  refuted?: number;
}
export interface SolverOptions {
  /** Number of worker processes, default 1. */
  jobs?: number;
  /** A worker that has spent this long on goals is replaced by a new one (default one minute). */
  recycleAfterMs?: number;
}

/** Z3's own timeout can overrun (uninterruptible preprocessing); give it this much slack before killing. */
const WATCHDOG_SLACK_MS = 5_000;
/**
 * Before the first goal the worker parses the prelude, which has no Z3
 * timeout of its own; allow this much on top of the goal budget.
 */
const PRELUDE_SLACK_MS = 30_000;
/**
 * A wasm heap never shrinks and cannot grow past 2 GiB, and whatever a
 * long-lived Context accumulated stayed in it: start afresh now and then
 * (each job now has a Context of its own, worker.ts; the figures below are
 * from before).
 * By time too: a context that has solved for long gets slow (measured on the
 * POSIX model: after half an hour, a test generation 5x slower than in a new
 * worker; after the POSIX proofs, printing one model took over 10 s instead of
 * 0.3 s). A new worker costs about 1.7 s, so a minute's work keeps it under 3%.
 */
const RECYCLE_AFTER_JOBS = 200;
const RECYCLE_AFTER_MS = 60_000;

/** Z3's rlimit is an unsigned 32-bit count (0: none); a larger or invalid budget is clamped, never wrapped. */
function rlimitParam(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n) || n <= 0) return 0;
  return Math.max(1, Math.min(Math.floor(n), 0xffffffff));
}

function unknown(id: string, reason: string, ms = 0): GoalResult {
  return { id, status: 'unknown', reason, ms };
}

interface Pending {
  job: Job;
  resolve: (r: GoalResult[]) => void;
}

export class SolverPool {
  private readonly size: number;
  private readonly queue: Pending[] = [];
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private running = 0;
  private closed = false;
  private readonly recycleAfterMs: number;

  constructor(opts: SolverOptions = {}) {
    const n = opts.jobs ?? 1;
    this.size = Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
    this.recycleAfterMs = opts.recycleAfterMs ?? RECYCLE_AFTER_MS;
  }

  /** Results come back in goal order; solver trouble becomes `unknown` with a reason, never a rejection. */
  solve(job: Job): Promise<GoalResult[]> {
    if (this.closed) return Promise.reject(new Error('SolverPool is closed'));
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  /** Kills every worker; afterwards nothing of the pool keeps node alive. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) {
      p.resolve(p.job.goals.map((g) => unknown(g.id, 'solver pool closed')));
    }
    this.idle.length = 0;
    await Promise.all([...this.all].map((w) => w.kill()));
    this.all.clear();
  }

  /** Version of the Z3 the workers run, e.g. "Z3 5.1.0.0 (z3-solver wasm)". */
  static solverVersion(): Promise<string> {
    // Asked of a child, like everything else, so that the parent process
    // never loads the wasm module. The child stays, idle, as the next pool's
    // first worker (child.ts, `spare`).
    return solverVersion();
  }

  private pump(): void {
    while (!this.closed && this.running < this.size && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.running++;
      this.runJob(p.job)
        .catch((e: unknown) => {
          // Only a bug here or a malformed job lands here; still honour "never rejects".
          const msg = e instanceof Error ? e.message : String(e);
          const goals = Array.isArray(p.job?.goals) ? p.job.goals : [];
          return goals.map((g) => unknown(String(g?.id), `solver pool error: ${msg}`));
        })
        .then((r) => {
          this.running--;
          p.resolve(r);
          this.pump();
        });
    }
  }

  private acquire(): Worker {
    for (let w = this.idle.pop(); w; w = this.idle.pop()) if (!w.exited) return w;
    const fresh = takeSpare() ?? new Worker();
    this.all.add(fresh);
    void fresh.exitPromise.then(() => {
      this.all.delete(fresh);
      const k = this.idle.indexOf(fresh);
      if (k >= 0) this.idle.splice(k, 1);
    });
    return fresh;
  }

  private releaseWorker(w: Worker, healthy: boolean): void {
    w.listen(undefined);
    if (!healthy || this.closed || w.exited || w.jobsRun >= RECYCLE_AFTER_JOBS || w.solvingMs >= this.recycleAfterMs) {
      void w.kill();
      return;
    }
    w.setBusy(false);
    this.idle.push(w);
  }

  private async runJob(job: Job): Promise<GoalResult[]> {
    const goals = job.goals;
    const results: (GoalResult | undefined)[] = new Array(goals.length).fill(undefined);
    let next = 0;
    // Every pass either finishes the job or settles at least one goal (the
    // crashed or timed-out one), so this terminates even if every fresh
    // worker dies at once.
    while (next < goals.length) {
      if (this.closed) {
        for (let i = next; i < goals.length; i++) results[i] ??= unknown(goals[i]!.id, 'solver pool closed');
        break;
      }
      const w = this.acquire();
      w.setBusy(true);
      const before = next;
      const { healthy } = await this.runOn(w, job, next, results);
      w.jobsRun++;
      for (let i = before; i < goals.length; i++) w.solvingMs += results[i]?.ms ?? 0;
      this.releaseWorker(w, healthy);
      while (next < goals.length && results[next] !== undefined) next++;
    }
    return results.map((r, i) => r ?? unknown(goals[i]!.id, 'solver pool error: no result'));
  }

  /**
   * Runs goals[from..] on `w`, filling `results`. Resolves when the worker
   * reports 'done' (healthy) or has died / been killed (not healthy); in the
   * latter case the goal it was on is settled as unknown.
   */
  private runOn(w: Worker, job: Job, from: number, results: (GoalResult | undefined)[]): Promise<{ healthy: boolean }> {
    const goals = job.goals;
    const timeoutMs = Math.max(1, job.timeoutMs);
    return new Promise((resolve) => {
      let current = -1; // goal index the worker said it started, -1 before the first
      let startedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      let killedFor: string | undefined;
      let finished = false;

      const arm = (ms: number, why: string) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          killedFor = why;
          void w.kill();
        }, ms);
      };
      const finish = (healthy: boolean) => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        resolve({ healthy });
      };
      let settled = 0; // goals this pass answered
      // Who is blamed for a death: the goal in flight if there is one; else,
      // if this pass answered nothing (death during startup or the prelude),
      // the first unsettled goal, so that every pass makes progress; else
      // nobody (e.g. the watchdog fired just as a goal finished) and the
      // next pass simply goes on.
      const victim = (): number => {
        if (current >= 0 && results[current] === undefined) return current;
        if (settled > 0) return -1;
        for (let i = from; i < goals.length; i++) if (results[i] === undefined) return i;
        return -1;
      };

      // A new worker must load tsx and Z3 first; a reused one is ready now.
      let started = false;
      const startJob = () => {
        if (started) return;
        started = true;
        arm(timeoutMs + WATCHDOG_SLACK_MS + PRELUDE_SLACK_MS, 'timeout (worker killed)');
        w.send({
          type: 'job',
          prelude: job.prelude,
          goals: goals.slice(from).map((g) => ({ id: g.id, smt: g.smt, enumerate: g.enumerate })),
          offset: from,
          timeoutMs,
          rlimit: rlimitParam(job.rlimit),
          randomSeed: job.randomSeed ?? 0,
          incremental: job.incremental ?? true,
          models: job.models ?? true,
          logic: job.logic,
        });
      };
      arm(STARTUP_MS, 'solver crashed: worker did not start');
      w.listen((ev) => {
        if (ev.kind === 'exit') {
          const i = victim();
          if (i >= 0) {
            const ms = current === i ? Date.now() - startedAt : 0;
            const reason = this.closed ? 'solver pool closed' : (killedFor ?? `solver crashed: ${ev.detail}`);
            results[i] = unknown(goals[i]!.id, reason, ms);
          }
          finish(false);
          return;
        }
        const msg = ev.msg;
        switch (msg.type) {
          case 'ready':
            startJob();
            break;
          case 'start':
            current = msg.index;
            startedAt = Date.now();
            // an enumeration stops itself after its budget, then finishes the check in flight
            arm(timeoutMs + (goals[msg.index]!.enumerate?.budgetMs ?? 0) + WATCHDOG_SLACK_MS, 'timeout (worker killed)');
            break;
          case 'result':
            results[msg.index] = { id: goals[msg.index]!.id, ...(msg.result satisfies WireResult) };
            settled++;
            // Between goals the worker may rebuild its solver and re-parse
            // the prelude (after a goal error); keep a watchdog on that too.
            arm(timeoutMs + WATCHDOG_SLACK_MS + PRELUDE_SLACK_MS, 'timeout (worker killed)');
            break;
          case 'done':
            finish(true);
            break;
          default:
            // 'fatal' is recorded by Worker and reported with the exit.
            break;
        }
      });
      if (w.ready) startJob();
    });
  }
}
