// verify rid's reporters: text for the terminal, one JSON document, SARIF with the two paths of
// an inconsistent pair as two code flows.

import type { Loc } from '../ir.ts';
import type { Analysis, Finding } from './analyse.ts';
import { locText } from './analyse.ts';
import { formatDiagnostic } from '../diagnostics.ts';
import { sarifUri } from '../report.ts';
import type { Replayed } from './replay.ts';
import type { Step } from '../../symexec/summary.ts';
import { elementsOf } from './group.ts';

export interface Reported {
  finding: Finding;
  replay: Replayed;
  /** the other elements of the same mistake (group.ts): same function, rule and lines; each replayed */
  group?: Reported[];
}

export interface RidResult {
  analysis: Analysis;
  /** findings whose witness replayed */
  bugs: Reported[];
  /** replayed IPPs of callers that consist of a callee's reported IPP (the same bug, seen from above) */
  inherited: Reported[];
  /** findings whose witness did not replay: a toolchain limitation, counted apart (never a bug) */
  unconfirmed: Reported[];
  wallMs: number;
}

export function exitCodeOf(r: RidResult): number {
  if (r.bugs.length) return 1;
  if (r.analysis.unknowns.length || r.analysis.skipped.some((x) => r.analysis.files.includes(x.fn.file)) || r.unconfirmed.length || r.analysis.stats.some((s) => s.incomplete)) return 3;
  return 0;
}

const RULE_TEXT: Record<string, string> = {
  'rc/ipp': 'inconsistent path pair',
  'rc/escape-leak': 'leaked reference',
  'rc/borrowed-underflow': 'reference released that the function does not own',
  'rc/return-contract': 'borrowed reference returned as new',
};

