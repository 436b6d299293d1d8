/**
 * Several targets side by side, same run: closed-loop non-streaming chat
 * against each in turn, ROUNDS rounds in alternating order (so a neighbour's
 * load lands on all alike), then req/s and CPU per request per target,
 * median over rounds, and each as a ratio to the first. On a shared machine
 * this is the figure to trust, not one phase of one target.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/ab.ts [--seconds=5] [--rounds=3] TARGET…
 * TARGET: floor (bench/framework-floor.ts), floor-express-raw and floor-fastify (its variants), proxy (bench/bare-proxy.ts),
 * path/to/main.js (a build of Ballast), path/to/main.js@2 (that build with WORKERS=2),
 * path/to/main.js#--flag,--flag (that build with these node flags, e.g. a V8 heap setting; floor#… and proxy#… too),
 * or path/to/main.js?NAME=value,NAME=value (that build with these environment variables, e.g. DOCS=false).
 * --paced=RATE: open-loop non-streaming chat at RATE req/s instead (load/paced.ts), going direct in every round
 * too: p50 / p99 added over direct from every round's samples, and CPU per request — the paced figures' A/B.
 *   cp -r dist /tmp/ab/before && ln -s "$PWD/node_modules" /tmp/ab/node_modules
 *   … bench/ab.ts floor /tmp/ab/before/src/main.js dist/src/main.js dist/src/main.js@2
 */
import { writeModelsFile } from '../test/support/models-file';
import { closedLoop } from './load/closed-loop';
import { paced, pool } from './load/paced';
import {
  allWorkersListening,
  Child,
  FloorVariant,
  killAllChildren,
  startBallast,
  startBareProxy,
  startFrameworkFloor,
  startUpstream,
} from './support/children';
import { treeCpuMs } from './support/proc-stats';
import { summarise } from './support/stats';
import { CHAT_PATH, chatBody } from './support/targets';

interface Entry {
  label: string;
  child: Child;
  model: string;
  rps: number[];
  cpu: number[];
  /** Paced mode: every round's latencies, ms. */
  latencies: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function option(args: string[], name: string, fallback: number): number {
  const found = args.find((arg) => arg.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}

async function start(spec: string, index: number, upstreamOrigin: string, models: string): Promise<Entry> {
  const [target, flags] = spec.split('#');
  const nodeArgs = flags ? flags.split(',') : [];
  const bareEntry = (child: Child): Entry => ({ label: spec, child, model: 'bench-model', rps: [], cpu: [], latencies: [] });
  if (target === 'floor' || target === 'floor-express-raw' || target === 'floor-fastify') {
    const variant = (target === 'floor' ? 'express' : target.slice('floor-'.length)) as FloorVariant;
    return bareEntry(await startFrameworkFloor(`ab-${index}-${target}`, upstreamOrigin, nodeArgs, variant));
  }
  if (target === 'proxy') {
    return bareEntry(await startBareProxy(`ab-${index}-proxy`, upstreamOrigin, {}, nodeArgs));
  }
  const [build, settings] = target.split('?');
  const [main, workers] = build.split('@');
  const env = Object.fromEntries((settings ? settings.split(',') : []).map((setting) => setting.split('=', 2)));
  const child = await startBallast(`ab-${index}-ballast`, models, { ...env, ...(workers ? { WORKERS: workers } : {}) }, nodeArgs, main);
  if (workers && Number(workers) > 1) {
    await allWorkersListening(child);
  }
  return { label: spec, child, model: 'chat', rps: [], cpu: [], latencies: [] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const specs = args.filter((arg) => !arg.startsWith('--'));
  const seconds = option(args, 'seconds', 5);
  const rounds = option(args, 'rounds', 3);
  const rate = option(args, 'paced', 0);
  if (specs.length === 0) {
    throw new Error(
      'usage: bench/ab.ts [--seconds=5] [--rounds=3] [--paced=RATE] floor|floor-express-raw|floor-fastify|proxy|main.js[@WORKERS][#NODE_FLAGS] …',
    );
  }
  const upstream = await startUpstream('ab-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1`, maxConcurrency: 10_000 } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  if (rate > 0) {
    return pacedRounds(specs, upstream, models, { rate, seconds, rounds });
  }
  const entries: Entry[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      entries.push(await start(spec, index, upstream.origin, models));
    }
    for (const entry of entries) {
      await closedLoop(entry.child.origin + CHAT_PATH, chatBody({ name: 'ballast', origin: '', model: entry.model }), 50, 2_000);
    }
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 === 0 ? entries : [...entries].reverse()) {
        const body = chatBody({ name: 'ballast', origin: '', model: entry.model });
        const before = treeCpuMs(entry.child.pid);
        const result = await closedLoop(entry.child.origin + CHAT_PATH, body, 50, seconds * 1000);
        entry.rps.push(result.rps);
        entry.cpu.push((treeCpuMs(entry.child.pid) - before) / result.requests);
        process.stderr.write(
          `round ${round + 1} ${entry.label}: ${result.rps.toFixed(0)} req/s, ${entry.cpu.at(-1)!.toFixed(3)} ms CPU/request, ` +
            `${(result.errorRate * 100).toFixed(2)}% errors\n`,
        );
      }
    }
  } finally {
    await Promise.all(entries.map((entry) => entry.child.stop()));
    await upstream.stop();
  }
  const [base] = entries;
  process.stdout.write(`median of ${rounds} rounds of ${seconds} s, 50 connections; ratios to ${base.label}\n`);
  for (const entry of entries) {
    const rps = median(entry.rps);
    const cpu = median(entry.cpu);
    process.stdout.write(
      `${entry.label.padEnd(40)} ${rps.toFixed(0).padStart(6)} req/s (${(rps / median(base.rps)).toFixed(2)}×)  ` +
        `${cpu.toFixed(3)} ms CPU/request (${(cpu / median(base.cpu)).toFixed(2)}×)\n`,
    );
  }
}

