/**
 * What the HTTP framework alone adds to latency at a paced rate: non-streaming
 * chat at 200 rps (the bench's paced scenario, same rounds) through the
 * framework floor's three variants (bench/framework-floor.ts: Nest + Express
 * as the issue defines it, the same answering as Ballast does, the same on
 * Nest's Fastify adapter) and through Ballast, each against going direct.
 * For CPU per request and req/s of the same variants: `bench/ab.ts floor
 * floor-express-raw floor-fastify dist/src/main.js`. Further Ballast builds
 * (another build's main.js) run beside this one, as in bench/ab.ts.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/floors.ts [rate] [main.js …]
 */
import { writeModelsFile } from '../test/support/models-file';
import { chatLatency } from './scenarios/chat-latency';
import { benchSettings } from './support/settings';
import { Child, FloorVariant, killAllChildren, startBallast, startFrameworkFloor, startUpstream } from './support/children';
import type { Target, TargetName } from './support/targets';

const VARIANTS: FloorVariant[] = ['express', 'express-raw', 'fastify'];

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 200);
  const otherBuilds = process.argv.slice(3);
  const upstream = await startUpstream('floors-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  const middles: Child[] = [];
  try {
    const target = (name: string, child: Child | undefined, model: string): Target =>
      // The scenario keys its figures by name; these names are this script's own.
      ({ name: name as TargetName, origin: child?.origin ?? upstream.origin, model, process: child });
    const targets = [target('direct', undefined, 'bench-model')];
    for (const variant of VARIANTS) {
      const child = await startFrameworkFloor(`floors-${variant}`, upstream.origin, [], variant);
      middles.push(child);
      targets.push(target(`floor ${variant}`, child, 'bench-model'));
    }
    const ballast = await startBallast('floors-ballast', models);
    middles.push(ballast);
    targets.push(target('ballast', ballast, 'chat'));
    for (const [index, main] of otherBuilds.entries()) {
      const other = await startBallast(`floors-ballast-${index}`, models, {}, [], main);
      middles.push(other);
      targets.push(target(`ballast ${main}`, other, 'chat'));
    }
    const [figure] = await chatLatency(targets, { ...benchSettings(), pacedRates: [rate] });
    const direct = figure.latency['direct' as TargetName];
    process.stdout.write(`non-streaming chat at ${rate} rps; added = the target's percentile less going direct's, ms\n`);
    for (const { name } of targets) {
      const latency = figure.latency[name];
      process.stdout.write(
        `${name.padEnd(40)} p50 ${latency.p50.toFixed(2).padStart(6)}  p99 ${latency.p99.toFixed(2).padStart(6)}  ` +
          `added p50 ${(latency.p50 - direct.p50).toFixed(2).padStart(5)}  p99 ${(latency.p99 - direct.p99).toFixed(2).padStart(5)}  ` +
          `CPU/request ${(figure.cpuPerRequestMs[name] ?? 0).toFixed(3)} ms  errors ${figure.errors[name]}\n`,
      );
    }
  } finally {
    await Promise.all(middles.map((child) => child.stop()));
    await upstream.stop();
  }
}

main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`floors failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
