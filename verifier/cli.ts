// `verify`: the command line. Exit codes (DESIGN.md): 0 everything proved, 1 a counterexample,
// 2 input outside the subset or otherwise unusable (including a selection matching nothing),
// 3 some obligation unknown and none refuted.

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { discover, orphanSpecs, select, type Pair } from './discover.ts';
import { DEFAULT_RLIMIT, Runner, type SubsystemOutcome } from './run.ts';
import { JSON_SCHEMA_VERSION, exitCode, jsonDocument, jsonText, sarifDocument, subsystemText, summaryText } from './report.ts';
import { SolverPool } from './solver/pool.ts';
import { RID_RLIMIT } from './rid/smt.ts';
import { ProofCache } from './cache.ts';
import { Progress } from './progress.ts';
import { watchProject } from './watch.ts';
import { junitDocument } from './junit.ts';
import { checkOutputs, writeOutput } from './outputs.ts';
import { parseShard } from './shard.ts';
import { toolBuild, toolVersion } from './version.ts';
import { sourcesHash } from './sources.ts';

/** Where the proof cache lives, under the project (git-ignored: .pushbutton/). */
const DEFAULT_CACHE = path.join('.pushbutton', 'cache');

/**
 * `verify`'s wall-clock net per goal and rung. Several times what DEFAULT_RLIMIT takes on this
 * project's 2-core machine when quiet (bench/README.md, "Verdicts under load"): only a check
 * that stalls without counting, or a machine many times slower, should meet it.
 */
const DEFAULT_NET_MS = 120_000;

const USAGE = `usage: verify [SUBSYSTEM|DIR|IMPL_FILE ...] [options]
       verify commute NAME      (SIM commutativity: conditions, tests, conflicts; docs/commute.md)
                                [--max-tests-per-path N] (default 500, COMMUTER's) [--max-paths N]
                                [--granularity cell|object] [--cases] [--no-tests] [--verbose]
                                [--html FILE] [--tests FILE] [--emit-vitest DIR] [--filter OP|A/B]
                                [--check-tests FILE] (only the conflict check, of saved tests)
                                [--rlimit N] (per check, default 32M; its --timeout is a safety net)
       verify init NAME         (a commented starter: spec/, impl/, bugs/ and test/NAME files)
       verify merge FILE...     (one report and exit code from the --json documents of the shards
                                of a --shard run; docs/ci.md) [--json] [--junit FILE] [--sarif FILE]
       verify rid PATH          (inconsistent refcount path pairs; docs/rid.md)
                                [--max-paths N] (paths per function, default 100, RID's limit)
                                [--max-pairs N] (IPP candidates asked per function, default 2000)
                                [--rlimit N] (default ${RID_RLIMIT / 1e6}M per query) [--timeout T] (safety net,
                                default ${DEFAULT_NET_MS / 60_000}m); a limit hit is reported, and the run exits 3

Proves every subsystem of the project in the current folder: spec/NAME.ts with impl/NAME.ts
(and variants impl/NAME.VARIANT.ts), and examples/NAME/spec.ts with examples/NAME/impl.ts.

options:
  --filter OP      only operations whose name contains OP (or matches a * glob); repeatable;
                   'init' selects the initial-state theorem
  --rlimit N       per-goal solver budget, Z3's resource count (deterministic: the verdicts do not
                   depend on the machine's load); 20M = 20000000; default ${DEFAULT_RLIMIT / 1e6}M
  --timeout T      per-goal wall-clock safety net: milliseconds, or with a unit (10s, 2m); default
                   ${DEFAULT_NET_MS / 60_000}m; a goal it stops is unknown
  --jobs N         solver worker processes; default: number of cores
  --json           print one JSON document instead of text (its fields: docs/ci.md)
  --cache DIR      the proof cache's folder (default .pushbutton/cache under the project): proved
                   and refuted goals are kept there and not asked again while their query is the
                   same; a refutation is still replayed; save and restore it between CI runs
  --no-cache       neither read nor write the proof cache
  --quiet, -q      no progress lines on stderr (they show as operations finish: one live line on a
                   terminal, a plain line each elsewhere)
  --fail-fast      stop a subsystem at its first refutation: the goals not yet decided are not
                   asked further (unknown, "not asked"); for a quick answer on a broken edit
  --watch          verify, then again after every saved change to the project's .ts files, or to
                   a file outside it that a program imports (the proof cache answers what did
                   not change); Ctrl-C stops
  --smt2 DIR       write every query as an SMT-LIB2 file into DIR
  --sarif FILE     also write the refuted and unknown goals as SARIF 2.1.0 (code scanning)
  --junit FILE     also write JUnit XML: a test suite per subsystem, a test case per goal, the
                   counterexample in its <failure> (CI test reports; docs/ci.md)
  --shard I/N      verify only part I of N of the theorems (a stable partition by subsystem,
                   operation and theorem), e.g. one part per CI job; then verify merge the parts'
                   --json documents for the whole run's report and exit code (docs/ci.md)
  --root DIR       project folder (default: the current folder)
  -h, --help       this text

exit codes: 0 proved · 1 counterexample found · 2 input rejected or unusable · 3 unknown (timeout)`;

