import { ROOT_LOGGER } from '@ballast/observability';
import { ArgumentsHost, Catch, ExceptionFilter, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';

/**
 * A failing probe answers 503 with terminus' own body (what Kubernetes and
 * operators expect from a health route), not a problem document. Anything
 * else thrown on a health route is left to the global ProblemFilter.
 */
@Catch(ServiceUnavailableException)
export class HealthCheckFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = exception.getResponse() as HealthCheckResult;
    this.logger.warn({ failing: Object.keys(body.error ?? {}) }, 'health check failed');
    void reply.code(503).header('Cache-Control', 'no-cache, no-store, must-revalidate').send(body);
  }
}
