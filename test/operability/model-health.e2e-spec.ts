import { createServer } from 'node:net';
import request from 'supertest';
import { generateFixtures } from '../fixtures/generate-fixtures';
import { TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream } from '../upstream';
import { createStartedApp } from './started-app';

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

const BREAKER = { retries: 0, breaker: { failureRate: 0.5, minCalls: 2, windowMs: 60_000, cooldownMs: 60_000 } };

describe('model health while every upstream is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    const [a, b] = [await closedPortUrl(), await closedPortUrl()];
    t = await createStartedApp({
      env: {
        MODELS_FILE: writeModelsFile({
          providers: { a: { type: 'openai', baseUrl: a, resilience: BREAKER }, b: { type: 'openai', baseUrl: b, resilience: BREAKER } },
          models: {
            chat: {
              route: [
                { provider: 'a', model: 'x' },
                { provider: 'b', model: 'y' },
              ],
            },
          },
        }),
      },
    });
  });
  afterAll(() => t.close());

  it('keeps readiness 200 and shows the models down', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await request(t.server)
        .post('/v1/chat/completions')
        .send({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.status).toBe(503);
    }
    const ready = await request(t.server).get('/health/ready').expect(200);
    expect(JSON.stringify(ready.body)).toContain('down');
    const models = await request(t.server).get('/health/models').expect(200);
    const text = JSON.stringify(models.body);
    expect(text).toContain('"open"');
    expect(text).toContain('UPSTREAM_UNAVAILABLE');
    const open = await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
      .expect(503);
    expect(open.body).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true, retry_after: expect.any(Number) });
    expect(open.headers['retry-after']).toBeDefined();
  });
});

describe('idle probes', () => {
  let t: TestApp;

  afterAll(() => t.close());

  it('probe a dead idle upstream with GET /models (never a completion) and open its breaker', async () => {
    t = await createStartedApp({
      env: {
        MODEL_PROBE_INTERVAL_MS: '50',
        MODELS_FILE: writeModelsFile({
          providers: { a: { type: 'openai', baseUrl: await closedPortUrl(), resilience: BREAKER } },
          models: { chat: { route: [{ provider: 'a', model: 'x' }] } },
        }),
      },
    });
    const deadline = Date.now() + 5000;
    let body = '';
    while (!body.includes('"open"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the probe interval is the subject
      body = JSON.stringify((await request(t.server).get('/health/models')).body);
    }
    expect(body).toContain('"open"');
    expect(body).toMatch(/"ok":false/);
  });
});

describe('metrics after one chat and one vision request', () => {
  let upstream: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    t = await createStartedApp({
      env: {
        MODELS_FILE: writeModelsFile({
          providers: { up: { type: 'openai', baseUrl: upstream.url }, local: { type: 'local' } },
          models: { chat: { route: [{ provider: 'up', model: 'm' }] }, ocr: { route: [{ provider: 'local', model: 'ocr' }] } },
        }),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('shows every contract metric with samples', async () => {
    await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
      .expect(200);
    await request(t.server)
      .post('/v1/chat/completions')
      .send({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .expect(200);
    const fixtures = await generateFixtures();
    await request(t.server).post('/v1/vision/ocr').attach('image', fixtures['ocr-text-png'].path).expect(200);
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    for (const sample of [
      'ballast_http_requests_total{method="POST",route="/v1/chat/completions",status="200"}',
      'ballast_http_requests_total{method="POST",route="/v1/vision/ocr",status="200"}',
      'ballast_http_request_duration_seconds_bucket',
      'ballast_model_requests_total{model="chat",provider="up",outcome="success"}',
      'ballast_model_requests_total{model="ocr",provider="local",outcome="success"}',
      'ballast_model_request_duration_seconds_bucket',
      'ballast_model_time_to_first_token_seconds_bucket',
      'ballast_model_retries_total',
      'ballast_model_fallbacks_total',
      'ballast_circuit_breaker_state{provider="up"} 0',
      'ballast_errors_total{code="MODEL_TIMEOUT"} 0',
      'ballast_sse_streams_active 0',
      'ballast_model_tokens_total{model="chat",provider="up",kind="completion"}',
      'ballast_rate_limited_total',
      'process_cpu_seconds_total',
    ]) {
      expect({ sample, found: text.includes(sample) }).toEqual({ sample, found: true });
    }
  });
});
