// Model-based test of the POSIX-like model (docs/posix.md; verifier/mbt.ts runs it): random
// sequences of the 18 operations from init, run as plain TypeScript on the spec and on both implementations (impl/posix.naive.ts,
// impl/posix.scalable.ts). The spec leaves choices open (choose: the inode of a creating open, the
// descriptor of an O_ANYFD open or pipe, the pipe, the page of a non-fixed mmap) and the two
// implementations choose differently (the naive one the lowest; the scalable one by core: the
// highest or the lowest descriptor, its core's inode partition and pipe); so each implementation
// has its own copy of the spec state, and at every step the spec's choices are steered to the
// implementation's: some choice of the spec must give the implementation's result and a state
// related by `equiv`. Every spec and implementation invariant is checked after every step. Each
// random step runs on core 0 or 1 (what the prelude's cpu() answers): the scalable
// implementation's per-core link counts and allocation preferences take both routes.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as spec from '../spec/posix.ts';
import * as naive from '../impl/posix.naive.ts';
import * as scalable from '../impl/posix.scalable.ts';
import { checkModel, runModel, type Model, type Step, type StepRecord } from '../verifier/mbt.ts';

// each implementation with its own copy of the spec state, every invariant checked after every step
const model: Model = {
  spec,
  impl: [
    { name: 'naive', module: naive },
    { name: 'scalable', module: scalable },
  ],
};

// ---- arguments: mostly valid, sometimes out of range --------------------------------------------

const mostly = (lo: number, hi: number) => fc.oneof({ arbitrary: fc.integer({ min: lo, max: hi }), weight: 9 }, { arbitrary: fc.constantFrom(lo - 1, hi + 1), weight: 1 });
const pid = mostly(0, spec.NPROC - 1);
const fd = mostly(0, spec.NFD - 1);
const va = mostly(0, spec.NVA - 1);
const off = fc.integer({ min: -1, max: spec.MAXOFF + 1 });
const page = mostly(0, spec.NPAGE - 1);
// three names, and now and then one outside the name space (ENAMETOOLONG)
const name = mostly(0, 2).map((n) => (n > 2 ? spec.NNAME : n));
const data = fc.integer({ min: 0, max: 5 });
const bool = fc.boolean();
const whence = fc.constantFrom('set', 'cur', 'end');

const call: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.tuple(pid, name, fc.boolean(), fc.boolean(), fc.boolean(), bool).map((a) => ({ op: 'open', args: a })), weight: 4 },
  fc.tuple(name, name).map((a) => ({ op: 'link', args: a })),
  fc.tuple(name).map((a) => ({ op: 'unlink', args: a })),
  fc.tuple(name, name).map((a) => ({ op: 'rename', args: a })),
  fc.tuple(name).map((a) => ({ op: 'stat', args: a })),
  fc.tuple(pid, fd).map((a) => ({ op: 'fstat', args: a })),
  fc.tuple(pid, fd, off, whence).map((a) => ({ op: 'lseek', args: a })),
  { arbitrary: fc.tuple(pid, fd).map((a) => ({ op: 'close', args: a })), weight: 2 },
  { arbitrary: fc.tuple(pid, bool).map((a) => ({ op: 'pipe', args: a })), weight: 2 },
  { arbitrary: fc.tuple(pid, fd).map((a) => ({ op: 'read', args: a })), weight: 2 },
  { arbitrary: fc.tuple(pid, fd, data).map((a) => ({ op: 'write', args: a })), weight: 3 },
  fc.tuple(pid, fd, off).map((a) => ({ op: 'pread', args: a })),
  { arbitrary: fc.tuple(pid, fd, off, data).map((a) => ({ op: 'pwrite', args: a })), weight: 2 },
  { arbitrary: fc.tuple(pid, bool, bool, bool, va, fd, page).map((a) => ({ op: 'mmap', args: a })), weight: 3 },
  fc.tuple(pid, va).map((a) => ({ op: 'munmap', args: a })),
  fc.tuple(pid, va, bool).map((a) => ({ op: 'mprotect', args: a })),
  { arbitrary: fc.tuple(pid, va).map((a) => ({ op: 'memread', args: a })), weight: 2 },
  { arbitrary: fc.tuple(pid, va, data).map((a) => ({ op: 'memwrite', args: a })), weight: 2 },
);
const step: fc.Arbitrary<Step> = fc.tuple(call, fc.integer({ min: 0, max: 1 })).map(([c, core]) => ({ ...c, core }));

