import request from 'supertest';
import { createTestApp, TestApp } from '../support/create-test-app';
import { RedisServer, startRedisServer } from '../support/redis-server';
import { createStartedApp } from './started-app';
import { V1TestController } from './v1-test.controller';

const KEY = 'edge-abuse-key-5c1d9e';

/** Issue 12 item 10: the edge resists guessing, a hung Redis, and reveals no versions. */
describe('edge abuse', () => {
  describe('failed authentications', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ controllers: [V1TestController], env: { API_KEYS: KEY, AUTH_FAILURES_PER_MINUTE: '3' } });
    });
    afterAll(() => t.close());

    it('are limited per client IP: past AUTH_FAILURES_PER_MINUTE, 429 with Retry-After, even for a right key', async () => {
      for (let i = 0; i < 5; i++) {
        await request(t.server).get('/v1/__test/ping').expect(401); // no key at all: not a guess, not counted
      }
      for (let i = 0; i < 3; i++) {
        await request(t.server).get('/v1/__test/ping').set('x-api-key', `guess-${i}`).expect(401);
      }
      const refused = await request(t.server).get('/v1/__test/ping').set('x-api-key', 'guess-4').expect(429);
      expect(refused.body).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringMatching(/failed authentications/) });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      await request(t.server).get('/v1/__test/ping').set('x-api-key', KEY).expect(429);
      await request(t.server).get('/health/live').expect(200);
    });
  });

  describe('docs', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('serves the UI and what it loads, and nothing else of swagger-ui-dist', async () => {
      const page = await request(t.server).get('/docs/').expect(200);
      for (const asset of page.text.match(/(?:href|src)="\.\/([^"]+)"/g) ?? []) {
        await request(t.server)
          .get(`/docs/${asset.replace(/^(?:href|src)="\.\/|"$/g, '')}`)
          .expect(200);
      }
      for (const leak of [
        '/docs/package.json',
        '/docs/swagger-ui-bundle.js.map',
        '/docs/README.md',
        '/docs/index.html',
        '/docs/oauth2-redirect.html',
      ]) {
        const res = await request(t.server).get(leak).expect(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
    });

    it('can be turned off (DOCS=false)', async () => {
      const off = await createTestApp({ env: { DOCS: 'false' } });
      try {
        await request(off.server).get('/docs').expect(404);
        await request(off.server).get('/docs-json').expect(404);
      } finally {
        await off.close();
      }
    });
  });

  describe('a hung Redis', () => {
    let redis: RedisServer | undefined;
    let t: TestApp;
    beforeAll(async () => {
      redis = await startRedisServer();
      if (redis) {
        t = await createStartedApp({ controllers: [V1TestController], env: { REDIS_URL: redis.url } });
      }
    });
    afterAll(async () => {
      redis?.resume();
      await t?.close();
      await redis?.stop();
    });

    it('costs a few milliseconds per request, then none while the breaker is open', async () => {
      if (!redis) {
        return;
      }
      await request(t.server).get('/v1/__test/ping').expect(200);
      redis.pause();
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await request(t.server).get('/v1/__test/ping').expect(200);
        times.push(performance.now() - started);
      }
      // Without the command timeout and breaker: 500 ms each.
      expect(times.slice(0, 3).every((ms) => ms < 300)).toBe(true);
      expect(Math.max(...times.slice(3))).toBeLessThan(100);
      expect((await request(t.server).get('/metrics')).text).toMatch(/^ballast_rate_limit_store_errors_total (?:[1-9]\d*)$/m);
      expect((await request(t.server).get('/health/ready').expect(200)).body.details.redis).toMatchObject({ state: expect.any(String) });
    });
  });
});
