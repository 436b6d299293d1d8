/**
 * What tracing costs: the same paced non-streaming chat through Ballast
 * without OTEL variables and with OTLP export on (protobuf, to a sink on
 * loopback that accepts everything), side by side in alternating rounds.
 * Run alone (builds nothing; uses dist/):
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/scenarios/tracing.ts
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeModelsFile } from '../../test/support/models-file';
import { paced, pool } from '../load/paced';
import { renderTable, Row, fmt, added } from '../report/table';
import { Child, killAllChildren, startBallast, startUpstream } from '../support/children';
import { cpuMs } from '../support/proc-stats';
import { benchSettings, BenchSettings } from '../support/settings';
import { LatencySummary, summarise } from '../support/stats';
import { CHAT_PATH, chatBody } from '../support/targets';

type Mode = 'off' | 'on';

export interface TracingFigure {
  rate: number;
  latency: Record<Mode, LatencySummary>;
  cpuPerRequestMs: Record<Mode, number>;
  errors: Record<Mode, number>;
  /** Export requests the sink received from the traced Ballast. */
  exports: number;
}

/** An OTLP/HTTP endpoint that accepts and discards: the collector's cost is not Ballast's. */
async function startSink(): Promise<{ url: string; exports: () => number; close: () => Promise<void> }> {
  let exports = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

export async function tracingCost(upstream: Child, settings: BenchSettings, rate = 200): Promise<TracingFigure> {
  const sink = await startSink();
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1`, maxConcurrency: 10_000, maxQueue: 1_000 } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  const ballasts: Record<Mode, Child> = {
    off: await startBallast('ballast-otel-off', models),
    on: await startBallast('ballast-otel-on', models, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }),
  };
  const samples: Record<Mode, number[]> = { off: [], on: [] };
  const cpu: Record<Mode, { ms: number; requests: number }> = { off: { ms: 0, requests: 0 }, on: { ms: 0, requests: 0 } };
  const errors: Record<Mode, number> = { off: 0, on: 0 };
  try {
    const rounds = settings.quick ? 1 : 2;
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        const child = ballasts[mode];
        const client = pool(child.origin);
        const options = {
          rate,
          path: CHAT_PATH,
          body: chatBody({ name: 'ballast', origin: child.origin, model: 'chat' }),
          timeoutMs: 10_000,
        };
        await paced(client, { ...options, durationMs: settings.warmupMs });
        const before = cpuMs(child.pid);
        const result = await paced(client, { ...options, durationMs: settings.pacedMs / rounds });
        cpu[mode].ms += cpuMs(child.pid) - before;
        cpu[mode].requests += result.sent;
        await client.close();
        samples[mode].push(...result.latencies);
        errors[mode] += result.sent - result.ok;
      }
    }
  } finally {
    await Promise.all([ballasts.off.stop(), ballasts.on.stop()]);
    await sink.close();
  }
  return {
    rate,
    latency: { off: summarise(samples.off), on: summarise(samples.on) },
    cpuPerRequestMs: { off: cpu.off.ms / cpu.off.requests, on: cpu.on.ms / cpu.on.requests },
    errors,
    exports: sink.exports(),
  };
}

/** Rows for the main table: "direct" holds tracing off, "Ballast" tracing on. */
export function tracingRows(figure: TracingFigure): Row[] {
  const row = (label: string, off: number, on: number): Row => ({
    figure: `tracing off → on: ${label} @ ${figure.rate} rps`,
    direct: fmt(off),
    proxy: '',
    ballast: fmt(on),
    vsDirect: added(on, off),
    target: '',
    verdict: '',
  });
  return [
    row('chat p50 (ms)', figure.latency.off.p50, figure.latency.on.p50),
    row('chat p99 (ms)', figure.latency.off.p99, figure.latency.on.p99),
    {
      ...row('CPU per request (ms)', figure.cpuPerRequestMs.off, figure.cpuPerRequestMs.on),
      vsDirect: added(figure.cpuPerRequestMs.on, figure.cpuPerRequestMs.off),
    },
  ];
}

async function runAlone(): Promise<void> {
  const upstream = await startUpstream('upstream-tracing', { chunks: 10 });
  try {
    const figure = await tracingCost(upstream, benchSettings());
    process.stdout.write(`${renderTable(tracingRows(figure))}\n\n${JSON.stringify(figure)}\n`);
  } finally {
    await upstream.stop();
  }
}

if (require.main === module) {
  runAlone().catch((error: unknown) => {
    killAllChildren();
    process.stderr.write(`bench failed: ${String(error)}\n`);
    process.exit(1);
  });
}
