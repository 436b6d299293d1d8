import request from 'supertest';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { NonApiTestController, V1TestController } from './v1-test.controller';

describe('rate limits (in-memory store)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createStartedApp({ controllers: [V1TestController, NonApiTestController], env: { RATE_LIMIT_RPM: '3' } });
  });
  afterAll(() => t.close());

  it('allows RATE_LIMIT_RPM requests a minute on /v1, with the IETF RateLimit headers', async () => {
    for (const remaining of [2, 1, 0]) {
      const res = await request(t.server).get('/v1/__test/ping').expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"api";q=3;w=60');
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"api";r=${remaining};t=\\d+$`));
    }
  });

  it('refuses the next with a 429 RATE_LIMITED problem and Retry-After, and counts it', async () => {
    const res = await request(t.server).get('/v1/__test/ping').expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.body).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryable: true, retry_after: retryAfter });
    expect(res.headers.ratelimit).toBe(`"api";r=0;t=${retryAfter}`);
    const metrics = (await request(t.server).get('/metrics')).text;
    expect(metrics).toMatch(/^ballast_rate_limited_total 1$/m);
    expect(metrics).toMatch(/^ballast_rate_limit_store_errors_total 0$/m);
  });

  it('never limits health, metrics, docs, problem pages or non-API routes', async () => {
    for (let i = 0; i < 5; i++) {
      await request(t.server).get('/health/live').expect(200);
      await request(t.server).get('/health/ready').expect(200);
      await request(t.server).get('/metrics').expect(200);
      await request(t.server).get('/docs-json').expect(200);
      await request(t.server).get('/problems/rate-limited').expect(200);
      const res = await request(t.server).get('/__test/ping').expect(200);
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
  });
});

describe('rate limits per client IP', () => {
  it.each([
    ['honours X-Forwarded-For when TRUST_PROXY=true', 'true', [200, 200, 200]],
    ['ignores X-Forwarded-For by default', 'false', [200, 429, 429]],
  ])('%s', async (_label, trustProxy, statuses) => {
    const t = await createStartedApp({ controllers: [V1TestController], env: { RATE_LIMIT_RPM: '1', TRUST_PROXY: trustProxy } });
    try {
      const seen = [];
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        seen.push((await request(t.server).get('/v1/__test/ping').set('X-Forwarded-For', ip)).status);
      }
      expect(seen).toEqual(statuses);
    } finally {
      await t.close();
    }
  });
});
