import request from 'supertest';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { NonApiTestController, V1TestController } from './v1-test.controller';

const K1 = 'k1-7f3a9c2e51d04b8a';
const K2 = 'k2-0b6e4d2f93a17c55';

describe('API keys', () => {
  describe('with API_KEYS=k1,k2', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createStartedApp({ controllers: [V1TestController, NonApiTestController], env: { API_KEYS: `${K1}, ${K2}` } });
    });
    afterAll(() => t.close());

    it.each([
      ['no key', {}],
      ['a wrong bearer key', { Authorization: 'Bearer k1-7f3a9c2e51d04b8b' }],
      ['a wrong x-api-key', { 'x-api-key': 'nope' }],
      ['a key prefix', { Authorization: `Bearer ${K1.slice(0, 8)}` }],
      ['another scheme', { Authorization: `Basic ${K1}` }],
      ['an empty bearer', { Authorization: 'Bearer ' }],
    ])('refuses %s with a 401 problem that says nothing about the key', async (_label, headers: Record<string, string>) => {
      const res = await request(t.server).get('/v1/__test/ping').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ballast"');
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, retryable: false, error: { type: 'authentication_error' } });
      for (const secret of [K1, K2, K1.slice(0, 8), 'k1-', 'k2-', 'nope']) {
        expect(JSON.stringify(res.headers) + res.text).not.toContain(secret);
      }
    });

    it('does not let a differently-cased path around the check', async () => {
      // Paths are case-sensitive on Fastify (Express matched them in any case): /V1/__test/PING is no route at all,
      // so it is 404, not 401. What matters is that no differently-cased path reaches a handler without the key.
      const res = await request(t.server).get('/V1/__test/PING').expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it('leaves a body of a type it does not parse to the guards: 401 without a key, served with one', async () => {
      const unauthenticated = await request(t.server).post('/v1/__test/ping').set('Content-Type', 'text/plain').send('hello').expect(401);
      expect(unauthenticated.body.code).toBe('UNAUTHENTICATED');
      await request(t.server).post('/v1/__test/ping').set('x-api-key', K1).set('Content-Type', 'text/plain').send('hello').expect(201);
    });

    it.each([
      ['k1 as a bearer token', { Authorization: `Bearer ${K1}` }],
      ['k2 as a bearer token (scheme in any case)', { Authorization: `bearer ${K2}` }],
      ['k2 as x-api-key', { 'x-api-key': K2 }],
    ])('accepts %s', async (_label, headers: Record<string, string>) => {
      await request(t.server).post('/v1/__test/ping').set(headers).expect(201, { ok: true });
    });

    it('keeps health, metrics, docs and problem pages open', async () => {
      await request(t.server).get('/health/live').expect(200);
      await request(t.server).get('/health/ready').expect(200);
      await request(t.server).get('/metrics').expect(200);
      await request(t.server).get('/docs-json').expect(200);
      await request(t.server).get('/problems/unauthenticated').expect(200);
      await request(t.server).get('/__test/ping').expect(200);
    });

    it('never writes a key to the logs or the metrics', async () => {
      const metrics = (await request(t.server).get('/metrics')).text;
      await new Promise((resolve) => setImmediate(resolve));
      for (const secret of [K1, K2]) {
        expect(t.logs.text()).not.toContain(secret);
        expect(metrics).not.toContain(secret);
      }
      expect(t.logs.lines.some((line) => line.code === 'UNAUTHENTICATED')).toBe(true);
    });
  });

  it('rate-limits per key: one key running out leaves the other its own budget', async () => {
    const t = await createStartedApp({ controllers: [V1TestController], env: { API_KEYS: `${K1},${K2}`, RATE_LIMIT_RPM: '1' } });
    try {
      await request(t.server).get('/v1/__test/ping').set('Authorization', `Bearer ${K1}`).expect(200);
      await request(t.server).get('/v1/__test/ping').set('Authorization', `Bearer ${K1}`).expect(429);
      await request(t.server).get('/v1/__test/ping').set('x-api-key', K1).expect(429);
      await request(t.server).get('/v1/__test/ping').set('Authorization', `Bearer ${K2}`).expect(200);
      // Refused requests are not counted against anyone: authentication runs before the limiter.
      await request(t.server).get('/v1/__test/ping').set('x-api-key', 'wrong').expect(401);
    } finally {
      await t.close();
    }
  });

  describe('without API_KEYS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createStartedApp({ controllers: [V1TestController] });
    });
    afterAll(() => t.close());

    it('serves /v1 routes without a key', async () => {
      await request(t.server).get('/v1/__test/ping').expect(200);
    });

    it('warns at start-up that the API is open', () => {
      expect(t.logs.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/API_KEYS is not set/) }));
    });
  });
});
