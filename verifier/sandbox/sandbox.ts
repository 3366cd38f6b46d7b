// The sandbox: the verifier's only way to run the user's TypeScript (counterexample replays,
// verify rid's witnesses, verify commute's tests).
//
// The user's modules are loaded into a child process (runner.ts) with a heap limit, and each
// item of work gets a wall-clock limit. The user's code decides what its process does: its
// top-level code or an operation may call process.exit, loop forever or fill the heap. In the
// verifier's own process that ended `verify` with the user's exit code and no report, or hung it;
// here it ends or stalls the child, which is killed, and the caller gets a located reason (a
// ModuleLoadError for the module's top-level code, reported as a diagnostic; a failed item for one
// run, reported as `unknown` for what it was to show), never a verdict.
//
// One child per sandbox serves every request, with the modules loaded once (their transpiled
// files are removed as soon as they are loaded); a child that dies is replaced by a new one, which
// emits and loads them again, for the items after the one that killed it. At most MAX_LIVE children
// are alive at once: an idle one is stopped when another sandbox needs a child (it starts again,
// and loads again, when next asked).

import { fork, type ChildProcess } from 'node:child_process';
import { tsxLoaderUrl } from '../tsx-loader.ts';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SubsetError, type Diagnostic } from '../diagnostics.ts';
import type { Loc } from '../ir.ts';
import { EXIT_MARK, type FromChild, type TaskName } from './protocol.ts';

export interface Limits {
  /** wall-clock limit of the module's top-level code, and of each item of work */
  timeoutMs: number;
  /** the child's heap limit (--max-old-space-size) */
  memoryMb: number;
}

/**
 * The defaults. A replay of a kernel counterexample found at the small scope (states widened to
 * 8,192 pages) measured 26-29 s in the child (bugs/kernel.dup-nrfds.ts), where 20 s had been
 * assumed generous and every kernel seeded bug came back unknown: the limit is a safety net
 * against a hang, like the solver's wall-clock net, so it is as long (2 min). That replay now
 * takes about 4 s (the checked arrays' proxy was the cost: bench/README.md, "Test suite time").
 * The heap is the size the kernel needs.
 */
export const DEFAULT_LIMITS: Limits = { timeoutMs: 120_000, memoryMb: 4096 };

/** The limits, from PUSHBUTTON_RUN_TIMEOUT_MS and PUSHBUTTON_RUN_MEMORY_MB when set (positive integers). */
export function runLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  const num = (v: string | undefined, dflt: number) => (v !== undefined && /^\d+$/.test(v.trim()) && Number(v) > 0 ? Number(v) : dflt);
  return { timeoutMs: num(env.PUSHBUTTON_RUN_TIMEOUT_MS, DEFAULT_LIMITS.timeoutMs), memoryMb: num(env.PUSHBUTTON_RUN_MEMORY_MB, DEFAULT_LIMITS.memoryMb) };
}

/** The user's modules, transpiled (frontend/emit.ts), ready to import in the child. */
export interface Prepared {
  /** imported in this order, each under its key */
  modules: { key: string; file: string; url: string }[];
  /** every emitted file's URL → its source file */
  sources: Map<string, string>;
  dispose(): void;
}

/** The module's top-level code cannot run: a located diagnostic (exit 2 where it reaches the CLI). */
export class ModuleLoadError extends SubsetError {
  /** one line for where the failure is mentioned again (an `unknown` goal's reason) */
  constructor(diagnostics: Diagnostic[], readonly summary: string) {
    super(diagnostics);
  }
}

/** One run did not finish (exit, time limit, heap, crash): the message says which run and what happened. */
export class RunFailure extends Error {}

export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: string };

/** The child gets this long to start (tsx, the runner) before it counts as broken: not the user's time. */
const STARTUP_MS = 60_000;
const MAX_LIVE = 2;
/** Items per message: a message of all of verify commute's POSIX tests would be hundreds of MB. */
const CHUNK = 100;
const TAIL = 8_000;

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));


type Event = { kind: 'msg'; msg: FromChild } | { kind: 'exit'; code: number | null; signal: string | null };

