import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startTestUpstream, TestUpstream } from '../upstream';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PACKAGE = join(ROOT, 'libs', 'client');

/** Talks to the test upstream (OpenAI-compatible) through the installed package, streamed and not. */
const smoke = (load: string) => `${load}
const url = process.argv[2];
(async () => {
  const client = new BallastClient({ baseUrl: url, deadlineMs: 5000 });
  const messages = [{ role: 'user', content: 'echo:packed and working' }];
  const chat = await client.chat({ model: 'm', messages });
  const deltas = [];
  for await (const event of client.stream({ model: 'm', messages })) if (event.type === 'delta') deltas.push(event.text);
  process.stdout.write(JSON.stringify({ chat: chat.text, stream: deltas.join(''), problem: typeof BallastProblem, hook: typeof useBallastChat }));
})();
`;

describe('@ballast/client as a package of its own', () => {
  let upstream: TestUpstream;
  let scratch: string;
  let tarball: string;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    scratch = mkdtempSync(join(tmpdir(), 'ballast-client-scratch-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: PACKAGE });
    tarball = join(scratch, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
    const project = join(scratch, 'app');
    await run('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }));
    // Offline: the tarball has no dependencies to fetch (eventsource-parser is bundled in, React is an optional peer).
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
    // The app brings its own React, as an app using the hook would (linked, not downloaded).
    symlinkSync(dirname(require.resolve('react/package.json')), join(project, 'node_modules', 'react'), 'dir');
  }, 120_000);
  afterAll(async () => {
    await upstream.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const project = () => join(scratch, 'app');
  const baseUrl = () => new URL(upstream.url).origin;

  it('packs the built ESM, CJS and declaration files with no runtime dependency', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);

    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/esm/index.mjs',
        'package/dist/esm/react.mjs',
        'package/dist/cjs/index.cjs',
        'package/dist/cjs/react.cjs',
        'package/dist/types/index.d.ts',
        'package/dist/types/react.d.ts',
        'package/dist/THIRD_PARTY_NOTICES.md',
        'package/README.md',
      ]),
    );
    expect(files.filter((f) => f.startsWith('package/src/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project(), 'node_modules', '@ballast', 'client', 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta).toEqual({ react: { optional: true } });
  });

  it('is imported as ESM by a scratch project and works against an OpenAI-compatible server', async () => {
    writeFileSync(
      join(project(), 'esm.mjs'),
      smoke("import { BallastClient, BallastProblem } from '@ballast/client';\nimport { useBallastChat } from '@ballast/client/react';"),
    );

    const { stdout } = await run(process.execPath, ['esm.mjs', baseUrl()], { cwd: project() });

    expect(JSON.parse(stdout)).toEqual({ chat: 'packed and working', stream: 'packed and working', problem: 'function', hook: 'function' });
  });

  it('is required as CJS by a scratch project and works the same', async () => {
    writeFileSync(
      join(project(), 'cjs.cjs'),
      smoke(
        "const { BallastClient, BallastProblem } = require('@ballast/client');\nconst { useBallastChat } = require('@ballast/client/react');",
      ),
    );

    const { stdout } = await run(process.execPath, ['cjs.cjs', baseUrl()], { cwd: project() });

    expect(JSON.parse(stdout)).toEqual({ chat: 'packed and working', stream: 'packed and working', problem: 'function', hook: 'function' });
  });

  it('type-checks for a TypeScript consumer (node16 resolution, ESM)', async () => {
    writeFileSync(
      join(project(), 'consumer.mts'),
      [
        "import { BallastClient, type StreamEvent, type BallastProblem } from '@ballast/client';",
        "const client: BallastClient = new BallastClient({ baseUrl: 'http://localhost:8080' });",
        "const onEvent = (e: StreamEvent): string => (e.type === 'error' ? (e.problem satisfies BallastProblem).code : e.type);",
        'export { client, onEvent };',
      ].join('\n'),
    );
    const tsc = require.resolve('typescript/bin/tsc');

    // Rejects with tsc's diagnostics when the published declarations do not resolve or do not fit.
    await expect(
      run(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--lib', 'ES2022,DOM', 'consumer.mts'],
        {
          cwd: project(),
        },
      ),
    ).resolves.toBeDefined();
  });
});