/** The source lines a path passes, deduplicated, in order: "12 14 15→then 18 return". */
function lines(steps: Step[]): string {
  const out: string[] = [];
  for (const s of steps) {
    // branches, returns and which case of a callee was taken; plain effects show as the line only
    const t = /^(inc|dec|consume|result)/.test(s.what) ? `${s.loc.line}` : `${s.loc.line}(${s.what})`;
    if (out[out.length - 1] !== t) out.push(t);
  }
  return out.join(' → ');
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

export function findingText(r: Reported, cwd: string): string[] {
  const f = r.finding;
  const out = [`  ✗ error[${f.rule}] ${locText(f.fn.loc, cwd)}: ${f.message}`];
  out.push(`      ${RULE_TEXT[f.rule]} on ${f.counter}`);
  const w = r.replay.witness;
  if (f.rule === 'rc/ipp') {
    const params = f.fn.params.filter((p) => p.type.k === 'record' || p.type.k === 'array').map((p) => p.name);
    out.push(`      shared outcome: both paths return ${show(w.runs[0]?.result)}${params.length ? ` and leave ${params.join(', ')} the same (counters aside)` : ''}`);
  }
  out.push(`      witness (confirmed by replay): ${w.args.map((x) => `${x.name} = ${show(x.value)}`).join(', ') || 'no arguments'}`);
  f.paths.forEach((p, i) => {
    const run = w.runs[i];
    const label = f.paths.length === 2 ? `path ${i === 0 ? 'A' : 'B'}` : 'path';
    // consume: a -1 that passed ownership on, rather than a release
    const prov = /^[^(]*\((.*)\)$/.exec(f.counter)?.[1];
    const consumed = prov !== undefined && p.path.consumed.has(prov) ? ' (reference consumed by a callee)' : '';
    out.push(`      ${label}: ${f.counter} ${p.delta}${consumed}; returns ${show(run?.result)} at ${locText(p.path.exitLoc, cwd)}`);
    out.push(`        lines ${lines(p.path.steps)}`);
    if (run?.outcomes.length) out.push(`        outcomes: ${run.outcomes.map((o) => `${o.what} → ${show(o.value)}`).join('; ')}`);
  });
  out.push(`      replay: ${r.replay.detail}`);
  if (r.group?.length) out.push(`      the same mistake on ${r.group.length} more element${r.group.length === 1 ? '' : 's'} (each replayed): ${r.group.map((g) => g.finding.counter).join(', ')}`);
  return out;
}

export function ridText(r: RidResult, cwd: string): string {
  const a = r.analysis;
  const lines: string[] = [];
  const byFn = new Map<string, Reported[]>();
  for (const b of r.bugs) byFn.set(b.finding.fn.key, [...(byFn.get(b.finding.fn.key) ?? []), b]);
  for (const s of a.stats) {
    if (!a.files.includes(s.fn.file)) continue;
    const bugs = byFn.get(s.fn.key) ?? [];
    const inherits = r.inherited.some((x) => x.finding.fn.key === s.fn.key);
    const unconfirmed = r.unconfirmed.some((x) => x.finding.fn.key === s.fn.key);
    const mark = s.declaration && !s.capped ? '·' : bugs.length ? '✗' : s.unknown || s.incomplete || unconfirmed ? '?' : inherits ? '·' : '✓';
    const what = s.declaration ? `refcount API declaration${s.capped ? ' (incomplete)' : ''}` : bugs.length ? `${bugs.length} finding${bugs.length === 1 ? '' : 's'}` : s.incomplete ? `nothing found (incomplete${s.capped ? '' : ': a callee hit the path cap'})` : s.unknown ? 'nothing found (unknowns)' : unconfirmed ? 'nothing confirmed' : inherits ? 'a callee\'s finding shows' : 'clean';
    lines.push(`${mark} ${s.fn.name.padEnd(28)} ${what.padEnd(26)} ${String(s.feasible).padStart(3)} paths${s.capped ? ` (cap ${s.pathsStarted} hit: paths missing)` : ''}${s.pairsCapped ? ` (pair cap ${s.pairsCapped} hit)` : ''}  ${s.queries} queries  ${Math.round(s.ms)} ms`);
    for (const b of bugs) lines.push(...findingText(b, cwd));
    for (const b of r.inherited.filter((x) => x.finding.fn.key === s.fn.key)) lines.push(`  · ${b.finding.counter} also differs here through ${b.finding.via!.callee}'s inconsistent pair (the same bug, reported there)`);
    for (const n of a.notes.filter((x) => x.fn.key === s.fn.key)) lines.push(`  note: ${locText(n.loc, cwd)}: ${n.message}`);
  }
  for (const u of r.unconfirmed) lines.push(`  ? ${locText(u.finding.fn.loc, cwd)}: ${u.finding.message}: not confirmed by replay (${u.replay.detail}); not reported as a bug`);
  for (const x of a.skipped) lines.push(`? ${x.fn.name.padEnd(28)} not checked: ${formatDiagnostic(x.diagnostic, cwd)}`);
  for (const u of a.unknowns) lines.push(`  ? ${locText(u.fn.loc, cwd)}: ${u.fn.name}: ${u.what}: unknown (${u.reason})`);
  const checked = a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration).length;
  const capped = a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration && s.incomplete).length;
  lines.push(`summary: ${checked} functions checked, ${r.bugs.length} bug${r.bugs.length === 1 ? '' : 's'} found, ${a.unknowns.length} unknown,${a.skipped.length ? ` ${a.skipped.length} not checked,` : ''} ${r.unconfirmed.length} not confirmed${capped ? `, ${capped} incomplete at the path cap (--max-paths)` : ''} · ${a.queries} queries · ${Math.round(r.wallMs)} ms`);
  return lines.join('\n');
}

function findingJson(r: Reported, cwd: string): unknown {
  const f = r.finding;
  return {
    rule: f.rule,
    function: f.fn.name,
    location: locText(f.fn.loc, cwd),
    counter: f.counter,
    ...(f.element ? { element: { field: f.element.key, index: f.element.index.map(Number), ...(f.element.note ? { note: f.element.note } : {}) } } : {}),
    /** the counters of the one mistake this report stands for (its own first) */
    elements: elementsOf(r),
    message: f.message,
    paths: f.paths.map((p, i) => ({
      change: p.delta,
      exit: locText(p.path.exitLoc, cwd),
      lines: p.path.steps.map((s) => ({ line: s.loc.line, col: s.loc.col, what: s.what })),
      result: r.replay.witness.runs[i]?.result,
      outcomes: r.replay.witness.runs[i]?.outcomes ?? [],
      runtimeChanges: r.replay.witness.runs[i]?.deltas ?? {},
    })),
    witness: { args: Object.fromEntries(r.replay.witness.args.map((x) => [x.name, x.value])) },
    replay: { confirmed: r.replay.confirmed, detail: r.replay.detail },
    ...(r.group?.length ? { group: r.group.map((g) => ({ counter: g.finding.counter, message: g.finding.message, witness: { args: Object.fromEntries(g.replay.witness.args.map((x) => [x.name, x.value])) }, replay: { confirmed: g.replay.confirmed, detail: g.replay.detail } })) } : {}),
  };
}

