// A subsystem: a spec module and an implementation module, lowered, with their operations matched.

import type { Func, Module, Program, Type } from './ir.ts';
import { sameShape, sameType, typeToString } from './ir.ts';
import { Lowering } from './frontend/lower.ts';
import { lowerChecked } from './frontend/typecheck.ts';
import { callsOf, visitExprs } from './frontend/ir-queries.ts';
import type { Project } from './frontend/project.ts';
import { sandboxModules } from './frontend/emit.ts';
import { Sandbox } from './sandbox/sandbox.ts';
import { type Diagnostic, SubsetError } from './diagnostics.ts';

export interface Operation {
  name: string;
  spec: Func;
  impl: Func;
}

export interface Subsystem {
  /** e.g. `counter`, or `posix.naive` for an implementation variant */
  name: string;
  specFile: string;
  implFile: string;
  program: Program;
  spec: Module & { state: Type; init: Func; invariants: Func[] };
  impl: Module & { state: Type; init: Func; invariants: Func[]; equiv: Func };
  operations: Operation[];
  /** The ts-morph project it was lowered from (lowered again at the small scope). */
  project: Project;
  /** The spec's small scope (`SMALL_X` constants) for counterexample search; empty when none. */
  smallScope: Map<string, number>;
  /** The real TypeScript modules, loaded once in a child process, for replaying counterexamples. */
  runtime(): Sandbox;
}

/**
 * The subsystem's sandbox (sandbox/sandbox.ts): its spec and implementation loaded in a child
 * process, made when first asked for, to replay counterexamples there and never in the verifier.
 */
function loader(project: Project, name: string, specFile: string, implFile: string): () => Sandbox {
  let sandbox: Sandbox | undefined;
  return () => (sandbox ??= new Sandbox(name, () => sandboxModules(project, [['spec', specFile], ['impl', implFile]])));
}

const isInvariant = (name: string) => name.startsWith('inv_');
/** `equivalent(a, b)`: the spec's own state equivalence for verify commute (not an operation). */
const EQUIVALENT = 'equivalent';
/** `commuteFirst(...)`: what verify commute may assume of the first call's arguments (docs/commute.md). */
const COMMUTE_FIRST = 'commuteFirst';

const takesState = (f: Func, state: Type) => f.params.length > 0 && f.params[0].type.k === 'record' && sameType(f.params[0].type, state);
/**
 * Exactly the same types (integers of the same name, records field by field): an implementation
 * taking `x: i32` where the spec takes `x: u8` would be proved for 0..255 while its callers may
 * pass 300, so only equal signatures make the refinement theorem the one a caller relies on.
 */
const sameTypes = (a: Type[], b: Type[]) => a.length === b.length && a.every((t, k) => sameType(t, b[k]));
const signature = (f: Func) => `(${f.params.map((p) => `${p.name}: ${typeToString(p.type)}`).join(', ')}) => ${typeToString(f.ret)}`;

/** The operations of a spec module: every exported function taking its State first, except init, equiv, equivalent and inv_*. */
export function specOperations(spec: Module): Func[] {
  return [...spec.exports.values()].filter((f) => f.name !== 'init' && f.name !== 'equiv' && f.name !== EQUIVALENT && !isInvariant(f.name) && spec.state !== undefined && takesState(f, spec.state));
}

/**
 * Exported functions of the spec that can be given the state where an operation would not take
 * it: the State as a later parameter; first but as another type with the State's fields (red-team
 * round 8 u20) or some of them, at any depth (a view the State can be passed as: round 9 v04,
 * round 10 w24); or a type that can hold the State, in a record's field or an array's element at
 * any depth (v13, w24 w27). TypeScript accepts the State there, and each would silently not be
 * verified as an operation.
 */
