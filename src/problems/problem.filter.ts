import { BallastError, causeChain, classifyError, toProblem } from '@ballast/errors';
import { BallastMetrics, ROOT_LOGGER, UNMATCHED_ROUTE, requestContext, requestContextOf, routeTemplate } from '@ballast/observability';
import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';
import { KnownRoutes } from './known-routes';
import { sendProblem } from './problem-response';

/**
 * The one place an exception becomes an HTTP response. Everything thrown —
 * ours, Nest's, Fastify's, a plain Error, a string — leaves as RFC 9457
 * problem+json; the full story goes to the log, never to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly metrics: BallastMetrics,
    private readonly routes: KnownRoutes,
  ) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // Fastify raises body-reading errors (too large, aborted, wrong length) from the request stream's events,
    // outside the request's AsyncLocalStorage context: re-enter it, for the problem's request id and the summary line.
    const lost = requestContext.current() === undefined ? requestContextOf(req.raw) : undefined;
    if (lost) {
      requestContext.run(lost, () => this.answer(thrown, req, reply));
      return;
    }
    this.answer(thrown, req, reply);
  }

  private answer(thrown: unknown, req: FastifyRequest, reply: FastifyReply): void {
    const res = reply.raw;
    const error = this.methodNotAllowed(thrown, req, reply) ?? classifyError(thrown);
    this.record(error, req);
    if (res.headersSent) {
      // A stream already started; its own error event was the client's answer.
      res.end();
      return;
    }
    if (!req.raw.complete) {
      // Answered before the whole body arrived (refused while read, or never read): the connection is closed
      // rather than kept to read the rest of the body, however large, only to reuse it.
      res.setHeader('Connection', 'close');
    }
    const problem = toProblem(error, {
      instance: req.url?.split('?')[0]?.slice(0, 256),
      requestId: requestContext.requestId(),
      includeDebug: this.config.isDevelopment,
    });
    sendProblem(res, error, problem);
  }

  /** Nest answers a known path with an unknown method from its catch-all 404; it is a 405 with Allow. */
  private methodNotAllowed(thrown: unknown, req: FastifyRequest, reply: FastifyReply): BallastError | undefined {
    if (
      thrown instanceof BallastError ||
      routeTemplate(req.raw) !== UNMATCHED_ROUTE ||
      classifyError(thrown).code !== 'NOT_FOUND' ||
      reply.raw.headersSent
    ) {
      return undefined;
    }
    const allowed = this.routes.allowedMethods(req.url);
    if (allowed.length === 0) {
      return undefined;
    }
    reply.raw.setHeader('Allow', allowed.join(', '));
    return new BallastError('METHOD_NOT_ALLOWED', {
      detail: `${req.method} is not accepted here; this route accepts ${allowed.join(', ')}.`,
      cause: thrown,
    });
  }

  private record(error: BallastError, req: FastifyRequest): void {
    requestContext.note({ code: error.code });
    this.metrics.errors.inc({ code: error.code });
    const fields = {
      code: error.code,
      status: error.status,
      method: req.method,
      err: error.cause ?? error,
      causes: causeChain(error).map((cause) => (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause))),
      upstream: error.upstream,
    };
    // A replica refusing work while it drains is routine, not an incident.
    if (error.status >= 500 && error.code !== 'SHUTTING_DOWN') {
      this.logger.error(fields, `request failed: ${error.code}`);
    } else {
      this.logger.info({ ...fields, err: undefined }, `request refused: ${error.code}`);
    }
  }
}
