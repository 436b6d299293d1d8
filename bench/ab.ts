/**
 * Two builds of Ballast side by side, same run: closed-loop non-streaming
 * chat against each in turn (ROUNDS rounds, alternated, so a neighbour's load
 * lands on both), then max req/s and CPU per request per build, median over
 * rounds. For measuring one lever at a time on a shared machine:
 *   cp -r dist /tmp/before && <change> && npx nest build
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/ab.ts /tmp/before/src/main.js dist/src/main.js [seconds] [rounds]
 */
import { writeModelsFile } from '../test/support/models-file';
import { closedLoop } from './load/closed-loop';
import { killAllChildren, startBallast, startUpstream } from './support/children';
import { treeCpuMs } from './support/proc-stats';
import { CHAT_PATH, chatBody } from './support/targets';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const [a, b, seconds = '5', rounds = '3'] = process.argv.slice(2);
  if (!a || !b) {
    throw new Error('usage: bench/ab.ts <main.js A> <main.js B> [seconds] [rounds]');
  }
  const upstream = await startUpstream('ab-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  const builds = [
    { label: 'A', main: a, child: await startBallast('ab-a', models, {}, [], a) },
    { label: 'B', main: b, child: await startBallast('ab-b', models, {}, [], b) },
  ];
  const body = chatBody({ name: 'ballast', origin: '', model: 'chat' });
  const figures = new Map<string, { rps: number[]; cpu: number[] }>(builds.map((build) => [build.label, { rps: [], cpu: [] }]));
  try {
    for (const build of builds) {
      await closedLoop(build.child.origin + CHAT_PATH, body, 50, 2_000);
    }
    for (let round = 0; round < Number(rounds); round++) {
      for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
        const before = treeCpuMs(build.child.pid);
        const result = await closedLoop(build.child.origin + CHAT_PATH, body, 50, Number(seconds) * 1000);
        const figure = figures.get(build.label)!;
        figure.rps.push(result.rps);
        figure.cpu.push((treeCpuMs(build.child.pid) - before) / result.requests);
        process.stderr.write(
          `round ${round + 1} ${build.label}: ${result.rps.toFixed(0)} req/s, ${figure.cpu.at(-1)!.toFixed(3)} ms CPU/request\n`,
        );
      }
    }
  } finally {
    await Promise.all(builds.map((build) => build.child.stop()));
    await upstream.stop();
  }
  for (const build of builds) {
    const figure = figures.get(build.label)!;
    process.stdout.write(
      `${build.label} ${build.main}: ${median(figure.rps).toFixed(0)} req/s, ${median(figure.cpu).toFixed(3)} ms CPU/request (median of ${rounds})\n`,
    );
  }
  const [fa, fb] = builds.map((build) => figures.get(build.label)!);
  process.stdout.write(
    `B / A: ${(median(fb.rps) / median(fa.rps)).toFixed(3)}× req/s, ${(median(fb.cpu) / median(fa.cpu)).toFixed(3)}× CPU/request\n`,
  );
}

main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
