import { BallastError, ERROR_CATALOG, ErrorCode } from '@ballast/errors';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import type { OpenAPIObject, ResponseObject, ResponsesObject } from '@nestjs/swagger';
import { PUBLIC_EXTENSION } from '../auth';
import { PROBLEM_CONTENT_TYPE, problemResponse } from './api-problem.decorator';
import { FieldErrorDto, OpenAiErrorDto, ProblemDetailsDto } from './problem-details.dto';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** What any protected route may answer besides its own problems. */
const API_ROUTE_PROBLEMS: ErrorCode[] = ['UNAUTHENTICATED', 'RATE_LIMITED', 'INTERNAL_ERROR', 'SHUTTING_DOWN'];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ballast')
    .setDescription(
      'AI models (chat and vision) over REST, resilient to slow, failing or missing upstreams. ' +
        'Every error is RFC 9457 problem details (`application/problem+json`, schema `ProblemDetailsDto`); ' +
        '`GET /problems/{slug}` explains each code.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'One of API_KEYS (when set)' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'One of API_KEYS (when set)' }, 'api-key')
    .addTag('health', 'Kubernetes probes and model health')
    .addTag('operations', 'Prometheus metrics')
    .build();
  // The request bodies are zod DTOs: nestjs-zod turns their JSON Schema into the document's components.
  const document = cleanupOpenApiDoc(
    SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetailsDto, FieldErrorDto, OpenAiErrorDto] }),
  );
  addApiRouteProblems(document);
  return document;
}

/** Every operation not declared `@PublicRoute()`: authenticated by either scheme, and documented with the edge's problems. */
function addApiRouteProblems(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation || (operation as unknown as Record<string, unknown>)[PUBLIC_EXTENSION] === true) {
        continue;
      }
      operation.security ??= [{ bearer: [] }, { 'api-key': [] }];
      for (const code of API_ROUTE_PROBLEMS) {
        addProblem(operation.responses, code, path);
      }
    }
  }
}

/** Adds a code to the operation's response for its status, beside the route's own codes for that status. */
function addProblem(responses: ResponsesObject, code: ErrorCode, path: string): void {
  const status = ERROR_CATALOG[code].status;
  const fresh = problemResponse(status, [code], path);
  const existing = responses[String(status)] as ResponseObject | undefined;
  const examples = existing?.content?.[PROBLEM_CONTENT_TYPE]?.examples;
  if (!existing) {
    responses[String(status)] = fresh;
  } else if (examples && !examples[code]) {
    Object.assign(examples, fresh.content?.[PROBLEM_CONTENT_TYPE]?.examples);
    existing.description = `${existing.description}; ${fresh.description}`;
  }
}

/** What the swagger-ui page loads; the rest of swagger-ui-dist (package.json, source maps…) is not served. */
const UI_FILES = new Set([
  '',
  '/',
  '/swagger-ui-init.js',
  '/swagger-ui.css',
  '/swagger-ui-bundle.js',
  '/swagger-ui-standalone-preset.js',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
]);

const DOCS_PREFIX = `/${DOCS_PATH}`;

/** /docs and what is under it, not /docs-json. */
function isUnderDocs(path: string): boolean {
  return path === DOCS_PREFIX || path.startsWith(`${DOCS_PREFIX}/`);
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** A refusal passed to `done` goes to the error handler, so it is the same NOT_FOUND problem as any unknown path. */
function onlyUiFiles(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const file = pathOf(request.url).slice(DOCS_PREFIX.length);
  done(UI_FILES.has(file) ? undefined : new BallastError('NOT_FOUND'));
}

/**
 * Gives every route registered under /docs from now on (SwaggerModule's pages, @fastify/static's route for
 * swagger-ui-dist and the HEAD routes Fastify adds for them) the allow-list, after the edge's hooks. It decides by what was routed there, whatever
 * path normalisation got it there (SwaggerModule also answers /docs/index.html), and costs other routes nothing.
 */
function serveOnlyUiFiles(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (isUnderDocs(route.url)) {
      route.onRequest = [...[route.onRequest ?? []].flat(), onlyUiFiles];
    }
  });
}

/** Serves the UI at /docs and the document at /docs-json; neither when DOCS=false. */
export function setupDocs(app: INestApplication, enabled = true): void {
  if (!enabled) {
    return;
  }
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  serveOnlyUiFiles(fastify);
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Ballast API',
  });
}
