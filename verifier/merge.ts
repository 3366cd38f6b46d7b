// `verify merge FILE...`: the `--json` documents of the shards of one run (`--shard I/N`,
// verifier/shard.ts) combined into one list of subsystem outcomes, as one run would have made it,
// for one report and one exit code (docs/ci.md).
//
// Documents are refused (a usage error, exit 2), never silently combined, when they could not be
// the parts of one run: a different document version, tool, tool build, solver, budget, filter,
// checkout (the sources' hash) or list of subsystems; two documents of the same part, or a part
// missing (a lost CI job must not turn into a green merge); the same goal in two documents.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSON_SCHEMA_VERSION } from './report.ts';
import { worst, type GoalOutcome, type OperationOutcome, type SubsystemOutcome, type Verdict } from './run.ts';
import type { Diagnostic } from './diagnostics.ts';

export class MergeError extends Error {}

/** The fields of a verify --json document that merge reads (docs/ci.md has them all). */
export interface VerifyDocument {
  schemaVersion: number;
  tool: string;
  command: string;
  toolVersion: string;
  toolBuild: string;
  solver: string;
  options: { timeoutMs: number; rlimit: number; filter: string[]; failFast: boolean; jobs: number };
  selection: string[];
  root: string;
  sources: string;
  shard: { index: number; count: number } | null;
  merged: { documents: number; shards: number } | null;
  wallMs: number;
  exitCode: number;
  error?: string;
  summary: Record<string, number>;
  subsystems: SubsystemOutcome[];
}

/** Reads and checks the shape of one document; `file` names it in errors. */
export function readDocument(file: string): VerifyDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MergeError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: VerifyDocument;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new MergeError(`${file}: not JSON (${(e as Error).message}); give the documents that verify --json printed`);
  }
  if (!doc || typeof doc !== 'object' || doc.tool !== 'pushbutton') throw new MergeError(`${file}: not a pushbutton document`);
  if (doc.command !== 'verify') throw new MergeError(`${file}: a document of 'verify ${doc.command ?? '?'}'; merge combines those of 'verify --json'`);
  if (doc.schemaVersion !== JSON_SCHEMA_VERSION) throw new MergeError(`${file}: document version ${doc.schemaVersion ?? '(none)'}, this verify reads version ${JSON_SCHEMA_VERSION}: merge with the verify that made it`);
  if (typeof doc.error === 'string') return doc;
  const ok = Array.isArray(doc.subsystems) && doc.options && typeof doc.toolBuild === 'string' && typeof doc.sources === 'string' && typeof doc.root === 'string' && (doc.shard === null || (Number.isInteger(doc.shard?.index) && Number.isInteger(doc.shard?.count)));
  if (!ok) throw new MergeError(`${file}: a verify document without the fields merge needs (subsystems, options, toolBuild, sources, root, shard)`);
  for (const s of doc.subsystems) if (!s || typeof s.name !== 'string' || !Array.isArray(s.operations) || !Array.isArray(s.diagnostics)) throw new MergeError(`${file}: a malformed subsystem entry`);
  return doc;
}

