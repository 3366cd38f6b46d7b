// Replays a verify rid finding on the real TypeScript before it is reported.
//
// The witness gives the arguments and, for each path, the outcomes of the primitives in the order
// the code asks for them (the hidden values). The harness installs the prelude's replay hook
// (RID_HOOK): `result()` hands out the next outcome, and `inc`/`dec`/`consume` record which value
// changed which counter. The function then runs once per path on fresh copies of the arguments.
// An IPP is confirmed when both runs return the same result and leave the same visible state
// (counter fields aside) but change the reported counter differently; a rule finding when its one
// run ends with the change the rule names. Anything else is "not confirmed" and never a bug report.

import { isScalar, type Type } from '../ir.ts';
import { Model, type MValue } from '../solver/model.ts';
import { decode } from '../counterexample.ts';
import { sandboxModules } from '../frontend/emit.ts';
import { Sandbox, RunFailure } from '../sandbox/sandbox.ts';
import { fromWire } from '../sandbox/wire.ts';
import { SMap } from '../prelude.ts';
import type { SideAnswer, SideItem } from './run-side.ts';
import { isCounterType } from '../../symexec/summary.ts';
import { counterNames, type Analysis, type Finding } from './analyse.ts';

export interface SideRun {
  /** outcomes of the primitives handed out, in order */
  outcomes: { what: string; value: unknown }[];
  result?: unknown;
  error?: string;
  /** counter changes observed at run time, by counter name */
  deltas: Record<string, number>;
}

export interface Witness {
  args: { name: string; value: unknown }[];
  runs: SideRun[];
}

export interface Replayed {
  confirmed: boolean;
  detail: string;
  witness: Witness;
}

const sandboxes = new WeakMap<Analysis, Map<string, Sandbox>>();

/**
 * The sandbox of the user's module (sandbox/sandbox.ts), with every function of the file reachable
 * by name (non-exported helpers are exported under a private name): its code runs there only.
 */
function sandboxOf(a: Analysis, file: string, names: string[]): Sandbox {
  let byFile = sandboxes.get(a);
  if (!byFile) sandboxes.set(a, (byFile = new Map()));
  let s = byFile.get(file);
  if (!s) byFile.set(file, (s = new Sandbox(file, () => sandboxModules(a.project, [['mod', file]], { exportAlso: new Map([[file, names]]) }))));
  return s;
}

function jsValue(v: MValue | undefined, t?: Type): unknown {
  if (t?.k === 'enum') return t.members[typeof v === 'bigint' ? Number(v) : 0];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v;
  if (v && typeof v === 'object' && v.kind === 'opaque') return v.id;
  return 0;
}

/** The value with every Counter field removed: what the caller can observe. */
function visible(v: unknown, t: Type): unknown {
  if (t.k === 'record' && v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const f of t.fields) if (!isCounterType(f.type)) o[f.name] = visible((v as Record<string, unknown>)[f.name], f.type);
    return o;
  }
  if (t.k === 'array' && Array.isArray(v)) return [...v].map((x) => visible(x, t.elem));
  return v;
}

