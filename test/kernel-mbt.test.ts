// Model-based test of the kernel (verifier/mbt.ts): random handler sequences from init, run on the
// spec and on the implementation as plain TypeScript; after every step the results must be equal
// and `equiv` must hold, and every spec and implementation invariant must hold at the end of a
// sequence (after every step in the scripted lifecycle). At Hyperkernel's sizes a state holds 3 x 8192 x 512 page
// entries: init takes about a second and equiv about 0.1 s, so the random runs are few and short. Arguments are drawn mostly from
// the valid ranges (plus a few out-of-range values) so that sequences get deep: clone, build page
// tables, open and share files, kill, tear down, reap.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as spec from '../spec/kernel.ts';
import * as impl from '../impl/kernel.ts';
import { checkModel, runModel, type Model } from '../verifier/mbt.ts';

type Step = { op: string; args: (number | string)[] };

const mostly = (lo: number, hi: number) => fc.oneof({ arbitrary: fc.integer({ min: lo, max: hi }), weight: 9 }, { arbitrary: fc.constantFrom(-1, hi + 1), weight: 1 });
const pid = mostly(1, spec.NPROC - 1);
const pn = mostly(3, spec.NPAGE - 1);
const idx = mostly(0, spec.NPTE - 1);
const fd = mostly(0, spec.NOFILE - 1);
const fn = mostly(1, spec.NFILE - 1);
const perm = fc.constantFrom(1, 3, 1, 3, 0, 2);
const ftype = fc.constantFrom('none', 'pipe', 'inode', 'socket');
const small = fc.integer({ min: 0, max: 5 });

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(pid, pn, pn, pn).map((a) => ({ op: 'clone', args: a })),
  pid.map((a) => ({ op: 'set_runnable', args: [a] })),
  pid.map((a) => ({ op: 'switch_to', args: [a] })),
  pid.map((a) => ({ op: 'kill', args: [a] })),
  pid.map((a) => ({ op: 'reap', args: [a] })),
  pid.map((a) => ({ op: 'reparent', args: [a] })),
  ...['alloc_pdpt', 'alloc_pd', 'alloc_pt', 'alloc_frame'].map((op) => fc.tuple(pid, pn, idx, pn, perm).map((a) => ({ op, args: a }))),
  ...['free_pdpt', 'free_pd', 'free_pt', 'free_frame'].map((op) => fc.tuple(pn, idx, pn).map((a) => ({ op, args: a }))),
  pn.map((a) => ({ op: 'reclaim_page', args: [a] })),
  fc.tuple(pn, pid, pn).map((a) => ({ op: 'copy_frame', args: a })),
  fc.tuple(pn, idx, pn, perm).map((a) => ({ op: 'protect_frame', args: a })),
  fc.tuple(fd, fn, ftype, small, small).map((a) => ({ op: 'create', args: a })),
  fc.tuple(pid, fd).map((a) => ({ op: 'close', args: a })),
  fc.tuple(fd, pid, fd).map((a) => ({ op: 'dup', args: a })),
  fc.tuple(fd, pid, fd).map((a) => ({ op: 'dup2', args: a })),
  fc.tuple(fd, fc.integer({ min: -1, max: 100 })).map((a) => ({ op: 'lseek', args: a })),
);

/** A step whose arguments are picked from the spec state when it runs, so that handlers succeed often. */
type Guided = { op: string; seeds: number[] };
const guided: fc.Arbitrary<Guided> = fc.record({
  op: fc.constantFrom('clone', 'set_runnable', 'switch_to', 'kill', 'reap', 'reparent', 'alloc_pdpt', 'alloc_pd', 'alloc_pt', 'alloc_frame', 'free_pdpt', 'free_pd', 'free_pt', 'free_frame', 'reclaim_page', 'copy_frame', 'protect_frame', 'create', 'close', 'dup', 'dup2', 'lseek'),
  seeds: fc.array(fc.nat(1000), { minLength: 6, maxLength: 6 }),
});

const pick = <T,>(xs: T[], seed: number, dflt: T): T => (xs.length ? xs[seed % xs.length] : dflt);
const range = (n: number) => Array.from({ length: n }, (_, k) => k);

