// What a verification run gives back: a verdict per goal, per operation and per subsystem (the
// reports, the cache and the tests read these; verifier/run.ts makes them).

import type { Loc } from './ir.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { GoalSpec, TheoremKind } from './theorems.ts';
import type { Counterexample } from './counterexample.ts';

export type Verdict = 'proved' | 'refuted' | 'unknown';

export interface GoalOutcome {
  id: string;
  theorem: TheoremKind;
  kind: GoalSpec['kind'];
  loc: Loc;
  message: string;
  status: Verdict;
  /** why the solver gave up, or why a counterexample was not accepted */
  reason?: string;
  ms: number;
  rlimit?: number;
  counterexample?: Counterexample;
  /** set when the verdict came from the expanded (ground) encoding after an `unknown` */
  scope?: string;
  /** the verdict came from the proof cache (a refutation: replayed again on the current code) */
  cached?: boolean;
}

export interface OperationOutcome {
  name: string;
  status: Verdict;
  ms: number;
  goals: GoalOutcome[];
}

export interface SubsystemOutcome {
  name: string;
  specFile: string;
  implFile: string;
  status: Verdict | 'rejected';
  diagnostics: Diagnostic[];
  operations: OperationOutcome[];
  /** time spent outside the solver: front end, symbolic evaluation, printing, replay */
  frontMs: number;
  solverMs: number;
  /** the whole outcome came from the proof cache (nothing was lowered or solved) */
  cached?: boolean;
  /**
   * With RunOptions.shard: every operation the selection holds, in order (`verify merge` lists
   * them so), and how many of their theorems belong to other shards.
   */
  shard?: { operations: string[]; elsewhere: number };
}

export function worst(vs: (Verdict | 'rejected')[]): Verdict | 'rejected' {
  if (vs.includes('rejected')) return 'rejected';
  if (vs.includes('refuted')) return 'refuted';
  if (vs.includes('unknown')) return 'unknown';
  return 'proved';
}
