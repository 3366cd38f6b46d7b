// The sandbox's child process: the only place where the user's TypeScript runs. Forked by
// sandbox.ts with a heap limit; never imported by anything else.
//
// It imports the user's modules (their top-level code runs here), then serves tasks (tasks.ts)
// one item at a time, answering after each item so that the parent's wall-clock limit applies to
// every item on its own. Whatever the user's code does to this process (process.exit, an endless
// loop, a heap blow-up) the parent sees as this process ending or going silent, and reports it.

import * as fs from 'node:fs';
import { EXIT_MARK, type FromChild, type ToChild } from './protocol.ts';
import { TASKS, type Handler, type TaskContext } from './tasks.ts';

function send(msg: FromChild): void {
  process.send?.(msg);
}

// process.exit from the user's code: say where it was called, on stderr and synchronously (the
// process ends at once), then exit as asked. The parent reports it; nothing is trusted after it.
const realExit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  try {
    fs.writeSync(2, `\n${EXIT_MARK}${JSON.stringify({ code: code ?? process.exitCode ?? 0, stack: new Error('process.exit').stack ?? '' })}\n`);
  } finally {
    realExit(code ?? undefined);
  }
}) as typeof process.exit;

// the parent is gone: nobody wants the answers
process.on('disconnect', () => realExit(0));

const ctx: TaskContext = { modules: {}, cache: new Map() };
const handlers = new Map<string, Handler>();
const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : `a thrown ${typeof e}: ${String(e)}`);
const stackOf = (e: unknown) => (e instanceof Error ? e.stack : undefined);
/** Lets the IPC channel write the last answer before the next item can block the event loop. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

async function load(modules: { key: string; url: string }[]): Promise<void> {
  for (const m of modules) {
    send({ type: 'loading', key: m.key });
    await yieldToIo();
    try {
      ctx.modules[m.key] = (await import(m.url)) as Record<string, unknown>;
    } catch (e) {
      send({ type: 'load-failed', key: m.key, error: describe(e), stack: stackOf(e) });
      return;
    }
  }
  send({ type: 'loaded' });
}

async function run(msg: Extract<ToChild, { type: 'task' }>): Promise<void> {
  let handler = handlers.get(msg.task);
  if (!handler) handlers.set(msg.task, (handler = await TASKS[msg.task]()));
  for (const [k, item] of msg.items.entries()) {
    try {
      send({ type: 'item', id: msg.id, index: msg.offset + k, ok: true, value: handler(ctx, item) });
    } catch (e) {
      send({ type: 'item', id: msg.id, index: msg.offset + k, ok: false, error: describe(e), stack: stackOf(e) });
    }
    await yieldToIo();
  }
  send({ type: 'done', id: msg.id });
}

// one message at a time, in order: a task never starts before the modules are loaded
let chain = Promise.resolve();
process.on('message', (msg: ToChild) => {
  chain = chain.then(() => (msg.type === 'load' ? load(msg.modules) : run(msg)));
});

send({ type: 'ready' });