/** The same targets at an open-loop rate, going direct in every round too, so that each target's added latency is of the same minutes. */
async function pacedRounds(
  specs: string[],
  upstream: Child,
  models: string,
  { rate, seconds, rounds }: { rate: number; seconds: number; rounds: number },
): Promise<void> {
  const direct: Entry = { label: 'direct', child: upstream, model: 'bench-model', rps: [], cpu: [], latencies: [] };
  const entries: Entry[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      entries.push(await start(spec, index, upstream.origin, models));
    }
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 === 0 ? [direct, ...entries] : [direct, ...entries].reverse()) {
        const client = pool(entry.child.origin);
        const options = { rate, path: CHAT_PATH, body: chatBody({ name: 'ballast', origin: '', model: entry.model }), timeoutMs: 10_000 };
        await paced(client, { ...options, durationMs: 2_000 });
        const before = treeCpuMs(entry.child.pid);
        const result = await paced(client, { ...options, durationMs: seconds * 1000 });
        entry.cpu.push((treeCpuMs(entry.child.pid) - before) / result.sent);
        await client.close();
        entry.latencies.push(...result.latencies);
        const { p50, p99 } = summarise(result.latencies);
        process.stderr.write(
          `round ${round + 1} ${entry.label}: p50 ${p50.toFixed(2)} p99 ${p99.toFixed(2)} ms, ${entry.cpu.at(-1)!.toFixed(3)} ms CPU/request, ` +
            `${result.sent - result.ok} not 2xx\n`,
        );
      }
    }
  } finally {
    await Promise.all(entries.map((entry) => entry.child.stop()));
    await upstream.stop();
  }
  const base = summarise(direct.latencies);
  process.stdout.write(
    `${rounds} rounds of ${seconds} s at ${rate} req/s paced; added over direct (p50 ${base.p50.toFixed(2)}, p99 ${base.p99.toFixed(2)} ms)\n`,
  );
  for (const entry of entries) {
    const { p50, p99 } = summarise(entry.latencies);
    process.stdout.write(
      `${entry.label.padEnd(40)} p50 +${(p50 - base.p50).toFixed(2)}  p99 +${(p99 - base.p99).toFixed(2)} ms  ` +
        `${median(entry.cpu).toFixed(3)} ms CPU/request\n`,
    );
  }
}

main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
