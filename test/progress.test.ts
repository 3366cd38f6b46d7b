// Progress of a verify run (verifier/progress.ts): a plain line per operation in a log, one live
// line on a terminal, cleared before the report.
import { describe, it, expect } from 'vitest';
import { Progress } from '../verifier/progress.ts';
import type { OperationOutcome } from '../verifier/run.ts';

function sink(columns?: number) {
  let text = '';
  const out = { write: (s: string) => ((text += s), true), columns } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}
const op = (name: string, goals: number): OperationOutcome => ({ name, status: 'proved', ms: 1, goals: Array.from({ length: goals }, () => ({}) as OperationOutcome['goals'][number]) });

describe('progress', () => {
  it('writes one plain line per operation when not on a terminal', () => {
    const s = sink();
    const p = new Progress(s.out, false);
    p.start('kernel', 3);
    p.operation('kernel', op('dup', 15));
    p.operation('kernel', op('close', 4));
    p.clear();
    const lines = s.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^progress: kernel dup proved \(15 goals\) · 1 of 3 operations, 15 goals, \d+ s$/);
    expect(lines[1]).toMatch(/^progress: kernel close proved \(4 goals\) · 2 of 3 operations, 19 goals/);
  });

  it('rewrites one line on a terminal, cut to its width, and clears it', () => {
    const s = sink(40);
    const p = new Progress(s.out, true);
    p.start('kernel', 23);
    p.operation('kernel', op('dup2_with_a_long_name', 30));
    expect(s.text()).not.toMatch(/\n/);
    const last = s.text().split('\r\x1b[2K').pop()!;
    expect(last.length).toBeLessThanOrEqual(39);
    expect(last).toMatch(/^kernel: 1 of 23 operations/);
    p.clear();
    expect(s.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});
