// Reporters: the human summary on the terminal, the machine-readable JSON document (its schema:
// docs/ci.md and docs/verify-report.schema.json) and SARIF; JUnit XML is in junit.ts.

import { formatDiagnostic, formatLoc } from './diagnostics.ts';
import type { SubsystemOutcome, OperationOutcome, GoalOutcome } from './run.ts';
import { confirmedBy, deepEqual, type Counterexample } from './counterexample.ts';
import { Elided, hotIndices } from './elide.ts';
import { toolVersion } from './version.ts';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const MARK: Record<string, string> = { proved: '✓', refuted: '✗', unknown: '?', rejected: '!' };

export function exitCode(subs: SubsystemOutcome[]): number {
  if (subs.some((s) => s.status === 'rejected')) return 2;
  if (subs.some((s) => s.status === 'refuted')) return 1;
  if (subs.some((s) => s.status === 'unknown')) return 3;
  return 0;
}

export function operationLine(op: OperationOutcome): string {
  const n = op.goals.length;
  const bad = op.goals.filter((g) => g.status !== 'proved').length;
  const detail = op.status === 'proved' ? `${n} goal${n === 1 ? '' : 's'}` : `${bad} of ${n} goals`;
  return `  ${MARK[op.status]} ${op.name.padEnd(18)} ${op.status.padEnd(8)} ${detail.padEnd(14)} ${formatMs(op.ms)}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** A value as compact TypeScript-like text; long arrays show only the elements that stand out. */
export function show(v: unknown, before?: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Elided) {
    const b = before instanceof Elided ? before : undefined;
    return `{ ${[...v.elements].map(([i, x]) => `[${i}]: ${show(x, b?.elements.get(i))}`).join(', ')}${v.elements.size ? ', ' : ''}${v.length - v.elements.size} not shown }`;
  }
  if (Array.isArray(v)) {
    const b = Array.isArray(before) ? before : undefined;
    if (v.length <= 8) return `[${v.map((x, i) => show(x, b?.[i])).join(', ')}]`;
    const texts = v.map((x) => show(x));
    const counts = new Map<string, number>();
    texts.forEach((t) => counts.set(t, (counts.get(t) ?? 0) + 1));
    const common = [...counts].sort((x, y) => y[1] - x[1])[0][0];
    const shown = v.map((x, i) => i).filter((i) => texts[i] !== common || (b && show(b[i]) !== texts[i]));
    const parts = shown.slice(0, 12).map((i) => `[${i}]: ${show(v[i], b?.[i])}`);
    if (shown.length > 12) parts.push(`… ${shown.length - 12} more`);
    const rest = v.length - shown.length;
    return `{ ${[...parts, rest ? `${rest === v.length ? 'all' : 'others'} ${v.length === rest ? v.length : rest}: ${common}` : ''].filter(Boolean).join(', ')} }`;
  }
  if (v && typeof v === 'object') {
    const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : undefined;
    return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${show(x, b?.[k])}`).join(', ')} }`;
  }
  return String(v);
}

/**
 * The part of a state that matters: top-level scalars, small arrays whole, and of large arrays the
 * elements at "hot" indices or that the operation changed; then every change as `old → new`.
 */
export function stateLines(name: string, before: unknown, after: unknown, hot: Set<number>): string[] {
  const shown: string[] = [];
  const changes: string[] = [];
  const diff = (path: string, a: unknown, b: unknown): void => {
    if (b === undefined) return;
    // a map (plain(): its default and its set keys' pairs) is compared key by key, not by position
    const ma = mapEntries(a);
    const mb = mapEntries(b);
    if (ma && mb) {
      diff(`${path}.default`, (a as PlainMap).default, (b as PlainMap).default);
      for (const k of new Set([...ma.keys(), ...mb.keys()])) {
        const [x, y] = [ma.get(k), mb.get(k)];
        const text = (e: [unknown, unknown] | undefined) => (e ? show(e[1]) : 'not set');
        if (text(x) !== text(y)) changes.push(`${path}.get(${k}): ${text(x)} → ${text(y)}`);
      }
      return;
    }
    // (a long array elided by the replay, elide.ts: it kept every element that changed)
    if (a instanceof Elided && b instanceof Elided) {
      for (const [i, x] of a.elements) diff(`${path}[${i}]`, x, b.elements.get(i));
      return;
    }
    if (a && typeof a === 'object' && b && typeof b === 'object') {
      for (const k of Object.keys(a)) diff(Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      return;
    }
    if (a !== b) changes.push(`${path}: ${show(a)} → ${show(b)}`);
  };
  diff(name, before, after);
  const touched = (path: string) => changes.some((c) => c.startsWith(path + '.') || c.startsWith(path + '[') || c.startsWith(path + ':'));
  const walk = (path: string, v: unknown, top: boolean): void => {
    if (v instanceof Elided) {
      for (const [i, x] of v.elements) if (hot.has(i) || touched(`${path}[${i}]`)) shown.push(`${path}[${i}] = ${show(x)}`);
      return;
    }
    const m = mapEntries(v);
    if (m && m.size > 8) {
      // the keys that stand out (an argument's value) and those the operation changed, by key
      shown.push(`${path}.default = ${show((v as PlainMap).default)}; ${m.size} keys set`);
      for (const [k, [key, x]] of m) if ((typeof key === 'number' && hot.has(key)) || touched(`${path}.get(${k})`)) shown.push(`${path}.get(${k}) = ${show(x)}`);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length <= 8) return void shown.push(`${path} = ${show(v)}`);
      v.forEach((x, i) => {
        if (hot.has(i) || touched(`${path}[${i}]`)) shown.push(`${path}[${i}] = ${show(x)}`);
      });
      return;
    }
    if (v && typeof v === 'object') {
      if (!top && Object.values(v).every((x) => !x || typeof x !== 'object')) return void shown.push(`${path} = ${show(v)}`);
      for (const [k, x] of Object.entries(v)) walk(`${path}.${k}`, x, false);
      return;
    }
    shown.push(`${path} = ${show(v)}`);
  };
  walk(name, before, true);
  return [...shown, ...changes.map((c) => `afterwards ${c}`)];
}

/** A map as plain() writes it (counterexample.ts): its default and the pairs of its set keys. */
interface PlainMap {
  default: unknown;
  entries: [unknown, unknown][];
}

/** A plain map's pairs by the key's text (`21`, `'a'`), or undefined when `v` is no plain map. */
function mapEntries(v: unknown): Map<string, [unknown, unknown]> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  const entries = (v as PlainMap).entries;
  if (keys.length !== 2 || !('default' in v) || !Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2)) return undefined;
  return new Map(entries.map(([k, x]) => [show(k), [k, x]]));
}

/** The lines under a refuted or unknown goal: the message, the counterexample or the reason, the rerun command. */
export function goalText(sub: SubsystemOutcome, op: OperationOutcome, g: GoalOutcome, cwd: string): string[] {
  const lines: string[] = [];
  const label = g.status === 'refuted' ? 'error' : 'unknown';
  lines.push(`      ${label}[${g.theorem}] ${formatLoc(g.loc, cwd)}: ${g.message}`);
  const c = g.counterexample;
  if (g.status === 'refuted' && c) {
    lines.push(`        counterexample (${confirmedBy(c)}${g.scope ? `; found with ${g.scope}` : ''}):`);
    const hot = hotIndices(c.inputs.map((x) => x.value));
    for (const inp of c.inputs) {
      if (inp.role === 'arg') {
        lines.push(`          ${inp.name} = ${show(inp.value)}`);
        continue;
      }
      const after = inp.role === 'impl' ? c.implAfter : c.specAfter;
      lines.push(`          ${inp.role === 'impl' ? 'implementation' : 'spec'} state ${inp.name}:`);
      for (const l of stateLines(inp.name, inp.value, after, hot)) lines.push(`            ${l}`);
    }
    if (c.inputs.length === 0 && c.implAfter !== undefined) lines.push(`          impl init() = ${show(c.implAfter)}`, `          spec init() = ${show(c.specAfter)}`);
    if (c.implResult !== undefined || c.specResult !== undefined) {
      // a side without a result stopped on a runtime error (the replay line says which)
      const res = (r: unknown) => (r === undefined ? 'stopped on an error (the replay line says which)' : `returned ${show(r)}`);
      if (g.theorem === 'refinement') lines.push(`          implementation ${res(c.implResult)}, spec ${res(c.specResult)}`);
      else if (g.theorem === 'invariants') lines.push(`          spec returned ${show(c.specResult)}`);
    }
    lines.push(`        replay: ${c.replay}`);
  } else if (g.reason) lines.push(`        ${g.reason}`);
  const target = !/\/(impl|examples\/[^/]+\/impl)[^/]*\.ts$/.test(sub.implFile) ? formatLoc({ file: sub.implFile, line: 1, col: 1 }, cwd).replace(/:1:1$/, '') : sub.name;
  lines.push(`        goal ${g.id}${g.rlimit !== undefined ? ` · rlimit ${g.rlimit}` : ''} · ${formatMs(g.ms)} · rerun: npx verify ${target} --filter ${op.name}`);
  return lines;
}

export function subsystemText(sub: SubsystemOutcome, cwd: string, opLines = true): string {
  const lines = [`${sub.name}  (${formatLoc({ file: sub.specFile, line: 1, col: 1 }, cwd).replace(/:1:1$/, '')} ↔ ${formatLoc({ file: sub.implFile, line: 1, col: 1 }, cwd).replace(/:1:1$/, '')})`];
  for (const d of sub.diagnostics) lines.push(`  ${formatDiagnostic(d, cwd)}`);
  for (const op of sub.operations) {
    if (opLines) lines.push(operationLine(op));
    for (const g of op.goals) if (g.status !== 'proved') lines.push(...goalText(sub, op, g, cwd));
  }
  return lines.join('\n');
}

export function summaryText(subs: SubsystemOutcome[], wallMs: number): string {
  const ops = subs.flatMap((s) => s.operations);
  const count = (st: string) => ops.filter((o) => o.status === st).length;
  const goals = ops.flatMap((o) => o.goals);
  const solver = subs.reduce((a, s) => a + s.solverMs, 0);
  const rejected = subs.filter((s) => s.status === 'rejected').length;
  // (an operation is as bad as its worst goal: a refuted one's unknown goals are counted here)
  const unknownGoals = goals.filter((g) => g.status === 'unknown').length;
  return [
    `summary: ${subs.length} subsystem${subs.length === 1 ? '' : 's'}, ${ops.length} operations: ${count('proved')} proved, ${count('refuted')} refuted, ${count('unknown')} unknown${rejected ? `; ${rejected} rejected` : ''}`,
    `         ${goals.length} goals${unknownGoals ? ` (${unknownGoals} unknown)` : ''} · ${formatMs(wallMs)} wall · solver ${formatMs(solver)} (summed over workers)`,
  ].join('\n');
}

/**
 * The version of the `--json` document's shape (docs/ci.md): raised when a field changes meaning
 * or goes away, so that a consumer (and `verify merge`) can refuse a shape it does not know.
 * Adding a field does not raise it.
 */
export const JSON_SCHEMA_VERSION = 1;

export function summaryOf(subs: SubsystemOutcome[]) {
  const ops = subs.flatMap((s) => s.operations);
  const goals = ops.flatMap((o) => o.goals);
  return {
    subsystems: subs.length,
    rejected: subs.filter((s) => s.status === 'rejected').length,
    operations: ops.length,
    proved: goals.filter((g) => g.status === 'proved').length,
    refuted: goals.filter((g) => g.status === 'refuted').length,
    unknown: goals.filter((g) => g.status === 'unknown').length,
  };
}

export function jsonDocument(subs: SubsystemOutcome[], meta: Record<string, unknown>): unknown {
  const compacted = subs.map((sub) => ({ ...sub, operations: sub.operations.map((op) => ({ ...op, goals: op.goals.map((g) => (g.counterexample ? { ...g, counterexample: compactCounterexample(g.counterexample) } : g)) })) }));
  return { schemaVersion: JSON_SCHEMA_VERSION, tool: 'pushbutton', command: 'verify', ...meta, exitCode: exitCode(subs), summary: summaryOf(subs), subsystems: compacted };
}

/** An array longer than this is written in --json as `{ length, elements }` (see compactCounterexample). */
const JSON_WHOLE_ARRAY = 64;

/**
 * A counterexample for --json, with what the text report shows: arrays of up to 64 elements
 * whole, longer ones as `{ length, elements }` holding only the elements at "hot" indices (the
 * scalar inputs' values) or that the operation changed. A kernel state is 8,192 pages of 512
 * entries: written whole, two of them are more text than a string can hold, and `--json` crashed.
 */
function compactCounterexample(c: Counterexample): Counterexample {
  const hot = hotIndices(c.inputs.map((x) => x.value));
  const pack = (a: unknown, b: unknown): [unknown, unknown] => {
    if (a instanceof Elided) {
      // elided by the replay already (elide.ts, the same rule): its elements packed
      const other = b instanceof Elided ? b : undefined;
      const ea: Record<string, unknown> = {};
      const eb: Record<string, unknown> = {};
      for (const [i, x] of a.elements) [ea[i], eb[i]] = pack(x, other?.elements.get(i));
      return [{ length: a.length, elements: ea }, other ? { length: other.length, elements: eb } : b];
    }
    if (Array.isArray(a)) {
      const other = Array.isArray(b) ? b : [];
      if (a.length <= JSON_WHOLE_ARRAY) {
        const both = a.map((x, i) => pack(x, other[i]));
        return [both.map(([x]) => x), Array.isArray(b) ? both.map(([, y]) => y) : b];
      }
      const ea: Record<string, unknown> = {};
      const eb: Record<string, unknown> = {};
      a.forEach((x, i) => {
        if (hot.has(i) || !deepEqual(x, other[i])) [ea[i], eb[i]] = pack(x, other[i]);
      });
      return [{ length: a.length, elements: ea }, Array.isArray(b) ? { length: b.length, elements: eb } : b];
    }
    if (a && typeof a === 'object' && !(a instanceof Map)) {
      const ob = b && typeof b === 'object' ? (b as Record<string, unknown>) : undefined;
      const oa: Record<string, unknown> = {};
      const ox: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(a)) [oa[k], ox[k]] = pack(x, ob?.[k]);
      return [oa, ob ? ox : b];
    }
    return [a, b];
  };
  // each state packed once, beside its state afterwards (one walk of both)
  const afterOf = (role: string) => (role === 'impl' ? c.implAfter : role === 'spec' ? c.specAfter : undefined);
  const packed = c.inputs.map((x) => pack(x.value, afterOf(x.role)));
  const after = (role: 'impl' | 'spec', v: unknown) => {
    const k = c.inputs.findIndex((x) => x.role === role);
    return v === undefined ? undefined : k >= 0 ? packed[k][1] : pack(v, v)[1];
  };
  return { ...c, inputs: c.inputs.map((x, k) => ({ ...x, value: packed[k][0] })), implAfter: after('impl', c.implAfter), specAfter: after('spec', c.specAfter) };
}


/** The document as text: counterexample values that are bigints are written as numbers. */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2);
}

/**
 * A file as a SARIF artifact URI: relative to `cwd` (code scanning resolves it against the
 * checkout) with each path segment percent-encoded, so that a space, `#`, `%` or `<` in a name
 * still makes a valid URI reference; a file outside `cwd` as a file:// URI.
 */
