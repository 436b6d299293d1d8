/**
 * Where Ballast's CPU goes under load: runs it with --cpu-prof behind the
 * same closed-loop load as `npm run bench` (non-streaming chat, 50
 * connections, many clients), then prints the profile by package and the
 * hottest functions. Usage (after `npx nest build`):
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/profile.ts [seconds] [ballast|floor|floor-express-raw|floor-fastify]
 * `floor` profiles the framework floor (bench/framework-floor.ts) instead: what Nest + Express cost alone;
 * `floor-express-raw` and `floor-fastify` its variants (FLOOR in bench/framework-floor.ts).
 * `stream` profiles Ballast under streaming chat instead (16 streams at a time, chunks 5 ms apart);
 * `stream-single` one stream at a time, as the first-chunk figure sends them, sampled every 50 µs.
 * The .cpuprofile stays in the printed directory (open it in Chrome DevTools).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeModelsFile } from '../test/support/models-file';
import { closedLoop } from './load/closed-loop';
import { summariseProfile } from './profile/summarise-profile';
import { cpuMs } from './support/proc-stats';
import { Pool } from 'undici';
import { timedStream } from './load/sse';
import {
  Child,
  FloorVariant,
  killAllChildren,
  REPO_ROOT,
  setUpstreamFault,
  startBallast,
  startFrameworkFloor,
  startUpstream,
} from './support/children';
import { CHAT_PATH, chatBody } from './support/targets';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const which = (process.argv[3] ?? 'ballast') as 'ballast' | 'floor' | 'floor-express-raw' | 'floor-fastify' | 'stream' | 'stream-single';
  if (!['ballast', 'floor', 'floor-express-raw', 'floor-fastify', 'stream', 'stream-single'].includes(which)) {
    throw new Error(`profile: the target is ballast, floor, floor-express-raw, floor-fastify, stream or stream-single, not ${which}`);
  }
  const streaming = which === 'stream' || which === 'stream-single';
  const connections = which === 'stream' ? 16 : which === 'stream-single' ? 1 : 50;
  const dir = mkdtempSync(join(tmpdir(), 'ballast-profile-'));
  const upstream = await startUpstream('profile-upstream', { chunks: 10 });
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  // One stream at a time leaves a few hundred µs of work per request between idle stretches: sample finer.
  const profiling = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(which === 'stream-single' ? ['--cpu-prof-interval=50'] : [])];
  const isFloor = which.startsWith('floor');
  const ballast: Child = isFloor
    ? await startFrameworkFloor(
        'profile-floor',
        upstream.origin,
        profiling,
        which === 'floor' ? 'express' : (which.slice('floor-'.length) as FloorVariant),
      )
    : await startBallast('profile-ballast', models, {}, profiling);
  const target = {
    name: isFloor ? 'floor' : 'ballast',
    origin: ballast.origin,
    model: isFloor ? 'bench-model' : 'chat',
  } as const;
  const load = streaming ? streamLoop : closedLoop;
  if (streaming) {
    await setUpstreamFault(upstream, { kind: 'drip', intervalMs: 5 });
  }
  await load(ballast.origin + CHAT_PATH, chatBody(target, streaming), connections, 2_000);
  const warmedAt = Date.now();
  const before = cpuMs(ballast.pid);
  const result = await load(ballast.origin + CHAT_PATH, chatBody(target, streaming), connections, seconds * 1000);
  const spent = cpuMs(ballast.pid) - before;
  const loadMs = Date.now() - warmedAt;
  await ballast.stop();
  await upstream.stop();
  const file = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!,
  );
  // The profile covers boot and warm-up too: keep only the measured window (the last loadMs before exit, less shutdown).
  // The build's root (what holds src/main.js), so that BENCH_BALLAST_MAIN's files are grouped as ballast's.
  const appRoot = `${resolve(REPO_ROOT, process.env.BENCH_BALLAST_MAIN ?? 'dist/src/main.js', '..', '..')}/`;
  const summary = summariseProfile(file, { top: 30, skipMs: 0, appRoot });
  const measured = summariseProfile(file, {
    top: 30,
    skipMs: Math.max(0, summary.wallMs - loadMs - 500),
    untilMs: summary.wallMs - 500,
    appRoot,
  });
  const out = process.stdout;
  out.write(
    `${result.requests} requests in ${seconds} s (${result.rps.toFixed(0)} req/s), ${(spent / result.requests).toFixed(3)} ms CPU per request\n`,
  );
  const perRequest = spent / result.requests;
  out.write(`profile: ${file}\n\nby layer (self time, % of busy, ≈ ms CPU per request):\n`);
  for (const l of measured.byLayer) {
    out.write(`  ${l.percent.toFixed(1).padStart(5)}%  ${((l.percent / 100) * perRequest).toFixed(3)} ms  ${l.layer}\n`);
  }
  out.write(`\nby layer, node internals and native code charged to their caller (≈ ms CPU per request):\n`);
  for (const l of measured.byCallerLayer) {
    out.write(`  ${l.percent.toFixed(1).padStart(5)}%  ${((l.percent / 100) * perRequest).toFixed(3)} ms  ${l.layer}\n`);
  }
  out.write(`\nby package (self time, % of busy):\n`);
  for (const g of measured.byGroup.slice(0, 22)) {
    out.write(`  ${g.percent.toFixed(1).padStart(5)}%  ${g.group}\n`);
  }
  out.write('\nhottest functions (self time):\n');
  for (const f of measured.topFunctions) {
    out.write(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}\n`);
  }
}

/** `connections` streams at a time, one after another on each, for `ms`. */
async function streamLoop(url: string, body: string, connections: number, ms: number): Promise<{ requests: number; rps: number }> {
  const { origin, pathname } = new URL(url);
  const client = new Pool(origin, { connections });
  const until = Date.now() + ms;
  let requests = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        await timedStream(client, pathname, body);
        requests++;
      }
    }),
  );
  await client.close();
  return { requests, rps: requests / (ms / 1000) };
}

main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
