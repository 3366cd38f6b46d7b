// Shrinks a failing generated program by hand (not part of the test run): removes lines and
// brace-balanced blocks from both printings in step, keeping a removal when the oracle still
// reports the same kind of problem. For /work/notes/fuzz-findings.md.
//
//   npx tsx test/fuzz/minimize.ts SEED [what]      (what: result, final-state, missed-error, ...)
//   npx tsx test/fuzz/minimize.ts --pair FILE.ts FILE.ins.ts [what]

import * as fs from 'node:fs';
import { generate } from './generator.ts';
import { checkBatch, newStats, type Case } from './oracle.ts';

/** The instrumented printing has one more import line than the source; line k of the source is line k+1 there. */
const OFFSET = 1;

let inputSeed = 7;
function fails(src: string[], ins: string[], what: string | undefined): string | undefined {
  const c: Case = { id: 'min', source: src.join('\n'), instrumented: ins.join('\n') };
  const ps = checkBatch([c], { inputs: 40, seedOf: () => inputSeed }, newStats());
  // `what` is a problem kind, optionally with a text its detail must contain: `internal:bound variable`
  const [kind, text] = (what ?? '').split(/:(.*)/s);
  const p = ps.find((x) => (!kind || x.what === kind) && (!text || x.detail.includes(text)));
  return p && `${p.what}: ${p.detail}`;
}

/** The index of the line closing the block opened at line i, if line i opens one. */
function blockEnd(lines: string[], i: number): number | undefined {
  if (!lines[i].trimEnd().endsWith('{')) return undefined;
  let depth = 0;
  for (let j = i; j < lines.length; j++) {
    for (const ch of lines[j]) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (depth === 0) return j;
    if (depth < 0) return undefined;
  }
  return undefined;
}

export function minimize(source: string, instrumented: string, what?: string): { source: string; why: string } {
  let src = source.split('\n'), ins = instrumented.split('\n');
  let why = fails(src, ins, what);
  if (!why) throw new Error('the program does not fail');
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = src.length - 1; i >= 2; i--) {
      // removing a return would make the real run return undefined: another program
      if (src[i] === undefined || src[i].startsWith('import ') || /^\s*return\b/.test(src[i])) continue;
      // a block with its closing line, or one line (not a lone closing brace)
      const end = blockEnd(src, i) ?? (/^\s*[}]/.test(src[i]) ? undefined : i);
      if (end === undefined) continue;
      const s2 = [...src.slice(0, i), ...src.slice(end + 1)];
      const i2 = [...ins.slice(0, i + OFFSET), ...ins.slice(end + 1 + OFFSET)];
      const w = fails(s2, i2, what);
      if (w) {
        src = s2;
        ins = i2;
        why = w;
        changed = true;
      }
    }
  }
  return { source: src.join('\n'), why };
}

if (process.argv[1]?.endsWith('minimize.ts')) {
  const [a, b, c, d] = process.argv.slice(2);
  let source: string, instrumented: string, what: string | undefined;
  if (a === '--pair') {
    source = fs.readFileSync(b, 'utf8');
    instrumented = fs.readFileSync(c, 'utf8');
    what = d;
  } else {
    const g = generate(Number(a));
    inputSeed = Number(a);
    source = g.source;
    instrumented = g.instrumented;
    what = b;
  }
  const out = minimize(source, instrumented, what);
  console.log(out.source);
  console.log(`\n// ${out.why.split('\n').join('\n// ')}`);
}
