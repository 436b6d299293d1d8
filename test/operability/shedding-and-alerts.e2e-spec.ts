import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Fixture, generateFixtures } from '../fixtures/generate-fixtures';
import { TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { startTestUpstream, TestUpstream } from '../upstream';
import { createStartedApp } from './started-app';
import { V1TestController } from './v1-test.controller';
import { closedPort } from '../support/closed-port';

const FAST = { retries: 1, backoffBaseMs: 5, backoffMaxMs: 20, breaker: { minCalls: 1000 } };
const CHAT = { messages: [{ role: 'user', content: 'hello' }] };

/**
 * Series that features being built on other branches right now will feed.
 * Each entry says which feature; the lead removes it when that branch is
 * merged, so that the check below covers it too.
 */
const FED_BY_FEATURES_IN_FLIGHT: Record<string, string> = {
  // e.g. ballast_hedges_total: 'hedged requests (branch pools)',
};

/** Every `ballast_*` metric family an alert expression or a dashboard panel reads. */
function seriesReadByAlertsAndDashboard(): string[] {
  const root = join(__dirname, '../..');
  const alerts = readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8');
  const dashboard = readFileSync(join(root, 'deploy/grafana/ballast.json'), 'utf8');
  const names = [...`${alerts}\n${dashboard}`.matchAll(/\bballast_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, ''));
  return [...new Set(names)].sort();
}

/** The largest sample of a family in a Prometheus text page (histograms by their _count), or undefined when it has none. */
function largestSample(text: string, family: string): number | undefined {
  const samples = [...text.matchAll(new RegExp(`^${family}(?:_count)?(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((match) => Number(match[1]));
  return samples.length ? Math.max(...samples) : undefined;
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * The tracing series live with the process-wide OpenTelemetry SDK, which
 * starts before Nest: a built Ballast with tracing on and its collector
 * down, read once a finished request's spans failed to export and while a
 * stream holds its spans open.
 */
async function tracedPage(models: object, upstream: TestUpstream): Promise<string> {
  const traced = spawnBallast({
    MODELS_FILE: writeModelsFile(models),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_EXPORTER_OTLP_TIMEOUT: '300',
  });
  const client = new AbortController();
  try {
    const port = await traced.listening;
    await waitUntilReady(port);
    const base = `http://127.0.0.1:${port}`;
    const chat = (stream: boolean) =>
      fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream, ...CHAT }),
        signal: client.signal,
      });
    expect((await (await chat(false)).json()).object).toBe('chat.completion');
    upstream.enqueue({ kind: 'drip', intervalMs: 2_000 });
    await (await chat(true)).body!.getReader().read();
    const since = Date.now();
    for (;;) {
      const page = await (await fetch(`${base}/metrics`)).text();
      if ((largestSample(page, 'ballast_trace_spans_dropped_total') ?? 0) > 0 || Date.now() - since > 20_000) {
        return page;
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // the failed export happens in another process: polled, bounded
    }
  } finally {
    client.abort();
    await traced.stop();
  }
}

