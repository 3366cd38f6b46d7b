// Conflict-freedom proved, not sampled (beyond COMMUTER, whose MTRACE checks one concrete run per
// test): for each commutative path of a pair and each implementation variant, the implementation
// runs op0 then op1 symbolically from any state related (equiv) to a spec state on that path, its
// reads and writes of state cells recorded with the conditions under which they happen. The
// solver is asked whether a cell one writes can be one the other reads or writes, in ANY such
// state. unsat: conflict-free on the whole path. sat: some state of the path conflicts (the cell
// is named); the runtime check shows concrete cases.

import type { CellAccess } from '../../symexec/evaluate.ts';
import { relatedImplState } from './start-state.ts';
import * as T from '../../symexec/term.ts';
import type { Term } from '../../symexec/term.ts';
import type { Subsystem } from '../subsystem.ts';
import type { SolverPool } from '../solver/pool.ts';
import { solveGoals, type QueryGoal } from './query.ts';
import { branchProjections, cubeOf, cubeTerm, groundFacts, inputLengths, type EnumerationPolicy, type PairAnalysis, type Path } from './analyze.ts';

export interface PathProof {
  path: string;
  status: 'conflict-free' | 'may-conflict' | 'unknown';
  /** cells the two operations may both touch (one writing) on this path */
  cells: string[];
}

/** The implementation's footprints for op0;op1 from a state related to the pair problem's start state. */
function footprints(an: PairAnalysis, v: Subsystem): { facts: Term[]; a: CellAccess[]; b: CellAccess[]; root: number; smt: string } {
  const { m, i, smt, facts } = relatedImplState(v);
  // the same argument constants as the pair problem (`a.fd`, `b.fd`)
  const args = (label: 'a' | 'b', name: string) => v.operations.find((o) => o.name === name)!.impl.params.slice(1).map((p) => m.input(`${label}.${p.name}`, p.type));
  const [opA, opB] = [an.problem.a.name, an.problem.b.name].map((n) => v.operations.find((o) => o.name === n)!.impl);
  const argsA = args('a', opA.name);
  const argsB = args('b', opB.name);
  m.footprint = [];
  m.choices.length = 0;
  // each call's choices: any value they allow (the implementation is correct for all), except
  // cpu(): op0 runs on core 0 and op1 on core 1, as the runtime check runs them
  const choicesOf = (core: number) => m.choices.splice(0).map((c) => (c.cpu ? T.and(c.fact, T.eq(c.c, T.mkInt(core))) : c.fact));
  m.call(opA, [i, ...argsA]);
  const a = m.footprint.splice(0);
  facts.push(...choicesOf(0));
  m.call(opB, [i, ...argsB]);
  const b = m.footprint.splice(0);
  facts.push(...choicesOf(1));
  m.footprint = undefined;
  m.obligations.length = 0;
  facts.push(...m.hypotheses);
  return { facts, a, b, root: i.k === 'ref' ? i.ref.root : -1, smt };
}

/** Can access x of op0 and access y of op1 be the same cell, one of them a write? */
function overlap(x: CellAccess, y: CellAccess): Term {
  if (x.cell !== y.cell || (x.kind === 'read' && y.kind === 'read')) return T.FALSE;
  const sameIdx = x.idx.map((ix, k) => (ix === undefined || y.idx[k] === undefined ? T.TRUE : T.eq(ix, y.idx[k]!)));
  return T.and(x.guard, y.guard, ...sameIdx);
}

/**
 * One enumeration per pair and variant: the commutative paths on which some cell can be shared,
 * each with the cells of one witness. When the enumeration ends with `unsat`, every commutative
 * path it did not return is proved conflict-free (for a scalable implementation, usually all of
 * them, in one check); if it stops early, those paths are unknown. One goal per path cost a check
 * per path (some 9,000 on the POSIX model).
 */
export async function proveConflictFree(an: PairAnalysis, v: Subsystem, pool: SolverPool, policy: Pick<EnumerationPolicy, 'rlimit' | 'timeoutMs' | 'pathBudgetRlimit' | 'pathBudgetMs' | 'spend'>): Promise<PathProof[]> {
  const paths = an.paths.filter((x) => x.commutative);
  if (paths.length === 0) return [];
  const fp = footprints(an, v);
  const mine = (x: CellAccess) => x.root === fp.root;
  const byCell = new Map<string, Term[]>();
  for (const x of fp.a.filter(mine)) {
    for (const y of fp.b.filter(mine)) {
      const o = overlap(x, y);
      if (!T.isFalse(o)) byCell.set(x.cell, [...(byCell.get(x.cell) ?? []), o]);
    }
  }
  if (byCell.size === 0) return paths.map((x) => ({ path: x.id, status: 'conflict-free', cells: [] }));
  const cells = [...byCell.keys()];
  const indicators = cells.map((c) => T.or(...byCell.get(c)!));
  const p = an.problem;
  const branches = branchProjections(p);
  const goal: QueryGoal = {
    id: 'may-conflict',
    asserts: [p.agree, T.or(...paths.map((x) => cubeTerm(p, x.cube))), T.or(...indicators)],
    project: [...branches, ...indicators.map((t, k) => ({ name: `ov!${k}`, term: t, reportOnly: true }))],
    cap: paths.length + 1,
    budgetMs: policy.pathBudgetMs,
    budgetRlimit: policy.pathBudgetRlimit,
    models: false,
  };
  // the implementation's facts grounded like the spec's (analyze.ts groundFacts): weaker, so a
  // path proved conflict-free is conflict-free in every related state all the more
  const facts = groundFacts(fp.facts, [...goal.asserts, ...fp.facts]);
  const [r] = await solveGoals(pool, [...p.given, ...facts], [goal], { ...policy, what: `${p.a.name}/${p.b.name} proof on ${v.name}` }, inputLengths([...p.inputs, { smt: fp.smt, type: v.impl.state }]));
  const key = (cube: Path['cube']) => cube.map((c) => `${c.branch}${c.value ? '+' : '-'}`).join(' ');
  const found = new Map<string, string[]>();
  for (const sol of r.solutions ?? []) {
    found.set(key(cubeOf(branches, sol.values.slice(0, branches.length))), cells.filter((_, j) => sol.values[branches.length + j] === 'true'));
  }
  const rest: PathProof['status'] = r.status === 'unsat' ? 'conflict-free' : 'unknown';
  return paths.map((x) => {
    const shared = found.get(key(x.cube));
    return shared ? { path: x.id, status: 'may-conflict', cells: shared } : { path: x.id, status: rest, cells: [] };
  });
}
