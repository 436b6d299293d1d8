import { BallastError } from '@ballast/errors';
import { BallastMetrics, ROOT_LOGGER, noteRouteTemplate, requestLifecycle } from '@ballast/observability';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from './config';
import { setupDocs } from './docs';
import { classifyErrorsBeforeNest } from './problems/classify-before-nest';
import { answerUnparseableRequests } from './problems/client-error.handler';
import { answerFrameworkErrors, frameworkErrors } from './problems/framework-errors';
import { assertJsonShape, JsonShapeLimits } from './problems/json-shape';
import { KnownRoutes } from './problems/known-routes';
import { requireHost } from './problems/require-host.middleware';
import { createValidationPipe } from './problems/validation.pipe';
import { acceptedCharset } from './server/body-charset';
import { inSeries } from './server/in-series';
import { readBody } from './server/read-body';
import { ShutdownCoordinator } from './shutdown';

/** How much JSON a chat request may carry: a base64 image of the largest upload plus the messages. */
export function jsonBodyLimit(config: AppConfig): number {
  return Math.ceil(config.maxUploadBytes * 1.4) + 1024 * 1024;
}

/** What express.urlencoded({ limit: '1mb' }) accepted. */
const URLENCODED_LIMIT = 1024 * 1024;

/**
 * The Fastify instance's options (Fastify prototype): what Express was told by `app.set` / `app.disable`, plus
 * what Fastify would otherwise do on its own. Fastify sends no X-Powered-By and no ETag, so nothing to turn off.
 */
export function fastifyOptions(config: AppConfig) {
  return {
    // Ballast logs every request itself (request-lifecycle); Fastify's logger would be a second one.
    logger: false,
    // Express' `trust proxy`: which X-Forwarded-For hops request.ip believes.
    trustProxy: config.trustProxy,
    // Draining is the shutdown coordinator's (SHUTTING_DOWN problems), not Fastify's bare 503.
    return503OnClosing: false,
    // The edge is one onRequest hook (configureApp), not Nest middleware: middie is not registered at all.
    skipMiddie: true,
    // Only for a parser Fastify reads the body of itself; configureApp's read theirs (readBody) with their own limits.
    bodyLimit: jsonBodyLimit(config),
    // The router's own refusals (a path that is not valid percent-encoding) answered like every other error.
    frameworkErrors,
    routerOptions: {
      // Express' default (`strict: false`): /v1/models/ is /v1/models.
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
    app.get(ShutdownCoordinator).middleware((req) => routes.policyFor(req.method ?? 'GET', req.url ?? '/')?.openWhileDraining === true),
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
  // The two body types Express parsed, read by hand as express.json / express.urlencoded read them (read-body.ts says why).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage) =>
    // No re-entering of the request context here: this runs from the request stream's events, outside it, but
    // Fastify (5.x content-type-parser.js) settles the returned promise through a `done` bound to an AsyncResource
    // made while the onRequest chain ran, so guards, pipe, controller and model router get the context back.
    readBodyIn(request, payload, jsonBodyLimit(config), JSON_CHARSETS).then(({ bytes }) => parseJson(bytes, shape)),
  );
  fastify.addContentTypeParser('application/x-www-form-urlencoded', (request: FastifyRequest, payload: IncomingMessage) =>
    readBodyIn(request, payload, URLENCODED_LIMIT, URLENCODED_CHARSETS).then(({ bytes, charset }) =>
      // extended: false was Node's querystring; body-parser's parameterLimit (1000) is not enforced here.
      ({ ...parseQuery(bytes.toString(charset === 'iso-8859-1' ? 'latin1' : 'utf8')) }),
    ),
  );
  // Multipart is passed through unread: the vision UploadInterceptor reads it with multer after the guards,
  // limited while receiving, as it did on Express (no body limit or buffering here).
  fastify.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
  // Any other body (text/plain, none declared…) is left unread with no `body`, as Express left it: the guards and
  // the validation pipe answer the request, not a 415 before them.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.useGlobalPipes(createValidationPipe(config.limits));
  // Fastify answers the HTTP parser's refusals itself (a bare 400 JSON); Ballast's problem answer replaces it.
  app.getHttpServer().removeAllListeners('clientError');
  answerUnparseableRequests(app.getHttpServer(), app.get<Logger>(ROOT_LOGGER));
  setupDocs(app, config.docsEnabled);
  // Signals are handled by exitGracefullyOnSignals (main.ts): drain first, then close the modules.
}

/** body-parser's json accepted any utf-* it could decode; Ballast reads JSON as UTF-8 bytes only. */
const JSON_CHARSETS = ['utf-8'] as const;
/** What body-parser's urlencoded accepted. */
const URLENCODED_CHARSETS = ['utf-8', 'iso-8859-1'] as const;

/** The body's charset (refused before reading when it is none of `charsets`), then its bytes. */
async function readBodyIn(
  request: FastifyRequest,
  payload: IncomingMessage,
  limit: number,
  charsets: readonly [string, ...string[]],
): Promise<{ bytes: Buffer; charset: string }> {
  const charset = acceptedCharset(request.headers['content-type'], charsets);
  return { bytes: await readBody(payload, request.headers, limit), charset };
}

const INVALID_JSON = 'The request body is not valid JSON.';

/** express.json's behaviour: an empty body is `{}`, the shape is checked on the raw bytes first, and only an object or an array is JSON (strict). */
function parseJson(bytes: Buffer, shape: JsonShapeLimits): unknown {
  if (bytes.length === 0) {
    return {};
  }
  assertJsonShape(bytes, shape);
  const first = firstNonSpace(bytes);
  if (first !== 0x7b && first !== 0x5b) {
    throw new BallastError('VALIDATION_FAILED', { detail: INVALID_JSON });
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (cause) {
    throw new BallastError('VALIDATION_FAILED', { detail: INVALID_JSON, cause });
  }
}

function firstNonSpace(bytes: Buffer): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) {
      return byte;
    }
  }
  return undefined;
}
