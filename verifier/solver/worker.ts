// Child process that owns one Z3 (wasm) instance. Forked by pool.ts; never
// imported by anything else. It lives in its own process because the wasm
// heap is fixed (2 GiB) and Z3 can abort the whole instance ("Cannot enlarge
// memory arrays", stack overflow): a dead child costs one goal, not the run.
//
// Test hooks (read once at startup; nothing but tests should set them):
// - PUSHBUTTON_SOLVER_CRASH_ON=<goal id>: when this process reaches that goal
//   it exits with code 134 (what an abort reports) before touching Z3, so the
//   pool's crash recovery can be tested. We exit rather than process.abort()
//   so that no core file is left behind where core dumps are enabled.
// - PUSHBUTTON_SOLVER_HANG_ON=<goal id>: when it reaches that goal it spins
//   forever without yielding, like a Z3 check that ignores its timeout, so
//   the pool's wall-clock watchdog can be tested.

import { init, Z3_error_code, type Arith, type Bool, type Context, type Model as Z3Model, type Solver } from 'z3-solver';
import type { FromWorker, ToWorker, WireResult, Enumeration, Refutation, Solution } from './protocol.ts';
import { Model, type MValue } from './model.ts';
import { modelText } from './model-text.ts';

type Api = Awaited<ReturnType<typeof init>>;
type Ctx = Context<'pushbutton'>;
type Z3Solver = Solver<'pushbutton'>;
type Z3Bool = Bool<'pushbutton'>;

const CRASH_ON = process.env.PUSHBUTTON_SOLVER_CRASH_ON || undefined;
const HANG_ON = process.env.PUSHBUTTON_SOLVER_HANG_ON || undefined;

function hang(): never {
  for (;;) {
    // Deliberately blocks the event loop: the parent must kill us.
  }
}

function send(msg: FromWorker): void {
  process.send?.(msg);
}

// A disconnect means the parent is gone (closed the pool, or exited without
// closing it): nobody can use our answers any more, so leave at once rather
// than linger as an orphan holding a 2 GiB heap.
process.on('disconnect', () => process.exit(0));

/**
 * Errors Z3 reports through its error code (parse errors, sort errors,
 * invalid params) leave the instance usable. Anything else from the wasm side
 * means the module has aborted or trapped and every later call would fail or
 * lie, so the process must die and let the parent start a fresh one.
 */
