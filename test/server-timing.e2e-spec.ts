import { createTestApp, TestApp } from './support/create-test-app';
import { twoUpstreamModels, writeModelsFile } from './support/models-file';
import { startTestUpstream, TestUpstream } from './upstream';

/** `ballast;dur=1.2, upstream;dur=3.4` → { ballast: 1.2, upstream: 3.4 } */
function parseServerTiming(header: string | null): Record<string, number> {
  return Object.fromEntries(
    (header ?? '').split(',').map((entry) => {
      const [name, ...params] = entry.trim().split(';');
      const dur = params.find((p) => p.startsWith('dur='));
      return [name, Number(dur?.slice(4))];
    }),
  );
}

/** chat: primary then backup; narrow: the primary upstream behind a bulkhead of one. */
function models() {
  const config = twoUpstreamModels(primary.url, backup.url, { retries: 1, backoffBaseMs: 80, backoffMaxMs: 80 });
  Object.assign(config.providers, { narrow: { type: 'openai', baseUrl: primary.url, maxConcurrency: 1, maxQueue: 4 } });
  Object.assign(config.models, { narrow: { route: [{ provider: 'narrow', model: 'primary-model' }] } });
  return config;
}

let primary: TestUpstream;
let backup: TestUpstream;

describe('Server-Timing and X-Ballast-Attempts on model answers', () => {
  let t: TestApp;

  beforeAll(async () => {
    [primary, backup] = await Promise.all([startTestUpstream({ name: 'primary-model' }), startTestUpstream({ name: 'backup-model' })]);
    t = await createTestApp({
      listen: true,
      env: { MODELS_FILE: writeModelsFile(models()) },
    });
  });
  afterEach(() => {
    primary.reset();
    backup.reset();
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  const post = (body: object) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }], ...body }),
    });
  const summaryOf = (requestId: string) => t.logs.forRequest(requestId).find((line) => line.msg === 'request completed')!;

  it('says where the time went, and agrees with the summary line: a retry, its backoff, then a slow answer', async () => {
    primary.enqueue({ kind: 'status', status: 503 }, { kind: 'latency', ms: 150 });
    const res = await post({});
    expect(res.status).toBe(200);
    await res.json();
    const timing = parseServerTiming(res.headers.get('server-timing'));
    expect(res.headers.get('x-ballast-attempts')).toBe('2');
    expect(Object.keys(timing)).toEqual(['ballast', 'upstream', 'failed', 'backoff', 'queue']);
    expect(timing.upstream).toBeGreaterThanOrEqual(150);
    expect(timing.failed).toBeGreaterThan(0);
    expect(timing.backoff).toBeGreaterThanOrEqual(0);
    expect(timing.ballast).toBeGreaterThanOrEqual(0);

    const summary = summaryOf(res.headers.get('x-request-id')!);
    expect(summary.attempts).toBe(2);
    expect(summary.server_timing).toEqual(timing);
    // Ballast's own time plus the parts is the time to the answer, which the whole request outlasts.
    const parts = timing.ballast + timing.upstream + timing.failed + timing.backoff + timing.queue;
    expect(parts).toBeLessThanOrEqual(Number(summary.duration_ms) + 1);
  });

  it('counts the attempts of a fallback', async () => {
    primary.enqueue({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const res = await post({});
    expect(res.status).toBe(200);
    await res.json();
    expect(res.headers.get('x-fallback-used')).toBe('true');
    expect(res.headers.get('x-ballast-attempts')).toBe('3');
    expect(summaryOf(res.headers.get('x-request-id')!).attempts).toBe(3);
  });

  it('reports the wait for a bulkhead slot as queue', async () => {
    primary.enqueue({ kind: 'latency', ms: 300 });
    const first = post({ model: 'narrow' });
    await primary.waitForRequests(1);
    const res = await post({ model: 'narrow' });
    await res.json();
    await (await first).json();
    const timing = parseServerTiming(res.headers.get('server-timing'));
    expect(timing.queue).toBeGreaterThanOrEqual(200);
    expect(timing.upstream).toBeLessThan(timing.queue);
    expect(summaryOf(res.headers.get('x-request-id')!).server_timing).toEqual(timing);
  });

  it('on a stream carries what is known at the first event (upstream = time to first chunk), as the summary line does', async () => {
    primary.enqueue({ kind: 'latency', ms: 120 });
    const res = await post({ stream: true });
    expect(res.status).toBe(200);
    await res.text();
    const timing = parseServerTiming(res.headers.get('server-timing'));
    expect(res.headers.get('x-ballast-attempts')).toBe('1');
    expect(timing.upstream).toBeGreaterThanOrEqual(120);
    const summary = summaryOf(res.headers.get('x-request-id')!);
    expect(summary.server_timing).toEqual(timing);
    expect(summary.attempts).toBe(1);
  });
});
