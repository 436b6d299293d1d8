import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiClientOf, routePolicy } from '../auth';
import type { RateLimitRecord } from './rate-limit.store';

/**
 * RATE_LIMIT_RPM per API key (per client IP when auth is off) on every route
 * not declared `@PublicRoute()`. Answers with the IETF RateLimit-Policy / RateLimit headers and, when
 * over the limit, a RATE_LIMITED problem with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: BallastMetrics,
  ) {
    super(options, storage, reflector);
  }

  /** Each throttler's numbers, read once, and its RateLimit-Policy header, the same on every request. */
  private budgets: Budget[] = [];

  /** canActivate applies plain numbers and nothing else: a throttler asking for more fails at start-up, not silently. */
  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.budgets = this.throttlers.map((throttler) => {
      const { limit, ttl, blockDuration, skipIf, ignoreUserAgents } = throttler;
      const name = throttler.name ?? 'default';
      if (typeof limit !== 'number' || typeof ttl !== 'number' || !['number', 'undefined'].includes(typeof blockDuration)) {
        throw new Error(`RateLimitGuard: throttler "${name}" needs a numeric limit, ttl and blockDuration`);
      }
      if (skipIf || ignoreUserAgents) {
        throw new Error(`RateLimitGuard: throttler "${name}" sets skipIf or ignoreUserAgents, which this guard does not apply`);
      }
      const blockMs = typeof blockDuration === 'number' ? blockDuration : ttl;
      return { name, limit, ttl, blockDuration: blockMs, policy: `"${name}";q=${limit};w=${Math.ceil(ttl / 1000)}` };
    });
  }

  /**
   * One budget per client across every protected route, so the base class's per-route machinery has nothing to
   * decide: it reads five reflector keys per throttler (no route sets `@Throttle` or `@SkipThrottle`; the route
   * policy is `@PublicRoute()`) and awaits three option values and two trackers, ~15 promises per request. Here
   * the store's increment is the one await.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || routePolicy(context).public) {
      return true;
    }
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    // Headers go on the raw response: every answer is written there (hijacked replies, problem responses).
    const res = http.getResponse<FastifyReply>().raw;
    // The key id the auth guard recorded; else the client IP (Fastify's request.ip: TRUST_PROXY decides about
    // X-Forwarded-For). Not the base class's getTracker: it prefers `ips[0]`, which on Fastify is the socket's peer.
    const key = `ballast:rl:${apiClientOf(req) ?? `ip:${req.ip}`}`;
    for (const { name, limit, ttl, blockDuration, policy } of this.budgets) {
      const record: RateLimitRecord = await this.storageService.increment(key, ttl, limit, blockDuration, name);
      if (record.failedOpen) {
        continue;
      }
      res.setHeader('RateLimit-Policy', policy);
      if (record.isBlocked) {
        const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
        res.setHeader('RateLimit', `"${name}";r=0;t=${retryAfterSeconds}`);
        this.metrics.rateLimited.inc();
        throw new BallastError('RATE_LIMITED', { retryAfterSeconds });
      }
      res.setHeader('RateLimit', `"${name}";r=${Math.max(0, limit - record.totalHits)};t=${Math.max(0, record.timeToExpire)}`);
    }
    return true;
  }
}

interface Budget {
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  policy: string;
}