function isFatal(e: unknown): boolean {
  if (e instanceof WebAssembly.RuntimeError) return true;
  if (e instanceof RangeError) return true; // JS/wasm stack overflow
  const msg = e instanceof Error ? e.message : String(e);
  return /Aborted\(|Cannot enlarge memory|out of memory|memory access out of bounds|unreachable/i.test(msg);
}

/**
 * Z3 hit its memory limit (see MEMORY_MAX_MB). Measured: check() then
 * returns 'unknown' with reason "canceled", and the next API call that
 * allocates (statistics(), model(), ...) throws "out of memory", after which
 * Z3 may abort outright. So the goal is reported as unknown "out of memory"
 * and the worker exits; the parent runs the rest of the job in a fresh
 * process.
 */
function isMemoryOut(e: unknown): boolean {
  return /out of memory|max\. memory exceeded/i.test(e instanceof Error ? e.message : String(e));
}

function describe(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  // Z3 wraps parser messages as (error "...") followed by a newline; keep the
  // text single-line so it reads well inside a one-line reason.
  return raw.replace(/\s+/g, ' ').trim() || 'unknown error';
}

let dead = false;

/** Report why this process is about to die, then die; later messages are ignored. */
function dieFatally(detail: string): void {
  if (dead) return;
  dead = true;
  // Exit only once the message is flushed (or after a grace period if the
  // channel is gone): the detail is the only record of what went wrong.
  const exit = () => process.exit(70);
  setTimeout(exit, 500);
  try {
    process.send?.({ type: 'fatal', detail } satisfies FromWorker, exit);
  } catch {
    exit();
  }
}

process.on('uncaughtException', (e) => dieFatally(`uncaught: ${describe(e)}`));
process.on('unhandledRejection', (e) => dieFatally(`unhandled rejection: ${describe(e)}`));

// z3-solver frees Z3 objects from a FinalizationRegistry, whose callbacks run whenever the GC
// gets to them: also while an async check() runs on Z3's solver thread, racing with it inside
// Z3's single-threaded memory manager. Measured on POSIX test generation (thousands of models,
// each read through many wrapper objects): heap corruption within minutes ("memory access out of
// bounds", "Sort mismatch ... supplied sort is null"). The frees are queued instead and run at
// points where no Z3 call is in flight (freeDeferred). Installed before init() creates the registry.
// Each job has a Context of its own (newContext), deleted after it: every registration is tagged
// with the context current when the object was made, and a free whose context is gone is
// dropped (it would touch freed memory: measured, "table index is out of bounds" in dec_ref).
const pendingFrees: (() => void)[] = [];
let generation = 0;
const liveGenerations = new Set<number>();
const RealRegistry = globalThis.FinalizationRegistry;
globalThis.FinalizationRegistry = class<T> {
  private readonly real = new RealRegistry<{ gen: number; held: T }>(({ gen, held }) => {
    if (liveGenerations.has(gen)) pendingFrees.push(held as () => void);
  });
  constructor(_cleanup: (held: T) => void) {}
  register(target: WeakKey, held: T, token?: WeakKey): void {
    this.real.register(target, { gen: generation, held }, token);
  }
  unregister(token: WeakKey): boolean {
    return this.real.unregister(token);
  }
  readonly [Symbol.toStringTag] = 'FinalizationRegistry';
} as unknown as FinalizationRegistryConstructor;

/** Runs the frees the GC asked for; only call with no Z3 call in flight. */
function freeDeferred(): void {
  for (let f = pendingFrees.pop(); f; f = pendingFrees.pop()) {
    try {
      f();
    } catch {
      // a failed dec_ref leaks one object; it must not fail a goal
    }
  }
}

// The listener is attached before the (slow) wasm init so no message can be
// missed; messages that arrive early simply wait for the api promise.
const apiPromise: Promise<Api> = init();
/** the current job's context (newContext) */
let ctx: Ctx | undefined;
/** Z3's C API, for reading models (model-text.ts); set with ctx */
let lowLevel: Api['Z3'] | undefined;
let queue: Promise<void> = Promise.resolve();

process.on('message', (msg: ToWorker) => {
  // One job at a time: Z3 contexts are not re-entrant and the pool never
  // sends a second job before 'done', but serialise anyway to be safe.
  queue = queue
    .then(() => (dead ? undefined : handle(msg)))
    .catch((e) => dieFatally(isFatal(e) ? describe(e) : `worker bug: ${describe(e)}`));
});

/**
 * Z3's own allocation limit, in MB. The wasm heap is a fixed 2 GiB and
 * emscripten aborts the whole instance when it is exhausted; with this limit
 * Z3 gives up first and the goal comes back 'unknown' ("out of memory")
 * without losing the process. Measured on a bit-blasting blow-up: without the
 * limit "Aborted(Cannot enlarge memory arrays ...)", with it a clean unknown.
 */
const MEMORY_MAX_MB = 1536;

/** `smt.arith.solver`: 2 is the simplex-based solver (see fresh() in runJob for why). */
const ARITH_SOLVER = Number(process.env.PUSHBUTTON_ARITH_SOLVER ?? 2);

let configured = false;

async function getApi(): Promise<Api> {
  const api = await apiPromise;
  lowLevel = api.Z3;
  // Global parameters only take effect for contexts created afterwards.
  if (!configured) api.setParam('memory_max_size', MEMORY_MAX_MB);
  configured = true;
  return api;
}

/**
 * A Context of its own for every job, so that what a job's checks spend (and so whether they fit
 * their rlimit) depends on the job alone. In one long-lived context it depends on what the worker
 * solved before (Z3's term ids, hence its orderings): measured, fdtable's dup2 alone and after
 * the other operations, in one worker each time: 26 of its 34 goals spent a different count
 * (0.6x to 2x), while two runs with the same history spent the same counts to the unit. A new
 * context costs about a millisecond.
 */
function newContext(api: Api): { ctx: Ctx; drop: () => void } {
  const gen = ++generation;
  liveGenerations.add(gen);
  const c = new api.Context('pushbutton');
  return {
    ctx: c,
    drop: () => {
      freeDeferred(); // what the GC already asked to free, while the context is still there
      liveGenerations.delete(gen);
      try {
        api.Z3.del_context(c.ptr);
      } catch (e) {
        if (isFatal(e)) throw e;
      }
    },
  };
}

async function handle(msg: ToWorker): Promise<void> {
  const api = await getApi();
  const job = newContext(api);
  ctx = job.ctx;
  try {
    await runJob(api, msg);
  } finally {
    ctx = undefined;
    job.drop();
  }
  send({ type: 'done' });
}

function versionString(api: Api): string {
  return `${api.getFullVersion()} (z3-solver wasm)`;
}

function release(x: unknown): void {
  const r = (x as { release?: () => void } | null | undefined)?.release;
  if (typeof r === 'function') {
    try {
      r.call(x);
    } catch {
      // Releasing is an optimisation; a failure here must not fail a goal.
    }
  }
}

/** Z3's error code is sticky in the context; clear it so the next call is not blamed. */
function clearError(api: Api, c: Ctx): void {
  api.Z3.set_error(c.ptr, Z3_error_code.Z3_OK);
}

function rlimitNow(s: Z3Solver): number | undefined {
  const st = s.statistics();
  try {
    for (const e of st.entries()) if (e.key === 'rlimit count') return e.value;
    return undefined;
  } finally {
    release(st);
  }
}

async function runJob(api: Api, job: Extract<ToWorker, { type: 'job' }>): Promise<void> {
  const c = ctx!;
  let solver: Z3Solver | undefined;
  let preludeError: string | undefined;

  // A fresh Solver per job, and again after any goal error: a failed
  // fromString makes Z3 throw away the solver's SMT-LIB command context,
  // i.e. every declaration of the prelude, so later goals would not parse.
  const fresh = (): void => {
    release(solver);
    solver = new c.Solver(job.logic);
    // Z3's timeout is an unsigned 32-bit millisecond count.
    solver.set('timeout', Math.max(1, Math.min(Math.floor(job.timeoutMs), 0xffffffff)));
    // The deterministic budget (pool.ts, Job.rlimit): Z3 reads it at every check, counting from
    // the context's count at that moment, so it is per check however many goals the solver ran.
    if (job.rlimit > 0) solver.set('rlimit', job.rlimit);
    solver.set('random_seed', job.randomSeed);
    // Z3's older simplex-based arithmetic solver (theory_arith) instead of its default (lra):
    // our goals are linear integer arithmetic over arrays, checked thousands of times, and each
    // check is mostly decisions and bound propagation, not conflicts. Measured on this machine:
    // `npm run verify` 167 -> 126 s wall (2,702 goals, all proved either way); `verify commute
    // posix --filter lseek --max-tests-per-path 3` 375 / 284 -> 218 s, the same paths, proofs and
    // test counts; first enumeration checks of close/read's 72 test paths 8.7 -> 5.0 s.
    solver.set('smt.arith.solver', ARITH_SOLVER);
    try {
      solver.fromString(job.prelude);
      preludeError = undefined;
    } catch (e) {
      if (isFatal(e)) throw e;
      clearError(api, c);
      preludeError = describe(e);
    }
  };

  try {
    fresh();
    for (let k = 0; k < job.goals.length; k++) {
      const goal = job.goals[k]!;
      const index = job.offset + k;
      if (goal.id === CRASH_ON || goal.id === HANG_ON) {
        // Misbehave only after 'start' has left, or the parent could not
        // tell which goal the crash or hang belongs to.
        const act = goal.id === CRASH_ON ? () => process.exit(134) : () => hang();
        process.send?.({ type: 'start', index } satisfies FromWorker, act);
        await new Promise<never>(() => {});
      }
      send({ type: 'start', index });

      const t0 = performance.now();
      if (preludeError !== undefined) {
        send({ type: 'result', index, result: { status: 'unknown', reason: `solver error: in prelude: ${preludeError}`, ms: 0 } });
        continue;
      }
      let result: WireResult;
      try {
        if (!job.incremental && k > 0) fresh();
        result = goal.enumerate ? await enumerateGoal(solver!, goal.smt, goal.enumerate, t0, job.rlimit) : await checkGoal(solver!, goal.smt, t0, job.incremental, job.models, job.rlimit);
      } catch (e) {
        if (isMemoryOut(e)) {
          const ms = Math.round(performance.now() - t0);
          const msg: FromWorker = { type: 'result', index, result: { status: 'unknown', reason: 'out of memory', ms } };
          process.send?.(msg, () => process.exit(0));
          setTimeout(() => process.exit(0), 500);
          await new Promise<never>(() => {});
        }
        if (isFatal(e)) throw e;
        clearError(api, c);
        result = { status: 'unknown', reason: `solver error: ${describe(e)}`, ms: Math.round(performance.now() - t0) };
        fresh();
      }
      send({ type: 'result', index, result });
      freeDeferred();
    }
  } finally {
    release(solver);
  }
}

/**
 * One check, with the resource count it spent. Z3 says "canceled" both when the rlimit ran out
 * and when the timeout fired; the count tells them apart (measured: an exhausted check has spent
 * exactly its rlimit), and the two must not be confused: only the first is deterministic.
 */
async function counted(s: Z3Solver, rlimit: number): Promise<{ status: WireResult['status']; used?: number; reason?: string }> {
  const before = rlimitNow(s);
  const status = await s.check();
  const after = rlimitNow(s);
  const used = before !== undefined && after !== undefined ? after - before : undefined;
  if (status !== 'unknown') return { status, used };
  const raw = s.reasonUnknown();
  if (isMemoryOut(raw)) throw new Error('out of memory');
  const reason = rlimit > 0 && used !== undefined && used >= rlimit ? `resource limit (rlimit ${rlimit})` : raw === 'canceled' ? 'timeout' : raw;
  return { status, used, reason };
}

async function checkGoal(s: Z3Solver, smt: string, t0: number, incremental: boolean, models: boolean, rlimit: number): Promise<WireResult> {
  // Two scopes on purpose: s.push() scopes the assertions, while the SMT-LIB
  // "(push 1)" scopes the *declarations* in Z3's per-solver command context,
  // which solver push/pop does not touch. Without it a goal's declare-const or
  // define-fun would leak into the next goal (and a second goal defining the
  // same helper name would fail with "already defined").
  if (incremental) {
    s.push();
    s.fromString('(push 1)');
  }
  s.fromString(smt);
  const { status, used, reason } = await counted(s, rlimit);
  const result: WireResult = { status, ms: 0 };
  if (used !== undefined) result.rlimit = used;
  if (status === 'sat' && models) {
    const m = s.model();
    try {
      result.model = modelText(lowLevel!, ctx!.ptr, m.ptr);
    } finally {
      release(m);
    }
  } else if (status === 'unknown') {
    result.reason = reason;
  }
  if (incremental) {
    s.fromString('(pop 1)');
    s.pop();
  }
  result.ms = Math.round(performance.now() - t0);
  return result;
}

/** A projected value as SMT-LIB text; opaque values keep Z3's name (only compared for equality). */
function smtValue(v: MValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'bigint') return v < 0n ? `(- ${-v})` : String(v);
  if (typeof v === 'boolean') return String(v);
  if (v.kind === 'opaque') return `${v.sort}#${v.id}`;
  throw new Error('an array cannot be projected');
}

