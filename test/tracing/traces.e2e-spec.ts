import sharp from 'sharp';
import { BallastProcess, spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { twoUpstreamModels, writeModelsFile } from '../support/models-file';
import { OtlpReceiver, ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { startTestUpstream, TestUpstream } from '../upstream';

const PROMPT = 'PROMPT-TEXT-do-not-trace-4f1c';
const PROVIDER_KEY = 'sk-provider-SECRET-9b2e';
const CLIENT_KEY = 'client-key-SECRET-77aa';
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/** Ballast as production runs it (a child process, SDK started by main.ts), exporting to a receiver this test owns. */
async function startTracedBallast(primary: TestUpstream, backup: TestUpstream, env: Record<string, string>) {
  const models = twoUpstreamModels(primary.url, backup.url, { retries: 0 });
  (models.providers.primary as Record<string, unknown>).apiKey = PROVIDER_KEY;
  // The same upstream again, as a provider that retries and one whose breaker opens on its first failure.
  Object.assign(models.providers, {
    retrying: { type: 'openai', baseUrl: primary.url, resilience: { retries: 1, backoffBaseMs: 40, backoffMaxMs: 40 } },
    fragile: {
      type: 'openai',
      baseUrl: primary.url,
      resilience: { retries: 0, breaker: { minCalls: 1, failureRate: 0.5, cooldownMs: 600_000 } },
    },
  });
  Object.assign(models.models, {
    retrying: { route: [{ provider: 'retrying', model: 'primary-model' }] },
    guarded: {
      route: [
        { provider: 'fragile', model: 'primary-model' },
        { provider: 'backup', model: 'backup-model' },
      ],
    },
  });
  const ballast = spawnBallast({
    MODELS_FILE: writeModelsFile(models),
    API_KEYS: CLIENT_KEY,
    OTEL_SERVICE_NAME: 'ballast-under-test',
    OTEL_BSP_SCHEDULE_DELAY: '20',
    ...env,
  });
  const port = await ballast.listening;
  await waitUntilReady(port);
  return { ballast, base: `http://127.0.0.1:${port}` };
}

function chat(base: string, body: object, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}`, ...headers },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: PROMPT }], ...body }),
  });
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** A number the process only publishes: read it until it holds (bounded). */
async function eventually(read: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const since = Date.now();
  while (!(await read())) {
    if (Date.now() - since > limitMs) {
      throw new Error(`condition not met within ${limitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const traceOf = (spans: ReceivedSpan[], requestId: string) => {
  const server = spans.find((s) => s.kind === SERVER && s.attributes['ballast.request_id'] === requestId);
  return server ? spans.filter((s) => s.traceId === server.traceId) : [];
};

describe('OpenTelemetry traces (child process, real OTLP/HTTP exporter)', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;
  let receiver: OtlpReceiver;
  let traced: { ballast: BallastProcess; base: string };

  beforeAll(async () => {
    primary = await startTestUpstream({ name: 'primary-model' });
    backup = await startTestUpstream({ name: 'backup-model', chunks: 4 });
    receiver = await startOtlpReceiver();
    traced = await startTracedBallast(primary, backup, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
  }, 60_000);
  afterAll(async () => {
    await traced?.ballast.stop();
    await Promise.all([primary.close(), backup.close(), receiver.close()]);
  });
  beforeEach(() => {
    primary.reset();
    backup.reset();
  });

  it('turns a failed first attempt and its fallback into one trace: server span, two gen_ai attempt spans, a fallback event', async () => {
    primary.enqueue({ kind: 'status', status: 503 });
    const parentTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const res = await chat(traced.base, { max_tokens: 64, temperature: 0.5 }, { traceparent: `00-${parentTraceId}-${parentSpanId}-01` });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fallback-used')).toBe('true');
    const requestId = res.headers.get('x-request-id')!;

    const trace = await receiver.waitFor((spans) => {
      const found = traceOf(spans, requestId);
      return found.filter((s) => s.kind === CLIENT).length >= 2 && found;
    });
    const server = trace.find((s) => s.kind === SERVER)!;
    expect(server.traceId).toBe(parentTraceId);
    expect(server.parentSpanId).toBe(parentSpanId);
    expect(server.serviceName).toBe('ballast-under-test');
    expect(server.name).toBe('POST /v1/chat/completions');
    expect(server.attributes).toMatchObject({
      'http.route': '/v1/chat/completions',
      'ballast.request_id': requestId,
      'ballast.attempts': 2,
      'ballast.fallback': true,
    });
    expect(server.events.find((e) => e.name === 'ballast.fallback')?.attributes).toMatchObject({
      'ballast.route.entry': 'chat/backup/backup-model',
      'ballast.fallback.from': 'chat/primary/primary-model',
      'ballast.error.code': 'UPSTREAM_UNAVAILABLE',
    });

    const [first, second] = trace
      .filter((s) => s.kind === CLIENT)
      .sort((a, b) => Number(a.attributes['ballast.attempt']) - Number(b.attributes['ballast.attempt']));
    for (const attempt of [first, second]) {
      expect(attempt.parentSpanId).toBe(server.spanId);
      expect(attempt.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.max_tokens': 64,
        'gen_ai.request.temperature': 0.5,
        'ballast.breaker.state': 'closed',
      });
    }
    expect(first.name).toBe('chat primary-model');
    expect(first.status.code).toBe(ERROR);
    expect(first.attributes).toMatchObject({
      'gen_ai.request.model': 'primary-model',
      'ballast.attempt': 1,
      'ballast.fallback': false,
      'ballast.route.entry': 'chat/primary/primary-model',
      'ballast.error.code': 'UPSTREAM_UNAVAILABLE',
      'error.type': 'UPSTREAM_UNAVAILABLE',
      'http.response.status_code': 503,
    });
    expect(second.name).toBe('chat backup-model');
    expect(second.status.code).not.toBe(ERROR);
    expect(second.attributes).toMatchObject({
      'gen_ai.request.model': 'backup-model',
      'gen_ai.response.model': 'backup-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'ballast.attempt': 2,
      'ballast.fallback': true,
      'ballast.route.entry': 'chat/backup/backup-model',
    });
    expect(second.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(second.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    // Every log line of the request names its trace.
    const lines = traced.ballast.stdout
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.request_id === requestId);
    expect(lines.find((l) => l.msg === 'request completed')?.trace_id).toBe(parentTraceId);
    expect(lines.find((l) => l.msg === 'model call failed')?.trace_id).toBe(parentTraceId);

    // Each upstream got the traceparent of the attempt span that called it.
    expect(primary.requests[0].headers.traceparent).toBe(`00-${parentTraceId}-${first.spanId}-01`);
    expect(backup.requests[0].headers.traceparent).toBe(`00-${parentTraceId}-${second.spanId}-01`);
  });

  it('records a retry as an event, and the wait on the attempt that follows it', async () => {
    primary.enqueue({ kind: 'status', status: 503 });
    const res = await chat(traced.base, { model: 'retrying' });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    const trace = await receiver.waitFor((spans) => {
      const found = traceOf(spans, requestId);
      return found.filter((s) => s.kind === CLIENT).length >= 2 && found;
    });
    const retry = trace.find((s) => s.kind === SERVER)!.events.find((e) => e.name === 'ballast.retry');
    expect(retry?.attributes).toMatchObject({
      'ballast.provider': 'retrying',
      'ballast.attempt': 1,
      'ballast.error.code': 'UPSTREAM_UNAVAILABLE',
    });
    const wait = retry!.attributes['ballast.retry.wait_ms'];
    expect(typeof wait).toBe('number');
    const second = trace.find((s) => s.kind === CLIENT && s.attributes['ballast.attempt'] === 2)!;
    expect(second.attributes).toMatchObject({
      'ballast.retry.wait_ms': wait,
      'ballast.fallback': false,
      'ballast.breaker.state': 'closed',
    });
    expect(trace.find((s) => s.kind === CLIENT && s.attributes['ballast.attempt'] === 1)!.attributes['ballast.retry.wait_ms']).toBe(0);
  });

  it('records a route entry skipped for its open breaker as an event', async () => {
    primary.enqueue({ kind: 'status', status: 503 });
    expect((await chat(traced.base, { model: 'guarded' })).status).toBe(200); // opens fragile's breaker
    const res = await chat(traced.base, { model: 'guarded' });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    const trace = await receiver.waitFor((spans) => {
      const found = traceOf(spans, requestId);
      return found.some((s) => s.kind === CLIENT) && found;
    });
    const server = trace.find((s) => s.kind === SERVER)!;
    expect(server.events.find((e) => e.name === 'ballast.breaker.skip')?.attributes).toEqual({
      'ballast.route.entry': 'guarded/fragile/primary-model',
      'ballast.skip.reason': 'circuit-open',
    });
    const attempts = trace.filter((s) => s.kind === CLIENT);
    expect(attempts.map((s) => s.attributes['ballast.route.entry'])).toEqual(['guarded/backup/backup-model']);
  });

  it('gives a streaming attempt span its time to first chunk and token usage', async () => {
    const res = await chat(traced.base, { stream: true });
    expect(res.status).toBe(200);
    await res.text();
    const requestId = res.headers.get('x-request-id')!;
    const attempt = await receiver.waitFor((spans) => traceOf(spans, requestId).find((s) => s.kind === CLIENT));
    expect(attempt.attributes['gen_ai.request.stream']).toBe(true);
    expect(attempt.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(attempt.attributes['gen_ai.response.time_to_first_chunk']).toBeLessThan(10);
    expect(attempt.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(attempt.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(attempt.status.code).not.toBe(ERROR);
  });

  it('ends the spans of a stream whose client leaves mid-way: the active-span gauge returns to 0', async () => {
    primary.enqueue({ kind: 'drip', intervalMs: 300 });
    const res = await chat(traced.base, { stream: true });
    const requestId = res.headers.get('x-request-id')!;
    const reader = res.body!.getReader();
    await reader.read();
    expect(await metric(traced.base, 'ballast_trace_spans_active')).toBeGreaterThan(0);
    await reader.cancel();

    const attempt = await receiver.waitFor((spans) => traceOf(spans, requestId).find((s) => s.kind === CLIENT));
    expect(attempt.status.code).toBe(ERROR);
    expect(attempt.attributes['ballast.error.code']).toBe('CLIENT_CLOSED_REQUEST');
    expect(attempt.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    await eventually(async () => (await metric(traced.base, 'ballast_trace_spans_active')) === 0);
  });

  it('exports no prompt text, API key or image byte by default', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } })
      .png()
      .toBuffer();
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } };
    const res = await chat(traced.base, { messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }, image] }] });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    await receiver.waitFor((spans) => traceOf(spans, requestId).find((s) => s.kind === CLIENT));
    const sentImage = String(primary.requests[0].body.messages[0].content[1].image_url.url).split('base64,')[1];
    expect(sentImage.length).toBeGreaterThan(100);

    const captured = Buffer.concat(receiver.bodies).toString('utf8');
    expect(captured).toContain(requestId);
    expect(captured).not.toContain(PROMPT);
    expect(captured).not.toContain(PROVIDER_KEY);
    expect(captured).not.toContain(CLIENT_KEY);
    expect(captured).not.toContain(sentImage.slice(0, 64));
    expect(captured).not.toContain(png.toString('base64').slice(0, 64));
  });
});