/** A resource count: digits, optionally with k or M (20M = 20000000). */
function parseCount(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kM])?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1));
  return Number.isSafeInteger(n) && n > 0 && n <= 0xffffffff ? n : undefined;
}

function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60000 : n;
}

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        filter: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        rlimit: { type: 'string' },
        jobs: { type: 'string' },
        json: { type: 'boolean' },
        smt2: { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        'fail-fast': { type: 'boolean' },
        watch: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        sarif: { type: 'string' },
        junit: { type: 'string' },
        shard: { type: 'string' },
        root: { type: 'string' },
        'max-paths': { type: 'string' },
        'max-pairs': { type: 'string' },
        'max-tests-per-path': { type: 'string' },
        granularity: { type: 'string' },
        cases: { type: 'boolean' },
        'no-tests': { type: 'boolean' },
        verbose: { type: 'boolean' },
        html: { type: 'string' },
        tests: { type: 'string' },
        'check-tests': { type: 'string' },
        'emit-vitest': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`verify: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals[0] === 'init') return (await import('./init.ts')).initCommand(positionals.slice(1), path.resolve((values.root as string | undefined) ?? process.cwd()));
  if (positionals[0] === 'rid' || positionals[0] === 'commute') {
    // verify rid PATH (verifier/rid/, docs/rid.md), verify commute NAME (verifier/commute/, docs/commute.md)
    // (verify rid's budget is an rlimit, its wall clock only a safety net)
    // their reports too are checked before the run (a commute run can take an hour)
    const bad = checkOutputs({ '--sarif': values.sarif, '--html': values.html, '--tests': values.tests }, { '--emit-vitest': values['emit-vitest'] });
    if (bad) {
      console.error(`verify ${positionals[0]}: ${bad}`);
      return 2;
    }
    const timeoutMs = values.timeout === undefined ? (positionals[0] === 'rid' ? DEFAULT_NET_MS : 10_000) : parseDuration(values.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) {
      console.error(`verify: --timeout ${values.timeout}: write milliseconds or a duration such as 10s`);
      return 2;
    }
    const cores = (await import('node:os')).availableParallelism();
    const jobs = values.jobs === undefined ? (positionals[0] === 'rid' ? Math.min(2, cores) : cores) : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      console.error(`verify: --jobs ${values.jobs}: a positive integer`);
      return 2;
    }
    if (positionals[0] === 'rid') {
      const { ridCommand } = await import('./rid/command.ts');
      const rlimit = values.rlimit === undefined ? undefined : parseCount(values.rlimit as string);
      if (values.rlimit !== undefined && rlimit === undefined) {
        console.error(`verify: --rlimit ${values.rlimit}: a resource count such as 5M (1 to 4294967295)`);
        return 2;
      }
      return ridCommand(values, positionals.slice(1), timeoutMs, jobs, rlimit);
    }
    const { commuteCommand, UsageError: CommuteUsage } = await import('./commute/command.ts');
    try {
      return await commuteCommand(values, positionals.slice(1), timeoutMs, jobs);
    } catch (e) {
      if (e instanceof CommuteUsage) {
        console.error(`verify commute: ${e.message}`);
        return 2;
      }
      throw e;
    }
  }
  try {
    if (positionals[0] === 'merge') return await (await import('./merge-command.ts')).mergeCommand(values, positionals.slice(1));
    return await verifyCommand(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`verify: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

async function verifyCommand(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number> {
  const root = path.resolve((values.root as string | undefined) ?? process.cwd());
  const timeoutMs = values.timeout === undefined ? DEFAULT_NET_MS : parseDuration(values.timeout as string);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout ${values.timeout}: write milliseconds or a duration such as 10s`);
  const rlimit = values.rlimit === undefined ? DEFAULT_RLIMIT : parseCount(values.rlimit as string);
  if (rlimit === undefined) throw new UsageError(`--rlimit ${values.rlimit}: a positive count below 2^32, such as 20000000 or 20M`);
  const jobs = values.jobs === undefined ? Math.max(1, (await import('node:os')).availableParallelism()) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${values.jobs}: a positive integer`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard as string);
  if (values.shard !== undefined && !shard) throw new UsageError(`--shard ${values.shard}: write I/N, part I of N (1 <= I <= N), e.g. --shard 1/2`);
  // before any proof: a report that cannot be written is known now, not after the run
  const bad = checkOutputs({ '--sarif': values.sarif as string | undefined, '--junit': values.junit as string | undefined }, { '--smt2': values.smt2 as string | undefined });
  if (bad) throw new UsageError(bad);

  const json = Boolean(values.json);
  if (values.watch && (json || values.shard !== undefined)) throw new UsageError('--watch prints text as it goes: it does not combine with --json or --shard');
  let pairs = selectPairs(root, positionals);
  const filter = values.filter as string[] | undefined;
  const version = await SolverPool.solverVersion();
  if (!json) console.log(`pushbutton verify · ${version} · rlimit ${rlimit} per goal, wall-clock net ${timeoutMs} ms · ${jobs} worker${jobs === 1 ? '' : 's'}`);
  // (PUSHBUTTON_CACHE=off: the test suite's runs of the command, which must each solve what they test)
  const progress = json || values.quiet ? undefined : new Progress();
  const cache = values['no-cache'] || process.env.PUSHBUTTON_CACHE === 'off' ? undefined : new ProofCache(path.resolve(root, (values.cache as string | undefined) ?? DEFAULT_CACHE), { solver: version, options: { rlimit } });
  const runner = new Runner(root, {
    filter,
    timeoutMs,
    rlimit,
    jobs,
    cache,
    failFast: Boolean(values['fail-fast']),
    shard,
    onStart: progress ? (s, n) => progress.start(s, n) : undefined,
    onOperation: progress ? (s, op) => progress.operation(s, op) : undefined,
    smt2Dir: values.smt2 ? path.resolve(values.smt2 as string) : undefined,
  });
  if (!values.watch) {
    try {
      return await once();
    } finally {
      await runner.close();
    }
  }
  // --watch: the runner (its solver workers) and the cache stay; each change is a new run
  // (and what the programs read outside the root: the record the proof cache checks)
  const watcher = watchProject(root, () => runner.sources, [values.sarif, values.junit].filter((f): f is string => typeof f === 'string'));
  const stop = async () => {
    watcher.close();
    await runner.close();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (;;) {
    await once();
    console.log('watching for changes (Ctrl-C to stop)');
    const files = await watcher.next();
    console.log(`\nchanged: ${files.join(', ')}`);
    try {
      pairs = selectPairs(root, positionals);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`verify: ${e.message}`);
      pairs = [];
    }
  }

  /** One run over the selected subsystems, reported; its exit code. */
  async function once(): Promise<number> {
    const t0 = performance.now();
    if (cache) cache.hits = { goals: 0, subsystems: 0 };
    const outcomes: SubsystemOutcome[] = [];
    for (const pair of pairs) {
      const o = await runner.verify(pair);
      outcomes.push(o);
      progress?.clear();
      if (!json) console.log(subsystemText(o, process.cwd()));
    }
    const wall = performance.now() - t0;
    // (with --shard, theorems left to other shards count too: the filter did select them)
    const selected = outcomes.flatMap((o) => o.operations).length + outcomes.reduce((a, o) => a + (o.shard?.elsewhere ?? 0), 0);
    if (filter && selected === 0 && outcomes.every((o) => o.status !== 'rejected')) {
      const msg = `--filter ${filter.join(' ')} selects no operation`;
      if (json) console.log(jsonText({ schemaVersion: JSON_SCHEMA_VERSION, tool: 'pushbutton', command: 'verify', error: msg, exitCode: 2 }));
      else console.error(`verify: ${msg}`);
      return 2;
    }
    for (const n of cache?.notices ?? []) console.error(`verify: notice: ${n}`);
    const code = exitCode(outcomes);
    const failed = [
      values.sarif ? writeOutput('--sarif', values.sarif as string, jsonText(sarifDocument(outcomes, version, process.cwd()))) : undefined,
      values.junit ? writeOutput('--junit', values.junit as string, junitDocument(outcomes, { wallMs: wall })) : undefined,
    ].filter((x) => x !== undefined);
    // the sources as they were verified, the files the programs read included (verify merge
    // refuses shards of different checkouts)
    const sources = json ? sourcesHash(root, runner.sources) : '';
    const meta = { toolVersion: toolVersion(), toolBuild: toolBuild(), solver: version, options: { timeoutMs, rlimit, jobs, filter: filter ?? [], failFast: Boolean(values['fail-fast']) }, selection: positionals, root, sources, shard: shard ?? null, merged: null, wallMs: Math.round(wall) };
    if (json) console.log(jsonText(jsonDocument(outcomes, meta)));
    else {
      console.log(summaryText(outcomes, wall));
      if (cache && (cache.hits.goals || cache.hits.subsystems)) console.log(`         from the proof cache (${path.relative(process.cwd(), cache.dir) || '.'}): ${cache.hits.subsystems} subsystem${cache.hits.subsystems === 1 ? '' : 's'} whole, ${cache.hits.goals} goal${cache.hits.goals === 1 ? '' : 's'}`);
      if (shard) console.log(`         shard ${shard.index}/${shard.count}: ${outcomes.reduce((a, o) => a + (o.shard?.elsewhere ?? 0), 0)} theorems left to the other shards; verify merge their --json documents for the whole run`);
    }
    for (const f of failed) console.error(`verify: ${f}`);
    return failed.length ? 2 : code;
  }
}

/** The subsystems a run verifies: every one of the project, or those the selection names. */
function selectPairs(root: string, positionals: string[]): Pair[] {
  const all = discover(root);
  let pairs: Pair[];
  if (positionals.length === 0) {
    pairs = all;
    const orphans = orphanSpecs(root, all);
    if (orphans.length) throw new UsageError(orphans.map((f) => `${path.relative(root, f)} has no implementation (expected ${path.basename(f) === 'spec.ts' ? path.join(path.relative(root, path.dirname(f)), 'impl.ts') : path.join('impl', path.basename(f))})`).join('\n        '));
  } else {
    pairs = [];
    for (const sel of positionals) {
      const found = select(root, all, sel);
      if (found.length === 0) throw new UsageError(`'${sel}' matches no subsystem (looked for spec/${sel}.ts with impl/${sel}.ts, examples/${sel}/, and a path)${all.length ? `; known: ${all.map((p) => p.name).join(', ')}` : ''}`);
      pairs.push(...found.filter((p) => !pairs.some((q) => q.implFile === p.implFile)));
    }
  }
  if (pairs.length === 0) throw new UsageError(`no subsystems found under ${root} (expected spec/NAME.ts with impl/NAME.ts, or examples/NAME/spec.ts with impl.ts)`);

  return pairs;
}
