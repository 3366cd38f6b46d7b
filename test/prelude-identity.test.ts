// The prelude is known by what it is, not by its name (red-team round 7, t16): `'pushbutton'`
// mapped by the user's tsconfig `paths` to their own module, or a file of theirs named
// verifier/prelude.ts, got the prelude's meaning while the real run used their code.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject, isPreludeFile, PRELUDE_FILE } from '../verifier/frontend/project.ts';
import { loadSubsystem } from '../verifier/subsystem.ts';
import { SubsetError } from '../verifier/diagnostics.ts';

const SPEC = `import type { u8 } from 'pushbutton';
import { count } from 'pushbutton';
export interface State { a: u8; b: u8 }
export function init(): State { return { a: 0, b: 1 }; }
export function n(s: State): number { return count(2, (i) => (i === 0 ? s.a : s.b) === 1); }
`;
const IMPL = SPEC.replace("import type { u8 } from 'pushbutton';", "import type { u8 } from 'pushbutton';\nimport type * as spec from './spec';") + 'export function equiv(i: State, s: spec.State): boolean { return i.a === s.a && i.b === s.b; }\n';

let base: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'prelude-identity-'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function project(name: string, tsconfig?: object): string {
  const root = path.join(base, name);
  fs.mkdirSync(path.join(root, 'examples', 'f'), { recursive: true });
  fs.writeFileSync(path.join(root, 'examples', 'f', 'spec.ts'), SPEC);
  fs.writeFileSync(path.join(root, 'examples', 'f', 'impl.ts'), IMPL);
  if (tsconfig) fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
  return root;
}
const load = (root: string) => loadSubsystem(loadProject(root), 'f', path.join(root, 'examples', 'f', 'spec.ts'), path.join(root, 'examples', 'f', 'impl.ts'));

describe('the prelude, by identity', () => {
  it("rejects 'pushbutton' mapped by tsconfig paths to the user's module, at the import", () => {
    const root = project('paths', { compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true, allowImportingTsExtensions: true, noEmit: true, paths: { pushbutton: ['./mylib.ts'] } } });
    fs.writeFileSync(path.join(root, 'mylib.ts'), 'export type u8 = number;\nexport function count(n: number, f: (i: number) => boolean): number { let k = 0; for (let i = 0; i < n && f(i); i++) k++; return k; }\n');
    let err: unknown;
    try {
      load(root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SubsetError);
    const d = (err as SubsetError).diagnostics.find((x) => x.construct === "the import of 'pushbutton'");
    expect(d?.message).toContain(`resolves to ${path.join(root, 'mylib.ts')}, not to pushbutton's prelude`);
    expect(d?.loc.line).toBe(1); // the first import of it (type-only imports resolve the same way)
  });

  it('a project without a mapping gets the real prelude, and proves as before', () => {
    expect(load(project('plain')).operations.map((o) => o.name)).toEqual(['n']);
  });

  it('a file is the prelude by path, link or identical text, never by its name', () => {
    const own = path.join(base, 'own', 'verifier', 'prelude.ts');
    fs.mkdirSync(path.dirname(own), { recursive: true });
    fs.writeFileSync(own, fs.readFileSync(PRELUDE_FILE, 'utf8').replace('return k', 'return k + 0'));
    const copy = path.join(base, 'copy.ts');
    fs.copyFileSync(PRELUDE_FILE, copy);
    const link = path.join(base, 'link.ts');
    fs.symlinkSync(PRELUDE_FILE, link);
    expect([isPreludeFile(PRELUDE_FILE), isPreludeFile(copy), isPreludeFile(link), isPreludeFile(own)]).toEqual([true, true, true, false]);
  });
});
