// Builds the package on its own: ESM and CJS with esbuild, declarations with tsc.
// eventsource-parser is bundled in (see README.md: the package has no runtime
// dependency, so it installs offline and in any bundler); React stays external.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

// The hook entry imports the client by the package's own name, so both entries share one
// BallastClient/BallastProblem at run time instead of each bundling a copy.
const common = {
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', react: 'src/react.ts' },
  bundle: true,
  external: ['react', '@ballast/client'],
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  tsconfigRaw: { compilerOptions: {} },
};
await Promise.all([
  build({ ...common, format: 'esm', outdir: join(dist, 'esm'), outExtension: { '.js': '.mjs' } }),
  build({ ...common, format: 'cjs', outdir: join(dist, 'cjs'), outExtension: { '.js': '.cjs' } }),
]);

const require = createRequire(import.meta.url);
const parserLicense = readFileSync(join(dirname(require.resolve('eventsource-parser/package.json')), 'LICENSE'), 'utf8');
writeFileSync(join(dist, 'THIRD_PARTY_NOTICES.md'), `# Bundled third-party code\n\n## eventsource-parser 3\n\n${parserLicense}`);

const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