/** Each document's paths (absolute, on the machine that ran it) moved under `root`. */
function rebase(doc: VerifyDocument, root: string): SubsystemOutcome[] {
  const move = (f: string) => (path.isAbsolute(f) && !path.relative(doc.root, f).startsWith('..') ? path.join(root, path.relative(doc.root, f)) : f);
  const loc = <T extends { loc: { file: string } }>(x: T): T => ({ ...x, loc: { ...x.loc, file: move(x.loc.file) } });
  return doc.subsystems.map((s) => ({
    ...s,
    specFile: move(s.specFile),
    implFile: move(s.implFile),
    diagnostics: s.diagnostics.map(loc),
    operations: s.operations.map((o) => ({ ...o, goals: o.goals.map(loc) })),
  }));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const identity = (s: SubsystemOutcome, root: string) => `${s.name} (${path.relative(root, s.specFile)} ↔ ${path.relative(root, s.implFile)})`;

export interface Merged {
  subsystems: SubsystemOutcome[];
  /** the first document's run description; wallMs the longest shard's (they ran side by side) */
  base: VerifyDocument;
  wallMs: number;
  shardCount: number;
}

/**
 * Combines the documents (each with the file it came from) into one run's outcomes, with paths
 * under `root` (the project folder where the merge runs).
 */
export function mergeDocuments(docs: { file: string; doc: VerifyDocument }[], root: string): Merged {
  if (docs.length === 0) throw new MergeError('no documents: give the --json files of every shard');
  const failed = docs.find((d) => typeof d.doc.error === 'string');
  if (failed) throw new MergeError(`${failed.file}: that run stopped with an error: ${failed.doc.error}`);
  const [first, ...rest] = docs;
  const b = first.doc;
  const fields: [string, (d: VerifyDocument) => unknown][] = [
    ['the tool version', (d) => d.toolVersion],
    ['the tool build (pushbutton sources)', (d) => d.toolBuild],
    ['the solver', (d) => d.solver],
    ['--rlimit', (d) => d.options.rlimit],
    ['--timeout', (d) => d.options.timeoutMs],
    ['--filter', (d) => d.options.filter],
    ['--fail-fast', (d) => Boolean(d.options.failFast)],
    ['the sources (a different checkout or edit)', (d) => d.sources],
    ['the number of shards', (d) => d.shard?.count ?? 1],
  ];
  for (const { file, doc } of rest) {
    for (const [what, get] of fields) {
      if (!same(get(doc), get(b))) throw new MergeError(`${file} and ${first.file} differ in ${what}: ${JSON.stringify(get(doc))} against ${JSON.stringify(get(b))}; merge only the shards of one run`);
    }
  }
  const count = b.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { file, doc } of docs) {
    const i = doc.shard?.index ?? 1;
    const other = seen.get(i);
    if (other) throw new MergeError(`${file} and ${other} are both shard ${i}/${count}: the shards overlap`);
    seen.set(i, file);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new MergeError(`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: a merge of only some shards would leave goals unchecked`);

  const parts = docs.map(({ file, doc }) => ({ file, subs: rebase(doc, root) }));
  const names = (subs: SubsystemOutcome[]) => subs.map((s) => identity(s, root));
  for (const p of parts.slice(1)) {
    if (!same(names(p.subs), names(parts[0].subs))) throw new MergeError(`${p.file} and ${parts[0].file} verified different subsystems (${names(p.subs).join(', ')} against ${names(parts[0].subs).join(', ')}); merge only the shards of one run`);
  }
  const goalFile = new Map<string, string>();
  const subsystems = parts[0].subs.map((s0, k) => {
    const mine = parts.map((p) => ({ file: p.file, sub: p.subs[k] }));
    const diagnostics: Diagnostic[] = [];
    for (const { sub } of mine) for (const d of sub.diagnostics) if (!diagnostics.some((x) => same(x, d))) diagnostics.push(d);
    const ops = new Map<string, OperationOutcome[]>();
    for (const { file, sub } of mine) {
      for (const op of sub.operations) {
        for (const g of op.goals) {
          const key = `${sub.name}\0${g.id}`;
          const prev = goalFile.get(key);
          if (prev) throw new MergeError(`${file} and ${prev} both hold the goal ${g.id}: the shards overlap`);
          goalFile.set(key, file);
        }
        ops.set(op.name, [...(ops.get(op.name) ?? []), op]);
      }
    }
    // the order of one run: every shard lists the operations of the selection in order
    const order = mine.find((m) => m.sub.shard)?.sub.shard?.operations ?? [...ops.keys()];
    const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
    const theoremRank: Record<string, number> = { init: 0, refinement: 1, invariants: 2 };
    const operations = [...ops.entries()]
      .sort((x, y) => rank(x[0]) - rank(y[0]))
      .map(([name, pieces]): OperationOutcome => {
        const goals: GoalOutcome[] = pieces.flatMap((p) => p.goals).sort((x, y) => (theoremRank[x.theorem] ?? 3) - (theoremRank[y.theorem] ?? 3));
        return { name, status: worst(pieces.map((p) => p.status)) as Verdict, ms: pieces.reduce((a, p) => a + p.ms, 0), goals };
      });
    const merged: SubsystemOutcome = {
      name: s0.name,
      specFile: s0.specFile,
      implFile: s0.implFile,
      status: diagnostics.length || mine.some((m) => m.sub.status === 'rejected') ? 'rejected' : worst(operations.map((o) => o.status)),
      diagnostics,
      operations,
      frontMs: mine.reduce((a, m) => a + m.sub.frontMs, 0),
      solverMs: mine.reduce((a, m) => a + m.sub.solverMs, 0),
      ...(mine.every((m) => m.sub.cached) ? { cached: true } : {}),
    };
    return merged;
  });
  return { subsystems, base: b, wallMs: Math.max(...docs.map((d) => d.doc.wallMs ?? 0)), shardCount: count };
}