/**
 * Many models of one goal (see Enumeration): after each, assert that the next differs in what
 * the projections show. Runs in its own scopes, like checkGoal, so the blocking clauses go away.
 */
async function enumerateGoal(s: Z3Solver, smt: string, en: Enumeration, t0: number, rlimit: number): Promise<WireResult> {
  s.push();
  s.fromString('(push 1)');
  const solutions: Solution[] = [];
  const projected = new Set(en.project.flatMap((p) => (p.when ? [p.name, p.when] : [p.name])));
  let status: WireResult['status'] = 'unsat';
  let stopped: string | undefined;
  let refuted = 0;
  // resource counts: all checks, and the largest one
  let spent = 0;
  let largest = 0;
  try {
    s.fromString(smt);
    const cases = en.refute ? refutationCases(en.refute) : undefined;
    for (;;) {
      if (solutions.length >= en.cap) {
        [status, stopped] = ['sat', 'cap'];
        break;
      }
      if (en.budgetRlimit !== undefined && spent >= en.budgetRlimit) {
        [status, stopped] = ['sat', `budget (rlimit ${en.budgetRlimit})`];
        break;
      }
      if (performance.now() - t0 > en.budgetMs) {
        [status, stopped] = ['sat', en.budgetRlimit === undefined ? 'budget' : `budget (${en.budgetMs} ms wall clock)`];
        break;
      }
      const r = await counted(s, rlimit);
      spent += r.used ?? 0;
      largest = Math.max(largest, r.used ?? 0);
      if (r.status === 'unsat') break;
      if (r.status === 'unknown') {
        [status, stopped] = ['unknown', r.reason];
        break;
      }
      const m = s.model();
      if (cases) {
        const holds = cases.holding(m);
        if (holds === 'undecided') {
          release(m);
          [status, stopped] = ['unknown', 'a case of the refutation did not evaluate to true or false'];
          break;
        }
        if (holds) {
          // not a solution: some case holds in this model; refute that case and look again
          release(m);
          s.add(cases.ctx.Not(holds));
          refuted++;
          freeDeferred();
          continue;
        }
      }
      let text: string;
      try {
        // the projections always (the blocking clause is made of them); with models, the whole
        // model, or with modelPrefixes the declarations it names besides
        const prefixes = en.models ? en.modelPrefixes : [];
        text = modelText(lowLevel!, ctx!.ptr, m.ptr, prefixes ? (n) => projected.has(n) || prefixes.some((p) => n.startsWith(p)) : undefined);
      } finally {
        release(m);
      }
      const model = Model.parse(text);
      const values = en.project.map((p) => (p.when === undefined || model.value(p.when) === true ? smtValue(model.value(p.name)) : ''));
      solutions.push(en.models ? { values, model: text } : { values });
      const block = blockingClause(en, values);
      if (!block) {
        // nothing projected: the one model is the only solution there is to report (sat)
        status = 'sat';
        break;
      }
      s.fromString(`(assert ${block})`);
      freeDeferred();
    }
  } finally {
    s.fromString('(pop 1)');
    s.pop();
  }
  return { status, stopped, solutions, ms: Math.round(performance.now() - t0), rlimit: spent, rlimitMax: largest, ...(en.refute ? { refuted } : {}) };
}

