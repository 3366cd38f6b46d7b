// `verify init NAME`: a commented starter in the current project, so that a newcomer edits a
// subsystem that already proves instead of typing one from the manual: spec/NAME.ts (a slot table
// with an open choice, `count` and `forall` invariants), impl/NAME.ts (another layout, a bounded
// loop, `equiv`), bugs/NAME.no-owner-check.ts (a seeded bug, refuted) and test/NAME.verify.test.ts
// (proofs and a model-based test in vitest: verifier/vitest.ts, verifier/mbt.ts), plus a
// tsconfig.json when the project has none. The texts are verifier/templates/*.tmpl;
// test/init.test.ts proves and refutes what they become.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));

/** Reserved words and the names a module-level declaration or the prelude already take. */
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private protected public static yield await'.split(' '),
);

/** `verify NAME` would run these commands instead of proving NAME. */
const COMMANDS = new Set(['init', 'rid', 'commute']);

/** Where each template goes, for subsystem `name`. */
function targets(name: string): { template: string; file: string }[] {
  return [
    { template: 'spec.ts.tmpl', file: path.join('spec', `${name}.ts`) },
    { template: 'impl.ts.tmpl', file: path.join('impl', `${name}.ts`) },
    { template: 'bug.ts.tmpl', file: path.join('bugs', `${name}.no-owner-check.ts`) },
    { template: 'test.ts.tmpl', file: path.join('test', `${name}.verify.test.ts`) },
  ];
}

/** Compiler options that match what the starter writes: extensionless imports, 'pushbutton' through package.json's exports. */
const TSCONFIG = `{
  // written by \`verify init\`: what the verifier assumes when a project has none
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "allowImportingTsExtensions": true,
    "skipLibCheck": true
  },
  "include": ["spec", "impl", "bugs", "test"]
}
`;

/** `verify init NAME [--root DIR]`; returns the exit code (0 written, 2 refused). */
export function initCommand(args: string[], root: string): number {
  if (args.length !== 1) {
    console.error('verify init: usage: verify init NAME   (NAME: the subsystem, an identifier such as counter or slot_table)');
    return 2;
  }
  const name = args[0];
  // the name is a file name and, in messages and ids, a subsystem name: an identifier keeps both
  // simple (no dots: NAME.VARIANT is an implementation variant; no slashes; no reserved words)
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || RESERVED.has(name) || COMMANDS.has(name)) {
    console.error(`verify init: '${name}' is not a valid name: write an identifier (letters, digits, _; not starting with a digit; not a reserved word, nor init, rid or commute), such as counter or slot_table`);
    return 2;
  }
  const plan = targets(name);
  const existing = plan.map((p) => p.file).filter((f) => exists(path.join(root, f)));
  if (existing.length) {
    console.error(`verify init: not overwriting what is there: ${existing.join(', ')}\n  choose another name, or move these away first`);
    return 2;
  }
  const written: string[] = [];
  for (const p of plan) {
    const text = fs.readFileSync(path.join(TEMPLATES, p.template), 'utf8').replaceAll('{{name}}', name);
    fs.mkdirSync(path.join(root, path.dirname(p.file)), { recursive: true });
    // 'wx': fails rather than overwrite, should the file appear after the check above
    fs.writeFileSync(path.join(root, p.file), text, { flag: 'wx' });
    written.push(p.file);
  }
  if (!exists(path.join(root, 'tsconfig.json'))) {
    fs.writeFileSync(path.join(root, 'tsconfig.json'), TSCONFIG, { flag: 'wx' });
    written.push('tsconfig.json');
  }
  const next = [
    [`npx verify ${name}`, 'prove it (exit 0)'],
    [`npx verify bugs/${name}.no-owner-check.ts`, 'the seeded bug, refuted with a counterexample (exit 1)'],
    [`npx vitest run test/${name}.verify.test.ts`, 'the same as tests, and a model-based test'],
    ['', '(npm install --save-dev vitest fast-check)'],
  ];
  const width = Math.max(...next.map(([c]) => c.length)) + 3;
  console.log(`wrote ${written.join(', ')}\n\nnext:\n${next.map(([c, what]) => `  ${c.padEnd(width)}${what}`).join('\n')}
then edit spec/${name}.ts and impl/${name}.ts; the manual is docs/writing-specs.md in pushbutton.`);
  return 0;
}

/** Anything at that path, a dangling link included (it must not be written through either). */
function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
