// One report per mistake: replayed findings that share a cause — the same function, rule and
// source lines, on counters that differ only by the element (`dev(t.devs[0])` ... `dev(t.devs[3])`)
// or by the pass of a loop (`of(f()@3:9)`, `of(f()@3:9#2)`) — are one report that lists the
// elements (issue 28 item 5). Each element keeps its own witness and replay; none is dropped.

import type { Finding } from './analyse.ts';
import type { Reported } from './report.ts';

/** The counter with every index and every loop-pass suffix left out: `dev(t.devs[])`, `of(f()@3:9)`. */
export function counterFamily(counter: string): string {
  return counter.replace(/\[[^\]]*\]/g, '[]').replace(/#\d+/g, '');
}

/** The source lines a finding's paths pass, per path, and the changes: what makes two findings one mistake. */
function shape(f: Finding): string {
  // (the two paths of a pair in either order)
  const sides = f.paths.map((p) => `${p.delta}@${[...new Set(p.path.steps.map((s) => s.loc.line))].sort((a, b) => a - b).join(',')}`);
  return `${f.fn.key}\u0000${f.rule}\u0000${counterFamily(f.counter)}\u0000${sides.sort().join('|')}`;
}

/**
 * Groups the findings; each group is its first element (by counter name) with the others in
 * `group`. A finding alone is returned unchanged.
 */
export function groupFindings(found: Reported[]): Reported[] {
  const byShape = new Map<string, Reported[]>();
  for (const r of found) {
    const k = shape(r.finding);
    byShape.set(k, [...(byShape.get(k) ?? []), r]);
  }
  const out: Reported[] = [];
  for (const r of found) {
    const all = byShape.get(shape(r.finding))!;
    if (all[0] !== r) continue; // reported with the first of its group, in the order found
    const sorted = [...all].sort((a, b) => (a.finding.counter < b.finding.counter ? -1 : a.finding.counter > b.finding.counter ? 1 : 0));
    out.push(sorted.length === 1 ? sorted[0] : { ...sorted[0], group: sorted.slice(1) });
  }
  return out;
}

/** The elements a report covers: its own counter, then the others of its group. */
export function elementsOf(r: Reported): string[] {
  return [r.finding.counter, ...(r.group ?? []).map((g) => g.finding.counter)];
}