/**
 * The cases of a Refutation, made from its body on demand: `holding(m)` is a case that holds in
 * model m (evaluated with model completion, so exactly), false when none does, 'undecided' when
 * a case does not evaluate to a truth value (a quantifier the evaluator leaves standing).
 */
function refutationCases(r: Refutation): { ctx: Ctx; holding(m: Z3Model<'pushbutton'>): Z3Bool | false | 'undecided' } {
  const c = ctx!;
  // a solver of its own only to parse the script: its assertion is the body, and its names are
  // the goal's constants (Z3 identifies declarations by name and sort within a context)
  const parser = new c.Solver();
  let body;
  try {
    parser.fromString(r.script);
    const v = parser.assertions();
    body = c.And(...Array.from({ length: v.length() }, (_, k) => v.get(k)));
    release(v);
  } finally {
    release(parser);
  }
  const consts = r.choices.map((x) => c.Int.const(x.name));
  let combos: number[][] = [[]];
  for (const x of r.choices) combos = combos.flatMap((cb) => x.values.map((v) => [...cb, v]));
  const cases = combos.map((cb) => c.substitute(body, ...cb.map((v, k): [Arith<'pushbutton'>, Arith<'pushbutton'>] => [consts[k], c.Int.val(v)])) as Z3Bool);
  // one evaluation of the disjunction settles a model no case holds in (the evaluator shares the
  // cases' common subterms within one call); only a model some case holds in is searched further
  const any = c.Or(...cases);
  const truth = (m: Z3Model<'pushbutton'>, t: Z3Bool): boolean | undefined => {
    const v = m.eval(t, true);
    try {
      return c.isTrue(v) ? true : c.isFalse(v) ? false : undefined;
    } finally {
      release(v);
    }
  };
  return {
    ctx: c,
    holding(m) {
      const all = truth(m, any);
      if (all === false) return false;
      for (const t of cases) if (truth(m, t)) return t;
      return 'undecided';
    },
  };
}

