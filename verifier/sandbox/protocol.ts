// Messages between the sandbox (sandbox.ts, in the verifier's process) and its child (runner.ts).
// Values inside items and results are encoded with wire.ts.

/** The kinds of work the child does on the user's modules (tasks.ts maps each to its code). */
export type TaskName = 'replay' | 'rid-run' | 'commute-test' | 'commute-equivalent';

export type ToChild =
  /** import the user's modules, in order, each under its key */
  | { type: 'load'; modules: { key: string; url: string }[] }
  /** run `task` on each item in turn; `offset` is the first item's index in the caller's list */
  | { type: 'task'; id: number; task: TaskName; offset: number; items: unknown[] };

export type FromChild =
  /** the runner is up (before any user code is loaded) */
  | { type: 'ready' }
  /** about to import the module of this key */
  | { type: 'loading'; key: string }
  | { type: 'loaded' }
  /** the module's top-level code threw */
  | { type: 'load-failed'; key: string; error: string; stack?: string }
  /** one item's outcome: `value` when ok, else `error` (the task's code threw) */
  | { type: 'item'; id: number; index: number; ok: boolean; value?: unknown; error?: string; stack?: string }
  | { type: 'done'; id: number };

/**
 * Written by the child on its stderr, synchronously, when the user's code calls process.exit:
 * a message on the IPC channel could be lost when the process ends right after it.
 */
export const EXIT_MARK = '\u0000pushbutton-exit ';