function misplacedState(spec: Module): Diagnostic[] {
  const state = spec.state;
  if (!state || state.k !== 'record') return [];
  const isState = (t: Type) => sameShape(t, state);
  const out: Diagnostic[] = [];
  for (const f of spec.exports.values()) {
    if (f.name === EQUIVALENT) continue;
    f.params.forEach((p, k) => {
      if (k === 0 && isState(p.type) && sameType(p.type, state)) return;
      // (first, with the State's fields but other integer types: red-team round 11, w46)
      const what = k === 0 && isState(p.type) ? `of type ${shown(p.type)}, the State's fields with other integer types` : isState(p.type) ? 'the State, but not its first' : accepts(p.type, state) ? `of type ${shown(p.type)}, which the State can be passed as` : canHold(p.type, state) ? `of type ${shown(p.type)}, which can hold the State` : spec.stateTakers?.get(f.name)?.includes(k) ? `of type ${shown(p.type)}, which TypeScript lets the State be passed to (or which can hold it)` : undefined;
      if (!what) return;
      out.push({ loc: f.loc, construct: `the function ${f.name}`, message: `its parameter ${p.name} is ${what}: an operation takes (s: State, ...) first, and any other function taking the state would not be verified as one; declare it ${f.name}(s: State, ...), or, if it is a helper, do not export it` });
    });
  }
  return out;
}

/**
 * Whether TypeScript lets a value of type `v` be passed as type `t`: records by their fields (all
 * of t's present in v, in any order, each accepting v's: a view of some fields, at any depth),
 * arrays by their elements, string-literal unions by their members; integers are all numbers to
 * TypeScript.
 */
function accepts(t: Type, v: Type): boolean {
  if (t.k === 'record' && v.k === 'record') return t.fields.length > 0 && t.fields.every((f) => v.fields.some((g) => g.name === f.name && accepts(f.type, g.type)));
  if (t.k === 'array' && v.k === 'array') return t.len === v.len && accepts(t.elem, v.elem);
  // a union of string literals accepts each of its members (red-team round 11, w43: a wider one)
  if (t.k === 'enum' && v.k === 'enum') return v.members.every((m) => t.members.includes(m));
  // SMap's methods take keys and values as parameters, which TypeScript compares both ways
  // (method bivariance): either direction suffices (round 12, x07 x09)
  if (t.k === 'map' && v.k === 'map') return (accepts(t.key, v.key) || accepts(v.key, t.key)) && (accepts(t.value, v.value) || accepts(v.value, t.value));
  return sameShape(t, v);
}

/** A type as written: an anonymous record by its fields (typeToString names it `record`). */
function shown(t: Type): string {
  if (t.k === 'record' && t.name === 'record') return `{ ${t.fields.map((f) => `${f.name}: ${shown(f.type)}`).join('; ')} }`;
  if (t.k === 'array') return `Arr<${shown(t.elem)}, ${t.len}>`;
  return typeToString(t);
}

/** Whether a value of type `t` can hold the State: in a record's field, an array's element or a map's value, at any depth. */
function canHold(t: Type, state: Type): boolean {
  if (accepts(t, state)) return true;
  if (t.k === 'record') return t.fields.some((f) => canHold(f.type, state));
  if (t.k === 'array') return canHold(t.elem, state);
  if (t.k === 'map') return canHold(t.value, state);
  return false;
}

/**
 * `cpu()` reached from the spec: the core the running operation is on is the implementation's
 * business. In a spec a choice is the spec's own (any value it allows is a correct answer), so a
 * spec's cpu() would accept whatever core-dependent result the implementation gives, although at
 * run time both run on one core (red-team round 8, u32).
 */
