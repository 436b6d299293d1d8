import request from 'supertest';
import type { Server } from 'node:http';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { RedisServer, startRedisServer } from '../support/redis-server';
import { V1TestController } from './v1-test.controller';

/** Readiness reports Redis as information: wait for the state wanted rather than for a fixed time. */
async function readiness(server: Server, redisState: 'up' | 'down', timeoutMs = 5000): Promise<request.Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(server).get('/health/ready');
    if ((res.body as { details?: { redis?: { state?: string } } }).details?.redis?.state === redisState || Date.now() > deadline) {
      return res;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('rate limits shared through Redis', () => {
  let redis: RedisServer | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    if (!redis) {
      return;
    }
    const env = { REDIS_URL: redis.url, RATE_LIMIT_RPM: '5' };
    a = await createStartedApp({ controllers: [V1TestController], env });
    b = await createStartedApp({ controllers: [V1TestController], env });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('lets two replicas together allow RATE_LIMIT_RPM requests, then refuses with 429 and Retry-After', async () => {
    if (!redis) {
      return;
    }
    expect((await readiness(a.server, 'up')).body.details.redis).toEqual({ status: 'up', state: 'up' });
    expect((await readiness(b.server, 'up')).status).toBe(200);
    const replicas = [a, b, a, b, a];
    for (const [index, replica] of replicas.entries()) {
      const res = await request(replica.server).get('/v1/__test/ping').expect(200);
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"api";r=${4 - index};t=\\d+$`));
    }
    const refused = await request(b.server).get('/v1/__test/ping').expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await request(a.server).get('/v1/__test/ping').expect(429);
  });

  it('keeps serving when Redis goes away (fail open), counts it, and readiness stays 200 and says Redis is down', async () => {
    if (!redis) {
      return;
    }
    await redis.stop();
    // Both were refused a moment ago; with the store gone they are let through, not failed.
    await request(a.server).get('/v1/__test/ping').expect(200);
    await request(b.server).get('/v1/__test/ping').expect(200);
    const res = await request(a.server).get('/v1/__test/ping').expect(200);
    expect(res.headers.ratelimit).toBeUndefined();
    expect((await request(a.server).get('/metrics')).text).toMatch(/^ballast_rate_limit_store_errors_total [2-9]$/m);
    const ready = await readiness(a.server, 'down');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toMatchObject({
      status: 'up',
      state: 'down',
      message: expect.stringContaining('Redis is unreachable'),
    });
    expect(ready.text).not.toContain(String(redis.port));
    expect(a.logs.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/fail(ing)? open/) }));
  });
});
