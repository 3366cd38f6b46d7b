// Progress of a `verify` run, on stderr (stdout keeps the report, and --json its one document): on
// a terminal one live line, rewritten as each operation finishes; elsewhere (a CI log) one plain
// line per operation. A kernel run takes minutes, and before this nothing showed until its end.

import type { OperationOutcome } from './run.ts';

export class Progress {
  private readonly t0 = performance.now();
  private sub = '';
  private total = 0;
  private done = 0;
  private goals = 0;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY),
  ) {}

  /** A subsystem starts with `operations` selected. */
  start(sub: string, operations: number): void {
    this.sub = sub;
    this.total = operations;
    this.done = 0;
    this.goals = 0;
    if (this.live) this.show(`${sub}: ${operations} operation${operations === 1 ? '' : 's'} to verify`);
  }

  operation(sub: string, op: OperationOutcome): void {
    if (sub !== this.sub) this.start(sub, 0);
    this.done++;
    this.goals += op.goals.length;
    const where = `${this.done} of ${this.total || '?'} operations, ${this.goals} goals, ${this.elapsed()}`;
    if (this.live) this.show(`${sub}: ${where} · last ${op.name} ${op.status}`);
    else this.out.write(`progress: ${sub} ${op.name} ${op.status} (${op.goals.length} goals) · ${where}\n`);
  }

  /** Clears the live line before the report is printed. */
  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private show(text: string): void {
    const width = (this.out.columns ?? 100) - 1;
    this.out.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    this.shown = true;
  }

  private elapsed(): string {
    const s = (performance.now() - this.t0) / 1000;
    return s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }
}
