// Finds the subsystems of a project: `spec/NAME.ts` + `impl/NAME[.VARIANT].ts`, and
// `examples/NAME/spec.ts` + `examples/NAME/impl[.VARIANT].ts`.

import * as path from 'node:path';
import { isFolder, listFolder, present, readSource } from './frontend/files.ts';

export interface Pair {
  name: string;
  specFile: string;
  implFile: string;
}

// Names only: a spec.ts that is a folder, a FIFO or a link loop is still listed, so that loading
// it reports it (files.ts), instead of a project-wide run turning green without it.
function tsFiles(dir: string): string[] {
  return listFolder(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')).sort();
}

/** Implementations `<base>.ts` and `<base>.<variant>.ts` in `dir`, named `<name>` and `<name>.<variant>`. */
function implsIn(dir: string, base: string, name: string): { name: string; file: string }[] {
  return tsFiles(dir)
    .filter((f) => f === `${base}.ts` || (f.startsWith(`${base}.`) && f.split('.').length === 3))
    .map((f) => ({ name: f === `${base}.ts` ? name : `${name}.${f.split('.')[1]}`, file: path.join(dir, f) }));
}

export function discover(root: string): Pair[] {
  const pairs: Pair[] = [];
  for (const f of tsFiles(path.join(root, 'spec'))) {
    const name = f.replace(/\.ts$/, '');
    if (name.includes('.')) continue;
    for (const impl of implsIn(path.join(root, 'impl'), name, name)) pairs.push({ name: impl.name, specFile: path.join(root, 'spec', f), implFile: impl.file });
  }
  const ex = path.join(root, 'examples');
  for (const d of listFolder(ex).sort()) {
    const dir = path.join(ex, d);
    const spec = path.join(dir, 'spec.ts');
    if (!present(spec)) continue;
    for (const impl of implsIn(dir, 'impl', d)) pairs.push({ name: impl.name, specFile: spec, implFile: impl.file });
  }
  return pairs;
}

/**
 * Spec modules (they export a State) with no implementation beside them: a project-wide run must
 * not turn green by skipping them. Helper modules in spec/ (no State) are not specs.
 */
export function orphanSpecs(root: string, pairs: Pair[]): string[] {
  const specs = tsFiles(path.join(root, 'spec')).filter((f) => !f.replace(/\.ts$/, '').includes('.')).map((f) => path.join(root, 'spec', f));
  const ex = path.join(root, 'examples');
  for (const d of listFolder(ex).sort()) if (present(path.join(ex, d, 'spec.ts'))) specs.push(path.join(ex, d, 'spec.ts'));
  // readSource: never opens a FIFO (it would block); what cannot be read is no spec to pair
  return specs.filter((f) => !pairs.some((p) => p.specFile === f) && /^\s*export\s+(interface|type)\s+State\b/m.test(readSource(f) ?? ''));
}

/**
 * Resolves one positional selector: a subsystem name (`posix.naive`; a spec's name, `gpuvm`,
 * selects every implementation of it: `gpuvm` and `gpuvm.pervm`), a directory
 * holding spec.ts and impl.ts, or an implementation file (its spec is found next to it, or in
 * `../spec/NAME.ts`, or in the nearest parent folder holding spec.ts, so a seeded-bug file such as
 * `examples/counter/bugs/overflow.ts` is checked against `examples/counter/spec.ts`).
 */
export function select(root: string, all: Pair[], selector: string): Pair[] {
  // the pair of that name and its variants (`gpuvm`: `gpuvm` and `gpuvm.pervm`)
  const byName = all.filter((p) => p.name === selector || p.name.startsWith(`${selector}.`));
  if (byName.length) return byName;
  const abs = path.resolve(root, selector);
  if (!present(abs)) return [];
  // an implementation file of a discovered pair keeps that pair's name (so goal ids stay the same)
  const known = all.filter((p) => p.implFile === abs);
  if (known.length) return known;
  if (isFolder(abs)) {
    const spec = path.join(abs, 'spec.ts');
    if (!present(spec)) return [];
    return implsIn(abs, 'impl', path.basename(abs)).map((i) => ({ name: i.name, specFile: spec, implFile: i.file }));
  }
  const base = path.basename(abs).replace(/\.ts$/, '');
  const candidates = [path.join(path.dirname(abs), '..', 'spec', `${base.split('.')[0]}.ts`)];
  for (let d = path.dirname(abs); d.length >= root.length && d !== path.dirname(d); d = path.dirname(d)) candidates.push(path.join(d, 'spec.ts'));
  const spec = candidates.find((c) => present(c) && path.resolve(c) !== abs);
  if (!spec) return [];
  // bugs/kernel.leak.ts against spec/kernel.ts is `kernel.leak`; examples/counter/bugs/wrong-errno.ts is `counter.wrong-errno`
  const subsystem = path.basename(path.dirname(spec)) === 'spec' ? base.split('.')[0] : path.basename(path.dirname(spec));
  return [{ name: base.startsWith(`${subsystem}.`) ? base : `${subsystem}.${base}`, specFile: path.resolve(spec), implFile: abs }];
}
