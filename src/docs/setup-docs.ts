import { BallastError, ERROR_CATALOG, ErrorCode } from '@ballast/errors';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { createReadStream } from 'node:fs';
import { extname, join } from 'node:path';
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

/** The files of swagger-ui-dist the page loads; SwaggerModule serves the page and swagger-ui-init.js itself. */
const UI_ASSETS = [
  '/swagger-ui.css',
  '/swagger-ui-bundle.js',
  '/swagger-ui-standalone-preset.js',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
];

/** What the swagger-ui page loads; the rest of swagger-ui-dist (package.json, source maps…) is not served. */
const UI_FILES = new Set(['', '/', '/swagger-ui-init.js', ...UI_ASSETS]);

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
};

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
 * Gives every route registered under /docs from now on (SwaggerModule's pages, the UI's files and the HEAD routes
 * Fastify adds for them) the allow-list, after the edge's hooks. It decides by what was routed there, whatever
 * path normalisation got it there (SwaggerModule also answers /docs/index.html), and costs other routes nothing.
 */
function serveOnlyUiFiles(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (isUnderDocs(route.url)) {
      route.onRequest = [...[route.onRequest ?? []].flat(), onlyUiFiles];
    }
  });
}

/** What SwaggerModule passes to useStaticAssets on Fastify: swagger-ui-dist's directory and the UI's path. */
interface UiAssetsOptions {
  root: string;
  prefix: string;
}

function serveUiAssets(fastify: FastifyInstance, { root, prefix }: UiAssetsOptions): void {
  for (const file of UI_ASSETS) {
    fastify.get(`${prefix}${file}`, (_request, reply) => {
      void reply.type(CONTENT_TYPES[extname(file)]).send(createReadStream(join(root, file)));
    });
  }
}

/**
 * SwaggerModule on Fastify hands all of swagger-ui-dist to @fastify/static, whose ESM-only dependencies
 * (content-disposition 3, glob 14) Jest's module loader cannot require (it would need vm modules on Node 24.9+),
 * so every e2e suite's process would exit. Given this app instead, SwaggerModule gets one route per file the page
 * loads, from the directory it names, and nothing else of swagger-ui-dist is routable at all.
 */
function withUiAssetRoutes(app: INestApplication, fastify: FastifyInstance): INestApplication {
  const useStaticAssets = (options: UiAssetsOptions) => serveUiAssets(fastify, options);
  return new Proxy(app, {
    get: (target, key, receiver): unknown => (key === 'useStaticAssets' ? useStaticAssets : Reflect.get(target, key, receiver)),
  });
}

/** Serves the UI at /docs and the document at /docs-json; neither when DOCS=false. */
export function setupDocs(app: INestApplication, enabled = true): void {
  if (!enabled) {
    return;
  }
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  serveOnlyUiFiles(fastify);
  SwaggerModule.setup(DOCS_PATH, withUiAssetRoutes(app, fastify), () => buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Ballast API',
  });
}
