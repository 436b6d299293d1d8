import { BallastMetrics, ROOT_LOGGER, noteRouteTemplate, requestLifecycle } from '@ballast/observability';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from './config';
import { setupDocs } from './docs';
import { classifyErrorsBeforeNest } from './problems/classify-before-nest';
import { answerUnparseableRequests } from './problems/client-error.handler';
import { answerFrameworkErrors, frameworkErrors } from './problems/framework-errors';
import type { JsonShapeLimits } from './problems/json-shape';
import { KnownRoutes } from './problems/known-routes';
import { requireHost } from './problems/require-host.middleware';
import { createValidationPipe } from './problems/validation.pipe';
import { registerBodyParsers } from './server/body-parsers';
import { inSeries } from './server/in-series';
import { ShutdownCoordinator } from './shutdown';

/** How much JSON a chat request may carry: a base64 image of the largest upload plus the messages. */
export function jsonBodyLimit(config: AppConfig): number {
  return Math.ceil(config.maxUploadBytes * 1.4) + 1024 * 1024;
}

/**
 * The Fastify instance's options: what Ballast asked of Express (`trust proxy`, no ETag, no X-Powered-By — the
 * last two Fastify never sends), and what Fastify would otherwise do on its own.
 */
export function fastifyOptions(config: AppConfig) {
  return {
    // Ballast logs every request itself (request-lifecycle); Fastify's logger would be a second one.
    logger: false,
    // TRUST_PROXY: whether request.ip believes X-Forwarded-For (the client behind an ingress).
    trustProxy: config.trustProxy,
    // Draining is the shutdown coordinator's (SHUTTING_DOWN problems), not Fastify's bare 503.
    return503OnClosing: false,
    // The edge is one onRequest hook (configureApp), not Nest middleware: middie is not registered at all.
    skipMiddie: true,
    // Only for a parser Fastify reads the body of itself; Ballast's read theirs (readBody) with their own limits.
    bodyLimit: jsonBodyLimit(config),
    // The router's own refusals (a path that is not valid percent-encoding) answered like every other error.
    frameworkErrors,
    routerOptions: {
      // /v1/models/ is /v1/models, as it always was (Express' `strict: false`).
      ignoreTrailingSlash: true,
      // Request ids are up to 128 characters (GET /v1/chat/streams/:requestId); find-my-way's default is 100.
      maxParamLength: 256,
    },
  };
}

/**
 * Everything about the HTTP edge that is not a module: used by main.ts, so
 * that it is exactly what production runs.
 */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(NestPinoLogger));
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const routes = app.get(KnownRoutes);
  const shape: JsonShapeLimits = { maxDepth: config.limits.jsonMaxDepth, maxItems: config.limits.jsonMaxItems };
  // The edge, in this order, as one onRequest hook on the raw request and response (inSeries says why).
  const edge = inSeries(
    // Runs before the body is read so even its errors carry a request id.
    requestLifecycle(app.get<Logger>(ROOT_LOGGER), app.get(BallastMetrics)),
    requireHost(),
    // Counts in-flight requests, and refuses new ones with SHUTTING_DOWN while draining.
    app.get(ShutdownCoordinator).middleware((req) => routes.policyOf(req)?.openWhileDraining === true),
  );
  fastify.addHook('onRequest', (request, reply, done) => {
    // Fastify has routed before its first hook: the template is known now (undefined for the not-found handler).
    noteRouteTemplate(request.raw, request.routeOptions.url);
    edge(request.raw, reply.raw, done as (error?: unknown) => void);
  });
  // A URL the router refused never reaches the hook: it gets the edge (request id, log line, drain gate) here,
  // then the same error handler as everything else.
  answerFrameworkErrors(fastify, (error, request, reply) => {
    edge(request.raw, reply.raw, (refusal) => fastify.errorHandler(refusal ?? error, request, reply));
  });
  classifyErrorsBeforeNest(app.getHttpAdapter());
  registerBodyParsers(fastify, { jsonLimit: jsonBodyLimit(config), shape });
  app.useGlobalPipes(createValidationPipe(config.limits));
  // Fastify answers the HTTP parser's refusals itself (a bare 400 JSON); Ballast's problem answer replaces it.
  app.getHttpServer().removeAllListeners('clientError');
  answerUnparseableRequests(app.getHttpServer(), app.get<Logger>(ROOT_LOGGER));
  setupDocs(app, config.docsEnabled);
  // Signals are handled by exitGracefullyOnSignals (main.ts): drain first, then close the modules.
}