/** One child process, read as a queue of events. */
class Child {
  readonly proc: ChildProcess;
  tail = '';
  exited = false;
  readonly gone: Promise<void>;
  private events: Event[] = [];
  private waiter: ((ev: Event) => void) | undefined;

  constructor(memoryMb: number) {
    this.proc = fork(RUNNER, [], {
      execArgv: ['--import', tsxLoaderUrl(), `--max-old-space-size=${memoryMb}`, '--enable-source-maps'],
      serialization: 'advanced',
      // the user's console output is not the verifier's: kept only to explain a death
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: process.env,
    });
    const keep = (chunk: Buffer) => (this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL));
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.proc.on('message', (msg: FromChild) => this.push({ kind: 'msg', msg }));
    this.gone = new Promise((resolve) => {
      // 'close', not 'exit': it comes after the last message and the last stderr bytes
      this.proc.on('close', (code, signal) => {
        if (this.exited) return;
        this.exited = true;
        this.push({ kind: 'exit', code, signal });
        resolve();
      });
      this.proc.on('error', (e) => {
        if (this.proc.pid !== undefined || this.exited) return;
        this.exited = true;
        this.tail += `\ncould not start: ${e.message}`;
        this.push({ kind: 'exit', code: null, signal: null });
        resolve();
      });
    });
  }

  private push(ev: Event): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(ev);
    else this.events.push(ev);
  }

  /** The next event, or undefined when none comes within `ms`. */
  next(ms: number): Promise<Event | undefined> {
    const ev = this.events.shift();
    if (ev) return Promise.resolve(ev);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
    });
  }

  send(msg: unknown): void {
    try {
      this.proc.send(msg as never);
    } catch {
      // the channel is closed: the exit event tells
    }
  }

  /** Busy children keep the verifier's process alive; idle ones do not (the child leaves on disconnect). */
  setBusy(busy: boolean): void {
    type Handle = { ref?: () => void; unref?: () => void } | null | undefined;
    const p = this.proc as unknown as { channel?: Handle; stdout: Handle; stderr: Handle };
    for (const h of [this.proc as unknown as Handle, p.channel, p.stdout, p.stderr]) (busy ? h?.ref : h?.unref)?.call(h);
  }

  kill(): Promise<void> {
    if (!this.exited) {
      this.setBusy(true);
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    return this.gone;
  }
}