/** "not this solution": exact values for projections without a realm, the equality pattern inside each realm. */
function blockingClause(en: Enumeration, values: string[]): string | undefined {
  const same: string[] = [];
  const byRealm = new Map<string, number[]>();
  en.project.forEach((p, k) => {
    if (values[k] === '' || p.reportOnly) return; // not reached, a don't-care the model left out, or a detail
    if (p.realm === undefined) same.push(`(= |${p.name}| ${values[k]})`);
    else byRealm.set(p.realm, [...(byRealm.get(p.realm) ?? []), k]);
  });
  for (const ks of byRealm.values()) {
    for (let x = 0; x < ks.length; x++) {
      for (let y = x + 1; y < ks.length; y++) {
        const [a, b] = [en.project[ks[x]!]!.name, en.project[ks[y]!]!.name];
        same.push(values[ks[x]!] === values[ks[y]!] ? `(= |${a}| |${b}|)` : `(not (= |${a}| |${b}|))`);
      }
    }
  }
  if (same.length === 0) return undefined;
  return same.length === 1 ? `(not ${same[0]})` : `(not (and ${same.join(' ')}))`;
}

// Announce readiness only once Z3 is loaded, so that the parent's startup
// watchdog covers the wasm init and its job timers measure solving alone.
// A throwaway check first: the first check in a process pays about a second of one-off set-up,
// which would otherwise be charged to (and eat the timeout of) a real goal.
async function warmUp(c: Ctx): Promise<void> {
  const s = new c.Solver();
  try {
    s.fromString('(assert (distinct 1 2))');
    await s.check();
  } finally {
    release(s);
  }
}

getApi().then(
  async (api) => {
    const first = newContext(api);
    await warmUp(first.ctx);
    first.drop();
    send({ type: 'ready', version: versionString(api) });
  },
  (e) => dieFatally(`z3 init failed: ${describe(e)}`),
);
