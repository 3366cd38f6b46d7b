// The child's tasks: what the sandbox runs on the user's modules. Each is loaded when first asked
// for, so that a child serving `verify` never loads verify commute's code, and the reverse.

import type { TaskName } from './protocol.ts';

/** What a task sees: the user's modules by key (`spec`, `impl`, a variant's name), and a cache for this child. */
export interface TaskContext {
  modules: Record<string, Record<string, unknown>>;
  /** kept while this child lives: values a task computes once (verify commute's init() states) */
  cache: Map<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (ctx: TaskContext, item: any) => unknown;

export const TASKS: Record<TaskName, () => Promise<Handler>> = {
  replay: async () => (await import('../counterexample-run.ts')).replayTask,
  'rid-run': async () => (await import('../rid/run-side.ts')).runSideTask,
  'commute-test': async () => (await import('../commute/check.ts')).commuteTestTask,
  'commute-equivalent': async () => (await import('../commute/congruence-run.ts')).congruenceTask,
};
