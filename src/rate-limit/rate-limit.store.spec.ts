import { BallastMetrics } from '@ballast/observability';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import { ReadinessRegistry } from '../health';
import { RateLimitStore } from './rate-limit.store';

function fakeLogger() {
  return { warn: jest.fn(), info: jest.fn(), error: jest.fn() };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

describe('RateLimitStore', () => {
  it('counts in memory without REDIS_URL and blocks over the limit', async () => {
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const sut = new RateLimitStore({} as AppConfig, fakeLogger() as unknown as Logger, metrics, new ReadinessRegistry());
    try {
      expect(sut.kind).toBe('memory');
      expect((await sut.increment('k', 60_000, 1, 60_000, 'api')).isBlocked).toBe(false);
      expect((await sut.increment('k', 60_000, 1, 60_000, 'api')).isBlocked).toBe(true);
      expect(await sut.ping()).toBe(true);
    } finally {
      sut.onApplicationShutdown();
    }
  });

  it('fails open when Redis cannot be reached: lets the request through, counts it, warns once, reports Redis down as information', async () => {
    const logger = fakeLogger();
    const metrics = new BallastMetrics({ defaultMetrics: false });
    const readiness = new ReadinessRegistry();
    const sut = new RateLimitStore(
      { redisUrl: `redis://127.0.0.1:${await closedPort()}` } as AppConfig,
      logger as unknown as Logger,
      metrics,
      readiness,
    );
    try {
      sut.onModuleInit();
      sut.onModuleInit();
      const first = await sut.increment('k', 60_000, 1, 60_000, 'api');
      const second = await sut.increment('k', 60_000, 1, 60_000, 'api');
      expect(first).toEqual({ totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0, failedOpen: true });
      expect(second.isBlocked).toBe(false);
      expect((await metrics.rateLimitStoreErrors.get()).values[0].value).toBe(2);
      const storeWarnings = logger.warn.mock.calls.filter(([, msg]) => String(msg).startsWith('rate-limit store failed'));
      expect(storeWarnings).toHaveLength(1);
      const [[name, check]] = readiness.entries();
      expect(name).toBe('redis');
      expect(readiness.isInformational('redis')).toBe(true);
      expect(await check()).toMatchObject({ ready: false });
    } finally {
      sut.onApplicationShutdown();
      sut.onApplicationShutdown();
    }
  });
});
