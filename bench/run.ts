/**
 * `npm run bench`: every figure of contract section 9 in one run, against
 * the test upstream on loopback, with Ballast (production mode, production
 * logging to a file) and a bare pass-through proxy side by side with going
 * direct. Prints one table and writes bench/results/latest.json.
 * BENCH_QUICK=1 for a short run; BENCH_SKIP_BUILD=1 to use dist/ as it is;
 * BENCH_BALLAST_MAIN=<path to main.js> to measure another build (before/after).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeModelsFile } from '../test/support/models-file';
import { Figures, rows } from './report/rows';
import { renderTable } from './report/table';
import { chatLatency } from './scenarios/chat-latency';
import { faultModels, faults } from './scenarios/faults';
import { openStreamsMemory } from './scenarios/open-streams';
import { streaming } from './scenarios/streaming';
import { throughput } from './scenarios/throughput';
import { tracingCost, TracingFigure, tracingRows } from './scenarios/tracing';
import { ocrLatency, visionThroughput } from './scenarios/vision';
import { Child, killAllChildren, LOG_DIR, REPO_ROOT, startBallast, startBareProxy, startUpstream } from './support/children';
import { freePort } from './support/free-port';
import { benchSettings } from './support/settings';
import { Target } from './support/targets';

const FAULT_DEADLINE_MS = 2_000;

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function openFileLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

function machine() {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`,
    loadAverageAtStart: execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim(),
  };
}

function mainModels(upstream: Child): string {
  return writeModelsFile({
    providers: {
      // Raised from the default 64 so thousands of open streams are measured, not shed.
      upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1`, maxConcurrency: 10_000, maxQueue: 1_000 },
      local: { type: 'local' },
    },
    models: {
      chat: { route: [{ provider: 'upstream', model: 'bench-model' }] },
      ocr: { route: [{ provider: 'local', model: 'ocr' }] },
    },
  });
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const startedAt = new Date();
  const limit = openFileLimit();
  // Each open stream costs this process one socket; keep a margin for everything else.
  settings.openStreams = settings.openStreams.map((n) => Math.min(n, limit - 512));
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    progress('building (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  progress(`mode ${settings.quick ? 'quick' : 'full'}; child logs in ${LOG_DIR}`);
  const upstream = await startUpstream('upstream', { chunks: 10 });
  const proxy = await startBareProxy('bare-proxy', upstream.origin);
  const ballast = await startBallast('ballast', mainModels(upstream));
  const targets: Target[] = [
    { name: 'direct', origin: upstream.origin, model: 'bench-model' },
    { name: 'proxy', origin: proxy.origin, model: 'bench-model', process: proxy },
    { name: 'ballast', origin: ballast.origin, model: 'chat', process: ballast },
  ];
  const figures: Partial<Figures> = {};
  let tracing!: TracingFigure;
  try {
    progress(`non-streaming chat, paced at ${settings.pacedRates.join(' and ')} rps`);
    figures.paced = await chatLatency(targets, settings);
    progress('highest rate with < 1% errors (autocannon)');
    figures.throughput = await throughput(targets, settings);
    progress('streaming: first chunk and later chunks');
    figures.streaming = await streaming(upstream, targets, settings);
    progress('vision: ImagePipeline vs raw sharp, embedded OCR');
    figures.vision = { ...(await visionThroughput(settings)), ocr: await ocrLatency(ballast.origin, settings) };
  } finally {
    await Promise.all([ballast.stop(), proxy.stop()]);
  }
  try {
    // Fresh processes: memory grown by the phases above would blur a per-stream figure (and a heap
    // grown to thousands of streams would slow the phases after it).
    progress(`open slow streams: ${settings.openStreams.join(', ')}`);
    figures.openStreams = [];
    for (const start of [
      () => startBareProxy('bare-proxy-memory', upstream.origin),
      () => startBallast('ballast-memory', mainModels(upstream)),
    ]) {
      const middle = await start();
      try {
        const name = middle.name.startsWith('ballast') ? 'ballast' : 'proxy';
        figures.openStreams.push(
          await openStreamsMemory(
            upstream,
            { name, origin: middle.origin, model: name === 'ballast' ? 'chat' : 'bench-model', process: middle },
            settings,
          ),
        );
      } finally {
        await middle.stop();
      }
    }
    progress(`faults (REQUEST_TIMEOUT_MS=${FAULT_DEADLINE_MS})`);
    const deadPort = await freePort();
    const faultBallast = await startBallast('ballast-faults', writeModelsFile(faultModels(upstream.origin, deadPort)), {
      REQUEST_TIMEOUT_MS: String(FAULT_DEADLINE_MS),
    });
    try {
      figures.faults = await faults({ upstream, ballast: faultBallast, deadlineMs: FAULT_DEADLINE_MS, deadPort }, settings);
    } finally {
      await faultBallast.stop();
    }
    progress('tracing off vs on (OTLP to a loopback sink)');
    tracing = await tracingCost(upstream, settings);
  } finally {
    await upstream.stop();
  }
  const table = [...rows(figures as Figures), ...tracingRows(tracing)];
  const rendered = renderTable(table);
  const report = {
    startedAt: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    mode: settings.quick ? 'quick' : 'full',
    machine: machine(),
    settings,
    ballastMain: process.env.BENCH_BALLAST_MAIN ?? 'dist/src/main.js',
    table,
    figures: { ...figures, tracing },
  };
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${rendered}\n\n`);
  progress(`${report.durationS} s; written to bench/results/latest.json`);
}

process.once('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});
main().catch((error: unknown) => {
  killAllChildren();
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
