import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { BallastMetrics, ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { circuitBreaker, CircuitBreakerPolicy, ConsecutiveBreaker, handleAll } from 'cockatiel';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { ReadinessFact, ReadinessRegistry } from '../health';
import { FixedWindowMemoryStore } from './fixed-window.memory-store';
import { createRedisClient } from './redis-client';

const BREAKER_FAILURES = 3;
const BREAKER_HALF_OPEN_AFTER_MS = 5000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface RateLimitRecord extends ThrottlerStorageRecord {
  /** The store could not be asked: the request was let through uncounted. */
  failedOpen?: boolean;
}

/**
 * The throttler's counters: in Redis when REDIS_URL is set (replicas share
 * them), else in memory. A store failure never refuses a request: it is let
 * through, counted in `ballast_rate_limit_store_errors_total`, logged at
 * warn, and readiness reports Redis down (as information). Each command has
 * COMMAND_TIMEOUT_MS; after BREAKER_FAILURES failures in a row, Redis is not
 * asked for BREAKER_HALF_OPEN_AFTER_MS, so a hung Redis costs milliseconds.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly redis?: Redis;
  private readonly backend: ThrottlerStorage;
  private readonly memory?: FixedWindowMemoryStore;
  private failingOpen = false;
  /** Around Redis: after a few failures in a row the store is not asked at all for a while (a hung Redis costs nothing). */
  private readonly breaker?: CircuitBreakerPolicy;
  private initialised = false;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly metrics: BallastMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {
    if (config.redisUrl) {
      this.redis = createRedisClient(config.redisUrl, logger);
      this.backend = new ThrottlerStorageRedisService(this.redis);
      this.breaker = circuitBreaker(handleAll, {
        halfOpenAfter: BREAKER_HALF_OPEN_AFTER_MS,
        breaker: new ConsecutiveBreaker(BREAKER_FAILURES),
      });
    } else {
      this.memory = new FixedWindowMemoryStore();
      this.backend = this.memory;
    }
  }

  get kind(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  // Nest calls hooks once per provider, and this instance is also the ThrottlerStorage provider.
  onModuleInit(): void {
    if (this.initialised) {
      return;
    }
    this.initialised = true;
    if (this.redis) {
      // Information only: a Redis outage must not take every replica out of the Service at once (limits fail open).
      this.readiness.register('redis', () => this.redisFact(), { informational: true });
    }
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitRecord> {
    try {
      const record = this.breaker
        ? await this.breaker.execute(() => this.backend.increment(key, ttl, limit, blockDuration, throttlerName))
        : await this.backend.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.failingOpen) {
        this.failingOpen = false;
        this.logger.info('rate-limit store answering again; limits enforced');
      }
      return record;
    } catch (error) {
      this.metrics.rateLimitStoreErrors.inc();
      if (!this.failingOpen) {
        this.failingOpen = true;
        this.logger.warn({ err: error, store: this.kind }, 'rate-limit store failed; failing open (requests let through uncounted)');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0, failedOpen: true };
    }
  }

  async ping(): Promise<boolean> {
    if (!this.redis) {
      return true;
    }
    try {
      return this.redis.status === 'ready' && (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  private async redisFact(): Promise<ReadinessFact> {
    return (await this.ping())
      ? { ready: true }
      : { ready: false, details: { message: 'Redis is unreachable; rate limits are not enforced until it is back' } };
  }

  onApplicationShutdown(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.redis?.disconnect(false);
    this.memory?.close();
  }
}
