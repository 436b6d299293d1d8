import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
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

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http' || routePolicy(context).public);
  }

  /** The key id the auth guard recorded; the client IP (Express' req.ip, so TRUST_PROXY decides about X-Forwarded-For) otherwise. */
  protected override async getTracker(req: Request): Promise<string> {
    return apiClientOf(req) ?? `ip:${await super.getTracker(req)}`;
  }

  /** One budget per client across every route not declared `@PublicRoute()` (the default key is per handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `ballast:rl:${tracker}`;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const name = throttler.name ?? 'default';
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const key = generateKey(context, await getTracker(req, context), name);
    const record: RateLimitRecord = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    if (record.failedOpen) {
      return true;
    }
    res.setHeader('RateLimit-Policy', `"${name}";q=${limit};w=${Math.ceil(ttl / 1000)}`);
    if (record.isBlocked) {
      const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
      res.setHeader('RateLimit', `"${name}";r=0;t=${retryAfterSeconds}`);
      this.metrics.rateLimited.inc();
      throw new BallastError('RATE_LIMITED', { retryAfterSeconds });
    }
    res.setHeader('RateLimit', `"${name}";r=${Math.max(0, limit - record.totalHits)};t=${Math.max(0, record.timeToExpire)}`);
    return true;
  }
}