export function sarifUri(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return pathToFileURL(file).href;
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}

/**
 * SARIF 2.1.0 for code scanning: one result per refuted or unknown goal. Proved goals are not
 * results; the run's `invocations[0].executionSuccessful` and the properties carry the verdict, so
 * an all-green SARIF is distinguishable from an empty or failed run.
 */
export function sarifDocument(subs: SubsystemOutcome[], version: string, cwd: string): unknown {
  const rules = [
    { id: 'refinement', shortDescription: { text: 'The implementation does not refine the spec' } },
    { id: 'invariants', shortDescription: { text: 'The spec does not keep its invariants' } },
    { id: 'init', shortDescription: { text: 'init does not establish the invariants' } },
    { id: 'subset', shortDescription: { text: 'The input is outside the verified TypeScript subset' } },
  ];
  const uri = (file: string) => sarifUri(file, cwd);
  const results: unknown[] = [];
  for (const sub of subs) {
    for (const d of sub.diagnostics) {
      results.push({ ruleId: 'subset', level: 'error', message: { text: `${d.construct}: ${d.message}` }, locations: [{ physicalLocation: { artifactLocation: { uri: uri(d.loc.file) }, region: { startLine: d.loc.line, startColumn: d.loc.col } } }] });
    }
    for (const op of sub.operations) {
      for (const g of op.goals) {
        if (g.status === 'proved') continue;
        const text = g.status === 'refuted' ? `${g.message} (counterexample ${confirmedBy(g.counterexample)}: ${g.counterexample?.replay ?? ''})` : `${g.message}: unknown (${g.reason ?? ''})`;
        results.push({
          ruleId: g.theorem,
          level: g.status === 'refuted' ? 'error' : 'warning',
          message: { text },
          locations: [{ physicalLocation: { artifactLocation: { uri: uri(g.loc.file) }, region: { startLine: g.loc.line, startColumn: g.loc.col } } }],
          properties: { goal: g.id, subsystem: sub.name, operation: op.name, status: g.status, counterexample: g.counterexample },
        });
      }
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pushbutton', version: toolVersion(), rules, properties: { solver: version } } },
        invocations: [{ executionSuccessful: true, exitCode: exitCode(subs) }],
        properties: { summary: summaryOf(subs) },
        results,
      },
    ],
  };
}
