// IPC message shapes shared by pool.ts (parent) and worker.ts (child).
// Kept in a module of its own so that the parent never has to load the
// worker (and with it z3-solver) just to know the message types.

import type { Status } from './pool.ts';

/** Parent -> child. */
export type ToWorker =
  | {
      type: 'job';
      prelude: string;
      /** Only the goals still to be checked: after a crash the parent resends the tail. */
      goals: { id: string; smt: string; enumerate?: Enumeration }[];
      /** Index of goals[0] in the original job, echoed back so the parent never has to translate. */
      offset: number;
      timeoutMs: number;
      /** Job.rlimit; 0 for none */
      rlimit: number;
      randomSeed: number;
      incremental: boolean;
      models: boolean;
      /** Job.logic */
      logic?: string;
    };

/**
 * A goal that asks for many models instead of one (verify commute: the paths of a pair, the test
 * cases of a path). After each model the worker reads the projected constants and blocks what
 * they show, until unsat, `cap` models, or `budgetMs`.
 */
export interface Enumeration {
  /** declared constants of the goal (or prelude) whose model values define a solution */
  project: Projection[];
  cap: number;
  /**
   * wall-clock budget for the whole enumeration (each check also has the job's timeout and
   * rlimit); with budgetRlimit, only a safety net
   */
  budgetMs: number;
  /**
   * The deterministic budget of the whole enumeration: Z3's resource count summed over its
   * checks. Checked between checks, like budgetMs, so an enumeration may overrun it by one
   * check (itself bounded by the job's rlimit); unlike budgetMs it stops at the same solution
   * however busy the machine is.
   */
  budgetRlimit?: number;
  /** send every model's text back (test cases need it; paths only need the values) */
  models: boolean;
  /**
   * With models: only the projections and the declarations whose names begin with one of these
   * (without the projections an enumeration cannot block a model and stops at the first).
   * Printing a model of a large query costs about as much as solving it, and a caller often
   * needs only the part it did not fix itself (a POSIX start state, open/close: 42 ms for the
   * whole model, 34 ms for the implementation states alone, against 36 ms of solving).
   */
  modelPrefixes?: string[];
  /** enumerate models for which no case of this family holds, refuting the cases lazily (Refutation) */
  refute?: Refutation;
}

/**
 * "No choice of the spec makes the orders agree" (verify commute's divergent paths) without
 * asserting its negation for every combination of choices up front: each model is evaluated
 * against every case, a case that holds in it is refuted (asserted false) and the check runs
 * again; a model no case holds in is a solution (counterexample-guided refinement). A case is
 * `body` with the choice constants replaced by one combination of their values.
 */
export interface Refutation {
  /**
   * A self-contained SMT-LIB script (declarations, then one assertion: the body). Parsed apart
   * from the goal, into the same Z3 context: equal names and sorts are the same constants.
   */
  script: string;
  /** the Int constants of the body each case fixes, and the values each can take */
  choices: { name: string; values: number[] }[];
}

export interface Projection {
  name: string;
  /**
   * A Bool constant: the projection counts only in models where it is true (a branch condition
   * matters only on paths that reach the branch).
   */
  when?: string;
  /**
   * Without a realm the solution fixes the value itself (`(= p v)`); projections of one realm
   * are blocked by their equality pattern only (which are equal, which differ), as COMMUTER's
   * TESTGEN does for values of an uninterpreted sort.
   */
  realm?: string;
  /** reported with each solution but not blocked on (a witness's detail, not what makes it new) */
  reportOnly?: boolean;
}

export interface Solution {
  /** the projected values in SMT-LIB syntax (opaque values as Z3 names them), '' where `when` was false */
  values: string[];
  model?: string;
}

/** What the worker knows about one goal; the parent adds nothing but `id`. */
export interface WireResult {
  status: Status;
  reason?: string;
  model?: string;
  ms: number;
  /** Z3's resource count spent by the check (enumerations: by all their checks) */
  rlimit?: number;
  /** enumeration goals: the largest resource count of one check (what the job's rlimit must cover) */
  rlimitMax?: number;
  /**
   * enumeration goals: the solutions found. `status` is unsat when they are all there are (the
   * last check said unsat), sat when the enumeration was cut (cap, budget, nothing to block).
   */
  solutions?: Solution[];
  /** enumeration goals: why it stopped before unsat ('cap', 'budget', or unknown's reason) */
  stopped?: string;
  /** enumeration goals with a Refutation: the cases refuted (one check each) */
  refuted?: number;
}

/** Child -> parent. */
export type FromWorker =
  | { type: 'ready'; version: string }
  | { type: 'start'; index: number }
  | { type: 'result'; index: number; result: WireResult }
  | { type: 'done' }
  // Sent just before the worker exits on its own because the wasm instance
  // is no longer trustworthy (emscripten abort, trap, stack overflow): the
  // detail is better than the bare exit code the parent would see otherwise.
  | { type: 'fatal'; detail: string };
