/**
 * What one chat request runs, counted: JavaScript function calls per request and how many distinct functions
 * run on every request, by package (Ballast by its files' folders), in the framework floor and each build of
 * Ballast. One request at a time, on one connection, so that nothing but the request is counted. A request on
 * a process that was running other code in between (bench/profile/first-chunk.ts) pays for how much code it
 * touches; this says where that code is. `--stream` counts streaming requests (the 5 ms drip of first-chunk.ts);
 * TOP=n lists the n most-called functions, MATCH=text only those whose file contains it.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/profile/calls-per-request.ts [--stream] [main.js…]
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { writeModelsFile } from '../../test/support/models-file';
import { timedStream } from '../load/sse';
import {
  Child,
  LOG_DIR,
  REPO_ROOT,
  runScript,
  setUpstreamFault,
  startBallast,
  startFrameworkFloor,
  startUpstream,
} from '../support/children';
import { CHAT_PATH, chatBody, clientHeaders, UPSTREAM_MODEL } from '../support/targets';
import { packageOf } from './package-of';
import { signalledDump } from './signalled-dump';

const WARM_UP = 500;
const COUNTED = 500;
const COUNTER = ['-r', join(__dirname, 'calls-counter.js')];

interface Called {
  url: string;
  name: string;
  offset: number;
  calls: number;
}

async function send(pool: Pool, requests: number, body: string, stream: boolean): Promise<void> {
  for (let i = 0; i < requests; i++) {
    const status = stream
      ? (await timedStream(pool, CHAT_PATH, body)).status
      : await pool.request({ method: 'POST', path: CHAT_PATH, headers: clientHeaders(i), body }).then(async (response) => {
          await response.body.text();
          return response.statusCode;
        });
    if (status !== 200) {
      throw new Error(`calls-per-request: status ${status}`);
    }
  }
}

async function count(child: Child, model: string, out: string, stream: boolean): Promise<Called[]> {
  const pool = new Pool(child.origin, { connections: 1 });
  const body = chatBody({ name: 'ballast', origin: child.origin, model }, stream);
  try {
    await send(pool, WARM_UP, body, stream);
    await signalledDump(child, `${out}.started`);
    await send(pool, COUNTED, body, stream);
    return await signalledDump<Called[]>(child, out);
  } finally {
    await pool.close();
  }
}

/** Node's modules by name, packages by name, Ballast's files by their folder (`src/chat/sse`), the rest as is. */
function placeOf(url: string, appRoot: string): string {
  const inPackage = packageOf(url);
  if (inPackage) {
    return inPackage;
  }
  if (url.startsWith('node:')) {
    return url.startsWith('node:internal/') ? 'node:internal' : url;
  }
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(appRoot) ? path.slice(appRoot.length).replace(/\/[^/]+$/, '') : path || '(native)';
}

function report(name: string, called: Called[], appRoot: string): void {
  const out = process.stdout;
  const perRequest = (calls: number) => calls / COUNTED;
  const total = perRequest(called.reduce((sum, fn) => sum + fn.calls, 0));
  const everyRequest = called.filter((fn) => fn.calls >= COUNTED).length;
  out.write(`\n${name}: ${total.toFixed(0)} calls per request, ${everyRequest} distinct functions called at least once a request\n`);
  const byPlace = new Map<string, { calls: number; functions: number }>();
  for (const fn of called) {
    const place = byPlace.get(placeOf(fn.url, appRoot)) ?? { calls: 0, functions: 0 };
    place.calls += perRequest(fn.calls);
    place.functions += fn.calls >= COUNTED ? 1 : 0;
    byPlace.set(placeOf(fn.url, appRoot), place);
  }
  out.write('     calls  functions  where\n');
  for (const [place, { calls, functions }] of [...byPlace].sort((a, b) => b[1].calls - a[1].calls).slice(0, 30)) {
    out.write(`  ${calls.toFixed(1).padStart(8)}  ${String(functions).padStart(9)}  ${place}\n`);
  }
  const top = Number(process.env.TOP ?? 0);
  if (top > 0) {
    const match = process.env.MATCH ?? '';
    out.write(`  most called${match ? ` in files matching ${match}` : ''}:\n`);
    for (const fn of called
      .filter((f) => f.url.includes(match))
      .sort((a, b) => b.calls - a.calls)
      .slice(0, top)) {
      out.write(`  ${perRequest(fn.calls).toFixed(1).padStart(8)}  ${fn.name || '(anonymous)'} ${placeOf(fn.url, appRoot)}@${fn.offset}\n`);
    }
  }
}

async function main(): Promise<void> {
  const stream = process.argv.includes('--stream');
  const builds = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const upstream = await startUpstream('calls-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: UPSTREAM_MODEL }] } },
  });
  const outFor = (name: string) => {
    const out = join(LOG_DIR, `calls-${name}.json`);
    rmSync(out, { force: true });
    rmSync(`${out}.started`, { force: true });
    return out;
  };
  try {
    if (stream) {
      await setUpstreamFault(upstream, { kind: 'drip', intervalMs: 5, stamped: true });
    }
    const floorOut = outFor('floor');
    const floor = await startFrameworkFloor('calls-floor', upstream.origin, COUNTER, 'express', { CALLS_OUT: floorOut });
    const floorCalls = await count(floor, UPSTREAM_MODEL, floorOut, stream).finally(() => floor.stop());
    report('floor', floorCalls, `${REPO_ROOT}/`);
    for (const [index, build] of (builds.length > 0 ? builds : ['dist/src/main.js']).entries()) {
      const out = outFor(`ballast-${index}`);
      const ballast = await startBallast(`calls-ballast-${index}`, models, { CALLS_OUT: out }, COUNTER, build);
      const called = await count(ballast, 'chat', out, stream).finally(() => ballast.stop());
      report(build, called, `${resolve(REPO_ROOT, build, '..', '..')}/`);
    }
  } finally {
    await upstream.stop();
  }
}

runScript(main);
