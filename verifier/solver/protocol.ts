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
      goals: { id: string; smt: string }[];
      /** Index of goals[0] in the original job, echoed back so the parent never has to translate. */
      offset: number;
      timeoutMs: number;
      randomSeed: number;
      incremental: boolean;
      models: boolean;
    };

/** What the worker knows about one goal; the parent adds nothing but `id`. */
export interface WireResult {
  status: Status;
  reason?: string;
  model?: string;
  ms: number;
  rlimit?: number;
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