export function ridJson(r: RidResult, cwd: string): unknown {
  const a = r.analysis;
  return {
    tool: 'pushbutton',
    command: 'rid',
    exitCode: exitCodeOf(r),
    summary: {
      functions: a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration).length,
      bugs: r.bugs.length,
      unknown: a.unknowns.length,
      skipped: a.skipped.length,
      unconfirmed: r.unconfirmed.length,
      capHit: a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration && s.capped).length,
      /** functions whose IPP candidates went beyond --max-pairs (each also an unknown) */
      pairCapHit: a.stats.filter((s) => a.files.includes(s.fn.file) && s.pairsCapped).length,
      /** functions whose summary misses paths: they or a callee hit the path cap */
      incomplete: a.stats.filter((s) => a.files.includes(s.fn.file) && !s.declaration && s.incomplete).length,
      queries: a.queries,
      /** the largest resource count (rlimit) one query spent: how far below its budget the run stayed */
      rlimitMax: a.rlimitMax,
      wallMs: Math.round(r.wallMs),
    },
    functions: a.stats
      .filter((s) => a.files.includes(s.fn.file))
      .map((s) => ({ name: s.fn.name, location: locText(s.fn.loc, cwd), declaration: s.declaration, paths: s.feasible, pathsEnumerated: s.paths, capHit: s.capped, pairCapHit: Boolean(s.pairsCapped), queries: s.queries, unknown: s.unknown, ms: Math.round(s.ms) })),
    findings: r.bugs.map((b) => findingJson(b, cwd)),
    inherited: r.inherited.map((b) => ({ ...(findingJson(b, cwd) as object), via: b.finding.via!.callee })),
    unconfirmed: r.unconfirmed.map((b) => findingJson(b, cwd)),
    unknowns: a.unknowns.map((u) => ({ function: u.fn.name, location: locText(u.fn.loc, cwd), what: u.what, reason: u.reason })),
    skipped: a.skipped.map((x) => ({ function: x.fn.name, location: locText(x.fn.loc, cwd), diagnostic: formatDiagnostic(x.diagnostic, cwd) })),
    notes: a.notes.map((n) => ({ function: n.fn.name, location: locText(n.loc, cwd), message: n.message })),
  };
}

function sarifLoc(l: Loc, cwd: string, text?: string): unknown {
  return { physicalLocation: { artifactLocation: { uri: sarifUri(l.file, cwd) }, region: { startLine: l.line, startColumn: l.col } }, ...(text ? { message: { text } } : {}) };
}

export function ridSarif(r: RidResult, version: string, cwd: string): unknown {
  const rules = Object.entries(RULE_TEXT).map(([id, text]) => ({ id, shortDescription: { text } }));
  const results = r.bugs.map((b) => {
    const f = b.finding;
    return {
      ruleId: f.rule,
      level: 'error',
      message: { text: `${f.message} (witness confirmed by replay: ${b.replay.detail})${b.group?.length ? `; the same mistake on ${elementsOf(b).join(', ')}` : ''}` },
      locations: [sarifLoc(f.fn.loc, cwd)],
      // one code flow per path of the pair
      codeFlows: f.paths.map((p, i) => ({
        message: { text: `${f.paths.length === 2 ? `path ${i === 0 ? 'A' : 'B'}` : 'path'}: ${f.counter} ${p.delta}` },
        threadFlows: [{ locations: p.path.steps.map((s) => ({ location: sarifLoc(s.loc, cwd, s.what) })) }],
      })),
      properties: { counter: f.counter, elements: elementsOf(b), function: f.fn.name, witness: findingJson(b, cwd) },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'pushbutton', version: '0.1.0', rules, properties: { solver: version } } }, invocations: [{ executionSuccessful: true, exitCode: exitCodeOf(r) }], results }],
  };
}
