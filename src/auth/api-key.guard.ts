import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyVerifier, presentedKeys } from './api-key.verifier';
import { AuthFailureLimiter } from './auth-failure.limiter';
import { setApiClient } from './api-scope';
import { routePolicy } from './route-policy';

/**
 * With API_KEYS set, every route not declared `@PublicRoute()` needs a valid key. The 401 says how to
 * authenticate and nothing about the key that was sent. A client IP that
 * fails too often is refused with 429 before its keys are even looked at.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly failures: AuthFailureLimiter,
    private readonly metrics: BallastMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.verifier.enabled) {
      return true;
    }
    if (routePolicy(context).public) {
      return true;
    }
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    // Behind a trusted proxy, X-Forwarded-For is parsed anew on every read of req.ip: read only while some IP is
    // being watched, or on a failure.
    const ip = () => req.ip ?? 'unknown';
    const retryAfterSeconds = this.failures.watching ? this.failures.retryAfterSeconds(ip()) : 0;
    if (retryAfterSeconds > 0) {
      this.metrics.rateLimited.inc();
      throw new BallastError('RATE_LIMITED', {
        detail: 'Too many failed authentications from this address. Wait for Retry-After seconds, then try again.',
        retryAfterSeconds,
      });
    }
    const presented = presentedKeys(req.headers);
    const clientId = presented.map((key) => this.verifier.verify(key)).find((id) => id !== undefined);
    if (!clientId) {
      // Only a wrong key is a guess; a request with none (a misconfigured client) must not lock out its neighbours.
      if (presented.length > 0) {
        this.failures.recordFailure(ip());
      }
      // On the raw response: problem responses are written there too (problem-response.ts), not through the reply.
      context.switchToHttp().getResponse<FastifyReply>().raw.setHeader('WWW-Authenticate', 'Bearer realm="ballast"');
      throw new BallastError('UNAUTHENTICATED');
    }
    setApiClient(req, clientId);
    return true;
  }
}