interface Request {
  task: TaskName;
  items: unknown[];
  what: (k: number) => string;
  results: ItemResult<unknown>[];
  next: number;
  resolve: (r: ItemResult<unknown>[]) => void;
  reject: (e: unknown) => void;
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)} s`;

/** Sandboxes with a child alive, least recently used first. */
const live: Sandbox[] = [];
/** Every sandbox not closed, for the clean-up at exit. */
const open = new Set<Sandbox>();
let exitHook = false;

export class Sandbox {
  private child: Child | undefined;
  private prepared: Prepared | undefined;
  private loadError: ModuleLoadError | undefined;
  private readonly queue: Request[] = [];
  private busy = false;
  private ids = 0;
  /** the module being loaded, by key (to name it when its top-level code fails) */
  private loading: string | undefined;
  /** the last emitted files' URLs → source files, to read stack traces after the files are gone */
  private sources = new Map<string, string>();

  /**
   * `name`: what the modules are, for messages (`counter`); `prepare`: emits them (called again
   * after close or eviction, since their files go with the child).
   */
  constructor(readonly name: string, private readonly prepare: () => Prepared, readonly limits: Limits = runLimits()) {
    open.add(this);
    if (!exitHook) {
      exitHook = true;
      // a verifier that ends without closing its sandboxes leaves neither children nor files
      process.on('exit', () => {
        for (const s of open) s.stopNow();
      });
    }
  }

  /** Runs one item; a failed run throws RunFailure, modules that do not load ModuleLoadError. */
  async run<R>(task: TaskName, item: unknown, what: string): Promise<R> {
    const [r] = await this.runEach<R>(task, [item], () => what);
    if (!r.ok) throw new RunFailure(r.error);
    return r.value;
  }

  /** Runs every item (in order, one child at a time); a run that fails is an `ok: false` result. */
  runEach<R>(task: TaskName, items: unknown[], what: (k: number) => string): Promise<ItemResult<R>[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, items, what, results: new Array(items.length), next: 0, resolve: resolve as Request['resolve'], reject });
      void this.pump();
    });
  }

  /** Stops the child and removes the modules' files. The sandbox can still be used: it starts again. */
  async close(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (c) await c.kill();
    this.forget();
    this.prepared?.dispose();
    this.prepared = undefined;
    open.delete(this);
  }

  private stopNow(): void {
    try {
      this.child?.proc.kill('SIGKILL');
    } catch {
      // gone
    }
    this.prepared?.dispose();
  }

  private forget(): void {
    const k = live.indexOf(this);
    if (k >= 0) live.splice(k, 1);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    const req = this.queue[0];
    if (!req) return;
    this.busy = true;
    try {
      while (req.next < req.items.length) await this.serve(req);
      req.resolve(req.results);
    } catch (e) {
      req.reject(e);
    } finally {
      this.queue.shift();
      this.busy = false;
      this.child?.setBusy(false);
      void this.pump();
    }
  }

  /** Sends the next chunk of a request and reads its answers, until done or the child's end. */
  private async serve(req: Request): Promise<void> {
    const c = await this.ensure();
    c.setBusy(true);
    const id = ++this.ids;
    const end = Math.min(req.items.length, req.next + CHUNK);
    c.send({ type: 'task', id, task: req.task, offset: req.next, items: req.items.slice(req.next, end) });
    for (;;) {
      const ev = await c.next(this.limits.timeoutMs);
      if (!ev || ev.kind === 'exit') {
        // the item in progress took the child with it
        const why = ev ? this.endOf(c, ev, 'run') : `did not finish in ${seconds(this.limits.timeoutMs)}`;
        req.results[req.next] = { ok: false, error: `${req.what(req.next)}: ${why}` };
        req.next++;
        await this.drop(c);
        return;
      }
      const msg = ev.msg;
      if (msg.type === 'item' && msg.id === id) {
        const k = msg.index;
        req.results[k] = msg.ok ? { ok: true, value: msg.value } : { ok: false, error: `${req.what(k)}: the sandbox's task failed (${msg.error}${this.where(msg.stack)})` };
        req.next = k + 1;
      } else if (msg.type === 'done' && msg.id === id) return;
    }
  }

  /** A child with the modules loaded: the live one, or a new one (ModuleLoadError when they do not load). */
  private async ensure(): Promise<Child> {
    if (this.child && !this.child.exited) {
      this.forget();
      live.push(this);
      return this.child;
    }
    this.child = undefined;
    if (this.loadError) throw this.loadError;
    // make room: stop the least recently used idle child of another sandbox
    while (live.length >= MAX_LIVE) {
      const victim = live.find((s) => !s.busy && s !== this);
      if (!victim) break;
      await victim.evict();
    }
    this.prepared ??= this.prepare();
    const t0 = performance.now();
    const c = new Child(this.limits.memoryMb);
    c.setBusy(true);
    this.child = c;
    this.forget();
    live.push(this);
    const ready = await c.next(STARTUP_MS);
    if (!ready || ready.kind !== 'msg' || ready.msg.type !== 'ready') {
      const why = !ready ? `no answer in ${seconds(STARTUP_MS)}` : ready.kind === 'exit' ? this.endOf(c, ready, 'start') : `a ${ready.msg.type} message first`;
      await this.drop(c);
      this.release();
      throw new Error(`the sandbox process for ${this.name} did not start (${why})`);
    }
    const t1 = performance.now();
    const modules = this.prepared.modules;
    c.send({ type: 'load', modules: modules.map((m) => ({ key: m.key, url: m.url })) });
    this.loading = undefined;
    for (;;) {
      const ev = await c.next(this.limits.timeoutMs);
      if (ev?.kind === 'msg' && ev.msg.type === 'loading') {
        this.loading = ev.msg.key;
        continue;
      }
      if (ev?.kind === 'msg' && ev.msg.type === 'loaded') {
        this.release();
        if (process.env.PUSHBUTTON_TRACE) process.stderr.write(`[trace] sandbox ${this.name}: child up in ${(t1 - t0).toFixed(0)} ms, modules loaded in ${(performance.now() - t1).toFixed(0)} ms\n`);
        return c;
      }
      if (ev?.kind === 'msg' && ev.msg.type !== 'load-failed') continue;
      const file = modules.find((m) => m.key === this.loading)?.file ?? modules[0].file;
      let what: string, loc: Loc | undefined;
      if (!ev) what = `did not finish in ${seconds(this.limits.timeoutMs)}`;
      else if (ev.kind === 'exit') [what, loc] = [this.endOf(c, ev, 'load'), this.exitCall(c)?.loc];
      else {
        const failed = ev.msg as Extract<FromChild, { type: 'load-failed' }>;
        [what, loc] = [`threw ${failed.error}`, this.userFrame(failed.stack)];
      }
      await this.drop(c);
      this.release();
      this.loadError = new ModuleLoadError(
        [{
          loc: loc ?? { file, line: 1, col: 1 },
          construct: "the module's top-level code",
          message: `${what}, when the verifier loaded ${path.basename(file)} to run it (a replay, a test); a module of the subset only declares (types, constants, functions): move this code into a function, or out of the module`,
        } satisfies Diagnostic],
        `the top-level code of ${path.basename(file)} ${what}`,
      );
      throw this.loadError;
    }
  }

  /**
   * Removes the modules' files once the child has imported them: a process that ends without its
   * exit hook (a test runner's worker) leaves nothing behind. A new child emits them again.
   */
  private release(): void {
    if (!this.prepared) return;
    this.sources = this.prepared.sources;
    this.prepared.dispose();
    this.prepared = undefined;
  }

  private async evict(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    this.forget();
    if (c) await c.kill();
  }

  private async drop(c: Child): Promise<void> {
    if (this.child === c) this.child = undefined;
    this.forget();
    await c.kill();
  }

  /** What ended the child: the user's process.exit (where), the heap limit, or a signal. */
  private endOf(c: Child, ev: Extract<Event, { kind: 'exit' }>, phase: 'start' | 'load' | 'run'): string {
    const exit = this.exitCall(c);
    const code = exit ? `${exit.code}` : `${ev.code}`;
    // (the location of a load's failure is its diagnostic's own)
    if (exit) return phase === 'load' ? `called process.exit(${code}), which ends the process` : `the code called process.exit(${code})${exit.loc ? ` at ${fmt(exit.loc)}` : ''}, which ends the process`;
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(c.tail)) return `ran out of memory (the sandbox's heap limit is ${this.limits.memoryMb} MB)`;
    const last = c.tail.split('\n').map((l) => l.trim()).filter(Boolean).pop();
    return `ended the process (${ev.signal ? `signal ${ev.signal}` : `exit code ${ev.code}`})${last && phase === 'start' ? `: ${last.slice(0, 240)}` : ''}`;
  }

  private exitCall(c: Child): { code: unknown; loc?: Loc } | undefined {
    const at = c.tail.lastIndexOf(EXIT_MARK);
    if (at < 0) return undefined;
    try {
      const { code, stack } = JSON.parse(c.tail.slice(at + EXIT_MARK.length).split('\n')[0]) as { code: unknown; stack: string };
      return { code, loc: this.userFrame(stack) };
    } catch {
      return { code: '?' };
    }
  }

  /** The first frame of a stack in one of the user's files (source-mapped to the .ts, or a transpiled copy). */
  private userFrame(stack: string | undefined): Loc | undefined {
    const sources = this.prepared?.sources ?? this.sources;
    const files = new Set(sources.values());
    for (const m of (stack ?? '').matchAll(/((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/gm)) {
      const url = m[1].startsWith('file://') ? m[1] : pathToFileURL(m[1]).href;
      const file = sources.get(url) ?? (files.has(fileURLToPath(url)) ? fileURLToPath(url) : undefined);
      if (file) return { file, line: Number(m[2]), col: Number(m[3]) };
    }
    return undefined;
  }

  private where(stack: string | undefined): string {
    const loc = this.userFrame(stack);
    return loc ? ` at ${fmt(loc)}` : '';
  }
}

const fmt = (loc: Loc) => `${path.relative(process.cwd(), loc.file) || loc.file}:${loc.line}:${loc.col}`;
