import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import request from 'supertest';
import { MODEL_HEALTH_SOURCE, ModelHealth, ModelHealthSource, StartupTracker } from '../../src/health';
import { ShutdownCoordinator } from '../../src/shutdown';
import { createTestApp, TestApp, TestAppOptions } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { V1TestController } from './v1-test.controller';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A module with start-up work, as the OCR warm-up will be. */
function warmUpModule(work: Promise<void>) {
  @Injectable()
  class WarmUp implements OnModuleInit {
    constructor(private readonly startup: StartupTracker) {}
    onModuleInit(): void {
      this.startup.track('warm-up', work);
    }
  }
  @Module({ providers: [WarmUp] })
  class WarmUpModule {}
  return WarmUpModule;
}

/**
 * Binds MODEL_HEALTH_SOURCE in a module that does not export it, as the model
 * layer may — and overrides the real binding, where the app has one.
 */
function withModelHealth(source: ModelHealthSource): TestAppOptions {
  @Module({ providers: [{ provide: MODEL_HEALTH_SOURCE, useValue: source }] })
  class FakeModelsModule {}
  return { imports: [FakeModelsModule], override: (builder) => builder.overrideProvider(MODEL_HEALTH_SOURCE).useValue(source) };
}

const ALL_DOWN: ModelHealth[] = [
  {
    name: 'chat',
    status: 'down',
    entries: [
      {
        provider: 'primary',
        model: 'qwen',
        breaker: 'open',
        successRate: 0,
        lastErrorCode: 'UPSTREAM_UNAVAILABLE',
        lastProbe: { at: '2025-01-01T00:00:00.000Z', ok: false },
      },
      { provider: 'backup', model: 'gpt', breaker: 'half-open', successRate: null },
    ],
  },
  { name: 'vision', status: 'down', entries: [{ provider: 'primary', model: 'vl', breaker: 'open', successRate: 0.1 }] },
];

describe('health probes', () => {
  describe('a started replica', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createStartedApp({ controllers: [V1TestController] });
    });
    afterAll(() => t.close());

    it('is live, started and ready, with a terminus body', async () => {
      await request(t.server).get('/health/live').expect(200);
      const startup = await request(t.server).get('/health/startup').expect(200);
      expect(startup.body).toMatchObject({ status: 'ok', details: { startup: { status: 'up' } } });
      const ready = await request(t.server).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        details: { startup: { status: 'up' }, shutdown: { status: 'up' }, models: { status: 'up' } },
      });
      expect(ready.body.details.redis).toBeUndefined();
      expect(ready.headers['cache-control']).toMatch(/no-store/);
    });

    it('turns readiness 503 at once when draining starts, while liveness and metrics keep answering', async () => {
      const drained = t.app.get(ShutdownCoordinator).drain();
      const ready = await request(t.server).get('/health/ready').expect(503);
      expect(ready.headers['content-type']).toMatch(/^application\/json/);
      expect(ready.body).toMatchObject({ status: 'error', error: { shutdown: { status: 'down' } } });
      await request(t.server).get('/health/live').expect(200);
      await request(t.server).get('/metrics').expect(200);
      const refused = await request(t.server).get('/v1/__test/ping').expect(503);
      expect(refused.body).toMatchObject({ code: 'SHUTTING_DOWN', retryable: true, retry_after: 1 });
      expect(refused.headers['retry-after']).toBe('1');
      await expect(drained).resolves.toEqual({ drained: true, remaining: 0 });
    });
  });

  describe('start-up work', () => {
    it('keeps /health/startup and /health/ready at 503 until every tracked task is done', async () => {
      const warmUp = deferred();
      const t = await createTestApp({ imports: [warmUpModule(warmUp.promise)] });
      try {
        const pending = await request(t.server).get('/health/startup').expect(503);
        expect(pending.body.error.startup.tasks['warm-up']).toEqual({ state: 'pending' });
        await request(t.server).get('/health/ready').expect(503);
        await request(t.server).get('/health/live').expect(200);
        warmUp.resolve();
        await t.app.get(StartupTracker).whenSettled();
        const done = await request(t.server).get('/health/startup').expect(200);
        expect(done.body.details.startup.tasks['warm-up']).toMatchObject({ state: 'done', duration_ms: expect.any(Number) });
        await request(t.server).get('/health/ready').expect(200);
      } finally {
        await t.close();
      }
    });

    it('reports a failed task without its error text, and logs the error', async () => {
      const warmUp = deferred();
      const t = await createTestApp({ imports: [warmUpModule(warmUp.promise)] });
      try {
        warmUp.reject(new Error('tesseract exploded at /srv/secret/path'));
        await t.app.get(StartupTracker).whenSettled();
        const res = await request(t.server).get('/health/startup').expect(503);
        expect(res.body.error.startup.tasks['warm-up'].state).toBe('failed');
        expect(res.text).not.toContain('/srv/secret');
        expect(t.logs.text()).toContain('tesseract exploded');
      } finally {
        await t.close();
      }
    });
  });

  describe('model health', () => {
    it('stays ready while every model is down, and shows them down', async () => {
      const t = await createStartedApp(withModelHealth({ models: () => ALL_DOWN }));
      try {
        const ready = await request(t.server).get('/health/ready').expect(200);
        expect(ready.body.details.models).toEqual({ status: 'up', models: { chat: 'down', vision: 'down' } });
        const models = await request(t.server).get('/health/models').expect(200);
        expect(models.body.models[0]).toEqual({
          name: 'chat',
          status: 'down',
          entries: [
            {
              provider: 'primary',
              model: 'qwen',
              breaker: 'open',
              success_rate: 0,
              last_error_code: 'UPSTREAM_UNAVAILABLE',
              last_probe: { at: '2025-01-01T00:00:00.000Z', ok: false },
            },
            { provider: 'backup', model: 'gpt', breaker: 'half-open', success_rate: null },
          ],
        });
      } finally {
        await t.close();
      }
    });

    it('stays ready when the model health source itself throws', async () => {
      const source: ModelHealthSource = {
        models: () => {
          throw new Error('router not ready');
        },
      };
      const t = await createStartedApp(withModelHealth(source));
      try {
        const ready = await request(t.server).get('/health/ready').expect(200);
        expect(ready.body.details.models.status).toBe('up');
        expect(ready.text).not.toContain('router not ready');
        await request(t.server).get('/health/models').expect(200, { models: [] });
      } finally {
        await t.close();
      }
    });
  });
});
