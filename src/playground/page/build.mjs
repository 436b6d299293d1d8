// Bundles the playground page (React + @ballast/client/react) into dist/playground at build
// time, so the server serves plain files and the browser fetches nothing from elsewhere.
// Runs after `nest build` (which empties dist/): see the build, start and pretest scripts.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const page = dirname(fileURLToPath(import.meta.url));
const root = join(page, '..', '..', '..');
const out = join(root, 'dist', 'playground');
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { playground: join(page, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['chrome115', 'firefox115', 'safari16'],
  tsconfig: join(root, 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
