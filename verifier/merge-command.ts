// `verify merge FILE... [--json] [--junit FILE] [--sarif FILE] [--root DIR]`: one report and one
// exit code from the --json documents of a `--shard I/N` run's parts (merge.ts; docs/ci.md).
// The exit code is the one the whole run would have had: 0 proved, 1 a counterexample, 2 input
// rejected (or documents that cannot be merged), 3 unknown.

import * as path from 'node:path';
import { mergeDocuments, MergeError, readDocument } from './merge.ts';
import { checkOutputs, writeOutput } from './outputs.ts';
import { exitCode, jsonDocument, jsonText, sarifDocument, subsystemText, summaryText } from './report.ts';
import { junitDocument } from './junit.ts';

/** Options of the main command that mean nothing to a merge (it runs no proof). */
const NOT_FOR_MERGE = ['filter', 'timeout', 'rlimit', 'jobs', 'smt2', 'cache', 'no-cache', 'fail-fast', 'shard'];

export async function mergeCommand(values: Record<string, unknown>, files: string[]): Promise<number> {
  const fail = (msg: string) => {
    console.error(`verify merge: ${msg}`);
    return 2;
  };
  const stray = NOT_FOR_MERGE.filter((o) => values[o] !== undefined);
  if (stray.length) return fail(`${stray.map((o) => `--${o}`).join(', ')}: options of the shards' runs, not of the merge`);
  if (files.length === 0) return fail('give the --json documents of the shards: verify merge shard-1.json shard-2.json ...');
  const bad = checkOutputs({ '--sarif': values.sarif as string | undefined, '--junit': values.junit as string | undefined });
  if (bad) return fail(bad);
  const root = path.resolve((values.root as string | undefined) ?? process.cwd());
  let merged;
  try {
    merged = mergeDocuments(
      files.map((file) => ({ file, doc: readDocument(file) })),
      root,
    );
  } catch (e) {
    if (e instanceof MergeError) return fail(e.message);
    throw e;
  }
  const { subsystems, base, wallMs, shardCount } = merged;
  const failed = [
    values.sarif ? writeOutput('--sarif', values.sarif as string, jsonText(sarifDocument(subsystems, base.solver, process.cwd()))) : undefined,
    values.junit ? writeOutput('--junit', values.junit as string, junitDocument(subsystems, { wallMs })) : undefined,
  ].filter((x) => x !== undefined);
  if (values.json) {
    const meta = { toolVersion: base.toolVersion, toolBuild: base.toolBuild, solver: base.solver, options: base.options, selection: base.selection, root, sources: base.sources, shard: null, merged: { documents: files.length, shards: shardCount }, wallMs };
    console.log(jsonText(jsonDocument(subsystems, meta)));
  } else {
    console.log(`pushbutton verify merge · ${files.length} document${files.length === 1 ? '' : 's'}, ${shardCount} shard${shardCount === 1 ? '' : 's'} · ${base.solver} · rlimit ${base.options.rlimit} per goal`);
    for (const s of subsystems) console.log(subsystemText(s, process.cwd()));
    console.log(summaryText(subsystems, wallMs).replace(' wall ·', ' wall (the longest shard) ·'));
  }
  for (const f of failed) console.error(`verify merge: ${f}`);
  return failed.length ? 2 : exitCode(subsystems);
}