function plain(v: unknown): unknown {
  if (Array.isArray(v)) return [...v].map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/**
 * Reads `dev.usage` (or `files[].refcnt` at the element `index` names; the whole arrays without
 * one) from the arguments by a counter-field key.
 */
function fieldValue(args: Record<string, unknown>, key: string, index?: bigint[]): unknown {
  let v: unknown = args;
  let n = 0;
  for (const part of key.split('.')) {
    const m = /^([^[]*)((?:\[\])*)$/.exec(part)!;
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[m[1]] : undefined;
    for (let k = 0; k < m[2].length / 2; k++) {
      if (!index) return plain(v);
      v = Array.isArray(v) ? v[Number(index[n++])] : undefined;
    }
  }
  return plain(v);
}

export async function replayFinding(a: Analysis, f: Finding): Promise<Replayed> {
  const fp = a.summaries.get(f.fn.key)!;
  const model = Model.parse(f.model);
  const inputs = fp.params.map((p) => ({ role: 'arg' as const, smt: p.smt, param: p.name, type: p.type }));
  const witness: Witness = { args: inputs.map((inp) => ({ name: inp.param, value: plain(decode(model, inp, false)) })), runs: [] };
  const inputsBefore = witness.args.map((x) => x.value);
  // a counter of an array element named by an index over the parameters (`kobj(t.devs[i])`)
  // is the element at the witness's value of that index (`kobj(t.devs[1])`)
  const argByName = Object.fromEntries(witness.args.map((x) => [x.name, x.value]));
  const concrete = (name: string): string =>
    name.replace(/\[([^\]…]+)\]/g, (m, txt: string) => {
      const parts = txt.split(/ ([+-]) /);
      let acc = 0;
      let sign = 1;
      for (let n = 0; n < parts.length; n++) {
        if (n % 2 === 1) {
          sign = parts[n] === '-' ? -1 : 1;
          continue;
        }
        const v = /^-?\d+$/.test(parts[n]) ? Number(parts[n]) : fieldValue(argByName, parts[n]);
        if (typeof v !== 'number') return m;
        acc += sign * v;
      }
      return `[${acc}]`;
    });
  const fail = (detail: string): Replayed => ({ confirmed: false, detail, witness });
  const names = [...a.program.values()].filter((g) => g.file === f.fn.file).map((g) => g.name);
  const sandbox = sandboxOf(a, f.fn.file, names);
  const runs: { run: SideRun; after: Record<string, unknown>; ambiguous: string[]; changes: (SideAnswer['changes'][number] & { x?: unknown; key: string })[]; resultPlace?: string; newObjects: string[]; scalars: { name: string; v: unknown }[] }[] = [];
  for (const [k, side] of f.paths.entries()) {
    const outcomes = side.hidden.map((h, i) => ({ what: side.path.hidden[i]?.what ?? 'result()', value: jsValue(model.value(h.name!), side.path.hidden[i]?.type) }));
    // the run itself happens in the sandbox: a module whose top-level code cannot run throws
    // (ModuleLoadError, a located diagnostic); a run that does not finish is not a confirmation
    const item: SideItem = { fn: f.fn.name, inputs, model: f.model, outcomes: outcomes.map((o) => o.value) };
    let ans: SideAnswer;
    try {
      ans = await sandbox.run<SideAnswer>('rid-run', item, `the run of ${f.fn.name} on path ${k + 1} of the witness`);
    } catch (e) {
      if (e instanceof RunFailure) return fail(e.message);
      throw e;
    }
    const run: SideRun = { outcomes, deltas: {}, result: fromWire(ans.result), error: ans.error };
    const args = ans.after.map(fromWire);
    if (ans.overrun || ans.left) run.error ??= `the run asked for ${ans.overrun ? 'more' : 'fewer'} primitive outcomes than the path (it took another path)`;
    // which counter each change belongs to: records by identity (named in the sandbox), handles
    // by value among the names the two paths use (arguments, the result, values handed out by
    // primitives)
    const names = new Set([...counterNames(f.paths.map((s) => s.path))].map(concrete));
    names.add(concrete(/^[^(]*\((.*)\)$/.exec(f.counter)?.[1] ?? ''));
    const scalars: { name: string; v: unknown }[] = [];
    const walk = (v: unknown, name: string) => {
      if (v && typeof v === 'object') {
        if (Array.isArray(v)) v.forEach((x, k) => walk(x, `${name}[${k}]`));
        else for (const [k, x] of Object.entries(v)) walk(x, `${name}.${k}`);
      } else if (names.has(name)) scalars.push({ name, v });
    };
    // a place of the arguments names the handle it held at entry: the analysis names a value read
    // after the path stored into the place by what was stored (`t.items[i] = 0; put(o)` puts the
    // object slot i held before the store, which the run leaves at 0)
    fp.params.forEach((p, i) => walk(inputsBefore[i], p.name));
    if (names.has('ret')) scalars.push({ name: 'ret', v: run.result });
    side.path.hidden.forEach((h, i) => {
      if (h.prov && names.has(h.prov)) scalars.push({ name: h.prov, v: outcomes[i]?.value });
    });
    // handles named by their value (module constants such as Py_None)
    for (const n of names) if (/^-?\d+$/.test(n)) scalars.push({ name: n, v: Number(n) });
    const ambiguous: string[] = [];
    const changes = ans.changes.map((c) => ({ ...c, x: c.object === undefined ? fromWire(c.x) : undefined, key: '' }));
    for (const c of changes) {
      let name: string;
      if (c.object !== undefined) name = c.object;
      else {
        const cands = [...new Set(scalars.filter((s) => s.v === c.x).map((s) => s.name))];
        if (cands.length > 1) ambiguous.push(`${c.counter}: ${cands.join(' or ')}`);
        name = cands.length === 1 ? cands[0] : `?${String(c.x)}`;
      }
      const key = `${c.counter}(${name})`;
      c.key = key;
      run.deltas[key] = (run.deltas[key] ?? 0) + (c.how === 'inc' ? 1 : -1);
    }
    const after: Record<string, unknown> = {};
    fp.params.forEach((p, i) => (after[p.name] = args[i]));
    runs.push({ run, after, ambiguous, changes, resultPlace: ans.resultPlace, newObjects: ans.newObjects, scalars });
    witness.runs.push({ ...run, result: plain(run.result) });
  }
  for (const r of runs) {
    if (r.run.error) return fail(`a run did not follow its path: ${r.run.error}`);
    if (f.rule !== 'rc/return-contract' && r.ambiguous.length) return fail(`a handle value names two counters (${r.ambiguous.join('; ')})`);
  }
  if (f.rule === 'rc/return-contract') {
    // the changes of the counter on the very object returned (by identity, or by value for handles)
    const [x] = runs;
    const c = f.counter.split('(')[0];
    const r = x.run.result;
    if (r === 0 || r === null || r === undefined || r === false) return fail(`the run returns ${JSON.stringify(plain(r))} (NULL), which carries no reference`);
    const net = x.changes.filter((ch) => ch.counter === c && ch.onResult).reduce((n, ch) => n + (ch.how === 'inc' ? 1 : -1), 0);
    if (net === 1) return fail(`the run returns ${JSON.stringify(plain(r))} with one reference taken on it`);
    return { confirmed: true, detail: `the run returns ${JSON.stringify(plain(r))} and changes ${c} of it by ${fmt(net)}, not +1`, witness };
  }
  const counter = concrete(f.counter);
  const d = (r: (typeof runs)[number]) => r.run.deltas[counter] ?? 0;
  if (f.rule === 'rc/ipp') {
    const [x, y] = runs;
    // a returned object must be the same one (found at the same place in the arguments, in the sandbox)
    const placeOf = (run: (typeof runs)[number]) => run.resultPlace;
    if (placeOf(x) !== placeOf(y)) return fail(`the two runs return different objects (${placeOf(x)} vs ${placeOf(y)})`);
    const fresh = (run: (typeof runs)[number]) => run.newObjects.join(', ') || 'none';
    if (fresh(x) !== fresh(y)) return fail(`the two runs leave different objects in the arguments (new records at ${fresh(x)} vs ${fresh(y)}): the caller tells them apart by identity`);
    if (!same(x.run.result, y.run.result)) return fail(`the two runs return different results (${JSON.stringify(plain(x.run.result))} vs ${JSON.stringify(plain(y.run.result))})`);
    for (const p of fp.params) {
      if (!same(visible(x.after[p.name], p.type), visible(y.after[p.name], p.type))) return fail(`the two runs leave ${p.name} different`);
    }
    if (f.field) {
      // the counter field's value before (the witness arguments) and after each run
      const key = f.element?.key ?? f.counter;
      const before = fieldValue(Object.fromEntries(fp.params.map((p, i) => [p.name, inputsBefore[i]])), key, f.element?.index);
      const vx = fieldValue(x.after, key, f.element?.index), vy = fieldValue(y.after, key, f.element?.index);
      if (same(vx, vy)) return fail(`${f.counter} ends the same on both runs`);
      const change = (v: unknown) => (typeof v === 'number' && typeof before === 'number' ? fmt(v - before) : `ends at ${JSON.stringify(v)}`);
      const shown = f.element ? f.element.key.replace(/\[\]/g, ((n) => () => `[${f.element!.index[n++]}]`)(0)) : f.counter;
      return { confirmed: true, detail: `both runs return ${JSON.stringify(plain(x.run.result))}; ${shown} changes by ${change(vx)} vs ${change(vy)}`, witness };
    }
    if (d(x) === d(y)) return fail(`${counter} changes by ${d(x)} on both runs`);
    return { confirmed: true, detail: `both runs return ${JSON.stringify(plain(x.run.result))}; ${counter} changes by ${fmt(d(x))} vs ${fmt(d(y))}`, witness };
  }
  const [x] = runs;
  // a NULL handle is never counted: a rule finding on one does not hold (its witness picked 0)
  const nullHandle = runs[0]?.scalars.find((s) => s.name === /^[^(]*\((.*)\)$/.exec(counter)?.[1] && s.v === 0);
  if (nullHandle) return fail(`${counter} names a NULL handle (0) in the witness, which is never counted`);
  if (f.rule === 'rc/escape-leak') {
    // an owned parameter must end at -1 (released or handed on); anything else is a local at +1
    if (d(x) <= (f.ownedLeak ? -1 : 0)) return fail(`${counter} changes by ${d(x)} at run time`);
    // and the run must not hand it on: a handle whose value the run returns, or stores into a
    // place of an argument (one that held another value before), is the caller's, whatever the
    // analysis believed about its name. (A place that already held it, as in L11's
    // `keyring === cred.session`, does not take the new reference.)
    const handles = new Set(x.changes.filter((c) => c.object === undefined && c.key === counter).map((c) => c.x));
    handles.delete(0);
    const where = handedOn(x.run.result, fp.params.map((p, i) => ({ name: p.name, before: inputsBefore[i], after: isScalar(p.type) ? undefined : x.after[p.name] })), handles);
    if (where) return fail(`the run leaves the handle reachable by the caller (${where})`);
    return { confirmed: true, detail: `the run returns ${JSON.stringify(plain(x.run.result))} with ${counter} at ${fmt(d(x))}`, witness };
  }
  // (a reference the function holds may be released once)
  if (d(x) >= (f.held ? -1 : 0)) return fail(`${counter} changes by ${d(x)} at run time`);
  return { confirmed: true, detail: `the run returns ${JSON.stringify(plain(x.run.result))} with ${counter} at ${fmt(d(x))}`, witness };
}

/**
 * Where the run hands one of the values to its caller: as the result, or stored into a leaf of a
 * record argument that held something else before. (A scalar argument is the caller's own copy.)
 */
export function handedOn(result: unknown, args: { name: string; before: unknown; after: unknown }[], values: Set<unknown>): string | undefined {
  const find = (after: unknown, before: unknown, name: string): string | undefined => {
    // a map of the arguments holds what was set in it (red-team round 7, t22: a handle stored in
    // the caller's map was "confirmed" leaked, the map's entries unseen)
    if (after instanceof SMap) {
      const was = before instanceof SMap ? before : undefined;
      for (const k of after.keys()) {
        const hit = find(after.get(k), was?.has(k) ? was.get(k) : undefined, `${name}.get(${JSON.stringify(k)})`);
        if (hit) return hit;
      }
      return undefined;
    }
    if (after && typeof after === 'object') {
      for (const [k, x] of Object.entries(after)) {
        const was = before && typeof before === 'object' ? (before as Record<string, unknown>)[k] : undefined;
        const hit = find(x, was, Array.isArray(after) ? `${name}[${k}]` : `${name}.${k}`);
        if (hit) return hit;
      }
      return undefined;
    }
    return values.has(after) && after !== before ? name : undefined;
  };
  return find(result, undefined, 'the result') ?? args.map((a) => find(a.after, a.before, a.name)).find((x) => x);
}

const fmt = (n: number) => (n > 0 ? `+${n}` : `${n}`);
