import { BallastError, classifyError } from '@ballast/errors';
import { BallastMetrics, ROOT_LOGGER, requestLifecycle } from '@ballast/observability';
import express, { RequestHandler } from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from './config';
import { setupDocs } from './docs';
import { answerUnparseableRequests } from './problems/client-error.handler';
import { assertJsonShape, JsonShapeLimits } from './problems/json-shape';
import { KnownRoutes } from './problems/known-routes';
import { requireHost } from './problems/require-host.middleware';
import { createValidationPipe } from './problems/validation.pipe';
import { inSeries } from './server/in-series';
import { ShutdownCoordinator } from './shutdown';

/** How much JSON a chat request may carry: a base64 image of the largest upload plus the messages. */
export function jsonBodyLimit(config: AppConfig): number {
  return Math.ceil(config.maxUploadBytes * 1.4) + 1024 * 1024;
}

/**
 * Everything about the HTTP edge that is not a module: used by main.ts and by
 * every e2e test, so tests exercise exactly what production runs.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(NestPinoLogger));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  const routes = app.get(KnownRoutes);
  const shape: JsonShapeLimits = { maxDepth: config.limits.jsonMaxDepth, maxItems: config.limits.jsonMaxItems };
  // The edge, in this order, as one Express layer (inSeries says why).
  app.use(
    inSeries(
      // Runs before the body parsers so even their errors carry a request id.
      requestLifecycle(app.get<Logger>(ROOT_LOGGER), app.get(BallastMetrics)),
      requireHost(),
      // Counts in-flight requests, and refuses new ones with SHUTTING_DOWN while draining.
      app.get(ShutdownCoordinator).middleware((req) => routes.policyFor(req.method, req.path)?.openWhileDraining === true),
      translatingErrors(express.json({ limit: jsonBodyLimit(config), verify: (_req, _res, bytes) => checkShape(bytes, shape) })),
      translatingErrors(express.urlencoded({ limit: '1mb', extended: false })),
    ),
  );
  app.useGlobalPipes(createValidationPipe(config.limits));
  answerUnparseableRequests(app.getHttpServer(), app.get<Logger>(ROOT_LOGGER));
  setupDocs(app, config.docsEnabled);
  // Signals are handled by exitGracefullyOnSignals (main.ts): drain first, then close the modules.
}

/** Carries a refusal through body-parser, which decorates what `verify` throws (status, body) before passing it on. */
class ShapeRefusal extends Error {
  constructor(readonly refusal: unknown) {
    super('JSON shape refused');
  }
}

function checkShape(bytes: Buffer, limits: JsonShapeLimits): void {
  try {
    assertJsonShape(bytes, limits);
  } catch (error) {
    throw new ShapeRefusal(error);
  }
}

/**
 * Body-parser errors become taxonomy errors where they enter, while their
 * `type` still says what went wrong. The body they carry is dropped: it would
 * otherwise be logged whole with the cause (megabytes per request).
 */
function translatingErrors(parser: RequestHandler): RequestHandler {
  return (req, res, next) =>
    parser(req, res, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      if (error instanceof ShapeRefusal) {
        next(classifyError(error.refusal));
        return;
      }
      if (typeof error === 'object' && error !== null && 'body' in error) {
        delete (error as { body?: unknown }).body;
      }
      if (/^Z_/.test(String((error as { code?: unknown }).code))) {
        next(new BallastError('VALIDATION_FAILED', { detail: 'The request body is not valid for its Content-Encoding.', cause: error }));
        return;
      }
      next(classifyError(error));
    });
}
