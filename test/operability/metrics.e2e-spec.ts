import request from 'supertest';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { V1TestController } from './v1-test.controller';

/** Contract section 7. */
const CONTRACT_METRICS = [
  'ballast_http_requests_total',
  'ballast_http_request_duration_seconds',
  'ballast_model_requests_total',
  'ballast_model_request_duration_seconds',
  'ballast_model_time_to_first_token_seconds',
  'ballast_model_retries_total',
  'ballast_model_fallbacks_total',
  'ballast_circuit_breaker_state',
  'ballast_errors_total',
  'ballast_sse_streams_active',
  'ballast_model_tokens_total',
  'ballast_rate_limited_total',
];
const DEFAULT_PROCESS_METRICS = [
  'process_cpu_user_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_seconds',
];

/** Names with a `# HELP` line: prom-client prints one for every registered metric, even before its first sample. */
function registeredNames(text: string): string[] {
  return [...text.matchAll(/^# HELP (\S+) /gm)].map((match) => match[1]);
}

function routeLabels(text: string): Set<string> {
  return new Set([...text.matchAll(/^ballast_http_requests_total\{[^}]*route="([^"]*)"/gm)].map((match) => match[1]));
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createStartedApp({ controllers: [V1TestController] });
  });
  afterAll(() => t.close());

  it('serves the Prometheus text format', async () => {
    const res = await request(t.server).get('/metrics').expect(200);
    const [type, ...parameters] = res.headers['content-type'].split(/;\s*/);
    expect(type).toBe('text/plain');
    expect(parameters.sort()).toEqual(['charset=utf-8', 'version=0.0.4']);
    expect(res.text).toMatch(/^# HELP /);
  });

  it('registers every metric of contract section 7 and the default process metrics', async () => {
    const names = registeredNames((await request(t.server).get('/metrics').expect(200)).text);
    expect(names).toEqual(expect.arrayContaining([...CONTRACT_METRICS, ...DEFAULT_PROCESS_METRICS]));
  });

  it('labels HTTP metrics by route template, and unknown paths do not make new label values', async () => {
    await request(t.server).get('/v1/__test/ping').expect(200);
    await request(t.server).get('/health/live').expect(200);
    const before = routeLabels((await request(t.server).get('/metrics')).text);
    const random = `/no-such-${Math.random().toString(36).slice(2)}/${Date.now()}`;
    await request(t.server).get(random).expect(404);
    await request(t.server).get(`${random}/again`).expect(404);
    const text = (await request(t.server).get('/metrics')).text;
    const after = routeLabels(text);
    expect(text).not.toContain('no-such-');
    expect(after).toContain('/v1/__test/ping');
    expect(after).toContain('/health/live');
    expect(after).toContain('(unmatched)');
    // The only value the unknown paths may add is the one shared "(unmatched)" bucket.
    expect([...after].filter((route) => !before.has(route))).toEqual(before.has('(unmatched)') ? [] : ['(unmatched)']);
  });

  it('counts problem responses by code', async () => {
    await request(t.server).get('/nothing/here').expect(404);
    expect((await request(t.server).get('/metrics')).text).toMatch(/^ballast_errors_total\{code="NOT_FOUND"\} [1-9]/m);
  });
});
