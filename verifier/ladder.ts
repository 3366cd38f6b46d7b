// The solving ladder's budgets and bookkeeping (verifier/run.ts's Runner.climb climbs it): the
// resource counts each rung gets, the turns in which late theorems are built, and the trace.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Theorem, toSmt } from './theorems.ts';
import type { GoalResult } from './solver/pool.ts';
import type { MachineOptions } from '../symexec/evaluate.ts';

/**
 * The budgets are Z3's resource count (rlimit), not time: the count a check spends does not
 * depend on how busy the machine is, so neither does the verdict (bench/README.md, "Verdicts
 * under load"). The wall clock (RunOptions.timeoutMs) is only a safety net.
 *
 * DEFAULT_RLIMIT is the whole budget per goal, that of rungs 2b, 3 and 4; rung 2 gets a quarter.
 * Chosen from the counts the shipped models need (`npm run verify`, all 2,702 goals, measured
 * with twice these budgets; bench/README.md): at rung 2 at most 2.94 M (posix.scalable's
 * mmap#result; the next 1.89 M), against 8 M; one goal goes on to rung 3 (posix.scalable's
 * open#result, past 10 M at rung 2) and needs 15.9 M there, against 32 M.
 */
export const DEFAULT_RLIMIT = 32_000_000;

/**
 * Stage 1's budget per goal. A goal that needs the invariants gives up here; measured on the
 * kernel, the goals proved without them took 70 ms on average, while 159 goals that needed them
 * burned 400 of the model's 458 s of solver time at a quarter of a 10 s budget. Lowered from 150 k
 * to 60 k (`npm run verify`, every shipped model, PUSHBUTTON_TRACE=1, totals of the trace's
 * counts): of the 2,536 goals proved here at 150 k, 18 needed more than 60 k (p99 55 k, at most
 * 129 k), while 166 goals gave up here, each after the whole 150 k; at 60 k the resource count of
 * the whole run fell from 192.8 M to 178.7 M, stage 1's from 39.7 M to 24.4 M, and every goal is
 * still proved (a goal that would have needed more only moves on to stage 2). Its wall-clock net
 * is the whole net too: a goal that a tighter one moved on would change stage 2's job, and an
 * incremental solver's counts depend on the goals before (measured: with a 10 s net here, two
 * busy loops on this 2-core machine made 8 kernel goals unknown at 32 M that a quiet run proves
 * at 1.5 M at most).
 */
export const BARE_RLIMIT = 60_000;

/**
 * With a small scope declared, rung 2 is first tried at this budget (2e), before the small-scope
 * search; only the goals it leaves open are asked again at the quarter (2f). A broken goal spent
 * the whole quarter in vain there (8 M, 17-38 s on this machine, before its counterexample came
 * from the small scope): at the desk a broken edit is the common case (issue 24, item 9). Chosen
 * from the kernel's counts (`verify kernel --no-cache`, PUSHBUTTON_TRACE=1; bench/README.md,
 * "Counterexamples as fast as proofs"): its stage-2 proofs need at most 0.61 M, but for
 * clone#equiv (past 8 M in the old rung 2's job, 4.3 M alone at 2f); so a broken goal spends 1 M
 * here instead of 8 M. The price is on correct goals above it: GPUvm's five goals of 1.3-4.5 M
 * at rung 2 pay 2e and a vain small-scope search, about 32 M of its 58.5 M in all.
 */
export const EARLY_FULL_RLIMIT = 1_000_000;

/**
 * The first small-scope search's budget (2s); a goal it stops for this limit is searched again,
 * with the whole budget, after rung 2 at the quarter (2b). On the kernel's mutants (bench/
 * mutants.ts) the small-scope counterexamples took 1.7 M to 7.4 M, on its seeded bugs 2.4 M to
 * 8.7 M; a correct goal that goes past 2e pays this much for nothing (the kernel's clone#equiv:
 * 8 M; its search proves it at the small scope at 9.3 M, which says nothing of the real sizes).
 */
export const EARLY_SMALL_RLIMIT = 8_000_000;

/** The encoding tried when the solver answers `unknown`: quantifiers expanded into ground facts. */
export const EXPANDED: MachineOptions = { expandLimit: 256 };
export const EXPANDED_TEXT = 'quantifiers over at most 256 elements expanded';
/** Counts over at most this many elements get their exact definition when a counterexample did not replay (2a). */
export const EXACT_COUNT_LIMIT = 256;

/** The wall-clock net says `timeout (N ms)`; the rlimit's reason, "resource limit (rlimit N)", comes from the worker. */
export function describeUnknown(reason: string | undefined, timeoutMs: number): string {
  return reason === 'canceled' || reason === 'timeout' ? `timeout (${timeoutMs} ms)` : (reason ?? 'unknown');
}

/**
 * Tickets served in order. The theorems of the late rungs (2s, 3) are built only when the solver
 * has answered, i.e. in an order that depends on the machine's speed, and their SMT-LIB text
 * depends on what was built before (symexec's hash-consed term ids name the definitions and
 * order them); Z3's search, and so the resource count a goal needs, depends on that text. So they
 * are built one theorem at a time in the order the theorems were made.
 */
export class Turns {
  private taken = 0;
  private next = 0;
  private readonly passed = new Set<number>();
  private readonly waiting = new Map<number, () => void>();

  take(): Turn {
    const i = this.taken++;
    let done = false;
    return {
      wait: () => (done || i === this.next ? Promise.resolve() : new Promise<void>((r) => this.waiting.set(i, r))),
      pass: () => {
        if (done) return;
        done = true;
        this.passed.add(i);
        while (this.passed.delete(this.next)) this.next++;
        const w = this.waiting.get(this.next);
        this.waiting.delete(this.next);
        w?.();
      },
    };
  }
}

export interface Turn {
  wait: () => Promise<void>;
  pass: () => void;
}

/** PUSHBUTTON_TRACE=1: one line per solving stage on stderr (per goal: answer, ms, /r resource count, reason). */
export function trace(th: Theorem, stage: string, rs: GoalResult[]): void {
  if (!process.env.PUSHBUTTON_TRACE) return;
  const tally = rs.map((r) => `${r.status[0]}${Math.round(r.ms)}/r${r.rlimit ?? '?'}${r.reason ? `(${r.reason})` : ''}`).join(' ');
  process.stderr.write(`[trace] ${th.subsystem}.${th.op} ${th.kind} ${stage}: ${tally}\n`);
}

/** A theorem at the spec's small scope (Runner.searchSmall): the query, and which goals of the real one it holds. */
export interface SmallSearch {
  one: Theorem;
  smt: ReturnType<typeof toSmt>;
  ask: number[];
}

/** --smt2 DIR: each goal of a theorem as an SMT-LIB2 file of its own (prelude, goal, check-sat). */
export function writeSmt2(dir: string, smt: { prelude: string; goals: { id: string; smt: string }[] }): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const g of smt.goals) {
    const file = path.join(dir, `${g.id.replace(/[^A-Za-z0-9_.@:-]/g, '_').replace(/:/g, '-')}.smt2`);
    fs.writeFileSync(file, `${smt.prelude}\n${g.smt}\n(check-sat)\n`);
  }
}
