// `verify --shard I/N`: a stable partition of a run's work, for CI jobs that each take one part
// (docs/ci.md). The unit is a theorem: one operation's refinement theorem, its invariants theorem,
// or the subsystem's init theorem. A theorem's goals share one solver prelude and are asked
// together (run.ts), so they stay in one part; the two theorems of an operation share nothing.
//
// A theorem's part is a hash of (subsystem, operation, theorem) modulo N: it depends on nothing
// else, so adding, removing or renaming an operation moves no other theorem, and every job of a
// CI matrix computes the same partition without talking to the others.

import { createHash } from 'node:crypto';

/** Part `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` with 1 <= I <= N; undefined if malformed. */
export function parseShard(text: string): Shard | undefined {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && count >= 1 && index <= count ? { index, count } : undefined;
}

/** The part (1-based) of `count` that the theorem `theorem` of `operation` in `subsystem` belongs to. */
export function shardOf(subsystem: string, operation: string, theorem: string, count: number): number {
  // JSON keeps the three names apart whatever characters they hold
  const h = createHash('sha256').update(JSON.stringify([subsystem, operation, theorem])).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

export function inShard(shard: Shard | undefined, subsystem: string, operation: string, theorem: string): boolean {
  return !shard || shardOf(subsystem, operation, theorem, shard.count) === shard.index;
}