describe('our own shedding, and every series an alert or the dashboard reads', () => {
  let healthy: TestUpstream;
  let failing: TestUpstream;
  let slow: TestUpstream;
  let t: TestApp;
  let invoice: Fixture;

  beforeAll(async () => {
    [healthy, failing, slow] = await Promise.all([
      startTestUpstream({ name: 'healthy' }),
      startTestUpstream({ name: 'failing' }),
      startTestUpstream({ name: 'slow' }),
    ]);
    failing.setDefault({ kind: 'status', status: 503 });
    slow.setDefault({ kind: 'latency', ms: 300 });
    invoice = (await generateFixtures())['ocr-text-png'];
    const models = {
      providers: {
        healthy: { type: 'openai', baseUrl: healthy.url, resilience: FAST },
        failing: { type: 'openai', baseUrl: failing.url, resilience: { ...FAST, breaker: { minCalls: 2, cooldownMs: 600_000 } } },
        tight: { type: 'openai', baseUrl: slow.url, maxConcurrency: 1, maxQueue: 0, resilience: FAST },
        local: { type: 'local' },
      },
      models: {
        chat: {
          route: [
            { provider: 'failing', model: 'f' },
            { provider: 'healthy', model: 'h' },
          ],
        },
        tight: { route: [{ provider: 'tight', model: 't' }] },
        // A stream that breaks after its first chunks goes on at the prefill entry.
        continued: {
          continueOnFailure: true,
          route: [
            { provider: 'healthy', model: 'h' },
            { provider: 'healthy', model: 'h-prefill', prefill: true },
          ],
        },
        ocr: { route: [{ provider: 'local', model: 'ocr' }] },
      },
    };
    t = await createStartedApp({
      listen: true,
      env: { MODELS_FILE: writeModelsFile(models), OCR_WORKERS: '1', OCR_QUEUE_SIZE: '1' },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([healthy, failing, slow].map((upstream) => upstream?.close()));
  });

  const metrics = async () => (await request(t.server).get('/metrics').expect(200)).text;

  it('answers an overflowing OCR queue with MODEL_OVERLOADED, never CIRCUIT_OPEN, and counts every shed job', async () => {
    const before = metricValue(await metrics(), 'ballast_ocr_queue_shed_total');
    const responses = await Promise.all(
      Array.from({ length: 32 }, () => request(t.server).post('/v1/vision/ocr').attach('image', invoice.path)),
    );
    const codes = responses.map((res) => (res.status === 200 ? 'ok' : res.body.code));
    const shed = responses.filter((res) => res.status === 503);
    expect(codes.filter((code) => code !== 'ok' && code !== 'MODEL_OVERLOADED')).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    for (const res of shed) {
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const text = await metrics();
    expect(metricValue(text, 'ballast_ocr_queue_shed_total') - before).toBe(shed.length);
    expect(metricValue(text, 'ballast_circuit_breaker_state{provider="local"}')).toBe(0);
    // Served again at once: the embedded model was never taken out of rotation.
    await request(t.server).post('/v1/vision/ocr').attach('image', invoice.path).expect(200);
  }, 60_000);

  it('sheds past a full bulkhead with MODEL_OVERLOADED, counts it per provider, and leaves the breaker closed', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(t.server)
          .post('/v1/chat/completions')
          .send({ model: 'tight', ...CHAT }),
      ),
    );
    const shed = responses.filter((res) => res.status === 503);
    expect(responses.filter((res) => res.status !== 200 && res.body.code !== 'MODEL_OVERLOADED')).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    const text = await metrics();
    expect(metricValue(text, 'ballast_bulkhead_shed_total{provider="tight"}')).toBe(shed.length);
    expect(metricValue(text, 'ballast_circuit_breaker_state{provider="tight"}')).toBe(0);
  });

  it('moves every series that an alert or a dashboard panel reads, under traffic that fails, retries, falls back and sheds', async () => {
    // Fails, retries, falls back, opens a breaker; streams; a 404 problem.
    for (let i = 0; i < 3; i++) {
      await request(t.server)
        .post('/v1/chat/completions')
        .send({ model: 'chat', ...CHAT })
        .expect(200);
    }
    const streamed = await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'chat', stream: true, ...CHAT })
      .expect(200);
    expect(streamed.text).toContain('[DONE]');
    await request(t.server).get('/no/such/route').expect(404);
    // Every upstream gone: a 5xx to the client.
    failing.setDefault({ kind: 'status', status: 503 });
    healthy.setDefault({ kind: 'status', status: 503 });
    await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'chat', ...CHAT })
      .expect(503);
    healthy.setDefault(undefined);

    // A resumable stream, then resumed: the replay buffer holds it while the page is read.
    const resumable = await request(t.server)
      .post('/v1/chat/completions')
      .set('X-Ballast-Resumable', 'true')
      .send({ model: 'chat', stream: true, ...CHAT })
      .expect(200);
    expect(resumable.text).toContain('[DONE]');
    const resumed = await request(t.server).get(`/v1/chat/streams/${resumable.headers['x-request-id']}?after=0`).expect(200);
    expect(resumed.text).toContain('[DONE]');
    // A stream cut after two chunks, continued on the prefill entry.
    healthy.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const continued = await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'continued', stream: true, ...CHAT })
      .expect(200);
    expect(continued.text).toContain(': continued');

    // A stream held open while the page is read: the active-streams gauge is up.
    healthy.enqueue({ kind: 'drip', intervalMs: 2_000 });
    const client = new AbortController();
    const open = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', stream: true, ...CHAT }),
      signal: client.signal,
    });
    const reader = open.body!.getReader();
    await reader.read();
    const pages = [await metrics()];
    client.abort();
    await reader.cancel().catch(() => undefined);

    // Rate limits: one replica that refuses, one whose store is unreachable (fails open).
    const only = {
      providers: { healthy: { type: 'openai', baseUrl: healthy.url } },
      models: { chat: { route: [{ provider: 'healthy', model: 'h' }] } },
    };
    for (const env of [{ RATE_LIMIT_RPM: '1' }, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }]) {
      const replica = await createStartedApp({ controllers: [V1TestController], env: { MODELS_FILE: writeModelsFile(only), ...env } });
      try {
        await request(replica.server).get('/v1/__test/ping');
        await request(replica.server).get('/v1/__test/ping');
        await request(replica.server).get('/v1/__test/ping');
        if (env.REDIS_URL) {
          // The replay buffer's Redis is gone too: the stream is kept in memory, and the store error counted.
          await request(replica.server)
            .post('/v1/chat/completions')
            .set('X-Ballast-Resumable', 'true')
            .send({ model: 'chat', stream: true, ...CHAT })
            .expect(200);
        }
        pages.push((await request(replica.server).get('/metrics')).text);
      } finally {
        await replica.close();
      }
    }
    pages.push(await tracedPage(only, healthy));

    const unwired = seriesReadByAlertsAndDashboard().filter(
      (family) => !(family in FED_BY_FEATURES_IN_FLIGHT) && !pages.some((page) => (largestSample(page, family) ?? 0) > 0),
    );
    expect(unwired).toEqual([]);
    expect(seriesReadByAlertsAndDashboard()).toEqual(
      expect.arrayContaining(['ballast_ocr_queue_shed_total', 'ballast_bulkhead_shed_total']),
    );
  }, 90_000);
});
