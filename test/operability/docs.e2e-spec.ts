import { ERROR_CODES } from '@ballast/errors';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';
import { V1TestController } from './v1-test.controller';

type Json = Record<string, unknown>;

/** Routes the OpenAPI document deliberately leaves out: the docs themselves, and the problem pages (excluded by their controller). */
const UNDOCUMENTED = [/^\/docs/, /^\/problems\//];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A line of Fastify's route tree: its indentation, its part of the path, and the methods answered there. */
const ROUTE_TREE_LINE = /^((?:[│ ] {3})*[├└]── )(\S+)(?: \((.+)\))?$/;

/**
 * Every route Fastify answers, as OpenAPI path templates (`/a/:id` → `/a/{id}`), read from its route tree
 * (`printRoutes`), where each node extends the path of the node it is indented under. A GET's HEAD, which
 * Fastify adds on its own (as Express answered HEAD for a GET), is not a route of its own.
 */
function registeredRoutes(app: TestApp): string[] {
  const fastify = app.app.getHttpAdapter().getInstance() as FastifyInstance;
  const ancestors: string[] = [];
  const routes: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n').filter(Boolean)) {
    const [, indent, segment, methods] = ROUTE_TREE_LINE.exec(line) ?? [];
    expect(segment).toBeDefined();
    ancestors.splice(indent.length / 4 - 1, Infinity, segment);
    const path = ancestors.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of methods?.split(', ') ?? []) {
      routes.push(`${method} ${path}`);
    }
  }
  return routes.filter(
    (route) =>
      !route.includes('*') &&
      !UNDOCUMENTED.some((pattern) => pattern.test(route.split(' ')[1])) &&
      !(route.startsWith('HEAD ') && routes.includes(route.replace(/^HEAD/, 'GET'))),
  );
}

/** Every `$ref` in the document points at something that exists in it. */
function unresolvedRefs(document: Json): string[] {
  const missing: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value
            .replace(/^#\//, '')
            .split('/')
            .reduce<unknown>((at, part) => (at as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], document);
          if (target === undefined) {
            missing.push(value);
          }
        } else {
          visit(value);
        }
      }
    }
  };
  visit(document);
  return missing;
}

describe('OpenAPI', () => {
  let t: TestApp;
  let document: Json & {
    paths: Record<string, Record<string, Json>>;
    components: { schemas: Record<string, Json>; securitySchemes: Json };
  };
  beforeAll(async () => {
    t = await createStartedApp({ controllers: [V1TestController] });
    const res = await request(t.server).get('/docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    document = res.body;
  });
  afterAll(() => t.close());

  it('is a structurally valid OpenAPI 3 document', () => {
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(document.info).toMatchObject({ title: 'Ballast', version: expect.any(String) });
    expect(unresolvedRefs(document)).toEqual([]);
    const operationIds: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      expect(path).toMatch(/^\//);
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(Object.keys(operation.responses as Json).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
          expect(status).toMatch(/^([1-5]\d\d|default)$/);
          expect(typeof response.description).toBe('string');
        }
        operationIds.push(operation.operationId as string);
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('lists every route the server answers', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = registeredRoutes(t);
    expect(routes).toEqual(
      expect.arrayContaining(['GET /health/live', 'GET /health/ready', 'GET /health/startup', 'GET /health/models', 'GET /metrics']),
    );
    expect(documented).toEqual(expect.arrayContaining(routes));
  });

  it('documents the problem schema, with every code', () => {
    const problem = document.components.schemas.ProblemDetailsDto as { properties: Record<string, Json>; required: string[] };
    expect(problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'request_id', 'retryable', 'error']),
    );
    expect(problem.properties.code.allOf).toEqual([{ $ref: '#/components/schemas/ErrorCode' }]);
    expect(document.components.schemas.ErrorCode.enum).toEqual(ERROR_CODES);
    expect(problem.properties.retry_after.example).toEqual(expect.any(Number));
  });

  it('gives every /v1 route its auth schemes and the edge problems, with examples', () => {
    const operation = document.paths['/v1/__test/ping'].get as { security: Json[]; responses: Record<string, Json> };
    expect(operation.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
    for (const [status, code] of [
      ['401', 'UNAUTHENTICATED'],
      ['429', 'RATE_LIMITED'],
      ['500', 'INTERNAL_ERROR'],
      ['503', 'SHUTTING_DOWN'],
    ]) {
      const content = (operation.responses[status].content as Record<string, Json>)['application/problem+json'];
      expect(content.schema).toEqual({ $ref: '#/components/schemas/ProblemDetailsDto' });
      expect((content.examples as Record<string, { value: Json }>)[code].value).toMatchObject({ code, status: Number(status) });
    }
    expect(Object.keys(document.components.securitySchemes)).toEqual(expect.arrayContaining(['bearer', 'api-key']));
  });

  it('documents the chat request from the schema the pipe validates with, in valid OpenAPI 3.0', () => {
    const schemas = document.components.schemas as Record<string, { properties: Record<string, Json>; required?: string[] }>;
    const request = schemas.ChatCompletionRequestDto;
    expect(request.required).toEqual(['model', 'messages']);
    expect(request.properties.model).toMatchObject({ type: 'string', minLength: 1, maxLength: 128, example: 'chat' });
    expect(request.properties.messages).toMatchObject({
      type: 'array',
      minItems: 1,
      items: { $ref: '#/components/schemas/ChatMessageDto' },
    });
    expect(request.properties.temperature).toMatchObject({ type: 'number', minimum: 0, maximum: 2, nullable: true });
    expect(request.properties.max_tokens).toMatchObject({ type: 'integer', minimum: 1, maximum: 1_000_000 });
    expect(request.properties.stream).toMatchObject({ type: 'boolean', nullable: true });
    expect(schemas.StreamOptionsDto.properties.include_usage).toMatchObject({ type: 'boolean', nullable: true });
    expect(schemas.ChatMessageDto.properties.role).toMatchObject({ type: 'string', enum: expect.arrayContaining(['user', 'assistant']) });
    expect(schemas.ChatMessageDto.properties.tool_call_id).toMatchObject({ type: 'string', nullable: true });
    // OpenAPI 3.0 allows one `type` per schema (zod writes `[T, "null"]` for bare nullable fields: nestjs-zod#473).
    expect(JSON.stringify(document)).not.toMatch(/"type":\[/);
  });

  it('serves the UI at /docs', async () => {
    const res = await request(t.server).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
  });
});
