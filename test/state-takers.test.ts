// Which parameters TypeScript lets a spec's State be passed to (verifier/frontend/state-takers.ts):
// asked of TypeScript's checker, at the parameter or inside it, so that a form the lowered-type
// rule of subsystem.ts does not know is still refused as an unverified operation.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProject } from '../verifier/frontend/project.ts';
import { Lowering } from '../verifier/frontend/lower.ts';
import { loadSpec } from '../verifier/subsystem.ts';
import type { SubsetError } from '../verifier/diagnostics.ts';

const SOURCE = `import type { u8, u32, Arr } from 'pushbutton';
export type Mode = 'off' | 'on';
export interface Inner { a: u32; b: u32 }
export interface State { v: u32; mode: Mode; inner: Inner; cells: Arr<u8, 4> }
export function op(s: State, k: u32): u32 { return k; }
export function view(s: { inner: { a: u32 } }): u32 { return 0; }
export function wider(k: u32, s: { mode: 'off' | 'on' | 'idle' }): u32 { return k; }
export function deep(o: { c: { xs: Arr<State, 2> } }): u32 { return 0; }
export function narrower(s: { mode: 'on' }): u32 { return 0; }
export function scalar(k: u32, b: boolean): u32 { return k; }
export function part(i: Inner): u32 { return i.a; }
const M: number = 5;
// TypeScript reads Arr<u8, typeof M> as any length, the lowering as 5 (red-team round 13, y23)
export function typed(s: { cells: Arr<u8, typeof M> }): u32 { return 0; }
// at depth, and a type met deep first then shallow (red-team round 14, z01 z02 z19b)
export interface W { cells: Arr<u8, typeof M> }
export function deeper(p: { a: { b: { c: { d: { e: { f: W } } } } } }): u32 { return 0; }
export function seenDeepFirst(p: { a: { b: { c: { d: { e: W } } } }; z: W }): u32 { return 0; }
export function nested(p: Arr<Arr<Arr<W, 1>, 1>, 1>): u32 { return 0; }
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbutton-takers-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('stateTakers', () => {
  it('finds every parameter the State can be given to or held in, and no other', () => {
    fs.mkdirSync(path.join(root, 'spec'));
    const file = path.join(root, 'spec', 't.ts');
    fs.writeFileSync(file, SOURCE);
    const mod = new Lowering(loadProject(root)).lowerModule(file);
    // and loading the spec refuses each but the operation (subsystem.ts misplacedState)
    let refused: string[] = [];
    try {
      loadSpec(loadProject(root), file);
    } catch (e) {
      refused = (e as SubsetError).diagnostics.map((d) => d.construct);
    }
    expect(refused).toEqual(expect.arrayContaining(['the function view', 'the function wider', 'the function deep', 'the function typed', 'the function deeper', 'the function seenDeepFirst', 'the function nested']));
    expect(refused).not.toContain('the function op');
    expect(Object.fromEntries(mod.stateTakers ?? [])).toEqual({ op: [0], view: [0], wider: [1], deep: [0], typed: [0], deeper: [0], seenDeepFirst: [0], nested: [0] });
  });
});
