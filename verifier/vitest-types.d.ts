// The types of pushbutton/vitest (verifier/vitest.ts), for a user's TypeScript: package.json's
// exports give this file as the "types" of pushbutton/vitest, so that a project without
// @types/node type-checks its tests (vitest.ts itself imports node:child_process). Kept equal to
// vitest.ts by test/proofs-as-tests.test.ts (an assignment TypeScript checks, both ways).

export interface VerifyOptions {
  /** Only operations whose name contains this (or matches a * glob), as `--filter`; 'init' selects the initial-state theorem. */
  filter?: string | string[];
  /** The project folder (default: the current folder, where the test runner was started). */
  root?: string;
  /** More command-line options, e.g. ['--rlimit', '64M'] or ['--no-cache']. */
  args?: string[];
  /** Stops `verify` after this long (default 10 minutes); the verdict is then a failure. */
  timeoutMs?: number;
}

export interface VerifyResult {
  /** `verify`'s exit code: 0 proved, 1 refuted, 2 rejected or unusable, 3 unknown; null when stopped. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command, for messages. */
  command: string;
}

/** Runs `verify SELECTION... [--filter OP]... [args]` and collects what it prints; never throws for a verdict. */
export declare function runVerify(selection?: string | string[], opts?: VerifyOptions): Promise<VerifyResult>;

/** Resolves when every selected goal is proved (exit 0); otherwise rejects with `verify`'s report. */
export declare function verifies(selection?: string | string[], opts?: VerifyOptions): Promise<VerifyResult>;

/** Resolves when `verify` finds a counterexample confirmed by replay (with `goal`: a refuted goal's id contains it); rejects otherwise. */
export declare function refutes(selection: string | string[], opts?: VerifyOptions & { goal?: string }): Promise<VerifyResult>;
