// verify rid, the rules for what IPP cannot see (research/rid.md §5.5), checked on each path of a
// function alone: a reference leaked on every path, one released that the function does not hold,
// a reference the function holds (declared owned, or taken out of a place of the arguments) kept,
// and the @returnsNew contract. IPP (analyse.ts) runs first; a counter it reported is not
// reported again here.

import type { SolverPool } from '../solver/pool.ts';
import * as T from '../../symexec/term.ts';
import { literalName, type FunctionPaths, type PathRecord } from '../../symexec/summary.ts';
import { handedOnCondition } from '../../symexec/escape.ts';
import { solve, witnessModel, allDistinct, handleValues, counterNames, fmt, type Analysis, type FunctionStats, type RuleId } from './analyse.ts';

const provOf = (k: string) => /^[^(]*\((.*)\)$/.exec(k)![1];

/**
 * Whether the function holds one reference of counter `k` on path `q`: the parameter was declared
 * owned on that path (`owned(x, 'c')`, which may sit under a branch: steal-on-success), or the
 * path took the handle out of a place of the arguments (`t.items[i] = 0`: the reference the slot
 * held is the function's to release).
 */
function holds(q: PathRecord, k: string): 'owned' | 'taken' | undefined {
  if (q.owned.has(k)) return 'owned';
  return q.taken.has(provOf(k)) ? 'taken' : undefined;
}

/** The value a counter's name stands for on a path, where it is known: a scalar parameter, a handle a call handed out. */
function valueOf(fp: FunctionPaths, p: PathRecord, name: string): T.Term | undefined {
  const param = fp.params.find((x) => x.name === name && x.type.k === 'int');
  if (param) return T.mkConst(param.smt, T.INT);
  const h = p.hidden.find((x) => x.prov === name && x.c.sort.k === 'Int');
  return h?.c;
}

export async function checkRules(a: Analysis, fp: FunctionPaths, models: Map<number, string>, st: FunctionStats, pool: SolverPool, timeoutMs: number, reported: Set<string>, returnsNew: string[]): Promise<void> {
  const paths = fp.paths;
  const isParamKey = (prov: string) => fp.params.some((p) => prov === p.name || prov.startsWith(p.name + '.') || prov.startsWith(p.name + '['));
  const holdText = (q: PathRecord, k: string) => {
    const prov = provOf(k);
    return holds(q, k) === 'owned' ? `owns one reference of ${prov} (owned(${prov}, '${k.split('(')[0]}'))` : `took the reference ${prov} held out of it (the place was overwritten)`;
  };
  // the least a counter may end at on a path: -1 where the function holds a reference, else 0
  const floor = (q: PathRecord, k: string) => (holds(q, k) ? -1 : 0);
  /** One query, counted: `{ model }` when sat, undefined when unsat or unknown (an unknown is recorded as `what`). */
  const witness = async (goal: T.Term, tag: string, what: string): Promise<{ model?: string } | undefined> => {
    const [r] = await solve(pool, [goal], timeoutMs, `${fp.fn.name}.${tag}`);
    st.queries++;
    st.queryMs.push(r.ms);
    if (r.status === 'unknown') {
      st.unknown++;
      a.unknowns.push({ fn: fp.fn, what, reason: r.reason ?? 'unknown' });
    }
    return r.status === 'sat' ? { model: r.model } : undefined;
  };
  /**
   * The condition under which path q hands the handle `prov` (of value `value`) to the caller:
   * an event (consumed, a part of a parameter returned), else the exit state holding its value
   * (symexec/escape.ts). A name without a value (a record built here) is handed on by events only.
   */
  const handedOn = (q: PathRecord, prov: string, value = q.values.get(prov)): T.Term =>
    q.escaped.has(prov) ? T.TRUE : value ? handedOnCondition(fp.params, fp.fn.ret, q, value) : T.FALSE;
  /** Whether the handle of counter k leaks on path q (it ends above 0 and nothing hands it on), with the goal and a model. */
  const leaks = new Map<string, Promise<{ goal: T.Term; model?: string } | undefined>>();
  const leakOn = (q: PathRecord, k: string) => {
    const key = `${q.id}\u0000${k}`;
    if (!leaks.has(key)) {
      leaks.set(key, (async () => {
        const e = handedOn(q, provOf(k));
        const goal = T.and(...fp.facts, q.pc, T.not(e));
        if (T.isTrue(e)) return undefined;
        if (T.isFalse(e)) return { goal, model: models.get(q.id) };
        const found = await witness(goal, 'escape', `rc/escape-leak on ${k} (path ${q.id + 1})`);
        return found && { goal, model: found.model };
      })());
    }
    return leaks.get(key)!;
  };
  const seen = new Set<string>();
  // 1. a local reference kept, a reference released that is not held
  for (const p of paths) {
    for (const [k, d] of p.deltas) {
      if (reported.has(k) || seen.has(k)) continue;
      const prov = provOf(k);
      let rule: RuleId | undefined;
      let message = '';
      let back = false;
      let model = models.get(p.id);
      let goal = T.and(...fp.facts, p.pc);
      // on how many paths the same happens (a leak on every path is RID's consistent miss)
      const on = (n: number) => (n === paths.length ? `on every path (${n})` : `on ${n} of ${paths.length} paths`);
      const onPaths = on(paths.filter((q) => (q.deltas.get(k) ?? 0) < floor(q, k)).length);
      const leak = d > 0 && prov !== 'ret' && !prov.startsWith('ret.') && !isParamKey(prov) ? await leakOn(p, k) : undefined;
      if (leak) {
        rule = 'rc/escape-leak';
        ({ goal, model } = leak);
        let n = 0;
        for (const q of paths) if ((q.deltas.get(k) ?? 0) > 0 && (await leakOn(q, k))) n++;
        message = `${fp.fn.name}: ${k} ends at ${fmt(d)} ${on(n)} and is not reachable by the caller (a leaked reference)`;
      } else if (d < floor(p, k)) {
        rule = 'rc/borrowed-underflow';
        message = holds(p, k)
          ? `${fp.fn.name}: ${k} ends at ${fmt(d)} ${onPaths}, but the function ${holdText(p, k)}: it releases more than it holds`
          : isParamKey(prov)
            ? `${fp.fn.name}: ${k} ends at ${fmt(d)} ${onPaths}, but the parameter is borrowed (declare owned(${prov}, '${k.split('(')[0]}') if the caller hands over its reference, under the branch of the outcomes where it does)`
            : `${fp.fn.name}: ${k} ends at ${fmt(d)} ${onPaths}: the function releases a reference it does not hold (${p.consumed.has(prov) ? 'it already handed it over to a consuming call' : 'the object was obtained without a reference of its own: a borrowed result'})`;
      }
      if (!rule && d === -1 && holds(p, k) === 'taken') {
        // released once, as taken; but where the path stored the same handle back, the place holds
        // that reference again: the release is of a reference the function does not hold
        const t = p.taken.get(prov)!;
        // (a reference taken on the same object under another name, `obj_get(n)` with n the very
        // handle, makes up for it: the object's net change, over the names whose value is known)
        let net: T.Term = T.mkInt(-1);
        for (const [k2, d2] of p.deltas) {
          if (k2 === k || k2.split('(')[0] !== k.split('(')[0]) continue;
          const v = valueOf(fp, p, provOf(k2));
          if (v) net = T.add(net, T.ite(T.eq(v, t.old), T.mkInt(d2), T.mkInt(0)));
        }
        const goal = T.and(...fp.facts, p.pc, T.not(T.eq(t.old, T.mkInt(0))), t.back, T.lt(net, T.mkInt(0)));
        if (T.isFalse(goal)) continue;
        const found = await witness(goal, 'back', `rc/borrowed-underflow on ${k} (path ${p.id + 1})`);
        if (found === undefined) continue;
        rule = 'rc/borrowed-underflow';
        message = `${fp.fn.name}: ${k} ends at -1 on a path that stores the same handle back into ${prov}: the place still holds that reference, and the function releases it`;
        model = found.model;
        back = true;
      }
      if (!rule) continue;
      if (model === undefined) {
        a.unknowns.push({ fn: fp.fn, what: `${rule} on ${k}`, reason: 'no model for the path (its feasibility is unknown)' });
        continue;
      }
      seen.add(k);
      // (the witness of a handle stored back must keep it stored back: no distinct-handles preference)
      const better = back ? model : await witnessModel(pool, goal, allDistinct(handleValues(fp, p, (t) => t, counterNames([p]))), model, timeoutMs, st, fp.elementFacts);
      a.findings.push({ rule, fn: fp.fn, counter: k, field: false, held: rule === 'rc/borrowed-underflow' && holds(p, k) !== undefined && !back, paths: [{ path: p, delta: fmt(d), hidden: p.hidden.map((h) => h.c) }], model: better, message });
    }
  }
  // 2. a reference the function holds (an owned parameter, the caller handing over one; a handle
  // taken out of the arguments) that ends at 0 or above and was not stored, consumed or returned:
  // it leaks. A taken handle is checked on the counters the function uses it with (the store
  // names no counter), and only where it is not NULL.
  const counters = new Set(paths.flatMap((p) => [...p.touched].map((k) => k.split('(')[0])));
  const keys = new Set(paths.flatMap((p) => [...p.owned, ...[...p.taken.keys()].flatMap((x) => [...counters].map((c) => `${c}(${x})`).filter((k) => paths.some((q) => q.touched.has(k))))]));
  for (const k of keys) {
    if (reported.has(k) || seen.has(k)) continue;
    const prov = provOf(k);
    // (a taken handle's value is what the place held at entry)
    const handed = (q: PathRecord) => handedOn(q, prov, holds(q, k) === 'taken' ? q.taken.get(prov)!.old : undefined);
    const kept = (q: PathRecord) => holds(q, k) !== undefined && (q.deltas.get(k) ?? 0) >= 0 && !T.isTrue(handed(q));
    const hits = paths.filter(kept);
    for (const p of hits) {
      // an owned parameter is never NULL on its path (owned() forks on it); a taken handle may be
      let goal = T.and(...fp.facts, p.pc);
      let model = models.get(p.id);
      const taken = holds(p, k) === 'taken';
      if (taken) {
        const t = p.taken.get(prov)!;
        goal = T.and(goal, T.not(T.eq(t.old, T.mkInt(0))), T.not(t.back));
      }
      const e = handed(p);
      goal = T.and(goal, T.not(e));
      if (taken || !T.isFalse(e)) {
        if (T.isFalse(goal)) continue;
        const found = await witness(goal, taken ? 'taken' : 'escape', `rc/escape-leak on ${k} (path ${p.id + 1})`);
        if (found === undefined) continue;
        model = found.model;
      }
      if (model === undefined) {
        a.unknowns.push({ fn: fp.fn, what: `rc/escape-leak on ${k}`, reason: 'no model for the path (its feasibility is unknown)' });
        break;
      }
      seen.add(k);
      const d = p.deltas.get(k) ?? 0;
      const onPaths = hits.length === paths.length ? `on every path (${hits.length})` : `on ${hits.length} of ${paths.length} paths`;
      const better = await witnessModel(pool, goal, allDistinct(handleValues(fp, p, (t) => t, counterNames([p]))), model, timeoutMs, st, fp.elementFacts);
      a.findings.push({
        rule: 'rc/escape-leak',
        fn: fp.fn,
        counter: k,
        field: false,
        ownedLeak: true,
        paths: [{ path: p, delta: fmt(d), hidden: p.hidden.map((h) => h.c) }],
        model: better,
        message: `${fp.fn.name}: ${k} ends at ${fmt(d)} ${holds(p, k) === 'taken' ? `on a path where ${prov} is not NULL` : onPaths}, but the function ${holdText(p, k)} and neither releases, stores, consumes nor returns it (a leaked reference)`,
      });
      break;
    }
  }
  // 3. the return contract (research/rid.md §5.5, P7): a function documented `@returnsNew C`
  // must return a new reference on C (+1 on the returned object) wherever it returns non-NULL
  for (const C of returnsNew) {
    for (const p of paths) {
      if (!p.ret || p.ret.leaves) continue; // void, or a record built here (new by construction)
      const name = p.ret.prov ?? (p.ret.t ? literalName(p.ret.t) : undefined);
      const d = name ? (p.deltas.get(`${C}(${name})`) ?? 0) : 0;
      if (d === 1) continue;
      // a NULL result (0) carries no reference: only a path that can return non-NULL breaks it
      const nonNull = p.ret.t && p.ret.t.sort.k === 'Int' ? T.not(T.eq(p.ret.t, T.mkInt(0))) : T.TRUE;
      const found = await witness(T.and(...fp.facts, p.pc, nonNull), 'contract', `rc/return-contract on path ${p.id + 1}`);
      if (found === undefined) continue;
      const what = !name
        ? 'a value no reference was taken on'
        : name === 'ret'
          ? `the result of ${p.hidden.find((h) => h.prov === 'ret')?.what ?? 'a call'}`
          : isParamKey(name)
            ? `${name}, a borrowed parameter`
            : /^-?\d+$/.test(name)
              ? `the handle ${name} (a constant)`
              : name;
      const model = await witnessModel(pool, T.and(...fp.facts, p.pc, nonNull), allDistinct(handleValues(fp, p, (t) => t, counterNames([p]))), found.model ?? '', timeoutMs, st, fp.elementFacts);
      a.findings.push({
        rule: 'rc/return-contract',
        fn: fp.fn,
        counter: `${C}(ret)`,
        field: false,
        paths: [{ path: p, delta: fmt(d), hidden: p.hidden.map((h) => h.c) }],
        model,
        message: `${fp.fn.name}: documented to return a new reference (@returnsNew ${C}), but it returns ${what} with ${C} changed by ${fmt(d)} (a borrowed reference handed out as new)`,
      });
      break; // one report per counter and function
    }
  }
}
