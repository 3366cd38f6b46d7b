// The data that flows through `verify commute` (docs/commute.md): ANALYZER's pair results,
// TESTGEN's test cases, the conflict checker's verdicts. Plain JSON-serialisable records, so each
// phase can run in its own process and the reporters read them back.

/** A TypeScript value as JSON: numbers and enum members as they are, opaque values as pool names. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One call of a commutativity test. */
export interface Call {
  op: string;
  /** the operation's arguments after the state, in order */
  args: Json[];
}

/** ANALYZER's verdict on one unordered pair of operations (a pair may be an operation with itself). */
export interface PairResult {
  a: string;
  b: string;
  /** always: commute in every state and for all arguments; never: in none; sometimes: otherwise */
  verdict: 'always' | 'sometimes' | 'never' | 'unknown';
  /** paths of the pair explored (both orders together), of which commutative */
  paths: number;
  commutativePaths: number;
  /** the readable condition: one line per commutative case (empty for never) */
  cases: string[];
  /** for non-commuting paths: what first tells the two orders apart, e.g. `result of a`, `state.inodes[].nlink` */
  divergences: { path: string; first: string }[];
  /** solver answers that were unknown (paths, or the classification), counted apart */
  unknowns: number;
  /**
   * Per implementation variant: commutative paths PROVED conflict-free (no state on the path lets
   * a cell written by one operation be touched by the other), paths that may conflict (with the
   * cells), and paths the solver did not decide.
   */
  proofs?: Record<string, { conflictFree: number; mayConflict: number; unknown: number; cells: string[] }>;
  /** building the pair problem and the solver's time on it (not time spent waiting for a worker) */
  ms: number;
  /** the solver's time on the two enumerations */
  solveMs?: { commutative: number; divergent: number };
}

/** One commutativity test: a spec state, two calls, what the spec allows them to return. */
export interface TestCase {
  /** e.g. `rename_rename_p3_0` (pair, path, index of the equality pattern) */
  id: string;
  pair: [string, string];
  path: string;
  /** the spec state before the calls, as JSON of the spec's `State` */
  setup: Json;
  calls: [Call, Call];
  /** the results in each order: [result of calls[0], result of calls[1]] after A;B and after B;A */
  expect: { ab: [Json, Json]; ba: [Json, Json] };
  /** when the spec's choices allow several results: every pair of results it allows, per order */
  allowed?: { ab: [Json, Json][]; ba: [Json, Json][] };
  /** each implementation variant's starting state, related to `setup` by its equiv (found by the solver) */
  impl?: Record<string, Json>;
}

/** A state cell touched by an operation: `inodes[3].nlink`, `dir{f0}`, `dir{#keys}`. */
export interface Access {
  cell: string;
  kind: 'read' | 'write';
}

/** A cell both operations touch, at least one of them writing it. */
export interface Conflict {
  cell: string;
  a: 'read' | 'write';
  b: 'read' | 'write';
}

/** The conflict check of one test on one implementation. */
export interface TestVerdict {
  id: string;
  /** the implementation variant, e.g. `posix.naive` */
  impl: string;
  /** the implementation returned what the spec allows, in both orders */
  resultsOk: boolean;
  /** why not, when resultsOk is false */
  mismatch?: string;
  conflicts: Conflict[];
}