function concretize(s: spec.State, g: Guided): Step {
  const [a, b, c, d, e, f] = g.seeds;
  const procs = range(spec.NPROC).filter((p) => p > 0);
  const free = range(spec.NPAGE).filter((x) => s.pages[x].type === 'free');
  const ofType = (t: spec.PageType, o: number) => range(spec.NPAGE).filter((x) => s.pages[x].type === t && s.pages[x].owner === o);
  const cur = s.current;
  const parentOf: Record<string, spec.PageType> = { alloc_pdpt: 'pml4', alloc_pd: 'pdpt', alloc_pt: 'pd', alloc_frame: 'pt', free_pdpt: 'pml4', free_pd: 'pdpt', free_pt: 'pd', free_frame: 'pt' };
  const openFds = (p: number) => range(spec.NOFILE).filter((x) => s.procs[p].ofile[x] !== 0);
  switch (g.op) {
    case 'clone': return { op: g.op, args: [pick(procs, a, 1), pick(free, b, 0), pick(free, c, 0), pick(free, d, 0)] };
    case 'alloc_pdpt': case 'alloc_pd': case 'alloc_pt': case 'alloc_frame': {
      const children = procs.filter((p) => s.procs[p].ppid === cur && s.procs[p].state === 'embryo');
      const pid = a % 3 === 0 ? pick(children, b, cur) : cur;
      return { op: g.op, args: [pid, pick(ofType(parentOf[g.op], pid), c, 0), d % spec.NPTE, pick(free, e, 0), f % 2 === 0 ? 3 : 1] };
    }
    case 'free_pdpt': case 'free_pd': case 'free_pt': case 'free_frame': case 'protect_frame': {
      const from = pick(ofType(g.op === 'protect_frame' ? 'pt' : parentOf[g.op], cur), a, 0);
      const present = range(spec.NPTE).filter((x) => s.pages[from].pte_perm[x] !== 0);
      const i = pick(present, b, 0);
      const to = s.pages[from].pte_pn[i];
      return { op: g.op, args: g.op === 'protect_frame' ? [from, i, to, c % 2 === 0 ? 1 : 3] : [from, i, to] };
    }
    case 'reclaim_page': return { op: g.op, args: [pick(range(spec.NPAGE).filter((x) => s.procs[s.pages[x].owner].state === 'zombie' && s.pages[x].type !== 'free'), a, 0)] };
    case 'copy_frame': return { op: g.op, args: [pick(ofType('frame', cur), a, 0), cur, pick(ofType('frame', cur), b, 0)] };
    case 'create': return { op: g.op, args: [a % spec.NOFILE, 1 + (b % (spec.NFILE - 1)), ['pipe', 'inode', 'socket'][c % 3], d, e] };
    case 'close': { const p = a % 2 === 0 ? cur : pick(procs, b, cur); return { op: g.op, args: [p, pick(openFds(p), c, 0)] }; }
    case 'dup': case 'dup2': return { op: g.op, args: [pick(openFds(cur), a, 0), a % 3 === 0 ? pick(procs, b, cur) : cur, c % spec.NOFILE] };
    case 'lseek': return { op: g.op, args: [pick(openFds(cur), a, 0), b] };
    default: return { op: g.op, args: [pick(procs, a, 1)] };
  }
}

// the pair as verifier/mbt.ts runs it: results compared and equiv checked after every step; the
// invariants only at the end of a random sequence (each check walks the whole state, seconds at
// these sizes), after every step in the scripted lifecycle
const model: Model<Step | Guided> = { spec, impl, concretize: (x, s) => ('seeds' in x ? concretize(s as spec.State, x) : x), invariants: 'end' };

describe('kernel model-based test', () => {
  it('spec and implementation agree on random handler sequences', () => {
    const done = checkModel(model, fc.array(fc.oneof({ arbitrary: guided, weight: 4 }, { arbitrary: step, weight: 1 }), { minLength: 40, maxLength: 60, size: 'max' }), { numRuns: 8, seed: 42 });
    // the sequences reach success for many handlers, not only their error paths (the scripted
    // lifecycle below reaches the teardown handlers, which short random runs rarely get to)
    const succeeded = new Set(done.filter((r) => r.result === 0).map((r) => r.op));
    expect(succeeded.size).toBeGreaterThanOrEqual(12);
  }, 300_000);

  it('a scripted lifecycle: clone, page tables, files, kill, teardown, reap', () => {
    const steps: Step[] = [
      { op: 'clone', args: [2, 3, 4, 5] },
      { op: 'alloc_pdpt', args: [2, 3, 0, 6, 3] },
      { op: 'alloc_pd', args: [2, 6, 1, 7, 3] },
      { op: 'alloc_pt', args: [2, 7, 2, 8, 3] },
      { op: 'alloc_frame', args: [2, 8, 3, 9, 3] },
      { op: 'create', args: [0, 1, 'inode', 7, 1] },
      { op: 'dup', args: [0, 2, 1] },
      { op: 'lseek', args: [0, 42] },
      { op: 'set_runnable', args: [2] },
      { op: 'switch_to', args: [2] },
      { op: 'protect_frame', args: [8, 3, 9, 1] },
      { op: 'free_frame', args: [8, 3, 9] },
      { op: 'kill', args: [2] },
      { op: 'switch_to', args: [1] },
      { op: 'close', args: [2, 1] },
      { op: 'reclaim_page', args: [3] },
      { op: 'reclaim_page', args: [4] },
      { op: 'reclaim_page', args: [5] },
      { op: 'reclaim_page', args: [6] },
      { op: 'reclaim_page', args: [7] },
      { op: 'reclaim_page', args: [8] },
      { op: 'reap', args: [2] },
    ];
    const ok = runModel({ ...model, invariants: 'every-step' }, steps).filter((r) => r.result === 0).length;
    expect(ok).toBeGreaterThan(15);
  }, 120_000);
});
