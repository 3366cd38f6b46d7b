// One solver worker process (worker.ts) as the pool sees it, and the version query, whose worker
// is kept for the next pool (pool.ts schedules jobs on these).

import { fork, type ChildProcess } from 'node:child_process';
import { tsxLoaderUrl } from '../tsx-loader.ts';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './protocol.ts';

/** A worker gets this long to load tsx + Z3 before it is considered dead. */
export const STARTUP_MS = 60_000;
/** Keep this much of a child's stderr to explain a crash. */
const STDERR_TAIL = 4_000;

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));


function forkWorker(): ChildProcess {
  return fork(WORKER_PATH, [], {
    execArgv: ['--import', tsxLoaderUrl()],
    serialization: 'advanced',
    // stdout/stderr are piped, not inherited: Z3 or emscripten may print on
    // the way down, which belongs in the crash reason, not in our CLI output.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: process.env,
  });
}

type WorkerEvent = { kind: 'msg'; msg: FromWorker } | { kind: 'exit'; detail: string };

/** One child process plus the little state the pool keeps about it. */
export class Worker {
  readonly child: ChildProcess;
  jobsRun = 0;
  /** time spent on goals (the worker's startup excluded) */
  solvingMs = 0;
  ready = false;
  exited = false;
  readonly exitPromise: Promise<void>;
  private tail = '';
  private fatal: string | undefined;
  private listener: ((ev: WorkerEvent) => void) | undefined;
  private backlog: WorkerEvent[] = [];

  /** the environment it was started with (envKey) */
  readonly env = envKey();

  constructor() {
    this.child = forkWorker();
    const keepTail = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    };
    this.child.stdout?.on('data', keepTail);
    this.child.stderr?.on('data', keepTail);

    this.child.on('message', (msg: FromWorker) => {
      if (msg.type === 'fatal') this.fatal = msg.detail;
      if (msg.type === 'ready') this.ready = true;
      this.emit({ kind: 'msg', msg });
    });
    this.exitPromise = new Promise((resolve) => {
      let done = false;
      const finish = (detail: string) => {
        if (done) return;
        done = true;
        this.exited = true;
        this.emit({ kind: 'exit', detail });
        resolve();
      };
      // 'close' rather than 'exit': it comes after the last IPC message and
      // the last stderr bytes, which explain the death.
      this.child.on('close', (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const extra = clip(this.fatal ?? lastLine(this.tail));
        finish(extra ? `${how}: ${extra}` : how);
      });
      // 'error' without 'exit' happens when the fork itself fails.
      this.child.on('error', (e) => {
        if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) return;
        finish(`could not start: ${e.message}`);
      });
    });
  }

  private emit(ev: WorkerEvent): void {
    if (this.listener) this.listener(ev);
    else this.backlog.push(ev);
  }

  /** Route events to `fn` (one consumer at a time), replaying what arrived in between. */
  listen(fn: ((ev: WorkerEvent) => void) | undefined): void {
    this.listener = fn;
    if (!fn) return;
    const pending = this.backlog;
    this.backlog = [];
    for (const ev of pending) fn(ev);
  }

  send(msg: ToWorker): void {
    try {
      this.child.send(msg);
    } catch {
      // The channel is closed: the 'exit' event will tell the consumer.
    }
  }

  /**
   * Idle workers must not keep node alive (a caller that forgets close()
   * should still exit; the child then sees 'disconnect' and leaves). Busy
   * ones must, or a pending solve() could be dropped by an exiting process.
   */
  setBusy(busy: boolean): void {
    type Handle = { ref?: () => void; unref?: () => void } | null | undefined;
    const c = this.child as unknown as { channel?: Handle; stdout: Handle; stderr: Handle };
    // The IPC channel and the stdio pipes are handles of their own.
    for (const h of [this.child as unknown as Handle, c.channel, c.stdout, c.stderr]) {
      if (busy) h?.ref?.();
      else h?.unref?.();
    }
  }

  kill(): Promise<void> {
    if (!this.exited) {
      // An idle worker is unref'd; a caller awaiting its death must hold the
      // loop open until 'exit' arrives (else node quits mid-await, code 13).
      this.setBusy(true);
      try {
        this.child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return this.exitPromise;
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}

/** Reasons are one-liners in reports; emscripten's abort text runs to 400+ characters. */
function clip(s: string, max = 240): string {
  return s.length > max ? s.slice(0, max) + '...' : s;
}

let versionPromise: Promise<string> | undefined;

/** The solver's version (SolverPool.solverVersion); cached because it cannot change. */
export function solverVersion(): Promise<string> {
  versionPromise ??= askVersion().catch((e: unknown) => {
    versionPromise = undefined;
    throw e;
  });
  return versionPromise;
}

/**
 * The worker that answered the version, kept for the first pool that needs a worker: `verify`
 * asks the version and then solves, and starting a worker (tsx and Z3) costs about 1 s of CPU.
 * Idle, it does not keep node alive (Worker.setBusy); a process that never solves exits, and the
 * child leaves on the disconnect. It carries the environment of the moment it was started, as any
 * worker does.
 */
let spare: Worker | undefined;

export function takeSpare(): Worker | undefined {
  const w = spare;
  spare = undefined;
  if (!w || w.exited) return undefined;
  // a worker reads its settings from the environment (worker.ts): one started under another is not reused
  if (w.env !== envKey()) {
    void w.kill();
    return undefined;
  }
  return w;
}

const envKey = () => JSON.stringify(process.env);

async function askVersion(): Promise<string> {
  const w = new Worker();
  let kept = false;
  try {
    const version = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('solver worker did not start')), STARTUP_MS);
      w.listen((ev) => {
        if (ev.kind === 'exit') {
          clearTimeout(timer);
          reject(new Error(`solver worker died: ${ev.detail}`));
        } else if (ev.msg.type === 'ready') {
          clearTimeout(timer);
          resolve(ev.msg.version);
        }
      });
    });
    // ready: a pool that takes it sends its first job at once (runOn checks w.ready)
    w.listen(undefined);
    w.setBusy(false);
    if (!spare || spare.exited) {
      spare = w;
      kept = true;
    }
    return version;
  } finally {
    if (!kept) await w.kill();
  }
}
