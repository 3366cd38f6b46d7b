// `verify --junit FILE`: the verdicts as JUnit XML, the format CI services show as test results
// (GitHub Actions through a test-reporter action, GitLab's `artifacts:reports:junit`, Jenkins).
//
// One <testsuite> per subsystem, one <testcase> per goal (as the --json document lists them:
// operation × theorem × obligation). The mapping of verdicts (docs/ci.md):
//   proved   -> a passing test case
//   refuted  -> <failure> with the counterexample, as the text report shows it
//   unknown  -> <error>: the check did not finish (budget, timeout, a toolchain error); the run
//               fails (exit 3), so it must not look like a pass or a skip
//   unknown, not asked because --fail-fast stopped at an earlier refutation -> <skipped>
//   a construct outside the subset -> a test case per diagnostic, with <error> (exit 2: nothing
//               of the subsystem was proved)
// Times are in seconds. Every name and message is escaped; characters XML 1.0 cannot carry at
// all (most control characters, lone surrogates) are written as \u{…} text.

import * as path from 'node:path';
import { formatDiagnostic, formatLoc } from './diagnostics.ts';
import { goalText } from './report.ts';
import { confirmedBy } from './counterexample.ts';
import type { GoalOutcome, OperationOutcome, SubsystemOutcome } from './run.ts';

const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function visible(s: string): string {
  return s.replace(NOT_XML, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Text content: & and < (and > for `]]>`); \r as a reference, or a parser would fold it into \n. */
export function xmlText(s: string): string {
  return visible(s).replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[c]!);
}

/** An attribute value in double quotes; tabs and line breaks as references (a parser would turn them into spaces). */
export function xmlAttr(s: string): string {
  return visible(s).replace(/[&<>"'\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[c]!);
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

/** The verdict of a goal as JUnit sees it. */
export function junitKind(g: GoalOutcome): 'passed' | 'failure' | 'error' | 'skipped' {
  if (g.status === 'proved') return 'passed';
  if (g.status === 'refuted') return 'failure';
  return /not asked further/.test(g.reason ?? '') ? 'skipped' : 'error';
}

interface Case {
  xml: string;
  kind: 'passed' | 'failure' | 'error' | 'skipped';
  ms: number;
}

function goalCase(sub: SubsystemOutcome, op: OperationOutcome, g: GoalOutcome, cwd: string): Case {
  const kind = junitKind(g);
  const file = formatLoc(g.loc, cwd).replace(/:\d+:\d+$/, '');
  const head = `<testcase${attrs({ classname: `${sub.name}.${op.name}`, name: `${g.theorem}: ${g.message} [${g.id}]`, time: seconds(g.ms), file, line: g.loc.line })}`;
  if (kind === 'passed') return { xml: `${head}/>`, kind, ms: g.ms };
  const body = goalText(sub, op, g, cwd)
    .map((l) => l.replace(/^ {6}/, ''))
    .join('\n');
  const message = kind === 'failure' ? `${g.message} (counterexample ${confirmedBy(g.counterexample)})` : `${g.message}: unknown (${g.reason ?? 'no reason given'})`;
  const tag = kind === 'failure' ? 'failure' : kind === 'error' ? 'error' : 'skipped';
  const type = kind === 'failure' ? g.theorem : kind === 'error' ? 'unknown' : undefined;
  return { xml: `${head}>\n      <${tag}${attrs({ message, type })}>${xmlText(body)}</${tag}>\n    </testcase>`, kind, ms: g.ms };
}

function suite(sub: SubsystemOutcome, cwd: string): { xml: string; cases: Case[] } {
  const cases: Case[] = [];
  for (const d of sub.diagnostics) {
    const at = formatLoc(d.loc, cwd);
    const head = `<testcase${attrs({ classname: sub.name, name: `subset: ${d.construct} at ${at}`, time: seconds(0), file: at.replace(/:\d+:\d+$/, ''), line: d.loc.line })}>`;
    cases.push({ xml: `${head}\n      <error${attrs({ message: `${d.construct}: ${d.message}`, type: 'subset' })}>${xmlText(formatDiagnostic(d, cwd))}</error>\n    </testcase>`, kind: 'error', ms: 0 });
  }
  for (const op of sub.operations) for (const g of op.goals) cases.push(goalCase(sub, op, g, cwd));
  const rel = (f: string) => formatLoc({ file: f, line: 1, col: 1 }, cwd).replace(/:1:1$/, '');
  const n = (k: Case['kind']) => cases.filter((c) => c.kind === k).length;
  const props = [
    ['spec', rel(sub.specFile)],
    ['impl', rel(sub.implFile)],
    ['status', sub.status],
  ]
    .map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`)
    .join('\n');
  const time = cases.reduce((a, c) => a + c.ms, 0);
  const head = `<testsuite${attrs({ name: sub.name, tests: cases.length, failures: n('failure'), errors: n('error'), skipped: n('skipped'), time: seconds(time), file: rel(sub.implFile) })}>`;
  return { xml: [`  ${head}`, '    <properties>', props, '    </properties>', ...cases.map((c) => `    ${c.xml}`), '  </testsuite>'].join('\n'), cases };
}

/** The whole report; `wallMs` is the run's wall-clock time (the <testsuites> time). */
export function junitDocument(subs: SubsystemOutcome[], opts: { cwd?: string; wallMs: number; name?: string }): string {
  const cwd = opts.cwd ?? process.cwd();
  const suites = subs.map((s) => suite(s, path.resolve(cwd)));
  const all = suites.flatMap((s) => s.cases);
  const n = (k: Case['kind']) => all.filter((c) => c.kind === k).length;
  const head = `<testsuites${attrs({ name: opts.name ?? 'pushbutton verify', tests: all.length, failures: n('failure'), errors: n('error'), skipped: n('skipped'), time: seconds(opts.wallMs) })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites.map((s) => s.xml), '</testsuites>', ''].join('\n');
}
