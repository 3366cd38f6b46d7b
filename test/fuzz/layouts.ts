// Random project layouts for the run-resolution differential test (test/resolution-fuzz.test.ts):
// an importing module, impl/t.ts, re-exports `K` from one specifier; the files that specifier
// could reach (TypeScript, JavaScript, folders with an index or a package.json, a `paths` alias,
// `baseUrl`, a URL-encoded name) each export a K of their own, so the real run's output names the
// file it loaded. Which of them exist, the project's module type and its tsconfig are drawn at
// random from a seed.

import { Rand } from './shape.ts';

export interface Layout {
  /** path (relative to the root) -> text */
  files: Record<string, string>;
  /** the K each candidate file exports, by its path */
  marks: Record<string, number>;
  spec: string;
  describe: string;
}

/** Each specifier, with the files it could reach (the others are drawn too, rarely). */
const SPECS: Record<string, string[]> = {
  './h': ['impl/h.ts', 'impl/h.js', 'impl/h.mjs', 'impl/h.cjs', 'impl/h.mts', 'impl/h.cts', 'impl/h.tsx', 'impl/h/index.ts', 'impl/h/index.js', 'impl/h/main.ts', 'impl/h/main.js'],
  './h.js': ['impl/h.ts', 'impl/h.js', 'impl/h.tsx', 'impl/h.mts'],
  './h.ts': ['impl/h.ts', 'impl/h.js'],
  './h/index': ['impl/h/index.ts', 'impl/h/index.js'],
  './h/index.js': ['impl/h/index.ts', 'impl/h/index.js'],
  '@a/h': ['alias/h.ts', 'alias/h.js', 'lib/h.ts', 'lib/h.js'],
  'lib/h': ['lib/h.ts', 'lib/h.js'],
  './h%41.ts': ['impl/hA.ts', 'impl/h%41.ts'],
  './h%41': ['impl/hA.ts', 'impl/h%41.ts', 'impl/hA.js'],
};

/** Every file some specifier above could load. */
const CANDIDATES = [...new Set(Object.values(SPECS).flat())];

export function layout(seed: number): Layout {
  const rand = new Rand(seed);
  const r = () => rand.next();
  const pick = <T>(xs: T[]): T => rand.pick(xs);
  const esm = r() < 0.5;
  const spec = pick(Object.keys(SPECS));
  const files: Record<string, string> = {};
  const marks: Record<string, number> = {};
  let n = 1;
  for (const f of CANDIDATES) {
    if (r() >= (SPECS[spec].includes(f) ? 0.6 : 0.15)) continue;
    const k = n++;
    marks[f] = k;
    const cjsText = `exports.K = ${k};\n`;
    const esmText = `export const K = ${k};\n`;
    // a .js file's syntax must suit the module type the run gives it; .mjs is always ESM, .cjs CommonJS
    files[f] = f.endsWith('.cjs') || (f.endsWith('.js') && !esm) ? cjsText : esmText;
  }
  if (files['impl/h/main.ts'] || files['impl/h/main.js']) {
    const main = pick(['./main.js', './main.ts', './main']);
    files['impl/h/package.json'] = JSON.stringify(r() < 0.5 ? { main } : { main, types: './main.ts' });
  }
  const moduleResolution = pick(['Bundler', 'Bundler', 'node16', 'node10']);
  const options: Record<string, unknown> = {
    target: 'ES2022',
    module: moduleResolution === 'node16' ? 'Node16' : moduleResolution === 'node10' ? 'CommonJS' : 'ESNext',
    moduleResolution,
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    ignoreDeprecations: '6.0',
  };
  if (r() < (spec === '@a/h' ? 0.9 : 0.2)) options.paths = { '@a/*': pick([['./alias/*'], ['./alias/*', './lib/*'], ['./lib/*', './alias/*']]) };
  if (r() < (spec === 'lib/h' ? 0.8 : 0.3)) options.baseUrl = '.';
  if (r() < 0.3) options.allowJs = true;
  files['tsconfig.json'] = JSON.stringify({ compilerOptions: options });
  files['package.json'] = JSON.stringify(esm ? { type: 'module' } : { type: 'commonjs' });
  files['impl/t.ts'] = `export { K } from '${spec}';\n`;
  files['run.ts'] = `import { K } from './impl/t.ts';\nconsole.log(JSON.stringify(K));\n`;
  const describe = `seed ${seed}: ${esm ? 'ESM' : 'CommonJS'}, ${moduleResolution}, import '${spec}', files ${Object.keys(marks).join(' ')}${options.paths ? `, paths ${JSON.stringify(options.paths)}` : ''}${options.baseUrl ? ', baseUrl .' : ''}${options.allowJs ? ', allowJs' : ''}${files['impl/h/package.json'] ? `, h/package.json ${files['impl/h/package.json']}` : ''}`;
  return { files, marks, spec, describe };
}