function cpuInSpec(program: Program, roots: Func[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const visit = (f: Func | undefined, via?: Func) => {
    if (!f || seen.has(f.key)) return;
    seen.add(f.key);
    visitExprs(f.body, (e) => {
      if (e.k === 'quant' && e.cpu) out.push({ loc: e.loc, construct: 'cpu() in the spec', message: `${via ? `${f.name} is called by the spec's ${via.name}: ` : ''}a spec has no core; a choice in a spec is the spec's own, so cpu() there would accept any core-dependent result of the implementation. Call cpu() in the implementation only` });
    });
    for (const c of callsOf(f.body)) visit(program.get(c.fn), via ?? f);
  };
  roots.forEach((f) => visit(f));
  return out;
}

/** A spec on its own (verify commute needs no implementation): its state, invariants, operations and `equivalent`. */
export function loadSpec(project: Project, specFile: string, sizes?: ReadonlyMap<string, number>): { program: Program; spec: Module & { state: Type }; invariants: Func[]; equivalent?: Func; commuteFirst?: Func; operations: Func[]; smallScope: Map<string, number> } {
  const lowering = new Lowering(project, sizes);
  const spec = lowerChecked(project, [specFile], lowering, () => lowering.lowerModule(specFile));
  const at = { file: specFile, line: 1, col: 1 };
  if (!spec.state) throw new SubsetError([{ loc: at, construct: 'a missing State', message: 'export interface State { ... } from the spec' }]);
  const misplaced = [...misplacedState(spec), ...cpuInSpec(lowering.program, [...spec.exports.values()])];
  if (misplaced.length) throw new SubsetError(misplaced);
  const equivalent = spec.exports.get(EQUIVALENT);
  const state = spec.state;
  if (equivalent && !(equivalent.params.length === 2 && equivalent.params.every((p) => sameTypes([p.type], [state])) && equivalent.ret.k === 'bool')) {
    throw new SubsetError([{ loc: equivalent.loc, construct: `the function ${EQUIVALENT}`, message: `${EQUIVALENT} is (a: State, b: State) => boolean: when two states cannot be told apart by any later operation` }]);
  }
  const commuteFirst = spec.exports.get(COMMUTE_FIRST);
  if (commuteFirst && !(commuteFirst.params.length > 0 && commuteFirst.params.every((p) => p.type.k === 'int' || p.type.k === 'bool' || p.type.k === 'enum') && commuteFirst.ret.k === 'bool')) {
    throw new SubsetError([{ loc: commuteFirst.loc, construct: `the function ${COMMUTE_FIRST}`, message: `${COMMUTE_FIRST} takes scalar parameters named like operations' parameters and returns boolean (for example (pid: i32) => pid === 0)` }]);
  }
  const invariants = [...spec.exports.values()].filter((f) => isInvariant(f.name));
  const bad = invariants.filter((f) => !(sameTypes(f.params.map((p) => p.type), [state]) && f.ret.k === 'bool'));
  if (bad.length) throw new SubsetError(bad.map((f) => ({ loc: f.loc, construct: `the invariant ${f.name}`, message: `it is ${signature(f)}: an invariant is (s: State) => boolean` })));
  return { program: lowering.program, spec: { ...spec, state }, invariants, equivalent, commuteFirst, operations: specOperations(spec), smallScope: lowering.smallScope(specFile) };
}

/** Lowers and checks a spec/implementation pair; throws SubsetError with every problem found. */
export function loadSubsystem(project: Project, name: string, specFile: string, implFile: string, sizes?: ReadonlyMap<string, number>): Subsystem {
  const lowering = new Lowering(project, sizes);
  const [spec, impl] = lowerChecked(project, [specFile, implFile], lowering, () => [lowering.lowerModule(specFile), lowering.lowerModule(implFile)]);
  const diags: Diagnostic[] = [];
  const at = (file: string) => ({ file, line: 1, col: 1 });
  const need = (m: Module, what: string, fix: string) => diags.push({ loc: at(m.file), construct: `a missing ${what}`, message: fix });
  if (!spec.state) need(spec, 'State', 'export interface State { ... } from the spec');
  if (!impl.state) need(impl, 'State', 'export interface State { ... } from the implementation');
  const specInit = spec.exports.get('init');
  const implInit = impl.exports.get('init');
  if (!specInit) need(spec, 'init', 'export function init(): State from the spec');
  if (!implInit) need(impl, 'init', 'export function init(): State from the implementation');
  const equiv = impl.exports.get('equiv');
  if (!equiv) need(impl, 'equiv', 'export function equiv(i: State, s: spec.State): boolean from the implementation');
  if (diags.length) throw new SubsetError(diags);

  diags.push(...misplacedState(spec), ...cpuInSpec(lowering.program, [...spec.exports.values()]));
  const specOps = specOperations(spec);
  const operations: Operation[] = [];
  for (const s of specOps) {
    const i = impl.exports.get(s.name);
    if (!i) {
      diags.push({ loc: s.loc, construct: `the operation ${s.name}`, message: `${implFile} does not export it: every spec operation needs an implementation with the same name` });
      continue;
    }
    const argsOk = sameTypes(i.params.slice(1).map((p) => p.type), s.params.slice(1).map((p) => p.type)) && i.params.length > 0 && sameTypes([i.params[0].type], [impl.state!]);
    if (!argsOk) {
      const shown = i.params.map((p, k) => (k > 0 && s.params[k] ? contrast(p.type, s.params[k].type) : [typeToString(p.type), s.params[k] ? typeToString(s.params[k].type) : '']));
      const theirs = s.params.map((p, k) => shown[k]?.[1] ?? typeToString(p.type));
      diags.push({ loc: i.loc, construct: `the operation ${i.name}`, message: `its parameters (${shown.map((x) => x[0]).join(', ')}) do not match the spec's (${theirs.join(', ')}): the same types exactly (a record's fields in the same order), the implementation's State first` });
      continue;
    }
    if (!sameTypes([i.ret], [s.ret])) {
      const [mine, theirs] = contrast(i.ret, s.ret);
      diags.push({ loc: i.loc, construct: `the operation ${i.name}`, message: `it returns ${mine} but the spec returns ${theirs}: write the spec's type (a record's fields in the same order, of the same types)` });
      continue;
    }
    operations.push({ name: s.name, spec: s, impl: i });
  }
  // each predicate's parameters are exactly its states: the theorems pass those states to it
  const checkPredicate = (f: Func, states: Type[], shape: string) => {
    if (!sameTypes(f.params.map((p) => p.type), states) || f.ret.k !== 'bool') diags.push({ loc: f.loc, construct: `the predicate ${f.name}`, message: `it is ${signature(f)}: ${shape}` });
  };
  const specInvs = [...spec.exports.values()].filter((f) => isInvariant(f.name));
  const implInvs = [...impl.exports.values()].filter((f) => isInvariant(f.name));
  specInvs.forEach((f) => checkPredicate(f, [spec.state!], "a spec's invariant is (s: State) => boolean"));
  implInvs.forEach((f) => checkPredicate(f, [impl.state!], "an implementation's invariant is (s: State) => boolean, of the implementation's State"));
  checkPredicate(equiv!, [impl.state!, spec.state!], 'equiv is (i: State, s: spec.State) => boolean: the implementation\'s State, then the spec\'s');
  if (diags.length) throw new SubsetError(diags);
  return {
    name,
    specFile,
    implFile,
    program: lowering.program,
    spec: { ...spec, state: spec.state!, init: specInit!, invariants: specInvs },
    impl: { ...impl, state: impl.state!, init: implInit!, invariants: implInvs, equiv: equiv! },
    operations,
    project,
    smallScope: lowering.smallScope(specFile),
    runtime: loader(project, name, specFile, implFile),
  };
}

/** Two types as a message tells them apart: their names, or where those are equal, a record's fields in order (red-team t30). */
function contrast(a: Type, b: Type): [string, string] {
  const [x, y] = [typeToString(a), typeToString(b)];
  if (x !== y) return [x, y];
  const fields = (t: Type) => (t.k === 'record' ? `${t.name} { ${t.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join('; ')} }` : typeToString(t));
  return [fields(a), fields(b)];
}