/** A step that succeeded: a result of 0 or more, or no error and no signal (the naive implementation's result). */
function succeeded(r: StepRecord): boolean {
  const x = r.result as { r?: number; sig?: string } | number | string;
  return typeof x === 'number' ? x >= 0 : typeof x === 'string' ? x === 'none' : (x.r ?? 0) >= 0 && x.sig !== 'segv' && x.sig !== 'bus';
}

describe('posix model-based test', () => {
  it('spec and both implementations agree on random sequences of the 18 operations', () => {
    const done = checkModel(model, fc.array(step, { minLength: 20, maxLength: 60 }), { numRuns: 400, seed: 7 });
    // every operation succeeds in some sequence, not only its error paths
    const ok = new Set(done.filter(succeeded).map((r) => r.op));
    expect([...ok].sort()).toEqual(['close', 'fstat', 'link', 'lseek', 'memread', 'memwrite', 'mmap', 'mprotect', 'munmap', 'open', 'pipe', 'pread', 'pwrite', 'read', 'rename', 'stat', 'unlink', 'write'].sort());
  }, 120_000);

  it('a scripted scenario: files, hard links, unlink while open, pipes, mappings, teardown', () => {
    const steps: Step[] = [
      { op: 'open', args: [0, 0, true, true, false, false] }, // fd 0, a new inode
      { op: 'write', args: [0, 0, 7] },
      { op: 'write', args: [0, 0, 8] },
      { op: 'write', args: [0, 0, 9] }, // EFBIG: NPAGE pages
      { op: 'pwrite', args: [0, 0, 0, 6] }, // rewrites page 0; the length stays 2
      { op: 'link', args: [0, 1] },
      { op: 'stat', args: [1] }, // nlink 2, size 2
      { op: 'lseek', args: [0, 0, 0, 'set'] },
      { op: 'read', args: [0, 0] }, // 7
      { op: 'pread', args: [0, 0, 1] }, // 8
      { op: 'pread', args: [0, 0, 2] }, // end of file
      { op: 'mmap', args: [1, true, true, false, 0, -1, 0] }, // anonymous, any page
      { op: 'open', args: [1, 1, false, false, false, false] }, // fd 0 of pid 1
      { op: 'open', args: [1, 1, false, false, false, true] }, // O_ANYFD: fd 1 (naive) or fd 2 (scalable, on core 0)
      { op: 'mmap', args: [1, false, true, true, 2, 0, 1] }, // page 1 of a at va 2
      { op: 'memwrite', args: [1, 2, 5] },
      { op: 'pread', args: [0, 0, 1] }, // 5
      { op: 'rename', args: [0, 2] },
      { op: 'unlink', args: [1] },
      { op: 'unlink', args: [2] }, // no name left; still open and mapped
      { op: 'fstat', args: [0, 0] }, // nlink 0
      { op: 'pipe', args: [0, false] },
      { op: 'write', args: [0, 2, 3] },
      { op: 'write', args: [0, 2, 4] },
      { op: 'write', args: [0, 2, 5] }, // EAGAIN: full
      { op: 'read', args: [0, 1] }, // 3
      { op: 'close', args: [0, 2] }, // the write end
      { op: 'read', args: [0, 1] }, // 4
      { op: 'read', args: [0, 1] }, // end of file: no writer
      { op: 'close', args: [0, 1] },
      { op: 'close', args: [0, 0] },
      { op: 'munmap', args: [1, 2] },
      { op: 'close', args: [1, 0] },
      { op: 'close', args: [1, 1] }, // EBADF for the scalable implementation
      { op: 'close', args: [1, 2] }, // EBADF for the naive implementation
      { op: 'memread', args: [1, 0] },
      { op: 'munmap', args: [1, 0] },
      { op: 'munmap', args: [1, 1] },
      { op: 'munmap', args: [1, 2] },
    ];
    expect(runModel(model, steps).filter(succeeded).length).toBeGreaterThan(25);
  });
});
