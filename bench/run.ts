/**
 * `npm run bench`: every figure of contract section 9 in one run, against
 * the test upstream on loopback, with Ballast (production mode, production
 * logging to a file) and a bare pass-through proxy side by side with going
 * direct. Prints one table and writes bench/results/latest.json.
 * BENCH_QUICK=1 for a short run; BENCH_SKIP_BUILD=1 to use dist/ as it is;
 * BENCH_BALLAST_MAIN=<path to main.js> to measure another build (before/after).
 * BENCH_ONLY=paced,throughput (any of idle, paced, throughput, streaming, vision,
 * memory, faults, worst-case, pools, tracing) runs only those parts: short, targeted figures on a busy machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { writeModelsFile } from '../test/support/models-file';
import { Figures, rows } from './report/rows';
import { renderTable } from './report/table';
import { chatLatency } from './scenarios/chat-latency';
import { faultModels, faults } from './scenarios/faults';
import { idleCpu } from './scenarios/idle';
import { openStreamsMemory } from './scenarios/open-streams';
import { pools } from './scenarios/pools';
import { streaming } from './scenarios/streaming';
import { throughput } from './scenarios/throughput';
import { tracingCost, TracingFigure, tracingRows } from './scenarios/tracing';
import { ocrLatency, visionThroughput } from './scenarios/vision';
import {
  allWorkersListening,
  Child,
  killAllChildren,
  LOG_DIR,
  REPO_ROOT,
  startBallast,
  startBareProxy,
  startFrameworkFloor,
  startUpstream,
} from './support/children';
import { WORST_CASE_CONCURRENCY, worstCaseMemory } from './scenarios/worst-case-memory';
import { freePort } from './support/free-port';
import { machineCpu, stealSince } from './support/proc-stats';
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

const PARTS = ['idle', 'paced', 'throughput', 'streaming', 'vision', 'memory', 'faults', 'worst-case', 'pools', 'tracing'] as const;

function partsToRun(env: NodeJS.ProcessEnv = process.env): Set<(typeof PARTS)[number]> {
  const asked = (env.BENCH_ONLY ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = asked.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) {
    throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; known: ${PARTS.join(', ')}`);
  }
  return new Set(asked.length > 0 ? (asked as Array<(typeof PARTS)[number]>) : PARTS);
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const parts = partsToRun();
  const startedAt = new Date();
  const cpuAtStart = machineCpu();
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
  const floor = await startFrameworkFloor('framework-floor', upstream.origin);
  const ballast = await startBallast('ballast', mainModels(upstream));
  const direct: Target = { name: 'direct', origin: upstream.origin, model: 'bench-model' };
  const proxied: Target = { name: 'proxy', origin: proxy.origin, model: 'bench-model', process: proxy };
  const floored: Target = { name: 'floor', origin: floor.origin, model: 'bench-model', process: floor };
  const ballasted: Target = { name: 'ballast', origin: ballast.origin, model: 'chat', process: ballast };
  const withFloor = [direct, proxied, floored, ballasted];
  const figures: Partial<Figures> = {};
  let tracing: TracingFigure | undefined;
  try {
    if (parts.has('idle')) {
      progress('idle: CPU with no requests');
      figures.idle = await idleCpu({ proxy, floor, ballast }, settings);
    }
    if (parts.has('paced')) {
      progress(`non-streaming chat, paced at ${settings.pacedRates.join(' and ')} rps`);
      figures.paced = await chatLatency(withFloor, settings);
    }
    if (parts.has('throughput')) {
      progress('highest rate with < 1% errors (autocannon), WORKERS=2 too');
      const twoWorkers = await startBallast('ballast-2-workers', mainModels(upstream), { WORKERS: '2' });
      try {
        await allWorkersListening(twoWorkers);
        figures.throughput = await throughput(
          [...withFloor, { name: 'ballast2w', origin: twoWorkers.origin, model: 'chat', process: twoWorkers }],
          settings,
        );
      } finally {
        await twoWorkers.stop();
      }
    }
    if (parts.has('streaming')) {
      progress('streaming: first chunk and later chunks');
      figures.streaming = await streaming(upstream, withFloor, settings);
    }
    if (parts.has('vision')) {
      progress('vision: ImagePipeline vs raw sharp, embedded OCR');
      figures.vision = { ...(await visionThroughput(settings)), ocr: await ocrLatency(ballast.origin, settings) };
    }
  } finally {
    await Promise.all([ballast.stop(), floor.stop(), proxy.stop()]);
  }
  try {
    // Fresh processes: memory grown by the phases above would blur a per-stream figure (and a heap
    // grown to thousands of streams would slow the phases after it).
    if (parts.has('memory')) {
      progress(`open slow streams: ${settings.openStreams.join(', ')}`);
      figures.openStreams = [];
      for (const start of [
        () => startBareProxy('bare-proxy-memory', upstream.origin),
        // Thousands of open streams are past the default MAX_CONNECTIONS (4096): a replica meant for them raises it, as this one does.
        () => startBallast('ballast-memory', mainModels(upstream), { MAX_CONNECTIONS: String(2 * Math.max(...settings.openStreams)) }),
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
    }
    if (parts.has('worst-case')) {
      progress(`RSS under ${WORST_CASE_CONCURRENCY} concurrent worst-case-but-valid chat requests`);
      const worstCase = await startBallast('ballast-worst-case', mainModels(upstream));
      try {
        figures.worstCase = await worstCaseMemory(worstCase);
      } finally {
        await worstCase.stop();
      }
    }
    if (parts.has('faults')) {
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
    }
    if (parts.has('tracing')) {
      progress('tracing off vs on (OTLP to a loopback sink)');
      tracing = await tracingCost(upstream, settings);
    }
  } finally {
    await upstream.stop();
  }
  if (parts.has('pools')) {
    progress('pools: a balanced pool vs a single entry, and p99 with and without hedging');
    figures.pools = await pools(settings);
  }
  const table = [...rows(figures), ...(tracing ? tracingRows(tracing) : [])];
  const rendered = renderTable(table);
  const report = {
    startedAt: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    mode: settings.quick ? 'quick' : 'full',
    parts: [...parts],
    // Steal over the run: on a VM it is the tail the hypervisor adds to every target alike.
    machine: { ...machine(), ...stealSince(cpuAtStart) },
    settings,
    ballastMain: process.env.BENCH_BALLAST_MAIN ?? 'dist/src/main.js',
    table,
    figures: { ...figures, tracing },
  };
  // bench/results/latest.json is the record of a full run; a partial one stays beside the child logs.
  const file = parts.size === PARTS.length ? join(REPO_ROOT, 'bench', 'results', 'latest.json') : join(LOG_DIR, 'partial.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${rendered}\n\n`);
  progress(
    `${report.durationS} s, steal ${report.machine.stealPercent}% of the machine's CPU time ` +
      `(${report.machine.stealPercentOfBusy}% of its busy time); written to ${file}`,
  );
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
