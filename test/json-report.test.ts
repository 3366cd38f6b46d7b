// `verify --json` writes counterexamples as the text report shows them: large arrays by their hot
// and changed elements only. A kernel refutation's two states (8,192 pages of 512 entries each)
// written whole were more text than a string can hold, and --json ended in "internal error".
import { describe, it, expect } from 'vitest';
import { jsonDocument, jsonText, stateLines } from '../verifier/report.ts';
import { Elided, elidePair, hotIndices } from '../verifier/elide.ts';
import { fromWire, toWire } from '../verifier/sandbox/wire.ts';
import type { SubsystemOutcome } from '../verifier/run.ts';

function outcome(before: unknown, after: unknown, arg: number): SubsystemOutcome {
  const goal = {
    id: 'k.op#result', kind: 'result', theorem: 'refinement', status: 'refuted', message: 'm', loc: { file: '/x/impl.ts', line: 1, col: 1 }, ms: 1,
    counterexample: { inputs: [{ role: 'impl', name: 's', value: before }, { role: 'arg', name: 'i', value: arg }], implAfter: after, implResult: 0, specResult: 1, replay: 'results differ', confirmed: true },
  };
  return { name: 'k', specFile: '/x/spec.ts', implFile: '/x/impl.ts', status: 'refuted', diagnostics: [], operations: [{ name: 'op', status: 'refuted', ms: 1, goals: [goal] }], frontMs: 0, solverMs: 0 } as unknown as SubsystemOutcome;
}

describe('verify --json: counterexamples', () => {
  it('writes an array of more than 64 elements as its length and its hot and changed elements', () => {
    const pages = Array.from({ length: 8192 }, () => ({ refs: 0, entries: Array.from({ length: 512 }, () => 0) }));
    const after = pages.map((p, i) => (i === 7 ? { refs: 1, entries: p.entries.map((e, j) => (j === 3 ? 9 : e)) } : p));
    const doc = JSON.parse(jsonText(jsonDocument([outcome({ pages, n: 2 }, { pages: after, n: 2 }, 100)], {}))) as { subsystems: { operations: { goals: { counterexample: { inputs: { value: unknown }[]; implAfter: unknown } }[] }[] }[] };
    const cex = doc.subsystems[0].operations[0].goals[0].counterexample;
    const before = cex.inputs[0].value as { pages: { length: number; elements: Record<string, { refs: number; entries: { length: number; elements: Record<string, number> } }> }; n: number };
    expect(before.n).toBe(2);
    expect(before.pages.length).toBe(8192);
    // page 7 changed; 100 (the argument i) and 2 (the state's scalar n) are hot, as in the text
    // report; inside page 7, entry 3 changed and entries 2 and 100 are hot
    expect(Object.keys(before.pages.elements).sort()).toEqual(['100', '2', '7']);
    expect(before.pages.elements['7'].entries.elements).toEqual({ 2: 0, 3: 0, 100: 0 });
    const afterPages = (cex.implAfter as typeof before).pages;
    expect(afterPages.elements['7'].refs).toBe(1);
    expect(afterPages.elements['7'].entries.elements['3']).toBe(9);
    expect(cex.inputs[1].value).toBe(100);
  });

  it('keeps arrays of up to 64 elements whole', () => {
    const doc = JSON.parse(jsonText(jsonDocument([outcome({ a: [1, 2, 3] }, { a: [1, 5, 3] }, 0)], {}))) as { subsystems: { operations: { goals: { counterexample: { inputs: { value: unknown }[]; implAfter: unknown } }[] }[] }[] };
    const cex = doc.subsystems[0].operations[0].goals[0].counterexample;
    expect([cex.inputs[0].value, cex.implAfter]).toEqual([{ a: [1, 2, 3] }, { a: [1, 5, 3] }]);
  });
});

// The replay sends the states elided the same way (verifier/elide.ts): what the reports print from
// them must be what they printed from the whole states.
describe('states elided by the replay', () => {
  const pages = Array.from({ length: 200 }, (_, i) => ({ refs: i % 3, entries: Array.from({ length: 100 }, (_, j) => (i + j) % 5) }));
  const state = { pages, n: 2, flags: Array.from({ length: 80 }, () => false) };
  // the operation changes page 150 (an entry and its count) and flag 70; i = 9 and n = 2 are hot
  const live = structuredClone(state);
  live.pages[150].refs = 7;
  live.pages[150].entries[4] = 42;
  live.flags[70] = true;
  const hot = hotIndices([state, 9]);

  it('keeps the hot elements and those the operation changed, and crosses the wire as it is', () => {
    type E = { pages: Elided; flags: Elided; n: number };
    const [before, after] = elidePair(state, live, hot);
    const elided = before as E;
    expect([...elided.pages.elements.keys()].sort((a, b) => a - b)).toEqual([2, 9, 150]);
    expect([...elided.flags.elements.keys()].sort((a, b) => a - b)).toEqual([2, 9, 70]);
    expect((after as E).pages.elements.get(150)).toEqual(live.pages[150]);
    expect(fromWire(toWire(after))).toEqual(after);
  });

  it('gives the same text report and --json document as the whole states', () => {
    const [before, after] = elidePair(state, live, hot);
    expect(stateLines('s', before, after, hot)).toEqual(stateLines('s', state, live, hot));
    const whole = jsonText(jsonDocument([outcome(state, live, 9)], {}));
    expect(jsonText(jsonDocument([outcome(before, after, 9)], {}))).toBe(whole);
  });
});

// A map in a state (plain(): its default and the pairs of its set keys) is shown and compared by
// key: with more than 8 keys set, a hot value is a key, not a position in the pairs (red-team
// round 18b, m01: the text showed the 22nd pair for an argument k = 21, and not key 21's value).
describe('maps in the text report', () => {
  const entries = Array.from({ length: 26 }, (_, i): [number, number] => [i * 3 + 1, i]);
  entries.push([21, 47]);
  const before = { m: { default: 48, entries } };
  const after = { m: { default: 48, entries: [...entries.filter(([k]) => k !== 21), [21, 48], [5, 1]] as [number, number][] } };

  it('shows the value of a hot key and every key the operation changed, by key', () => {
    const lines = stateLines('s', before, after, new Set([21]));
    expect(lines).toEqual(expect.arrayContaining(['s.m.default = 48; 27 keys set', 's.m.get(21) = 47', 'afterwards s.m.get(21): 47 → 48', 'afterwards s.m.get(5): not set → 1']));
    expect(lines.filter((l) => l.includes('entries'))).toEqual([]);
  });
});
